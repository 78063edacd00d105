/**
 * Data-in replies of the SSC/SPC commands in cdb.ts (spec scsi.md §7): READ BLOCK LIMITS, standard
 * INQUIRY data, the MODE SENSE(6)/MODE SELECT(6) parameter header with block descriptors, and the READ
 * POSITION short form. Decode for the tape device, encode for the simulated drive. Length fields are
 * reported as received; encoders derive them when the value leaves them out.
 */
import {
  ascii,
  bitTable,
  bits,
  field,
  flag,
  flatLayout,
  packed,
  reserved,
  u16be,
  u24be,
  u32be,
  u8,
  type FlatValueOf,
} from '../../layout.js';
import { DeviceError, type Where } from '../../errors.js';
import { withScsiCode } from './scsi-error.js';

const decodeWith = <T>(where: Where, step: () => T): T => withScsiCode('SDP_SCSI_PAGE_FORMAT', where, step);

/** READ BLOCK LIMITS reply (6 bytes). */
export const READ_BLOCK_LIMITS_DATA = flatLayout('ReadBlockLimitsData', [
  field('byte0', packed(bitTable('ReadBlockLimitsByte0', 0, 1, [bits('granularity', 0, 4, 0)]))),
  field('maximumBlockLength', u24be),
  field('minimumBlockLength', u16be),
]);
/** Block size limits of the drive; the granularity is a power of two (2^granularity). */
export type ReadBlockLimits = FlatValueOf<typeof READ_BLOCK_LIMITS_DATA>;
/** Decodes a READ BLOCK LIMITS reply (tgt: `09 10 00 00 00 04` = granularity 9, 1 MiB max, 4 min). */
export const decodeReadBlockLimits = (b: Uint8Array, where: Where = {}): ReadBlockLimits =>
  decodeWith(where, () => READ_BLOCK_LIMITS_DATA.decode(b, 0, where));
/** Encodes a READ BLOCK LIMITS reply. */
export const encodeReadBlockLimits = (v: ReadBlockLimits): Uint8Array => READ_BLOCK_LIMITS_DATA.encode(v);

/** Standard INQUIRY data, bytes 0-35 (SPC-4); the rest is kept raw in `additionalBytes`. */
export const INQUIRY_DATA = flatLayout('StandardInquiryData', [
  field(
    'byte0',
    packed(
      bitTable('InquiryByte0', 0, 1, [
        bits('peripheralQualifier', 0, 7, 5),
        bits('peripheralDeviceType', 0, 4, 0),
      ]),
    ),
  ),
  field('byte1', packed(bitTable('InquiryByte1', 1, 1, [flag('rmb', 1, 7), flag('lucong', 1, 6)]))),
  field('version', u8),
  field(
    'byte3',
    packed(
      bitTable('InquiryByte3', 3, 1, [
        flag('normaca', 3, 5),
        flag('hisup', 3, 4),
        bits('responseDataFormat', 3, 3, 0),
      ]),
    ),
  ),
  field('additionalLength', u8),
  field(
    'byte5',
    packed(
      bitTable('InquiryByte5', 5, 3, [
        flag('sccs', 5, 7),
        flag('acc', 5, 6),
        bits('tpgs', 5, 5, 4),
        flag('threePc', 5, 3),
        flag('protect', 5, 0),
        flag('encserv', 6, 6),
        flag('vs1', 6, 5),
        flag('multip', 6, 4),
        flag('addr16', 6, 0),
        flag('wbus16', 7, 5),
        flag('sync', 7, 4),
        flag('cmdque', 7, 1),
        flag('vs2', 7, 0),
      ]),
    ),
  ),
  field('vendorIdentification', ascii(8)),
  field('productIdentification', ascii(16)),
  field('productRevisionLevel', ascii(4)),
]);
/** Peripheral device types (byte 0 bits 4-0). */
export const PERIPHERAL_DEVICE_TYPE = {
  SEQUENTIAL_ACCESS: 0x01,
  MEDIUM_CHANGER: 0x08,
  STORAGE_ARRAY_CONTROLLER: 0x0c,
} as const;

type InquiryFixed = Omit<FlatValueOf<typeof INQUIRY_DATA>, 'additionalLength'>;
/** Standard INQUIRY data. Strings keep their space padding (`IET     `). */
export interface InquiryData extends InquiryFixed {
  /** ADDITIONAL LENGTH (total − 5); derived when left out. */
  readonly additionalLength?: number;
  /** Bytes 36 onwards as received (vendor specific, version descriptors …). */
  readonly additionalBytes: Uint8Array;
}

/** Decodes standard INQUIRY data; needs the 36 fixed bytes (SDP_SCSI_PAGE_FORMAT otherwise). */
export function decodeInquiry(b: Uint8Array, where: Where = {}): InquiryData {
  const v = decodeWith(where, () => INQUIRY_DATA.decode(b, 0, where));
  const end = Math.min(b.length, 5 + v.additionalLength);
  return { ...v, additionalBytes: b.slice(INQUIRY_DATA.size, Math.max(INQUIRY_DATA.size!, end)) };
}
/** Encodes standard INQUIRY data. */
export function encodeInquiry(v: InquiryData): Uint8Array {
  const out = new Uint8Array(INQUIRY_DATA.size! + v.additionalBytes.length);
  const { additionalBytes, additionalLength, ...fixed } = v;
  INQUIRY_DATA.encodeInto({ ...fixed, additionalLength: additionalLength ?? out.length - 5 }, out, 0);
  out.set(additionalBytes, INQUIRY_DATA.size);
  return out;
}

/** Mode parameter header(6) (spec §7). */
export const MODE_PARAMETER_HEADER_6 = flatLayout('ModeParameterHeader6', [
  field('modeDataLength', u8),
  field('mediumType', u8),
  field(
    'byte2',
    packed(
      bitTable('ModeHeaderByte2', 2, 1, [
        flag('wp', 2, 7),
        bits('bufferedMode', 2, 6, 4),
        bits('speed', 2, 3, 0),
      ]),
    ),
  ),
  field('blockDescriptorLength', u8),
]);
/** Mode parameter block descriptor (8 bytes); block length 0 = variable-block mode. */
export const MODE_BLOCK_DESCRIPTOR = flatLayout('ModeBlockDescriptor', [
  field('densityCode', u8),
  field('numberOfBlocks', u24be),
  field('reserved4', reserved(1)),
  field('blockLength', u24be),
]);
/** One block descriptor. */
export type ModeBlockDescriptor = FlatValueOf<typeof MODE_BLOCK_DESCRIPTOR>;
type ModeHeader = FlatValueOf<typeof MODE_PARAMETER_HEADER_6>;

/** MODE SENSE(6) data / MODE SELECT(6) parameter list. */
export interface ModeParameters6 extends Omit<ModeHeader, 'modeDataLength' | 'blockDescriptorLength'> {
  /** MODE DATA LENGTH (total − 1; 0 in MODE SELECT); derived when left out. */
  readonly modeDataLength?: number;
  /** BLOCK DESCRIPTOR LENGTH; derived (8 × descriptors) when left out. */
  readonly blockDescriptorLength?: number;
  readonly blockDescriptors: readonly ModeBlockDescriptor[];
  /** The mode pages after the block descriptors, raw. */
  readonly pages: Uint8Array;
}

/**
 * Decodes MODE SENSE(6) data, bounded by MODE DATA LENGTH; with `select` a MODE SELECT(6) parameter list,
 * where that field is reserved (0) and the list is all of `b`. A reply cut short by the allocation length
 * (tgt: `0d 00 10 08` + 8 bytes of a 14-byte answer) decodes what arrived, whole block descriptors only.
 */
export function decodeModeParameters6(
  b: Uint8Array,
  where: Where = {},
  { select = false }: { readonly select?: boolean } = {},
): ModeParameters6 {
  const h = decodeWith(where, () => MODE_PARAMETER_HEADER_6.decode(b, 0, where));
  const headerBytes = MODE_PARAMETER_HEADER_6.size!;
  const descriptorBytes = MODE_BLOCK_DESCRIPTOR.size!;
  if (h.blockDescriptorLength % descriptorBytes !== 0)
    throw new DeviceError('SDP_SCSI_PAGE_FORMAT', 'block descriptor length is not a multiple of 8', {
      ...where,
      blockDescriptorLength: h.blockDescriptorLength,
    });
  const total = select ? b.length : Math.max(headerBytes, Math.min(b.length, h.modeDataLength + 1));
  const descriptorsEnd = Math.min(total, headerBytes + h.blockDescriptorLength);
  const blockDescriptors: ModeBlockDescriptor[] = [];
  for (let p = headerBytes; p + descriptorBytes <= descriptorsEnd; p += descriptorBytes)
    blockDescriptors.push(MODE_BLOCK_DESCRIPTOR.decode(b, p, where));
  const pagesAt = Math.min(total, headerBytes + h.blockDescriptorLength);
  return { ...h, blockDescriptors, pages: b.slice(pagesAt, total) };
}
/** Encodes MODE SENSE(6) data or a MODE SELECT(6) parameter list (pass `modeDataLength: 0` for SELECT). */
export function encodeModeParameters6(v: ModeParameters6): Uint8Array {
  const descriptorBytes = v.blockDescriptors.length * MODE_BLOCK_DESCRIPTOR.size!;
  const out = new Uint8Array(MODE_PARAMETER_HEADER_6.size! + descriptorBytes + v.pages.length);
  const { blockDescriptors, pages, modeDataLength, blockDescriptorLength, ...header } = v;
  let p = MODE_PARAMETER_HEADER_6.encodeInto(
    {
      ...header,
      modeDataLength: modeDataLength ?? out.length - 1,
      blockDescriptorLength: blockDescriptorLength ?? descriptorBytes,
    },
    out,
    0,
  );
  for (const d of blockDescriptors) p = MODE_BLOCK_DESCRIPTOR.encodeInto(d, out, p);
  out.set(pages, p);
  return out;
}

/** READ POSITION short form reply (20 bytes). */
export const READ_POSITION_SHORT = flatLayout('ReadPositionShortForm', [
  field(
    'byte0',
    packed(
      bitTable('ReadPositionByte0', 0, 1, [
        flag('bop', 0, 7),
        flag('eop', 0, 6),
        flag('locu', 0, 5),
        flag('bycu', 0, 4),
        // "BPU" (block position unknown) in the spec and SSC-2; LOLU in SSC-3.
        flag('bpu', 0, 2),
        flag('perr', 0, 1),
      ]),
    ),
  ),
  field('partitionNumber', u8),
  field('reserved2', reserved(2)),
  field('firstLogicalObjectLocation', u32be),
  field('lastLogicalObjectLocation', u32be),
  field('reserved12', reserved(1)),
  field('numberOfLogicalObjectsInObjectBuffer', u24be),
  field('numberOfBytesInObjectBuffer', u32be),
]);
/** The position of the tape (short form): BOP/EOP, block numbers, what is still buffered. */
export type ReadPositionShort = FlatValueOf<typeof READ_POSITION_SHORT>;
/** Decodes a READ POSITION short-form reply (tgt's stub: byte 0 = 0x14, all else 0). */
export const decodeReadPositionShort = (b: Uint8Array, where: Where = {}): ReadPositionShort =>
  decodeWith(where, () => READ_POSITION_SHORT.decode(b, 0, where));
/** Encodes a READ POSITION short-form reply. */
export const encodeReadPositionShort = (v: ReadPositionShort): Uint8Array => READ_POSITION_SHORT.encode(v);
