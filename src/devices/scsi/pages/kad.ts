/**
 * Key-associated data (KAD) descriptors (spec scsi.md §3 "KAD descriptor"), as they follow the key in a
 * Set Data Encryption page and end the Data Encryption Status and Next Block Encryption Status pages.
 */
import { bitTable, bits, field, flatLayout, packed, u16be, u8, type FlatValueOf } from '../../../layout.js';
import type { Where } from '../../../errors.js';
import { decodeStep, expectPageCode, PAGE_HEADER_BYTES, pageEnd, pageError } from './page-common.js';

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

/** The fixed part of a page that KAD descriptors follow (SPIN 0x0020 and 0x0021). */
interface FixedPageLayout<V> {
  readonly size: number | undefined;
  decode(bytes: Uint8Array, at: number, where: Where): V;
  encodeInto(value: V, bytes: Uint8Array, at: number): number;
}

/** A page value: the fixed fields (PAGE CODE and LENGTH optional on encode) and its KADs. */
export type KadPageValue<V> = Omit<V, 'pageCode' | 'pageLength'> & {
  readonly pageCode?: number;
  readonly pageLength?: number;
  readonly kads: readonly Kad[];
};

/**
 * Decoder and encoder of a page made of a fixed part and KAD descriptors. KADs are read up to
 * 4 + PAGE LENGTH or the bytes received, whichever ends first; on encode PAGE CODE and PAGE LENGTH are
 * derived when left out.
 */
export function kadPage<V extends { pageCode: number; pageLength: number }>(
  fixed: FixedPageLayout<V>,
  pageCode: number,
  title: string,
): {
  decode(bytes: Uint8Array, where?: Where): KadPageValue<V>;
  encode(value: KadPageValue<V>): Uint8Array;
} {
  const at = fixed.size ?? 0;
  return {
    decode(b, where = {}) {
      const f = decodeStep(where, () => fixed.decode(b, 0, where));
      expectPageCode(f.pageCode, pageCode, title, where);
      return { ...f, kads: decodeKads(b, at, Math.max(at, pageEnd(b, f.pageLength)), where) };
    },
    encode(v) {
      const out = new Uint8Array(at + kadsSize(v.kads));
      const { kads, pageCode: code, pageLength, ...rest } = v;
      fixed.encodeInto(
        {
          ...rest,
          pageCode: code ?? pageCode,
          pageLength: pageLength ?? out.length - PAGE_HEADER_BYTES,
        } as unknown as V,
        out,
        0,
      );
      encodeKadsInto(kads, out, at);
      return out;
    },
  };
}
