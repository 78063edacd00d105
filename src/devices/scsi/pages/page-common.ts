/**
 * What every SCSI page decoder shares: SDP_SCSI_PAGE_FORMAT errors that name the byte at fault
 * (`offset`, so the simulated drive can answer 26/00 with that field pointer), the page-code check, and
 * the search for the first reserved bit that is set.
 */
import { DeviceError, type Where } from '../../../errors.js';
import type { FlatLayout } from '../../../layout.js';
import { withScsiCode } from '../scsi-error.js';

/** Page code and PAGE LENGTH: the header every SPIN/SPOUT and log page starts with. */
export const PAGE_HEADER_BYTES = 4;

/** Runs a layout decode and reports a short page as SDP_SCSI_PAGE_FORMAT. */
export const decodeStep = <T>(where: Where, step: () => T): T =>
  withScsiCode('SDP_SCSI_PAGE_FORMAT', where, step);

/** A page error naming the byte (`offset`, from the page start) whose value is wrong. */
export const pageError = (message: string, where: Where, offset: number, extra: Where = {}): DeviceError =>
  new DeviceError('SDP_SCSI_PAGE_FORMAT', message, { ...where, offset, ...extra });

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

/** Throws SDP_SCSI_PAGE_FORMAT (offset 0) unless the page code is the expected one. */
export function expectPageCode(actual: number, expected: number, page: string, where: Where): void {
  if (actual !== expected)
    throw pageError(`${page}: page code ${hex4(actual)}, expected ${hex4(expected)}`, where, 0, {
      pageCode: actual,
    });
}

/**
 * End of a page's content: 4 + PAGE LENGTH, but never past the bytes received (a reply cut short by the
 * allocation length, or a drive whose PAGE LENGTH overstates the page, is read as far as it goes).
 */
export const pageEnd = (bytes: Uint8Array, pageLength: number, headerBytes = PAGE_HEADER_BYTES): number =>
  Math.min(bytes.length, headerBytes + pageLength);

/** Where the first set reserved bit of a fixed layout at `at` is (byte counted from `at`, bit 7 = MSB). */
export function firstReservedBit(
  layout: Pick<FlatLayout<never>, 'reservedMasks'>,
  bytes: Uint8Array,
  at = 0,
): { readonly byte: number; readonly bit: number } | undefined {
  const masks = layout.reservedMasks ?? [];
  for (let i = 0; i < masks.length && at + i < bytes.length; i++) {
    const set = bytes[at + i]! & masks[i]!;
    if (set) return { byte: i, bit: 31 - Math.clz32(set) };
  }
  return undefined;
}
