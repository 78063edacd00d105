/**
 * The base64 Bareos uses for all key material (spec crypto.md §2: BinToBase64 with the standard
 * encoding, Base64ToBin): alphabet `A–Z a–z 0–9 + /`, the last partial group left-aligned as in RFC 4648,
 * and **no `=` padding** (32 bytes → 43 characters, 40 → 54). The decoder is Bareos' lenient one: it stops
 * at the first space, maps unknown characters (`=` included) to 0 and yields floor(n × 6 / 8) bytes.
 * Encoded text is returned as ASCII bytes in a buffer, so that key material can be wiped.
 */
import { CryptoError, type Where } from '../errors.js';

/** The 64 digits, in value order. */
export const KEY_BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const DIGITS = Buffer.from(KEY_BASE64_ALPHABET, 'latin1');
/** Character code → value; unknown characters are 0, as in Bareos' decoder. */
const VALUES = (() => {
  const map = new Uint8Array(256);
  for (let i = 0; i < DIGITS.length; i++) map[DIGITS[i]!] = i;
  return map;
})();
const IS_DIGIT = (() => {
  const map = new Uint8Array(256);
  for (const d of DIGITS) map[d] = 1;
  return map;
})();
const SPACE = 0x20;

/** Characters the encoding of `byteLength` bytes takes: ceil(n × 8 / 6), no padding. */
export const keyBase64Length = (byteLength: number): number => Math.ceil((byteLength * 8) / 6);

/** Bytes Bareos' decoder yields for `charLength` characters: floor(n × 6 / 8). */
export const keyBase64DecodedLength = (charLength: number): number => Math.floor((charLength * 6) / 8);

/** Encodes bytes as unpadded standard base64, returned as ASCII bytes. */
export function encodeKeyBase64(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(keyBase64Length(bytes.length));
  let j = 0;
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[j++] = DIGITS[v >>> 18]!;
    out[j++] = DIGITS[(v >>> 12) & 0x3f]!;
    out[j++] = DIGITS[(v >>> 6) & 0x3f]!;
    out[j++] = DIGITS[v & 0x3f]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    // The last 1 or 2 bytes are left-aligned in their 12 or 18 bits (RFC 4648 §4, minus the padding).
    const v = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out[j++] = DIGITS[v >>> 18]!;
    out[j++] = DIGITS[(v >>> 12) & 0x3f]!;
    if (rest === 2) out[j++] = DIGITS[(v >>> 6) & 0x3f]!;
  }
  return out;
}

/** Options of {@link decodeKeyBase64}. */
export interface KeyBase64DecodeOptions {
  /**
   * The size of the buffer Bareos decodes into. Bareos refuses (decodes nothing) when
   * ((characters + 3) / 4) × 3 exceeds it, counting every character of the text, spaces included.
   */
  readonly destinationBytes?: number;
}

/**
 * Decodes base64 key text the way Bareos' Base64ToBin does: up to the first space or the end, unknown
 * characters as 0, floor(n × 6 / 8) bytes out (leftover bits dropped, padding not required).
 *
 * @throws CryptoError `SDP_KEY_BASE64` (`reason: destination`) when `destinationBytes` is given and the
 *   text is too long for it (Bareos returns 0 bytes there).
 */
export function decodeKeyBase64(
  text: Uint8Array | string,
  options: KeyBase64DecodeOptions = {},
  where: Where = {},
): Buffer {
  const src = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  try {
    const limit = options.destinationBytes;
    if (limit !== undefined && Math.floor((src.length + 3) / 4) * 3 > limit) {
      throw new CryptoError('SDP_KEY_BASE64', 'base64 key text is too long for a volume key', {
        ...where,
        reason: 'destination',
        chars: src.length,
      });
    }
    const space = src.indexOf(SPACE);
    const n = space < 0 ? src.length : space;
    const out = Buffer.alloc(keyBase64DecodedLength(n));
    let acc = 0;
    let bits = 0;
    let j = 0;
    for (let i = 0; i < n && j < out.length; i++) {
      acc = ((acc << 6) | VALUES[src[i]!]!) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[j++] = (acc >>> bits) & 0xff;
      }
    }
    return out;
  } finally {
    if (typeof text === 'string') src.fill(0);
  }
}

/**
 * True when `text` is well-formed unpadded (or `=`-padded) base64 of exactly `byteLength` bytes: only
 * alphabet characters, the length the encoder gives, unused trailing bits zero. Used to tell a stored
 * key's form (wrapped 40 bytes or plain 32) without decoding garbage.
 */
export function isKeyBase64Of(text: Uint8Array, byteLength: number): boolean {
  const chars = keyBase64Length(byteLength);
  let n = text.length;
  while (n > chars && text[n - 1] === 0x3d /* '=' */) n--;
  if (n !== chars || text.length - n > 2) return false;
  for (let i = 0; i < n; i++) if (!IS_DIGIT[text[i]!]) return false;
  const unusedBits = chars * 6 - byteLength * 8;
  return unusedBits === 0 || (VALUES[text[n - 1]!]! & ((1 << unusedBits) - 1)) === 0;
}
