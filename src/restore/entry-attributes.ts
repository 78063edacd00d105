/**
 * Owner, permissions and times of a restored entry, from its stored stat (spec volume-format.md §7.2).
 * Each step is tried on its own so one refusal (an unprivileged chown) does not lose the others.
 */
import { chmod, lchown, lutimes, type FileHandle } from 'node:fs/promises';
import { RestoreError, type Where } from '../errors.js';
import type { UnixStat } from '../volume/attributes.js';

/** Permission bits including setuid, setgid and sticky; the file-type bits are not settable. */
export const PERMISSION_BITS = 0o7777;

/** The three attribute operations on one entry, by handle or by path. */
export interface AttributeTarget {
  chown(uid: number, gid: number): Promise<void>;
  /** Absent for symlinks: Linux has no lchmod and a symlink's own mode is never used. */
  chmod: ((mode: number) => Promise<void>) | undefined;
  utimes(atime: number, mtime: number): Promise<void>;
}

/** Attribute operations on an open regular file (no path lookups, no symlink races). */
export const handleTarget = (fh: FileHandle): AttributeTarget => ({
  chown: (uid, gid) => fh.chown(uid, gid),
  chmod: (mode) => fh.chmod(mode),
  utimes: (atime, mtime) => fh.utimes(atime, mtime),
});

/** Attribute operations by path that never follow a symlink at `path` (chmod only when `withMode`). */
export const pathTarget = (path: Buffer, withMode: boolean): AttributeTarget => ({
  chown: (uid, gid) => lchown(path, uid, gid),
  chmod: withMode ? (mode) => chmod(path, mode) : undefined,
  utimes: (atime, mtime) => lutimes(path, atime, mtime),
});

const errnoCode = (e: unknown): string | undefined =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/**
 * Applies owner, then mode, then times: chown clears setuid/setgid, so mode must come after it, and the
 * times last because the other two change ctime only. Returns one SDP_RESTORE_ATTRIBUTES error per step
 * that failed; the entry itself stays restored.
 */
export async function applyAttributes(
  target: AttributeTarget,
  stat: UnixStat,
  where: Where,
): Promise<RestoreError[]> {
  const failures: RestoreError[] = [];
  const step = async (attribute: string, op: () => Promise<void>): Promise<void> => {
    try {
      await op();
    } catch (e) {
      failures.push(
        new RestoreError(
          'SDP_RESTORE_ATTRIBUTES',
          `cannot set ${attribute}: ${e instanceof Error ? e.message : String(e)}`,
          { ...where, attribute, reason: errnoCode(e) },
          { cause: e },
        ),
      );
    }
  };
  await step('owner', () => target.chown(stat.uid, stat.gid));
  const chmodOp = target.chmod;
  if (chmodOp) await step('mode', () => chmodOp(stat.mode & PERMISSION_BITS));
  await step('times', () => target.utimes(stat.atime, stat.mtime));
  return failures;
}
