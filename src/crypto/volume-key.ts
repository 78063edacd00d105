/**
 * Volume keys in their stored ("catalog") form, as Bareos' director writes `Media.EncryptionKey` and the
 * storage daemon keeps it in its crypto cache (spec crypto.md §2, §6): base64 (unpadded) of the 40-byte
 * RFC 3394 wrap of the 32-byte passphrase when a KEK is configured (54 characters), else base64 of the
 * passphrase itself (43 characters). Nothing in the value says which; the holder of the KEK decides.
 */
import { CryptoError, type Where } from '../errors.js';
import { decodeKeyBase64, encodeKeyBase64, isKeyBase64Of } from './bareos-base64.js';
import { secretCopy, wipe } from './key-material.js';
import { unwrapVolumeKey, VOLUME_KEY_BYTES, WRAPPED_VOLUME_KEY_BYTES, wrapVolumeKey } from './key-wrap.js';
import { generatePassphrase } from './passphrase.js';

/**
 * Bareos decodes a wrapped key into a 44-byte buffer (DEFAULT_PASSPHRASE_LENGTH + 12) and unwraps its
 * first 40 bytes; text longer than 56 characters is refused, extra decoded bytes (`=` padding) ignored.
 */
export const WRAPPED_KEY_DECODE_BYTES = VOLUME_KEY_BYTES + 12;

/** The stored form of a volume key: base64 of its wrap under `kek` (16 bytes), or of the key itself. */
export function catalogKeyFor(volumeKey: Uint8Array, kek?: Uint8Array, where: Where = {}): Buffer {
  if (!kek) return encodeKeyBase64(volumeKey);
  const wrapped = wrapVolumeKey(kek, volumeKey, where);
  try {
    return encodeKeyBase64(wrapped);
  } finally {
    wipe(wrapped);
  }
}

/** A fresh volume key and its stored form (wrapped when `kek` is given). Wipe both when done. */
export function generateVolumeKey(
  kek?: Uint8Array,
  where: Where = {},
): { volumeKey: Buffer; catalogKey: Buffer } {
  const volumeKey = generatePassphrase();
  try {
    return { volumeKey, catalogKey: catalogKeyFor(volumeKey, kek, where) };
  } catch (e) {
    wipe(volumeKey);
    throw e;
  }
}

/**
 * The 40 wrapped bytes of a stored wrapped key, decoded as bscrypto `-k -w` does (lenient base64 into a
 * 44-byte buffer, first 40 bytes, zero-filled when shorter).
 *
 * @throws CryptoError `SDP_KEY_BASE64` for empty or over-long text.
 */
export function wrappedBytesOfCatalogKey(catalogKey: Uint8Array, where: Where = {}): Buffer {
  const decoded = decodeKeyBase64(catalogKey, { destinationBytes: WRAPPED_KEY_DECODE_BYTES }, where);
  try {
    if (decoded.length === 0) {
      throw new CryptoError('SDP_KEY_BASE64', 'the stored key is empty', { ...where, reason: 'empty' });
    }
    const wrapped = Buffer.alloc(WRAPPED_VOLUME_KEY_BYTES);
    wrapped.set(decoded.subarray(0, WRAPPED_VOLUME_KEY_BYTES));
    return wrapped;
  } finally {
    wipe(decoded);
  }
}

/**
 * The 32-byte volume key of a stored key: unwrapped with `kek` when given, else base64-decoded.
 *
 * @throws CryptoError `SDP_KEY_UNWRAP` (wrong KEK, damaged key) or `SDP_KEY_BASE64` (not a key's base64).
 */
export function volumeKeyFromCatalogKey(catalogKey: Uint8Array, kek?: Uint8Array, where: Where = {}): Buffer {
  if (kek) {
    const wrapped = wrappedBytesOfCatalogKey(catalogKey, where);
    try {
      return unwrapVolumeKey(kek, wrapped, where);
    } finally {
      wipe(wrapped);
    }
  }
  const decoded = decodeKeyBase64(catalogKey, {}, where);
  try {
    if (decoded.length < VOLUME_KEY_BYTES) {
      throw new CryptoError('SDP_KEY_BASE64', 'the stored key does not decode to a 32-byte volume key', {
        ...where,
        reason: 'length',
        decodedBytes: decoded.length,
      });
    }
    return secretCopy(decoded, 0, VOLUME_KEY_BYTES);
  } finally {
    wipe(decoded);
  }
}

/** True when a stored key has the shape of a wrapped key: base64 of exactly 40 bytes (54 characters). */
export const isWrappedCatalogKey = (catalogKey: Uint8Array): boolean =>
  isKeyBase64Of(catalogKey, WRAPPED_VOLUME_KEY_BYTES);

/** What re-wrapping one stored key under a new KEK did. */
export type CatalogKeyRewrap =
  /** Unwrapped with the old KEK and wrapped with the new one: `value` is the new stored form. */
  | { readonly outcome: 'rewrapped'; readonly value: Buffer }
  /** Already wrapped under the new KEK (a rotation that was interrupted and is being run again). */
  | { readonly outcome: 'current' }
  /** Not a wrapped key (empty, or a key stored without KEK): left as it is. */
  | { readonly outcome: 'not-wrapped' };

/**
 * Re-wraps one stored key from `oldKek` to `newKek` (both 16 bytes). A key that does not look wrapped
 * is left alone; one that opens with neither KEK is an error, so that a wrong old KEK changes nothing.
 *
 * @throws CryptoError `SDP_KEY_UNWRAP` when the key opens with neither KEK.
 */
export function rewrapCatalogKey(
  catalogKey: Uint8Array,
  oldKek: Uint8Array,
  newKek: Uint8Array,
  where: Where = {},
): CatalogKeyRewrap {
  if (!isWrappedCatalogKey(catalogKey)) return { outcome: 'not-wrapped' };
  let volumeKey: Buffer | undefined;
  try {
    volumeKey = volumeKeyFromCatalogKey(catalogKey, oldKek, where);
  } catch (e) {
    if (!(e instanceof CryptoError) || e.code !== 'SDP_KEY_UNWRAP') throw e;
    try {
      wipe(volumeKeyFromCatalogKey(catalogKey, newKek, where));
      return { outcome: 'current' };
    } catch {
      throw new CryptoError(
        'SDP_KEY_UNWRAP',
        'a stored volume key opens with neither the old nor the new KEK (wrong old KEK?)',
        { ...where, reason: 'integrity' },
      );
    }
  }
  try {
    return { outcome: 'rewrapped', value: catalogKeyFor(volumeKey, newKek, where) };
  } finally {
    wipe(volumeKey);
  }
}
