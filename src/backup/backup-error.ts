/**
 * Problems a backup walk survives: a file that vanished, could not be opened or read, or changed under
 * the walker. Each is reported with the path and the walk goes on (style guide §4: nothing is skipped
 * silently).
 */
import { SdpipeError, type ErrorCode, type Where } from '../errors.js';

/** A file or folder could not be saved (or not completely) during a backup walk. */
export class BackupError extends SdpipeError {
  override readonly name = 'BackupError';
}

/** The errno code of a failed system call (`ENOENT`, `EACCES` …), if it has one. */
export const errnoOf = (e: unknown): string | undefined =>
  e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string'
    ? (e as NodeJS.ErrnoException).code
    : undefined;

/** A warning for a failed system call on `where.file`; `reason` is the errno code. */
export function backupIoError(e: unknown, what: string, where: Where, code: ErrorCode = 'SDP_BACKUP_IO') {
  const detail = e instanceof Error ? e.message : String(e);
  return new BackupError(code, `${what}: ${detail}`, { ...where, reason: errnoOf(e) }, { cause: e });
}
