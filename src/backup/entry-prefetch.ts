/**
 * Runs the I/O of the next few entries ahead of the record stream: opening files, reading small ones
 * whole, reading symlink targets. A tree of many small files is bound by the latency of one system call
 * after another; overlapping them keeps the walk near the speed of its digest instead. Records still come
 * out strictly in walk order, and problems are reported when their entry's turn comes.
 */
import type { BigIntStats } from 'node:fs';
import { constants } from 'node:fs';
import { open, readlink, type FileHandle } from 'node:fs/promises';
import type { SdpipeError } from '../errors.js';
import { FILE_TYPE } from '../volume/attributes.js';
import { backupIoError, BackupError } from './backup-error.js';
import type { FileChunk } from './data-stream.js';
import { READ_BATCH_BYTES, readFileChunks } from './file-chunks.js';
import { fileTypeOf } from './file-records.js';
import type { TreeEntry } from './tree-walk.js';

/** Entries prepared ahead of the one whose records are being produced. */
export const PREFETCH_ENTRIES = 8;

/**
 * O_NOFOLLOW: a file replaced by a symlink is not followed; O_NONBLOCK: one replaced by a fifo does not
 * hang the walk. The identity is checked against the lstat anyway (fstat after open).
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** A regular file opened for reading and its chunk reader. */
export interface OpenedFile {
  readonly fh: FileHandle;
  readonly chunks: AsyncGenerator<FileChunk, void>;
  /** Small files: `chunks.next()` called ahead, its first chunk read already under way. */
  readonly primed?: Promise<IteratorResult<FileChunk, void>>;
}

/** An entry with the I/O done that could be done ahead. */
export interface PreparedEntry {
  readonly entry: TreeEntry;
  /** FT_* type from the lstat (§7.1); hard links to a saved inode are decided later, in order. */
  readonly type: number;
  /** REG only: the opened file, or why it could not be opened (reported in order). */
  readonly file?: OpenedFile | SdpipeError;
  /** LNK only: the target, or why it could not be read. */
  readonly target?: Buffer | SdpipeError;
}

/** How files are read: the job's chunk size and sparse mode. */
export interface PrepareOptions {
  readonly chunkBytes: number;
  readonly sparse: boolean;
  readonly signal?: AbortSignal | undefined;
}

const ignore = (): undefined => undefined;

/**
 * Opens a REG entry (checking it is still the file lstat saw) and starts reading it, or reads a symlink's
 * target. Never throws: a problem is kept in the result.
 */
export async function prepareEntry(entry: TreeEntry, options: PrepareOptions): Promise<PreparedEntry> {
  const type = fileTypeOf(entry.stat);
  const where = { file: entry.path.toString() };
  if (type === FILE_TYPE.LNK) {
    try {
      return { entry, type, target: await readlink(entry.path, { encoding: 'buffer' }) };
    } catch (e) {
      return { entry, type, target: backupIoError(e, 'cannot read symlink', where) };
    }
  }
  // REGE (empty and readable by all) is not opened, as the daemons do; other regular files must be.
  if (type !== FILE_TYPE.REG) return { entry, type };
  let fh: FileHandle;
  try {
    fh = await open(entry.path, OPEN_FLAGS);
  } catch (e) {
    return { entry, type, file: backupIoError(e, 'cannot open', where) };
  }
  const problem = await checkIdentity(fh, entry.stat, where);
  if (problem) {
    await fh.close().catch(ignore);
    return { entry, type, file: problem };
  }
  const chunks = readFileChunks(fh, {
    chunkBytes: options.chunkBytes,
    sparse: options.sparse,
    expectedSize: Number(entry.stat.size),
    signal: options.signal,
  });
  // Small files are read whole now; a large one starts when its turn comes (it reads ahead by itself).
  if (entry.stat.size > BigInt(READ_BATCH_BYTES)) return { entry, type, file: { fh, chunks } };
  const primed = chunks.next();
  primed.catch(ignore);
  return { entry, type, file: { fh, chunks, primed } };
}

/** The handle must still be the regular file that lstat saw; else it was replaced in between. */
async function checkIdentity(
  fh: FileHandle,
  stat: BigIntStats,
  where: { file: string },
): Promise<SdpipeError | undefined> {
  try {
    const now = await fh.stat({ bigint: true });
    if (now.isFile() && now.dev === stat.dev && now.ino === stat.ino) return undefined;
    return new BackupError('SDP_BACKUP_CHANGED', 'file was replaced before it could be read', where);
  } catch (e) {
    return backupIoError(e, 'cannot stat', where);
  }
}

/** Ends a prepared entry's reads and closes its file; safe to call on any entry. */
export async function releaseEntry(prepared: PreparedEntry): Promise<void> {
  const file = prepared.file;
  if (!file || !('fh' in file)) return;
  // return() waits for the reader's read-ahead, so nothing reads from the handle once it is closed.
  await file.primed?.catch(ignore);
  await file.chunks.return().catch(ignore);
  await file.fh.close().catch(ignore);
}

/**
 * The entries of `entries`, each prepared up to {@link PREFETCH_ENTRIES} ahead. The consumer calls
 * {@link releaseEntry} on every entry it receives; entries prepared but never handed out (the consumer
 * stopped) are released here.
 */
export async function* prefetchEntries(
  entries: AsyncIterator<TreeEntry>,
  options: PrepareOptions,
): AsyncGenerator<PreparedEntry> {
  const window: Promise<PreparedEntry>[] = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && window.length < PREFETCH_ENTRIES) {
        const next = await entries.next();
        if (next.done) exhausted = true;
        else window.push(prepareEntry(next.value, options));
      }
      const prepared = window.shift();
      if (!prepared) return;
      yield await prepared;
    }
  } finally {
    for (const p of window) await releaseEntry(await p);
  }
}
