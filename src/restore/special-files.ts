/**
 * Fifos and device nodes (FT_SPEC, spec volume-format.md §7.1). Node has no mkfifo/mknod, so they are
 * called from libc through koffi, which takes the raw path bytes and reports errno exactly. Where libc
 * cannot be loaded (no glibc, no koffi build for the platform) the coreutils commands stand in.
 */
import { spawnSync } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { link, unlink } from 'node:fs/promises';

/** File-type bits of st_mode (POSIX values, the same on every platform Bacula/Bareos run on). */
export const S_IFMT = 0o170000;
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFSOCK = 0o140000;

/** The special files that can be created. */
export type SpecialKind = 'fifo' | 'char' | 'block';

/** The kind of special file a stored st_mode describes, or undefined (sockets, anything else). */
export function specialKind(mode: number): SpecialKind | undefined {
  switch (mode & S_IFMT) {
    case S_IFIFO:
      return 'fifo';
    case S_IFCHR:
      return 'char';
    case S_IFBLK:
      return 'block';
    default:
      return undefined;
  }
}

/** A failed system call, shaped like Node's own errors (`code`, `syscall`) so callers handle both alike. */
export class SystemCallError extends Error {
  constructor(
    readonly code: string,
    readonly syscall: string,
    detail?: string,
  ) {
    super(`${syscall} failed: ${code}${detail ? ` (${detail})` : ''}`);
  }
}

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** Creates a special file at `path` (it must not exist: EEXIST otherwise). Permissions are set by the caller. */
export type SpecialFileMaker = (path: Buffer, kind: SpecialKind, rdev: number) => Promise<void>;

interface Libc {
  mkfifo(path: Buffer, mode: number): number;
  mknod(path: Buffer, mode: number, dev: number): number;
  errno(): number;
}

let libc: Promise<Libc | undefined> | undefined;

// Loaded on first use only: most restores have no special files and never need native code.
async function loadLibc(): Promise<Libc | undefined> {
  try {
    const koffi = (await import('koffi')).default;
    const lib = koffi.load('libc.so.6');
    // The path is declared as a byte pointer, not `const char *`, so koffi passes the Buffer's bytes as
    // they are instead of encoding a JS string.
    const mkfifo = lib.func('int mkfifo(const uint8_t *path, uint32_t mode)') as unknown as Libc['mkfifo'];
    const mknod = lib.func(
      'int mknod(const uint8_t *path, uint32_t mode, uint64_t dev)',
    ) as unknown as Libc['mknod'];
    return { mkfifo, mknod, errno: () => koffi.errno() };
  } catch {
    return undefined;
  }
}

const INITIAL_MODE = 0o600;
const TYPE_BITS: Record<SpecialKind, number> = { fifo: S_IFIFO, char: S_IFCHR, block: S_IFBLK };

/** Special-file creation through libc (koffi), or undefined when libc cannot be bound here. */
export async function libcSpecialFileMaker(): Promise<SpecialFileMaker | undefined> {
  libc ??= loadLibc();
  const c = await libc;
  if (!c) return undefined;
  return (path, kind, rdev) => {
    const z = Buffer.concat([path, Buffer.of(0)]);
    const rc = kind === 'fifo' ? c.mkfifo(z, INITIAL_MODE) : c.mknod(z, TYPE_BITS[kind] | INITIAL_MODE, rdev);
    if (rc !== 0) {
      const n = c.errno();
      return Promise.reject(
        new SystemCallError(ERRNO_NAMES.get(n) ?? `errno ${n}`, kind === 'fifo' ? 'mkfifo' : 'mknod'),
      );
    }
    return Promise.resolve();
  };
}

/** Linux dev_t split (glibc `gnu_dev_major`/`gnu_dev_minor`), for the mknod command's arguments. */
export function deviceNumbers(rdev: number): { major: number; minor: number } {
  const big = BigInt(rdev);
  const major = ((big >> 8n) & 0xfffn) | ((big >> 32n) & 0xfffff000n);
  const minor = (big & 0xffn) | ((big >> 12n) & 0xffffff00n);
  return { major: Number(major), minor: Number(minor) };
}

let tempCounter = 0;

/**
 * Special-file creation through the `mkfifo`/`mknod` commands. Command arguments are strings, which cannot
 * carry every byte name, so the node is made under an ASCII name in `scratchDir` and then hard-linked to its
 * place (link, unlike rename, fails with EEXIST like the libc calls). `scratchDir` must be on the same
 * filesystem as the targets.
 */
export function commandSpecialFileMaker(scratchDir: string): SpecialFileMaker {
  return async (path, kind, rdev) => {
    const temp = `${scratchDir}/.sdpipe-special-${process.pid}-${++tempCounter}`;
    const mode = ['-m', INITIAL_MODE.toString(8)];
    const { major, minor } = deviceNumbers(rdev);
    const run =
      kind === 'fifo'
        ? spawnSync('mkfifo', [...mode, temp], { encoding: 'utf8' })
        : spawnSync('mknod', [...mode, temp, kind === 'char' ? 'c' : 'b', String(major), String(minor)], {
            encoding: 'utf8',
          });
    if (run.error || run.status !== 0) {
      // The command's exit status carries no errno; its message goes into the error instead.
      throw new SystemCallError(
        'ECOMMAND',
        kind === 'fifo' ? 'mkfifo' : 'mknod',
        run.error?.message ?? run.stderr.trim(),
      );
    }
    try {
      await link(temp, path);
    } finally {
      await unlink(temp);
    }
  };
}
