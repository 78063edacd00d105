/**
 * Key and KEK files as bscrypto reads them (spec crypto.md §4, "Key-file reading"): one read of at most
 * 64 bytes into a zeroed 64-byte buffer, then trailing `\n`, `\r` and spaces removed from the C string.
 * A KEK file's first 16 bytes of that buffer are the AES-128 KEK, so a shorter file is zero-padded.
 */
import { open } from 'node:fs/promises';
import { CryptoError, type Where } from '../errors.js';
import { secretCopy, wipe } from './key-material.js';
import { KEK_BYTES } from './key-wrap.js';

/** bscrypto reads key and KEK files with one read() into a 64-byte buffer. */
export const KEY_FILE_READ_BYTES = 64;

const JUNK = new Set([0x0a, 0x0d, 0x20]); // "\n", "\r", " " (Bareos b_isjunkchar)

/** Length of the C string at the start of `bytes` (up to the first NUL, or all of it). */
export function cStringLength(bytes: Uint8Array, max = bytes.length): number {
  const limit = Math.min(max, bytes.length);
  const nul = bytes.subarray(0, limit).indexOf(0);
  return nul < 0 ? limit : nul;
}

/**
 * The 64-byte buffer bscrypto holds after reading a key file whose first bytes are `content`: at most
 * 64 bytes copied into zeros, then the trailing junk of its C string replaced by NULs.
 */
export function keyFileBits(content: Uint8Array): Buffer {
  const bits = secretCopy(content, 0, Math.min(content.length, KEY_FILE_READ_BYTES));
  const out = Buffer.alloc(KEY_FILE_READ_BYTES);
  out.set(bits);
  wipe(bits);
  let end = cStringLength(out);
  while (end > 0 && JUNK.has(out[end - 1]!)) out[--end] = 0;
  return out;
}

/** The key text of a key file (its C string: up to the first NUL), as a buffer of its own. */
export function keyFileText(content: Uint8Array): Buffer {
  const bits = keyFileBits(content);
  try {
    return secretCopy(bits, 0, cStringLength(bits));
  } finally {
    wipe(bits);
  }
}

/**
 * The 16-byte AES-128 KEK of a KEK file's contents, exactly as bscrypto `-w` takes it: the first 16
 * bytes of {@link keyFileBits} (a shorter file is zero-padded; bytes after 16 are ignored).
 */
export function kekFromKeyFile(content: Uint8Array): Buffer {
  const bits = keyFileBits(content);
  try {
    return secretCopy(bits, 0, KEK_BYTES);
  } finally {
    wipe(bits);
  }
}

/**
 * Reads the first 64 bytes of a key or KEK file (one read, as bscrypto does).
 *
 * @throws CryptoError `SDP_KEY_FILE` with `reason` `open` (cannot be opened) or `empty` (nothing read).
 */
export async function readKeyFileBytes(path: string, where: Where = {}): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new CryptoError('SDP_KEY_FILE', `cannot open key file (${(e as NodeJS.ErrnoException).code})`, {
      ...where,
      file: path,
      reason: 'open',
    });
  }
  const buffer = Buffer.alloc(KEY_FILE_READ_BYTES);
  try {
    const { bytesRead } = await handle.read(buffer, 0, KEY_FILE_READ_BYTES, null);
    if (bytesRead === 0) {
      throw new CryptoError('SDP_KEY_FILE', 'cannot read from key file (it is empty)', {
        ...where,
        file: path,
        reason: 'empty',
      });
    }
    return secretCopy(buffer, 0, bytesRead);
  } catch (e) {
    if (e instanceof CryptoError) throw e;
    throw new CryptoError(
      'SDP_KEY_FILE',
      `cannot read from key file (${(e as NodeJS.ErrnoException).code})`,
      {
        ...where,
        file: path,
        reason: 'read',
      },
    );
  } finally {
    wipe(buffer);
    await handle.close();
  }
}
