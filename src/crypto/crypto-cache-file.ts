/**
 * Reading and writing crypto cache files (layout in `crypto-cache.ts`). Where Bareos deletes a cache file
 * it cannot read (even for a dump) and rewrites in place, sdpipe never deletes or rewrites a file it
 * could not parse, and replaces files atomically with mode 0600 (`atomic-file.ts`).
 */
import { readFile } from 'node:fs/promises';
import { CryptoError, type Where } from '../errors.js';
import { writeFileAtomic, type AtomicWriteStep } from './atomic-file.js';
import { decodeCryptoCache, encodeCryptoCache, wipeCryptoCache, type CryptoCache } from './crypto-cache.js';
import { wipe } from './key-material.js';

/** A cache as read from its file, with the bytes it was read from. */
export interface CryptoCacheFile {
  readonly cache: CryptoCache;
  readonly bytes: Buffer;
}

async function readBytes(path: string, where: Where): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') return undefined;
    throw new CryptoError('SDP_CRYPTO_CACHE_IO', `cannot read crypto cache file (${errno ?? 'error'})`, {
      ...where,
      file: path,
    });
  }
}

/**
 * Reads a crypto cache file. A missing file is "no cache" (`undefined`), as for Bareos.
 *
 * @throws CryptoError `SDP_CRYPTO_CACHE_TRUNCATED` / `SDP_CRYPTO_CACHE_FORMAT` for a file that is not a
 *   whole cache (the file is left as it is), `SDP_CRYPTO_CACHE_IO` when it cannot be read.
 */
export async function readCryptoCacheFile(
  path: string,
  where: Where = {},
): Promise<CryptoCacheFile | undefined> {
  const bytes = await readBytes(path, where);
  if (!bytes) return undefined;
  try {
    return { cache: decodeCryptoCache(bytes, { ...where, file: path }), bytes };
  } catch (e) {
    wipe(bytes);
    throw e;
  }
}

/** Options of {@link writeCryptoCacheFile}. */
export interface CryptoCacheWriteOptions {
  /**
   * The bytes the file must still hold (`null`: it must not exist) for the write to go ahead; guards a
   * read-modify-write against a concurrent writer. Without it, an existing file must at least be a
   * readable cache: an unreadable one is never replaced.
   */
  readonly expected?: Uint8Array | null;
  /** Crash hook for tests (see `writeFileAtomic`). */
  readonly beforeStep?: (step: AtomicWriteStep) => void | Promise<void>;
}

/**
 * Writes a cache to its file atomically (temp file, fsync, rename; mode 0600).
 *
 * @throws CryptoError `SDP_CRYPTO_CACHE_IO` (write failed, or the file changed since it was read), or the
 *   decoding error of an existing file that is not a readable cache (it is not replaced).
 */
export async function writeCryptoCacheFile(
  path: string,
  cache: CryptoCache,
  options: CryptoCacheWriteOptions = {},
  where: Where = {},
): Promise<void> {
  const current = await readBytes(path, where);
  try {
    if (options.expected !== undefined) {
      const same =
        options.expected === null
          ? current === undefined
          : current !== undefined && current.equals(options.expected);
      if (!same) {
        throw new CryptoError('SDP_CRYPTO_CACHE_IO', 'crypto cache file changed while it was being updated', {
          ...where,
          file: path,
          reason: 'changed',
        });
      }
    } else if (current) {
      wipeCryptoCache(decodeCryptoCache(current, { ...where, file: path }));
    }
  } finally {
    wipe(current);
  }
  const bytes = encodeCryptoCache(cache);
  try {
    await writeFileAtomic(
      path,
      bytes,
      { mode: 0o600, ...(options.beforeStep ? { beforeStep: options.beforeStep } : {}) },
      where,
    );
  } finally {
    wipe(bytes);
  }
}

/**
 * Read-modify-write of a cache file: `change` gets the cache (`undefined` when there is no file) and
 * returns the cache to write, or `undefined` to write nothing (Bareos writes no file for a cache that was
 * never created). The write only happens if the file still holds what was read. `change` may return the
 * cache it got (changed in place) or a new one that shares no key buffers with it: the one not returned
 * is wiped.
 *
 * @returns the cache written (or `undefined`); wipe it when done.
 */
export async function updateCryptoCacheFile(
  path: string,
  change: (cache: CryptoCache | undefined) => CryptoCache | undefined | Promise<CryptoCache | undefined>,
  options: Pick<CryptoCacheWriteOptions, 'beforeStep'> = {},
  where: Where = {},
): Promise<CryptoCache | undefined> {
  const read = await readCryptoCacheFile(path, where);
  let next: CryptoCache | undefined;
  try {
    next = await change(read?.cache);
    if (next) await writeCryptoCacheFile(path, next, { ...options, expected: read?.bytes ?? null }, where);
    if (read && next !== read.cache) wipeCryptoCache(read.cache);
    return next;
  } catch (e) {
    wipeCryptoCache(read?.cache);
    if (next !== read?.cache) wipeCryptoCache(next);
    throw e;
  } finally {
    wipe(read?.bytes);
  }
}
