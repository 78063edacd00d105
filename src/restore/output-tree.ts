/**
 * The output folder as the restore fills it: folders created as needed, earlier versions of a path
 * replaced (spec volume-format.md §10: a later session's version wins), and never a write through a
 * symlink or other non-folder standing where a folder belongs.
 */
import { lstat, mkdir, rmdir, unlink } from 'node:fs/promises';
import { ancestorsOf, parentOf, pathKey, type RestorePath } from './restore-path.js';

/** The `code` of a Node system error (`ENOENT` …), or undefined for anything else. */
export const errnoCode = (e: unknown): string | undefined =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/** Creates entries under one output folder. */
export class OutputTree {
  /** Folders known to exist as real folders (closed under ancestors), to skip mkdir/lstat calls. */
  private readonly knownDirs = new Set<string>();
  private rootReady = false;

  /**
   * @param root the output folder (see `outputRoot`).
   * @param onRemoved told the key of every entry removed to make room, so callers drop what they kept on it.
   */
  constructor(
    readonly root: Buffer,
    private readonly onRemoved: (key: string) => void,
  ) {}

  /**
   * Makes sure every folder above `path` exists as a real folder. A non-folder standing where a folder is
   * needed (an earlier session's file or symlink) is replaced: following a symlink there would write
   * outside the output folder.
   */
  async prepareParent(path: RestorePath): Promise<void> {
    if (this.knownDirs.has(pathKey(parentOf(path)))) return;
    if (!this.rootReady) {
      await mkdir(this.root.length ? this.root : '/', { recursive: true });
      this.rootReady = true;
    }
    for (const a of ancestorsOf(path)) {
      if (this.knownDirs.has(a.key)) continue;
      try {
        await mkdir(a.bytes);
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
        if (!(await lstat(a.bytes)).isDirectory()) {
          await unlink(a.bytes);
          this.removed(a.key);
          await mkdir(a.bytes);
        }
      }
      this.knownDirs.add(a.key);
    }
  }

  /** Creates the folder `path` (and those above it); an existing folder is kept, anything else replaced. */
  async makeDirectory(path: RestorePath): Promise<void> {
    if (path.depth === 0) {
      await mkdir(path.bytes, { recursive: true });
      return;
    }
    await this.prepareParent(path);
    try {
      await mkdir(path.bytes);
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e;
      if (!(await lstat(path.bytes)).isDirectory()) {
        await this.removeExisting(path);
        await mkdir(path.bytes);
      }
    }
    this.knownDirs.add(path.key);
  }

  /**
   * Runs `create`, which must fail with EEXIST when the path is taken; then removes what is there (an
   * earlier version) and runs it again. Unlinking, never opening the old file for writing, keeps an earlier
   * version's other hard-link names intact and never writes through a symlink standing at the path.
   */
  async replacing<T>(path: RestorePath, create: () => Promise<T>): Promise<T> {
    try {
      return await create();
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e;
    }
    await this.removeExisting(path);
    return await create();
  }

  // An empty folder may be replaced by a file; a folder with contents is an error for the caller.
  private async removeExisting(path: RestorePath): Promise<void> {
    try {
      await unlink(path.bytes);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EISDIR' || code === 'EPERM') await rmdir(path.bytes);
      else if (code !== 'ENOENT') throw e;
    }
    this.removed(path.key);
  }

  private removed(key: string): void {
    if (this.knownDirs.has(key)) this.knownDirs.clear();
    this.onRemoved(key);
  }
}
