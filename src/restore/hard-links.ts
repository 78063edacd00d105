/**
 * Hard links during a restore (spec volume-format.md §10): links made at finish() because their first
 * name had not been restored yet, and the first restored name of each multiply-linked inode.
 */
import type { Where } from '../errors.js';
import type { FileAttributes } from '../volume/attributes.js';
import type { RestorePath } from './restore-path.js';

/** A hard link whose target did not exist yet: made in finish(), its digest records checked then. */
export interface PendingLink {
  readonly attr: FileAttributes;
  readonly where: Where;
  readonly path: RestorePath;
  readonly target: RestorePath;
  /** Digest records seen for the link, compared once it exists. */
  readonly expected: { stream: number; value: Uint8Array }[];
}

/** What a restore knows about hard links, by restored path key. */
export class HardLinkIndex {
  private readonly pendingByPath = new Map<string, PendingLink>();
  private readonly inodes = new Map<string, RestorePath>();
  private readonly inodeOfPath = new Map<string, string>();

  /**
   * The key of a multiply-linked inode within one session (st_dev, st_ino of §7.2), or undefined. Inode
   * numbers are only unique within one backup, so another session never matches.
   */
  static inodeKey(session: string, attr: FileAttributes): string | undefined {
    const { nlink, dev, ino } = attr.stat;
    return nlink > 1 && ino !== 0 ? `${session}:${dev}:${ino}` : undefined;
  }

  /** The first restored name of an inode, if one is known. */
  firstName(inode: string): RestorePath | undefined {
    return this.inodes.get(inode);
  }

  /** Records `path` as the first restored name of `inode` (a later name never replaces it). */
  restoredInode(inode: string, path: RestorePath): void {
    if (this.inodes.has(inode)) return;
    this.inodes.set(inode, path);
    this.inodeOfPath.set(path.key, inode);
  }

  /** Keeps a link to make in finish(); a later one for the same path replaces it. */
  addPending(p: PendingLink): void {
    this.pendingByPath.set(p.path.key, p);
  }

  /** Takes every pending link, in the order they were added. */
  takePending(): PendingLink[] {
    const all = [...this.pendingByPath.values()];
    this.pendingByPath.clear();
    return all;
  }

  /** Forgets what stood at a path that a later version takes (or that was removed to make room). */
  forget(key: string): void {
    this.pendingByPath.delete(key);
    const inode = this.inodeOfPath.get(key);
    if (inode !== undefined) this.inodes.delete(inode);
    this.inodeOfPath.delete(key);
  }
}
