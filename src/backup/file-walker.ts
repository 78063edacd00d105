/**
 * What a file daemon sends for a directory tree, as records for a session (spec volume-format.md §4, §7,
 * §8): per entry the attribute record, the data records, then the digest record; directories after their
 * contents; FileIndex 1, 2, … in that order. Files are read in batches of at most 1 MiB, never held whole,
 * and the I/O of the next few entries runs ahead of the records (entry-prefetch.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { resolve } from 'node:path';
import { SdpipeError, wrap } from '../errors.js';
import { FILE_TYPE } from '../volume/attributes.js';
import type { RecordToWrite } from '../volume/block-writer.js';
import { backupIoError } from './backup-error.js';
import {
  planDataStream,
  type BackupFlavour,
  type DataStreamPlan,
  type FdCompression,
  type FileChunk,
} from './data-stream.js';
import { attributesRecord, DIGEST_STREAM, unixStatOf, type DigestName } from './file-records.js';
import { prefetchEntries, releaseEntry, type OpenedFile, type PreparedEntry } from './entry-prefetch.js';
import { walkEntries } from './tree-walk.js';

/** How {@link walkTree} saves a tree. */
export interface WalkOptions {
  /** Whose file daemon to imitate: data records of 262144 (Bareos) or 65536 (Bacula) bytes (§4). */
  readonly flavour: BackupFlavour;
  /** FileSet signature: the digest record's stream 3/10/17/18, or no digest record. */
  readonly digest: DigestName | 'none';
  /** Sparse: stream 6 records (8-byte offset + up to 65528 bytes), all-zero chunks skipped (§8). */
  readonly sparse?: boolean;
  /**
   * Compression by the file daemon (compression.md §1, §2.1). Bacula: gzip → stream 4 (sparse 7), a bare
   * zlib stream; lzo → 29 (sparse 30), LZOX header level 0. Bareos: every algorithm → 29, or 30 when
   * sparse (the offset not compressed), header level = the gzip level, 1 for lzfast/lz4/lz4hc, 0 for lzo.
   */
  readonly fdCompression?: FdCompression;
  /**
   * Receives every problem the walk survives (a file that vanished or cannot be read, a folder that
   * cannot be listed …). Without it, the first problem ends the walk with that error.
   */
  readonly onWarning?: (e: SdpipeError) => void;
  /** Counters to fill while walking (see {@link createWalkStats}). */
  readonly stats?: WalkStats;
  readonly signal?: AbortSignal;
}

/** Totals of a walk, updated as records are produced. */
export interface WalkStats {
  /** Entries saved, i.e. FileIndexes handed out (a job's JobFiles). */
  files: number;
  /** File data bytes sent (skipped sparse holes excluded, before compression). */
  bytes: number;
  /** Data bytes of every record produced (attributes, data as compressed, digests). */
  recordBytes: number;
  /** Problems reported through `onWarning`. */
  warnings: number;
}

/** Zeroed {@link WalkStats}. */
export const createWalkStats = (): WalkStats => ({ files: 0, bytes: 0, recordBytes: 0, warnings: 0 });

/** The first saved name of a multiply-linked inode (§7.1 LNKSAVED, §8). */
interface SavedLink {
  readonly fileIndex: number;
  readonly fname: Uint8Array;
  /** The content digest, for the digest record of later names; none for non-files or without a signature. */
  readonly digest: Uint8Array | undefined;
}

const SLASH = 0x2f;

/**
 * Walks the tree at `root` (made absolute) and yields its records (FileIndex from 1): each entry's
 * attributes (stream 1), data records (regular files with content), then a digest record (regular files,
 * empty ones and hard links included; not directories, symlinks or special files).
 *
 * - Order: depth first, names sorted byte-wise, a directory after its contents, `root` last. A root that
 *   is a file or a symlink is the only entry (symlinks are never followed).
 * - Stored names are absolute; directories end with `/` (§7).
 * - Types (§7.1): REG 3, LNK 4 (link = target), DIREND 5, SPEC 6 (fifos, devices, sockets: attributes
 *   only); an empty file is REGE 2 when everyone may read it (not opened), else REG (opened to prove it
 *   can be read; no data record either), as the daemons do. LStat = lstat(2), LinkFI 0, flags 0, data
 *   stream = the job's.
 * - A second name of an inode already saved in this walk is LNKSAVED: link = the first name, LinkFI = its
 *   FileIndex, no data, and the first name's digest (§7.1, §8).
 * - Files that vanish or cannot be read are reported through `options.onWarning` with their path, and
 *   the walk goes on. Record data may be kept by the consumer: buffers are not reused once handed out.
 *
 * @throws BackupError `SDP_BACKUP_IO` when `root` itself is missing; CodecError `SDP_CODEC_UNKNOWN` or
 *   `SDP_CODEC_LEVEL` for compression options the flavour does not support; AbortError when
 *   `options.signal` fires; without `options.onWarning`, the first problem the walk would survive.
 */
export async function* walkTree(root: string, options: WalkOptions): AsyncGenerator<RecordToWrite> {
  const walk = new TreeWalk(options);
  const rootPath = Buffer.from(resolve(root));
  yield* walk.records(rootPath);
}

/** State of one walk: the next FileIndex, the hard links saved so far, the counters. */
class TreeWalk {
  private readonly plan: DataStreamPlan;
  private readonly stats: WalkStats;
  private readonly links = new Map<string, SavedLink>();
  private nextFileIndex = 1;

  constructor(private readonly options: WalkOptions) {
    this.plan = planDataStream(options);
    this.stats = options.stats ?? createWalkStats();
  }

  async *records(root: Buffer): AsyncGenerator<RecordToWrite> {
    const { signal } = this.options;
    const entries = walkEntries(root, (e) => this.warn(e), signal);
    const prepareOptions = { chunkBytes: this.plan.chunkBytes, sparse: this.plan.sparse, signal };
    for await (const prepared of prefetchEntries(entries, prepareOptions)) {
      try {
        signal?.throwIfAborted();
        for await (const record of this.entryRecords(prepared)) {
          this.stats.recordBytes += record.data.length;
          yield record;
        }
      } finally {
        await releaseEntry(prepared);
      }
    }
  }

  private warn(e: SdpipeError): void {
    this.stats.warnings++;
    if (!this.options.onWarning) throw e;
    this.options.onWarning(e);
  }

  /** The records of one entry; none when it cannot be saved (reported). */
  private async *entryRecords(prepared: PreparedEntry): AsyncGenerator<RecordToWrite> {
    const { entry, type } = prepared;
    const { stat } = entry;
    const inode = !stat.isDirectory() && stat.nlink > 1n ? `${stat.dev}:${stat.ino}` : undefined;
    const first = inode === undefined ? undefined : this.links.get(inode);
    if (first) {
      yield* this.hardLinkRecords(prepared, first);
    } else if (type === FILE_TYPE.DIREND) {
      // §7: directories are stored with a trailing `/` (the root folder `/` already has it).
      const fname = entry.path.at(-1) === SLASH ? entry.path : Buffer.concat([entry.path, Buffer.of(SLASH)]);
      yield this.attributes(type, fname, stat);
    } else if (type === FILE_TYPE.LNK) {
      if (prepared.target instanceof SdpipeError) return this.warn(prepared.target);
      const attributes = this.attributes(type, entry.path, stat, prepared.target);
      this.remember(inode, attributes.fileIndex, entry.path, undefined);
      yield attributes;
    } else if (type === FILE_TYPE.REG || type === FILE_TYPE.REGE) {
      if (prepared.file instanceof SdpipeError) return this.warn(prepared.file);
      yield* this.fileRecords(prepared, prepared.file, inode);
    } else {
      const attributes = this.attributes(type, entry.path, stat);
      this.remember(inode, attributes.fileIndex, entry.path, undefined);
      yield attributes;
    }
  }

  /** Attributes of the next entry; takes its FileIndex. */
  private attributes(type: number, fname: Uint8Array, stat: BigIntStats, link?: SavedLink | Uint8Array) {
    const fileIndex = this.nextFileIndex++;
    this.stats.files++;
    const linkFi = link && !(link instanceof Uint8Array) ? link.fileIndex : 0;
    const linkName = link instanceof Uint8Array ? link : link?.fname;
    return attributesRecord({
      fileIndex,
      type,
      fname,
      stat: unixStatOf(stat, linkFi, this.plan.stream),
      ...(linkName ? { link: linkName } : {}),
    });
  }

  /** Records a saved entry as the first name of a multiply-linked inode (no-op for `inode` undefined). */
  private remember(
    inode: string | undefined,
    fileIndex: number,
    fname: Uint8Array,
    digest: Uint8Array | undefined,
  ): void {
    if (inode !== undefined) this.links.set(inode, { fileIndex, fname, digest });
  }

  private *hardLinkRecords(prepared: PreparedEntry, first: SavedLink): Generator<RecordToWrite> {
    const { path, stat } = prepared.entry;
    const attributes = this.attributes(FILE_TYPE.LNKSAVED, path, stat, first);
    yield attributes;
    // §8: the later name repeats the first name's digest, though it has no data record.
    if (first.digest) yield this.digestRecord(attributes.fileIndex, first.digest);
  }

  /** A regular file: attributes, data records (`file` undefined: REGE, not opened), digest. */
  private async *fileRecords(
    prepared: PreparedEntry,
    file: OpenedFile | undefined,
    inode: string | undefined,
  ): AsyncGenerator<RecordToWrite> {
    const { path, stat } = prepared.entry;
    const hash = this.options.digest === 'none' ? undefined : createHash(this.options.digest);
    const attributes = this.attributes(prepared.type, path, stat);
    const { fileIndex } = attributes;
    yield attributes;
    if (file) {
      const complete = yield* this.dataRecords(file, fileIndex, hash, { file: path.toString(), fileIndex });
      if (!complete) return;
    }
    const digest = hash?.digest();
    if (digest) yield this.digestRecord(fileIndex, digest);
    this.remember(inode, fileIndex, path, digest);
  }

  /** The data records of an open file; returns false when a read failed (reported; no digest then). */
  private async *dataRecords(
    file: OpenedFile,
    fileIndex: number,
    hash: Hash | undefined,
    where: { file: string; fileIndex: number },
  ): AsyncGenerator<RecordToWrite, boolean> {
    const { plan } = this;
    let pending = file.primed ?? file.chunks.next();
    for (let offset = 0; ; pending = file.chunks.next()) {
      let next: IteratorResult<FileChunk, void>;
      try {
        next = await pending;
      } catch (e) {
        this.options.signal?.throwIfAborted();
        this.warn(backupIoError(e, 'read failed; the file is saved incomplete', { ...where, offset }));
        return false;
      }
      if (next.done) return true;
      const chunk = next.value;
      // §8: the digest covers the bytes sent (for sparse jobs: without offsets and skipped zero chunks).
      hash?.update(chunk.data);
      this.stats.bytes += chunk.data.length;
      offset = chunk.offset + chunk.data.length;
      let data: Uint8Array;
      try {
        data = plan.encode(chunk);
      } catch (e) {
        throw wrap(e, { ...where, offset: chunk.offset });
      }
      yield { fileIndex, stream: plan.stream, data };
    }
  }

  private digestRecord(fileIndex: number, digest: Uint8Array): RecordToWrite {
    return { fileIndex, stream: DIGEST_STREAM[this.options.digest as DigestName], data: digest };
  }
}
