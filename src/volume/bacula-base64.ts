/**
 * The two base64 forms of Bacula/Bareos (spec volume-format.md §7.3):
 * - base64 **integers** (the LStat fields): alphabet `A–Z a–z 0–9 + /`, most significant digit first,
 *   6 bits a digit, no padding, no fixed width, zero is `A`, a negative value is `-` + magnitude;
 * - base64 **byte strings** (digests, FileSetMD5 in the catalog): RFC 4648 base64 without `=` padding.
 */
import { VolumeFormatError, type Where } from '../errors.js';

/** The 64 digits in value order; the same order as RFC 4648 (§7.3). */
export const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Bits carried by one digit. */
const BITS_PER_DIGIT = 6;
const RADIX = 64;
const RADIX_BIG = 64n;

/** Char code → digit value, −1 for characters outside the alphabet. */
const DIGIT_VALUE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < BASE64_ALPHABET.length; i++) table[BASE64_ALPHABET.charCodeAt(i)] = i;
  return table;
})();

const SPACE = 0x20;
const NUL = 0x00;
const MINUS = 0x2d;

/** A decoded base64 integer and the index just past its last digit. */
export interface Base64IntResult<T extends number | bigint = number> {
  value: T;
  /** Index of the character that stopped decoding (a space, a NUL or the end of the string). */
  end: number;
}

function digitOf(code: number): number {
  return code < 128 ? (DIGIT_VALUE[code] ?? -1) : -1;
}

function base64Error(message: string, s: string, at: number, where: Where): VolumeFormatError {
  // The text is at most one LStat field in practice; cut it so a garbage record cannot flood a log.
  const text = s.length > 64 ? `${s.slice(0, 64)}…` : s;
  // `position` is the index in the text; `offset` stays the caller's (a volume offset).
  return new VolumeFormatError('SDP_BASE64_FORMAT', message, { ...where, position: at, text });
}

/**
 * Encodes an integer as a Bacula base64 number (§7.3). Values beyond 2^53 are accepted as `bigint`
 * (or as an integral `number`, which is then taken at its exact binary value).
 *
 * @throws VolumeFormatError `SDP_BASE64_FORMAT` when `n` is not an integer (NaN, ±Infinity, a fraction).
 */
export function encodeBase64Int(n: number | bigint): string {
  if (typeof n === 'number') {
    if (!Number.isInteger(n)) {
      throw new VolumeFormatError('SDP_BASE64_FORMAT', 'only integers have a base64 form', {
        text: String(n),
      });
    }
    if (!Number.isSafeInteger(n)) return encodeBase64Int(BigInt(n));
    if (n === 0) return 'A';
    let magnitude = Math.abs(n);
    let out = '';
    while (magnitude > 0) {
      out = BASE64_ALPHABET.charAt(magnitude % RADIX) + out;
      magnitude = Math.floor(magnitude / RADIX);
    }
    return n < 0 ? `-${out}` : out;
  }
  if (n === 0n) return 'A';
  let magnitude = n < 0n ? -n : n;
  let out = '';
  while (magnitude > 0n) {
    out = BASE64_ALPHABET.charAt(Number(magnitude % RADIX_BIG)) + out;
    magnitude /= RADIX_BIG;
  }
  return n < 0n ? `-${out}` : out;
}

/**
 * Decodes a Bacula base64 number starting at `at` as a `bigint`; decoding stops at a space, a NUL or the
 * end of the string (§7.3). Use this for fields that may exceed 2^53.
 *
 * @throws VolumeFormatError `SDP_BASE64_FORMAT` for a character outside the alphabet or an empty number.
 */
export function decodeBase64BigInt(s: string, at = 0, where: Where = {}): Base64IntResult<bigint> {
  let i = at;
  const negative = s.charCodeAt(i) === MINUS;
  if (negative) i++;
  const first = i;
  let value = 0n;
  for (; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code === SPACE || code === NUL) break;
    const digit = digitOf(code);
    if (digit < 0)
      throw base64Error(`character ${JSON.stringify(s.charAt(i))} is not a base64 digit`, s, i, where);
    value = (value << BigInt(BITS_PER_DIGIT)) | BigInt(digit);
  }
  // An empty number never comes from an encoder (zero is `A`); treating it as 0 would hide damage.
  if (i === first) throw base64Error('empty base64 number', s, at, where);
  return { value: negative ? -value : value, end: i };
}

/**
 * Decodes a Bacula base64 number starting at `at`; decoding stops at a space, a NUL or the end of the
 * string (§7.3). Returns the value and the index where decoding stopped.
 *
 * @throws VolumeFormatError `SDP_BASE64_FORMAT` for a character outside the alphabet, an empty number, or a
 *   magnitude above `Number.MAX_SAFE_INTEGER` (use {@link decodeBase64BigInt} for those).
 */
export function decodeBase64Int(s: string, at = 0, where: Where = {}): Base64IntResult {
  let i = at;
  const negative = s.charCodeAt(i) === MINUS;
  if (negative) i++;
  const first = i;
  let value = 0;
  for (; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code === SPACE || code === NUL) break;
    const digit = digitOf(code);
    if (digit < 0)
      throw base64Error(`character ${JSON.stringify(s.charAt(i))} is not a base64 digit`, s, i, where);
    value = value * RADIX + digit;
    // Checked per digit: past 2^53 the float arithmetic above would silently round. Below it every
    // step is exact, so a result above the limit means the true value is above it too.
    if (value > Number.MAX_SAFE_INTEGER) throw base64Error('base64 number exceeds 2^53 - 1', s, at, where);
  }
  if (i === first) throw base64Error('empty base64 number', s, at, where);
  // `-A` is a legal spelling of zero; never hand out −0.
  return { value: negative && value !== 0 ? -value : value, end: i };
}

/** RFC 4648 alphabet, nothing else: the digest form has no padding and no whitespace. */
const DIGEST_BASE64 = /^[A-Za-z0-9+/]*$/;

/**
 * Encodes bytes (a digest, a FileSetMD5) the way the catalog stores them: RFC 4648 base64 without `=`
 * padding (§7.3). MD5 `6f5902ac…3dc4` → `b1kCrCNwJL3QwXbLkwY9xA`.
 */
export function encodeDigestBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

/**
 * Decodes the catalog's unpadded base64 byte strings (§7.3). Only the canonical form is accepted (unused
 * low bits of the last digit must be zero), so `encodeDigestBase64(decodeDigestBase64(s)) === s`.
 *
 * @throws VolumeFormatError `SDP_BASE64_FORMAT` for padding, characters outside the alphabet, an impossible
 *   length, or non-zero unused bits.
 */
export function decodeDigestBase64(s: string, where: Where = {}): Uint8Array {
  if (!DIGEST_BASE64.test(s)) {
    const bad = [...s].findIndex((c) => !DIGEST_BASE64.test(c));
    throw base64Error('not an unpadded base64 byte string', s, Math.max(bad, 0), where);
  }
  // 4 digits carry 3 bytes; a lone trailing digit carries 6 bits, less than one byte.
  if (s.length % 4 === 1) throw base64Error('impossible base64 length', s, s.length - 1, where);
  const bytes = Uint8Array.from(Buffer.from(s, 'base64'));
  if (encodeDigestBase64(bytes) !== s) {
    throw base64Error('base64 byte string has non-zero unused bits', s, s.length - 1, where);
  }
  return bytes;
}
