/**
 * What bscrypto does to key text (spec crypto.md §4), as pure functions: the key a `-g` run writes, the
 * text `-k` prints, the passphrase `-k -w` / `-s -w` unwraps, and the entries `-p` reads. Key text is the
 * C string of a key file (see `key-file.ts`); every result is a buffer of its own, to be wiped.
 */
import { CryptoError, type Where } from '../errors.js';
import { decodeKeyBase64, encodeKeyBase64 } from './bareos-base64.js';
import { cStringLength } from './key-file.js';
import { secretCopy, wipe } from './key-material.js';
import { unwrapVolumeKey, VOLUME_KEY_BYTES, wrapVolumeKey } from './key-wrap.js';
import { wrappedBytesOfCatalogKey } from './volume-key.js';

/** `-k -b` decodes into a 36-byte buffer (DEFAULT_PASSPHRASE_LENGTH + 4): longer text shows as empty. */
export const SHOW_KEY_DECODE_BYTES = VOLUME_KEY_BYTES + 4;

/** What `bscrypto -g` produces from a fresh passphrase. */
export interface GeneratedKey {
  /** The bytes written to the key file or standard output. */
  readonly text: Buffer;
  /** Bareos' `keydata` buffer, shown by its `Keydata =` debug line: the base64 text, or empty for -g alone. */
  readonly keydata: Buffer;
}

/**
 * The key text of `bscrypto -g`: the passphrase itself, its base64 (`-b`), or the base64 of its RFC 3394
 * wrap under `kek` (`-w`, with or without `-b`).
 *
 * @throws CryptoError `SDP_KEY_WRAP` for a KEK that is not 16 bytes.
 */
export function generatedKeyText(
  passphrase: Uint8Array,
  options: { base64: boolean; kek?: Uint8Array },
): GeneratedKey {
  if (options.kek) {
    const wrapped = wrapVolumeKey(options.kek, passphrase);
    try {
      const text = encodeKeyBase64(wrapped);
      return { text, keydata: text };
    } finally {
      wipe(wrapped);
    }
  }
  if (options.base64) {
    const text = encodeKeyBase64(passphrase);
    return { text, keydata: text };
  }
  return { text: secretCopy(passphrase), keydata: Buffer.alloc(0) };
}

/**
 * What `bscrypto -k` prints for a key text without `-w`: its first 32 bytes, or with `-b` the first 32
 * bytes of its base64 decoding (nothing when the text is too long for Bareos' 36-byte buffer); always
 * cut at a NUL, as `%.*s` prints.
 */
export function shownKeyText(keyText: Uint8Array, base64: boolean): Buffer {
  if (!base64) return secretCopy(keyText, 0, cStringLength(keyText, VOLUME_KEY_BYTES));
  let decoded: Buffer;
  try {
    decoded = decodeKeyBase64(keyText, { destinationBytes: SHOW_KEY_DECODE_BYTES });
  } catch {
    return Buffer.alloc(0);
  }
  try {
    return secretCopy(decoded, 0, cStringLength(decoded, VOLUME_KEY_BYTES));
  } finally {
    wipe(decoded);
  }
}

/**
 * The passphrase of a wrapped key text (`-k -w`, `-s -w`): base64-decoded as bscrypto does, its first
 * 40 bytes unwrapped with the 16-byte `kek`, cut at a NUL.
 *
 * @throws CryptoError `SDP_KEY_BASE64` (empty or over-long text: bscrypto's "Failed to base64 decode") or
 *   `SDP_KEY_UNWRAP` (wrong KEK or damaged key: "Failed to aes unwrap").
 */
export function unwrapKeyText(keyText: Uint8Array, kek: Uint8Array, where: Where = {}): Buffer {
  const wrapped = wrappedBytesOfCatalogKey(keyText, where);
  try {
    const key = unwrapVolumeKey(kek, wrapped, where);
    try {
      return secretCopy(key, 0, cStringLength(key, VOLUME_KEY_BYTES));
    } finally {
      wipe(key);
    }
  } finally {
    wipe(wrapped);
  }
}

/** One `VolumeName<TAB>Key` entry of `bscrypto -p` input. */
export interface CacheEntryInput {
  readonly volumeName: string;
  /** The key text as given (normally the catalog's base64 form). Wipe it when done. */
  readonly key: Buffer;
}

const isJunk = (b: number | undefined) => b === 0x0a || b === 0x0d || b === 0x20;

/**
 * The entries of `bscrypto -p` input. Bareos takes one entry per read() of a terminal; sdpipe reads
 * lines. Each line loses its trailing `\n`, `\r` and spaces, splits at its first TAB into volume name
 * and key; a line without TAB (an empty one included) ends the input.
 */
export function cacheEntryLines(input: Uint8Array): CacheEntryInput[] {
  const out: CacheEntryInput[] = [];
  let start = 0;
  while (start < input.length) {
    let end = input.indexOf(0x0a, start);
    if (end < 0) end = input.length;
    const line = input.subarray(start, end);
    start = end + 1;
    let n = cStringLength(line);
    while (n > 0 && isJunk(line[n - 1])) n--;
    const tab = line.subarray(0, n).indexOf(0x09);
    if (tab < 0) break;
    out.push({
      volumeName: Buffer.from(line.subarray(0, tab)).toString('utf8'),
      key: secretCopy(line, tab + 1, n),
    });
  }
  return out;
}

/** True when `e` is the error bscrypto reports as "Failed to base64 decode". */
export const isBase64DecodeFailure = (e: unknown): boolean =>
  e instanceof CryptoError && e.code === 'SDP_KEY_BASE64';
