/**
 * Key-associated data (KAD) descriptors (spec scsi.md §3 "KAD descriptor"), as they follow the key in a
 * Set Data Encryption page and end the Data Encryption Status and Next Block Encryption Status pages.
 */
import { bitTable, bits, field, flatLayout, packed, u16be, u8, type FlatValueOf } from '../../../layout.js';
import type { Where } from '../../../errors.js';
import { decodeStep, pageError } from './page-common.js';

/** KAD descriptor header (4 bytes); KEY DESCRIPTOR bytes follow. */
export const KAD_HEADER = flatLayout('KadDescriptorHeader', [
  field('keyDescriptorType', u8),
  field('byte1', packed(bitTable('KadByte1', 1, 1, [bits('authenticated', 1, 2, 0)]))),
  field('keyDescriptorLength', u16be),
]);

/** KEY DESCRIPTOR TYPE values (0-3 SSC-4, 4 as stenc names it). */
export const KAD_TYPE = { U_KAD: 0, A_KAD: 1, NONCE: 2, METADATA: 3, WRAPPED_KEY: 4 } as const;
/** Names of the KEY DESCRIPTOR TYPE values. */
export const KAD_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'U-KAD (unauthenticated)',
  1: 'A-KAD (authenticated)',
  2: 'nonce',
  3: 'metadata',
  4: 'wrapped-key KAD',
};

/** One KAD descriptor. */
export interface Kad extends Omit<FlatValueOf<typeof KAD_HEADER>, 'keyDescriptorLength'> {
  readonly keyDescriptor: Uint8Array;
}

/**
 * Decodes the KAD descriptors in `bytes[at, end)`. A descriptor running past `end` is SDP_SCSI_PAGE_FORMAT
 * with `offset` = its KEY DESCRIPTOR LENGTH field (page offsets: `base` is where the page starts).
 */
export function decodeKads(bytes: Uint8Array, at: number, end: number, where: Where = {}, base = 0): Kad[] {
  const kads: Kad[] = [];
  let p = at;
  while (p < end) {
    if (p + KAD_HEADER.size! > end)
      throw pageError('KAD descriptor header runs past the end of the page', where, p - base);
    const h = decodeStep(where, () => KAD_HEADER.decode(bytes, p, where, end));
    const from = p + KAD_HEADER.size!;
    if (from + h.keyDescriptorLength > end)
      throw pageError('KAD descriptor runs past the end of the page', where, p + 2 - base, {
        keyDescriptorLength: h.keyDescriptorLength,
      });
    kads.push({
      keyDescriptorType: h.keyDescriptorType,
      authenticated: h.authenticated,
      keyDescriptor: bytes.slice(from, from + h.keyDescriptorLength),
    });
    p = from + h.keyDescriptorLength;
  }
  return kads;
}

/** Bytes the KAD descriptors take. */
export const kadsSize = (kads: readonly Kad[]): number =>
  kads.reduce((n, k) => n + KAD_HEADER.size! + k.keyDescriptor.length, 0);

/** Encodes KAD descriptors into `out` at `at`; returns the offset after them. */
export function encodeKadsInto(kads: readonly Kad[], out: Uint8Array, at: number): number {
  let p = at;
  for (const k of kads) {
    p = KAD_HEADER.encodeInto({ ...k, keyDescriptorLength: k.keyDescriptor.length }, out, p);
    out.set(k.keyDescriptor, p);
    p += k.keyDescriptor.length;
  }
  return p;
}

/** Encodes KAD descriptors. */
export function encodeKads(kads: readonly Kad[]): Uint8Array {
  const out = new Uint8Array(kadsSize(kads));
  encodeKadsInto(kads, out, 0);
  return out;
}
