/**
 * The entries of a directory tree in the order a file daemon saves them (spec volume-format.md §4):
 * depth first, a directory after its contents, the top directory last. Names are sorted byte-wise so that
 * the order (and every FileIndex) does not depend on the file system. Paths stay raw bytes: a name that
 * is not valid UTF-8 is saved as it is (§7).
 */
import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import type { SdpipeError } from '../errors.js';
import { backupIoError } from './backup-error.js';

/** One entry of the tree and its lstat(2). */
export interface TreeEntry {
  /** Absolute path without a trailing `/` (except for the root folder `/` itself). */
  readonly path: Buffer;
  readonly stat: BigIntStats;
}

/** A directory being listed: its own entry comes when `next` has passed all its names. */
interface Frame {
  readonly entry: TreeEntry;
  readonly names: Buffer[];
  /** lstat calls started ahead for the names from `next` on (each slot cleared once taken). */
  readonly stats: (Promise<BigIntStats> | undefined)[];
  next: number;
}

/** Names lstat'ed ahead of the walk in one folder: the calls overlap instead of waiting one by one. */
export const LSTAT_AHEAD = 16;

const SLASH = 0x2f;

/** `parent/name` for raw paths; the root `/` gets no second slash. */
export function joinPath(parent: Buffer, name: Buffer): Buffer {
  return parent[parent.length - 1] === SLASH
    ? Buffer.concat([parent, name])
    : Buffer.concat([parent, Buffer.of(SLASH), name]);
}

/**
 * Walks the tree at `root` (an absolute path). The root itself is lstat'ed, so a symlink root is saved as
 * a symlink and a file root is the only entry.
 *
 * Problems with entries below the root are passed to `report` and the walk goes on: a name that vanished
 * before its lstat is left out (`SDP_BACKUP_IO`, reason `ENOENT`); a folder that cannot be listed is still
 * saved, without its contents.
 *
 * @throws BackupError `SDP_BACKUP_IO` when the root itself cannot be lstat'ed; AbortError when `signal`
 *   fires.
 */
export async function* walkEntries(
  root: Buffer,
  report: (e: SdpipeError) => void,
  signal?: AbortSignal,
): AsyncGenerator<TreeEntry> {
  let rootStat: BigIntStats;
  try {
    rootStat = await lstat(root, { bigint: true });
  } catch (e) {
    throw backupIoError(e, 'cannot lstat the top of the tree', { file: root.toString() });
  }
  if (!rootStat.isDirectory()) {
    yield { path: root, stat: rootStat };
    return;
  }
  const stack: Frame[] = [await openFrame({ path: root, stat: rootStat }, report)];
  for (let top = stack[0]; top; top = stack[stack.length - 1]) {
    signal?.throwIfAborted();
    const at = top.next++;
    const name = top.names[at];
    if (name === undefined) {
      stack.pop();
      yield top.entry;
      continue;
    }
    const path = joinPath(top.entry.path, name);
    let stat: BigIntStats;
    try {
      stat = await statAhead(top, at);
    } catch (e) {
      report(backupIoError(e, 'cannot lstat', { file: path.toString() }));
      continue;
    }
    if (stat.isDirectory()) stack.push(await openFrame({ path, stat }, report));
    else yield { path, stat };
  }
}

/** Lists a folder, names sorted byte-wise; a folder that cannot be read is reported and taken as empty. */
async function openFrame(entry: TreeEntry, report: (e: SdpipeError) => void): Promise<Frame> {
  let names: Buffer[] = [];
  try {
    names = await readdir(entry.path, { encoding: 'buffer' });
  } catch (e) {
    report(backupIoError(e, 'cannot list folder', { file: entry.path.toString() }));
  }
  names.sort((a, b) => Buffer.compare(a, b));
  return { entry, names, stats: [], next: 0 };
}

/** The lstat of name `at`, after starting those of the next {@link LSTAT_AHEAD} names. */
function statAhead(frame: Frame, at: number): Promise<BigIntStats> {
  const end = Math.min(frame.names.length, at + LSTAT_AHEAD);
  for (let i = at; i < end; i++) {
    if (frame.stats[i] !== undefined) continue;
    const p = lstat(joinPath(frame.entry.path, frame.names[i]!), { bigint: true });
    // Handled now: a name that vanished is only reported when the walk reaches it.
    p.catch(() => undefined);
    frame.stats[i] = p;
  }
  const p = frame.stats[at]!;
  frame.stats[at] = undefined;
  return p;
}
