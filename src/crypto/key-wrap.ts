/**
 * RFC 3394 AES key wrap, and the way Bareos applies it to volume keys (spec crypto.md §1): AES-128 key
 * wrap with the default IV, the KEK being the first 16 bytes of the key-encryption-key string, a 32-byte
 * passphrase (4 semiblocks) wrapped into 40 bytes. The cipher is OpenSSL's through `node:crypto`
 * (`id-aes128-wrap` family), the same primitive Bareos calls.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError, type Where } from '../errors.js';
import { secretCopy, wipe } from './key-material.js';

/** RFC 3394 §2.2.3.1 default initial value; Bareos never passes another one. */
export const WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
/** RFC 3394 works on 64-bit semiblocks. */
export const SEMIBLOCK_BYTES = 8;
/** Bareos wraps with AES-128: only the first 16 bytes of any KEK are used. */
export const KEK_BYTES = 16;
/** A volume key (passphrase) is 32 bytes (DEFAULT_PASSPHRASE_LENGTH). */
export const VOLUME_KEY_BYTES = 32;
/** A wrapped volume key: one semiblock more than the key, 40 bytes. */
export const WRAPPED_VOLUME_KEY_BYTES = VOLUME_KEY_BYTES + SEMIBLOCK_BYTES;

const WRAP_CIPHERS: Readonly<Record<number, string>> = {
  16: 'id-aes128-wrap',
  24: 'id-aes192-wrap',
  32: 'id-aes256-wrap',
};

function cipherFor(kek: Uint8Array, code: 'SDP_KEY_WRAP' | 'SDP_KEY_UNWRAP', where: Where): string {
  const name = WRAP_CIPHERS[kek.length];
  if (!name) {
    throw new CryptoError(code, 'a KEK must be 16, 24 or 32 bytes long', {
      ...where,
      reason: 'kek-length',
      kekBytes: kek.length,
    });
  }
  return name;
}

/** Runs one whole-buffer cipher operation and copies the result into a buffer of its own. */
function runCipher(cipher: { update(b: Uint8Array): Buffer; final(): Buffer }, input: Uint8Array): Buffer {
  const head = cipher.update(input);
  const tail = cipher.final();
  const out = Buffer.alloc(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  wipe(head, tail);
  return out;
}

/**
 * RFC 3394 §2.2.1 key wrap of `plaintext` (a multiple of 8 bytes, at least 16) under `kek` (16, 24 or 32
 * bytes: AES-128/192/256), with the default IV. The result is 8 bytes longer than `plaintext`.
 *
 * @throws CryptoError `SDP_KEY_WRAP` for a KEK or plaintext of a length the algorithm does not take.
 */
export function aesKeyWrap(kek: Uint8Array, plaintext: Uint8Array, where: Where = {}): Buffer {
  const name = cipherFor(kek, 'SDP_KEY_WRAP', where);
  if (plaintext.length < 2 * SEMIBLOCK_BYTES || plaintext.length % SEMIBLOCK_BYTES !== 0) {
    throw new CryptoError('SDP_KEY_WRAP', 'key data must be a multiple of 8 bytes and at least 16', {
      ...where,
      reason: 'data-length',
      dataBytes: plaintext.length,
    });
  }
  try {
    return runCipher(createCipheriv(name, kek, WRAP_IV), plaintext);
  } catch (e) {
    // OpenSSL's own text names no key material, but the cause is dropped anyway: nothing of the
    // inputs may travel with an error (style guide §4).
    throw new CryptoError('SDP_KEY_WRAP', `key wrap failed (${(e as Error).message})`, {
      ...where,
      reason: 'cipher',
    });
  }
}

/**
 * RFC 3394 §2.2.2 key unwrap with the §2.2.3 integrity check. A wrong KEK or damaged data fails the
 * check: the result is then an error, never bytes.
 *
 * @throws CryptoError `SDP_KEY_UNWRAP` (`reason`: `integrity`, `data-length` or `kek-length`).
 */
export function aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array, where: Where = {}): Buffer {
  const name = cipherFor(kek, 'SDP_KEY_UNWRAP', where);
  if (wrapped.length < 3 * SEMIBLOCK_BYTES || wrapped.length % SEMIBLOCK_BYTES !== 0) {
    throw new CryptoError('SDP_KEY_UNWRAP', 'wrapped key must be a multiple of 8 bytes and at least 24', {
      ...where,
      reason: 'data-length',
      dataBytes: wrapped.length,
    });
  }
  try {
    return runCipher(createDecipheriv(name, kek, WRAP_IV), wrapped);
  } catch {
    throw new CryptoError(
      'SDP_KEY_UNWRAP',
      'key unwrap failed the RFC 3394 integrity check (wrong KEK or damaged wrapped key)',
      { ...where, reason: 'integrity' },
    );
  }
}

/**
 * The AES-128 KEK Bareos' director and storage daemon take from their `KeyEncryptionKey` directive:
 * its first 16 bytes. Bareos reads 16 bytes whatever the string's length (past its end when shorter,
 * which is undefined); sdpipe refuses a shorter one.
 *
 * @throws CryptoError `SDP_KEK_SHORT` when the value has fewer than 16 bytes.
 */
export function kekFromDirective(value: string | Uint8Array, where: Where = {}): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  try {
    if (bytes.length < KEK_BYTES) {
      throw new CryptoError('SDP_KEK_SHORT', 'the key-encryption key has fewer than 16 bytes', {
        ...where,
        kekBytes: bytes.length,
      });
    }
    return secretCopy(bytes, 0, KEK_BYTES);
  } finally {
    if (typeof value === 'string') wipe(bytes);
  }
}

/** Wraps a 32-byte volume key under the 16-byte KEK into the 40 bytes Bareos stores (base64'd). */
export function wrapVolumeKey(kek: Uint8Array, volumeKey: Uint8Array, where: Where = {}): Buffer {
  checkBareosKek(kek, 'SDP_KEY_WRAP', where);
  if (volumeKey.length !== VOLUME_KEY_BYTES) {
    throw new CryptoError('SDP_KEY_WRAP', 'a volume key is 32 bytes', {
      ...where,
      reason: 'data-length',
      dataBytes: volumeKey.length,
    });
  }
  return aesKeyWrap(kek, volumeKey, where);
}

/**
 * Unwraps a 40-byte wrapped volume key with the 16-byte KEK into the 32-byte volume key.
 *
 * @throws CryptoError `SDP_KEY_UNWRAP` for a wrong KEK, a damaged key or a wrong length.
 */
export function unwrapVolumeKey(kek: Uint8Array, wrapped: Uint8Array, where: Where = {}): Buffer {
  checkBareosKek(kek, 'SDP_KEY_UNWRAP', where);
  if (wrapped.length !== WRAPPED_VOLUME_KEY_BYTES) {
    throw new CryptoError('SDP_KEY_UNWRAP', 'a wrapped volume key is 40 bytes', {
      ...where,
      reason: 'data-length',
      dataBytes: wrapped.length,
    });
  }
  return aesKeyUnwrap(kek, wrapped, where);
}

function checkBareosKek(kek: Uint8Array, code: 'SDP_KEY_WRAP' | 'SDP_KEY_UNWRAP', where: Where): void {
  if (kek.length !== KEK_BYTES) {
    throw new CryptoError(code, 'Bareos volume keys are wrapped with a 16-byte (AES-128) KEK', {
      ...where,
      reason: 'kek-length',
      kekBytes: kek.length,
    });
  }
}
