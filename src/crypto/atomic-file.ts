/**
 * Crash-safe replacement of a small file: write a temporary file next to it, fsync it, rename it over
 * the target, fsync the directory. Whenever the process dies, the target holds either its old or its
 * new bytes, never a mixture (rename(2) is atomic within one file system). Key material files are
 * created with mode 0600; the owner of a replaced file is kept when running as root.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CryptoError, type Where } from '../errors.js';

/** The steps of an atomic write, in order; a crash hook runs before each one. */
export const ATOMIC_WRITE_STEPS = ['open-temp', 'write', 'fsync', 'close', 'rename', 'fsync-dir'] as const;
/** One step of an atomic write. */
export type AtomicWriteStep = (typeof ATOMIC_WRITE_STEPS)[number];

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Permission bits of the new file (default 0600: key material). */
  readonly mode?: number;
  /**
   * Called before each step: tests kill the process there to prove the old-or-new guarantee. Not for
   * production use.
   */
  readonly beforeStep?: (step: AtomicWriteStep) => void | Promise<void>;
  /** Error code for failures (default `SDP_CRYPTO_CACHE_IO`). */
  readonly code?: 'SDP_CRYPTO_CACHE_IO' | 'SDP_KEY_FILE';
}

/** The name of the temporary file for `target` (same directory, so that rename stays atomic). */
export const temporaryPathFor = (target: string): string =>
  join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

/**
 * Replaces `target` with `data` atomically (see the module comment).
 *
 * @throws CryptoError (`options.code`, default `SDP_CRYPTO_CACHE_IO`) naming the step that failed; the
 *   temporary file is removed and the target is untouched.
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array,
  options: AtomicWriteOptions = {},
  where: Where = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  const code = options.code ?? 'SDP_CRYPTO_CACHE_IO';
  const temp = temporaryPathFor(target);
  const hook = options.beforeStep ?? (() => undefined);
  let step: AtomicWriteStep = 'open-temp';
  let handle: FileHandle | undefined;
  let renamed = false;
  try {
    const previous = await stat(target).catch(() => undefined);
    await hook(step);
    handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    // umask may have taken bits away; the mode asked for is the mode wanted.
    await handle.chmod(mode);
    // A root-run tool replacing the daemon's file must not leave it unreadable to the daemon.
    if (previous && process.getuid?.() === 0) await handle.chown(previous.uid, previous.gid);
    step = 'write';
    await hook(step);
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await handle.write(data, written, data.length - written, written);
      written += bytesWritten;
    }
    step = 'fsync';
    await hook(step);
    await handle.sync();
    step = 'close';
    await hook(step);
    await handle.close();
    handle = undefined;
    step = 'rename';
    await hook(step);
    await rename(temp, target);
    renamed = true;
    step = 'fsync-dir';
    await hook(step);
    await syncDirectory(dirname(target));
  } catch (e) {
    await handle?.close().catch(() => undefined);
    if (!renamed) await unlink(temp).catch(() => undefined);
    if (e instanceof CryptoError) throw e;
    throw new CryptoError(
      code,
      `cannot write file (${step}: ${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        ...where,
        file: target,
        step,
      },
    );
  }
}

/** fsync of a directory, so that a rename in it survives a power loss. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } catch (e) {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
    const errno = (e as NodeJS.ErrnoException).code;
    if (errno !== 'EINVAL' && errno !== 'EISDIR' && errno !== 'ENOTSUP') throw e;
  } finally {
    await handle.close();
  }
}
