/**
 * Rebuilds files from the records of one or more sessions, as bextract does: one call per record, in
 * volume order (spec volume-format.md §4: attributes, then data, then the digest record, per file).
 * Entries land under `<outDir>/<stored absolute path>` (§10); later sessions replace earlier versions.
 */
import { link, open, symlink, type FileHandle } from 'node:fs/promises';
import { RestoreError, SdpipeError, type Where } from '../errors.js';
import { FILE_TYPE, type FileAttributes } from '../volume/attributes.js';
import { DigestChecker, type ContentDigest } from './digest.js';
import { HardLinkIndex, type PendingLink } from './hard-links.js';
import { applyAttributes, handleTarget, pathTarget, type AttributeTarget } from './entry-attributes.js';
import { OutputTree, errnoCode } from './output-tree.js';
import { outputRoot, restorePath, type RestorePath } from './restore-path.js';
import {
  commandSpecialFileMaker,
  libcSpecialFileMaker,
  specialKind,
  type SpecialFileMaker,
} from './special-files.js';

/** How a restore runs. */
export interface RestoreOptions {
  /** Output folder; each entry goes to `outDir` + its stored absolute path. Created when missing. */
  outDir: string;
  /**
   * Called for every problem the restore survives (each also ends up in {@link RestoreSummary.errors}).
   * An exception thrown here propagates out of the call that found the problem (a strict mode).
   */
  onWarning?: (e: SdpipeError) => void;
  /** Compare restored content with digest records (default true). */
  verifyDigests?: boolean;
  /** Creates fifos and device nodes; by default libc through koffi, else the mkfifo/mknod commands. */
  makeSpecialFile?: SpecialFileMaker;
}

/** The session a record belongs to (from the block/record header). */
export interface RestoreSession {
  volSessionId: number;
  volSessionTime: number;
}

/** What a restore did. Counts are entries restored (a path replaced by a later session counts again). */
export interface RestoreSummary {
  files: number;
  directories: number;
  symlinks: number;
  hardlinks: number;
  specials: number;
  /** File data bytes written (holes excluded). */
  bytes: number;
  /** Every problem reported through `onWarning`, in order; the restore went on after each. */
  errors: SdpipeError[];
}

/** The regular file being written. `handle` is undefined once a write failed (the rest is ignored). */
interface FileEntry {
  readonly kind: 'file';
  readonly attr: FileAttributes;
  readonly where: Where;
  readonly path: RestorePath;
  handle: FileHandle | undefined;
  position: number;
  end: number;
  sparse: boolean;
  readonly digest: ContentDigest | undefined;
  /** Session/st_dev/st_ino of a multiply-linked file, so later names of the inode can link to it. */
  readonly inode: string | undefined;
}

/** A hard link; `dropsData` for a later name saved with its data, whose content is already restored. */
interface LinkEntry {
  readonly kind: 'hardlink';
  readonly where: Where;
  readonly targetKey: string;
  readonly pending: PendingLink | undefined;
  dropsData: boolean;
}

/** Anything that takes no data: directories, symlinks, specials, and entries that were skipped. */
interface OtherEntry {
  readonly kind: 'other';
  readonly where: Where | undefined;
  /** Its data records are dropped silently: already reported, or the entry was skipped (reported then). */
  dropsData: boolean;
}

type Entry = FileEntry | LinkEntry | OtherEntry;

interface DirectoryAttributes {
  readonly attr: FileAttributes;
  readonly where: Where;
  readonly path: RestorePath;
}

const NO_ENTRY = (): OtherEntry => ({ kind: 'other', where: undefined, dropsData: false });
const SKIPPED = (): OtherEntry => ({ kind: 'other', where: undefined, dropsData: true });

const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

const ioError = (e: unknown, what: string, where: Where): RestoreError =>
  new RestoreError(
    'SDP_RESTORE_IO',
    `${what}: ${e instanceof Error ? e.message : String(e)}`,
    { ...where, reason: errnoCode(e) },
    { cause: e },
  );

/** Writes all of `data` at `position`; a short write is continued, a zero-byte write is an error. */
async function writeAll(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < data.length;) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('write wrote no bytes');
    done += bytesWritten;
  }
}

/**
 * Restores entries from attribute, data and digest records. Drive it with one call per record in volume
 * order and `await` each call; then call {@link Restorer.finish}. Problems with one entry are reported
 * (see {@link RestoreOptions.onWarning}) and the restore goes on with the next.
 */
export class Restorer {
  private readonly tree: OutputTree;
  private readonly onWarning: ((e: SdpipeError) => void) | undefined;
  private readonly verify: boolean;
  private readonly digests = new DigestChecker();
  private readonly errors: SdpipeError[] = [];
  private undelivered: SdpipeError[] = [];
  private readonly counts = { files: 0, directories: 0, symlinks: 0, hardlinks: 0, specials: 0, bytes: 0 };
  private entry: Entry = NO_ENTRY();
  private sessionKey = '';
  private readonly links = new HardLinkIndex();
  /** Directory attributes, applied in finish() after everything inside was written. */
  private readonly directories = new Map<string, DirectoryAttributes>();
  private specialMaker: SpecialFileMaker | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private finished = false;

  /** @param opts where to restore and how to report problems. */
  constructor(opts: RestoreOptions) {
    // Whatever a later version replaces loses its pending attributes, link and digests.
    this.tree = new OutputTree(outputRoot(opts.outDir), (key) => {
      this.directories.delete(key);
      this.links.forget(key);
      this.digests.forget(key);
    });
    this.onWarning = opts.onWarning;
    this.verify = opts.verifyDigests ?? true;
    this.specialMaker = opts.makeSpecialFile;
  }

  /** Starts a new entry (closing the previous one). */
  beginFile(attr: FileAttributes, session: RestoreSession): Promise<void> {
    return this.serial(async () => {
      await this.closeEntry();
      this.sessionKey = `${session.volSessionId}:${session.volSessionTime}`;
      const where: Where = { file: attr.fname, fileIndex: attr.fileIndex };
      const path = restorePath(this.tree.root, attr.fnameBytes);
      if (!path) return this.skip(where, 'stored name leaves the output folder (".." component)');
      // Only a folder entry may stand for the output folder itself; anything else would replace it.
      if (path.depth === 0 && attr.type !== FILE_TYPE.DIREND)
        return this.skip(where, 'stored name has no file name');
      // A later version of this path supersedes a hard link still waiting for its target.
      this.links.forget(path.key);
      try {
        switch (attr.type) {
          case FILE_TYPE.REG:
          case FILE_TYPE.REGE:
            return await this.beginRegular(attr, path, where);
          case FILE_TYPE.DIREND:
            return await this.beginDirectory(attr, path, where);
          case FILE_TYPE.LNK:
            return await this.beginSymlink(attr, path, where);
          case FILE_TYPE.LNKSAVED:
            return await this.beginHardLink(attr, path, where);
          case FILE_TYPE.SPEC:
            return await this.beginSpecial(attr, path, where);
          default:
            return this.skip(
              { ...where, fileType: attr.type },
              `entries of type ${attr.type} cannot be restored`,
            );
        }
      } catch (e) {
        this.entry = SKIPPED();
        this.warn(ioError(e, 'cannot create entry', where));
      }
    });
  }

  /**
   * File data for the current entry: `offset` undefined appends at the current position (streams 2/4/29,
   * decoded), a number writes a sparse chunk at that offset (stream 6), leaving holes between chunks.
   */
  writeData(data: Uint8Array, offset?: number): Promise<void> {
    return this.serial(async () => {
      const f = this.entry;
      if (f.kind !== 'file') {
        if (!f.dropsData) {
          f.dropsData = true;
          this.warn(
            new RestoreError('SDP_RESTORE_SKIPPED', 'file data for an entry without content', f.where ?? {}),
          );
        }
        return;
      }
      if (!f.handle) return;
      const at = offset ?? f.position;
      if (offset !== undefined) f.sparse = true;
      try {
        // Hash while the write runs in the thread pool; a failed file's digest is never compared.
        const written = writeAll(f.handle, data, at);
        f.digest?.update(data);
        await written;
      } catch (e) {
        const fh = f.handle;
        f.handle = undefined;
        await fh.close().catch(() => undefined);
        this.warn(ioError(e, 'cannot write file data', { ...f.where, offset: at }));
        return;
      }
      f.position = at + data.length;
      f.end = Math.max(f.end, f.position);
      this.counts.bytes += data.length;
    });
  }

  /** A digest record (stream 3 MD5, 10 SHA1, 17 SHA256, 18 SHA512, 40 XXH128) for the current entry. */
  digest(stream: number, value: Uint8Array): Promise<void> {
    return this.serial(() => {
      if (!this.verify) return;
      const { algorithm, warning } = this.digests.noteRecord(this.sessionKey, stream);
      const e = this.entry;
      if (e.kind === 'other') return; // §4: entries without content carry no digest
      if (warning) this.warn(warning);
      if (!algorithm) return;
      if (e.kind === 'file') {
        if (e.handle) this.checkDigest(e.where, stream, value, e.digest?.result().get(stream));
      } else if (e.pending) {
        e.pending.expected.push({ stream, value });
      } else {
        this.checkDigest(e.where, stream, value, this.digests.linkTarget(e.targetKey)?.get(stream));
      }
    });
  }

  /**
   * Ends the restore: closes the last file, makes hard links still pending, applies directory attributes
   * deepest-first (after their contents), and returns the summary. The Restorer cannot be used afterwards.
   */
  finish(): Promise<RestoreSummary> {
    return this.serial(async () => {
      await this.closeEntry();
      this.finished = true;
      for (const p of this.links.takePending()) await this.finishPendingLink(p);
      const dirs = [...this.directories.values()].sort((a, b) => b.path.depth - a.path.depth);
      for (const d of dirs) await this.setAttributes(pathTarget(d.path.bytes, true), d.attr, d.where);
      this.directories.clear();
      return { ...this.counts, errors: [...this.errors] };
    });
  }

  // Calls run one after another even when a caller does not await: the file position and the current
  // entry are shared state. Warnings reach onWarning only after the call's own work is done, so an
  // exception thrown there (strict mode) cannot be mistaken for a failure of that work.
  private serial<T>(op: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.finished) throw new SdpipeError('SDP_INTERNAL', 'Restorer used after finish()');
      try {
        return await op();
      } finally {
        this.deliverWarnings();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private warn(e: SdpipeError): void {
    this.errors.push(e);
    this.undelivered.push(e);
  }

  private deliverWarnings(): void {
    const batch = this.undelivered;
    this.undelivered = [];
    if (this.onWarning) for (const e of batch) this.onWarning(e);
  }

  private skip(where: Where, message: string): void {
    this.entry = SKIPPED();
    this.warn(new RestoreError('SDP_RESTORE_SKIPPED', message, where));
  }

  private checkDigest(
    where: Where,
    stream: number,
    expected: Uint8Array,
    actual: Uint8Array | undefined,
  ): void {
    const problem = this.digests.compare(where, stream, expected, actual);
    if (problem) this.warn(problem);
  }

  private async setAttributes(target: AttributeTarget, attr: FileAttributes, where: Where): Promise<void> {
    for (const e of await applyAttributes(target, attr.stat, where)) this.warn(e);
  }

  private async beginRegular(attr: FileAttributes, path: RestorePath, where: Where): Promise<void> {
    await this.tree.prepareParent(path);
    // A FileSet without hard-link tracking (Bareos 25 fixtures) saves every name of an inode as a regular
    // file with data. The first name restored in the session stands for the inode: later names become links
    // to it, as in the source tree, and their digest records are checked against its content.
    const inode = HardLinkIndex.inodeKey(this.sessionKey, attr);
    const first = inode === undefined ? undefined : this.links.firstName(inode);
    if (first && first.key !== path.key) {
      await this.tree.replacing(path, () => link(first.bytes, path.bytes));
      this.counts.hardlinks++;
      this.entry = { kind: 'hardlink', where, targetKey: first.key, pending: undefined, dropsData: true };
      return;
    }
    // O_EXCL: a fresh inode, readable by the owner only until the stored mode is applied at close.
    const handle = await this.tree.replacing(path, () => open(path.bytes, 'wx', 0o600));
    this.entry = {
      kind: 'file',
      attr,
      where,
      path,
      handle,
      position: 0,
      end: 0,
      sparse: false,
      digest: this.verify ? this.digests.startContent(this.sessionKey) : undefined,
      inode,
    };
  }

  private async closeEntry(): Promise<void> {
    const f = this.entry;
    this.entry = NO_ENTRY();
    if (f.kind !== 'file' || !f.handle) return;
    const fh = f.handle;
    const size = f.attr.stat.size;
    try {
      // §8/§10: a sparse file's size comes from the stat record, so a trailing hole is recreated.
      if (f.sparse && f.end < size) await fh.truncate(size);
      else if (f.end !== size) {
        this.warn(
          new RestoreError('SDP_RESTORE_SIZE', 'restored size differs from the stored size', {
            ...f.where,
            expected: size,
            actual: f.end,
          }),
        );
      }
      await this.setAttributes(handleTarget(fh), f.attr, f.where);
      await fh.close();
    } catch (e) {
      await fh.close().catch(() => undefined);
      return this.warn(ioError(e, 'cannot finish file', f.where));
    }
    this.counts.files++;
    if (f.attr.stat.nlink > 1) {
      if (f.digest) this.digests.rememberLinkTarget(f.path.key, f.digest.result());
      if (f.inode !== undefined) this.links.restoredInode(f.inode, f.path);
    }
  }

  private async beginDirectory(attr: FileAttributes, path: RestorePath, where: Where): Promise<void> {
    await this.tree.makeDirectory(path);
    // A later session's entry for the same folder replaces the attributes still pending.
    this.directories.set(path.key, { attr, where, path });
    this.counts.directories++;
    this.entry = { kind: 'other', where, dropsData: false };
  }

  private async beginSymlink(attr: FileAttributes, path: RestorePath, where: Where): Promise<void> {
    await this.tree.prepareParent(path);
    await this.tree.replacing(path, () => symlink(asBuffer(attr.linkBytes), path.bytes));
    this.counts.symlinks++;
    this.entry = { kind: 'other', where, dropsData: false };
    await this.setAttributes(pathTarget(path.bytes, false), attr, where);
  }

  private async beginHardLink(attr: FileAttributes, path: RestorePath, where: Where): Promise<void> {
    // §10: LinkFI is only unique within a session, so the link is made by the stored path of the first name.
    const target = restorePath(this.tree.root, attr.linkBytes);
    if (!target)
      return this.skip({ ...where, target: attr.link }, 'hard link target leaves the output folder');
    if (target.key === path.key) return this.skip({ ...where, target: attr.link }, 'hard link to itself');
    await this.tree.prepareParent(path);
    try {
      await this.tree.replacing(path, () => link(target.bytes, path.bytes));
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      const pending: PendingLink = { attr, where, path, target, expected: [] };
      this.links.addPending(pending);
      this.entry = { kind: 'hardlink', where, targetKey: target.key, pending, dropsData: false };
      return;
    }
    this.counts.hardlinks++;
    this.entry = { kind: 'hardlink', where, targetKey: target.key, pending: undefined, dropsData: false };
  }

  private async finishPendingLink(p: PendingLink): Promise<void> {
    try {
      await this.tree.replacing(p.path, () => link(p.target.bytes, p.path.bytes));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') {
        return this.warn(
          new RestoreError('SDP_RESTORE_SKIPPED', 'hard link target was not restored', {
            ...p.where,
            target: p.attr.link,
          }),
        );
      }
      return this.warn(ioError(e, 'cannot make hard link', { ...p.where, target: p.attr.link }));
    }
    this.counts.hardlinks++;
    const digests = this.digests.linkTarget(p.target.key);
    for (const x of p.expected) this.checkDigest(p.where, x.stream, x.value, digests?.get(x.stream));
  }

  private async beginSpecial(attr: FileAttributes, path: RestorePath, where: Where): Promise<void> {
    const kind = specialKind(attr.stat.mode);
    if (!kind) {
      return this.skip(
        { ...where, mode: attr.stat.mode },
        'special file of this kind (socket?) is not restored',
      );
    }
    await this.tree.prepareParent(path);
    const root = this.tree.root;
    this.specialMaker ??=
      (await libcSpecialFileMaker()) ?? commandSpecialFileMaker(root.length ? root.toString() : '/');
    const make = this.specialMaker;
    await this.tree.replacing(path, () => make(path.bytes, kind, attr.stat.rdev));
    this.counts.specials++;
    this.entry = { kind: 'other', where, dropsData: false };
    await this.setAttributes(pathTarget(path.bytes, true), attr, where);
  }
}
