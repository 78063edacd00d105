/**
 * SPIN page 0x0010 Data Encryption Capabilities (spec scsi.md §3): a 20-byte header and one 24-byte
 * descriptor per algorithm. The spec leaves open whether to trust PAGE LENGTH or the bytes received
 * (stenc's two-algorithm sample says 0x3C but carries 64 bytes): `lenient` (default) walks every byte
 * received, as stenc does; `strict` stops at PAGE LENGTH and reports a mismatch as SDP_SCSI_PAGE_FORMAT.
 */
import {
  bitTable,
  bits,
  field,
  flag,
  flatLayout,
  packed,
  reserved,
  u16be,
  u32be,
  u8,
  type FlatValueOf,
} from '../../../layout.js';
import type { Where } from '../../../errors.js';
import { decodeStep, expectPageCode, PAGE_HEADER_BYTES, pageError } from './page-common.js';
import { TDE_PAGE } from './tde-codes.js';

/** Capabilities page header (bytes 0-19). */
export const CAPABILITIES_HEADER = flatLayout('DataEncryptionCapabilitiesHeader', [
  field('pageCode', u16be),
  field('pageLength', u16be),
  field('byte4', packed(bitTable('DecByte4', 4, 1, [bits('extdecc', 4, 3, 2), bits('cfgP', 4, 1, 0)]))),
  field('reserved5', reserved(15)),
]);

/** One algorithm descriptor (24 bytes: 4-byte header + 20). */
export const ALGORITHM_DESCRIPTOR = flatLayout('DataEncryptionAlgorithmDescriptor', [
  field('algorithmIndex', u8),
  field('reserved1', reserved(1)),
  field('descriptorLength', u16be),
  field(
    'byte4',
    packed(
      bitTable('AlgorithmByte4', 4, 2, [
        flag('avfmv', 4, 7),
        flag('sdkC', 4, 6),
        flag('macC', 4, 5),
        flag('delbC', 4, 4),
        bits('decryptC', 4, 3, 2),
        bits('encryptC', 4, 1, 0),
        bits('avfcp', 5, 7, 6),
        bits('nonceC', 5, 5, 4),
        flag('kadfC', 5, 3),
        flag('vcelbC', 5, 2),
        flag('ukadf', 5, 1),
        flag('akadf', 5, 0),
      ]),
    ),
  ),
  field('maximumUkadLength', u16be),
  field('maximumAkadLength', u16be),
  field('keyLength', u16be),
  field(
    'byte12',
    packed(
      bitTable('AlgorithmByte12', 12, 2, [
        bits('dkadC', 12, 7, 6),
        bits('eemcC', 12, 5, 4),
        bits('rdmcC', 12, 3, 1),
        flag('earem', 12, 0),
        bits('maximumEedkCount', 13, 3, 0),
      ]),
    ),
  ),
  field('msdkCount', u16be),
  field('maximumEedkSize', u16be),
  field('reserved18', reserved(2)),
  field('algorithmCode', u32be),
]);

/** DESCRIPTOR LENGTH of a standard algorithm descriptor (excludes its 4-byte header). */
export const ALGORITHM_DESCRIPTOR_LENGTH = 20;
const DESCRIPTOR_HEADER_BYTES = 4;

/** One supported algorithm. */
export type AlgorithmDescriptor = Omit<FlatValueOf<typeof ALGORITHM_DESCRIPTOR>, 'descriptorLength'>;
type Header = FlatValueOf<typeof CAPABILITIES_HEADER>;

/** The Data Encryption Capabilities page. */
export interface DataEncryptionCapabilitiesPage extends Omit<Header, 'pageCode' | 'pageLength'> {
  readonly pageCode?: number;
  /** PAGE LENGTH as received; derived when left out. */
  readonly pageLength?: number;
  readonly algorithms: readonly AlgorithmDescriptor[];
}

/** CFG_P values (HP LTO-5 manual, spec §3). */
export const CFG_P = { NOT_REPORTED: 0, CHANGEABLE: 1, NOT_CHANGEABLE: 2 } as const;

/** Decodes page 0x0010; see the module note for `strict`. */
export function decodeDataEncryptionCapabilities(
  b: Uint8Array,
  where: Where = {},
  { strict = false }: { readonly strict?: boolean } = {},
): DataEncryptionCapabilitiesPage {
  const h = decodeStep(where, () => CAPABILITIES_HEADER.decode(b, 0, where));
  expectPageCode(h.pageCode, TDE_PAGE.DATA_ENCRYPTION_CAPABILITIES, 'Data Encryption Capabilities', where);
  const declared = PAGE_HEADER_BYTES + h.pageLength;
  if (strict && declared !== b.length)
    throw pageError(
      `Data Encryption Capabilities: PAGE LENGTH ${h.pageLength} but ${b.length - PAGE_HEADER_BYTES} bytes follow`,
      where,
      CAPABILITIES_HEADER.offsets.pageLength!,
      { pageLength: h.pageLength, length: b.length },
    );
  const end = strict ? declared : b.length;
  const algorithms: AlgorithmDescriptor[] = [];
  let p = CAPABILITIES_HEADER.size!;
  while (p < end) {
    if (p + DESCRIPTOR_HEADER_BYTES > end) throw pageError('algorithm descriptor header cut short', where, p);
    const length = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(
      p + ALGORITHM_DESCRIPTOR.offsets.descriptorLength!,
    );
    if (length < ALGORITHM_DESCRIPTOR_LENGTH || p + DESCRIPTOR_HEADER_BYTES + length > end)
      throw pageError(
        'algorithm descriptor length does not fit',
        where,
        p + ALGORITHM_DESCRIPTOR.offsets.descriptorLength!,
        {
          descriptorLength: length,
        },
      );
    const { descriptorLength: _length, ...d } = ALGORITHM_DESCRIPTOR.decode(b, p, where);
    algorithms.push(d);
    p += DESCRIPTOR_HEADER_BYTES + length;
  }
  const { pageCode, pageLength, extdecc, cfgP } = h;
  return { pageCode, pageLength, extdecc, cfgP, algorithms };
}

/** Encodes page 0x0010 (20-byte descriptors). */
export function encodeDataEncryptionCapabilities(v: DataEncryptionCapabilitiesPage): Uint8Array {
  const out = new Uint8Array(CAPABILITIES_HEADER.size! + v.algorithms.length * ALGORITHM_DESCRIPTOR.size!);
  const { algorithms, pageCode, pageLength, ...header } = v;
  let p = CAPABILITIES_HEADER.encodeInto(
    {
      ...header,
      pageCode: pageCode ?? TDE_PAGE.DATA_ENCRYPTION_CAPABILITIES,
      pageLength: pageLength ?? out.length - PAGE_HEADER_BYTES,
    },
    out,
    0,
  );
  for (const a of algorithms)
    p = ALGORITHM_DESCRIPTOR.encodeInto({ ...a, descriptorLength: ALGORITHM_DESCRIPTOR_LENGTH }, out, p);
  return out;
}
