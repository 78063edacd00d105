/**
 * The non-data records of one saved entry: the attribute record (stream 1) with the LStat of lstat(2),
 * and the digest record (spec volume-format.md §7, §8).
 */
import type { BigIntStats } from 'node:fs';
import { encodeAttributes, FILE_TYPE, type UnixStat } from '../volume/attributes.js';
import type { RecordToWrite } from '../volume/block-writer.js';

/** The attribute record's stream (UNIX_ATTRIBUTES, §7). */
export const ATTRIBUTES_STREAM = 1;

/** Digest algorithms a FileSet signature can name, with node:crypto's name for them. */
export type DigestName = 'md5' | 'sha1' | 'sha256' | 'sha512';

/** Stream of the digest record of each algorithm (§8). */
export const DIGEST_STREAM: Readonly<Record<DigestName, number>> = {
  md5: 3,
  sha1: 10,
  sha256: 17,
  sha512: 18,
};

const NS_PER_SECOND = 1_000_000_000n;
const utf8 = new TextDecoder('utf-8');

/** Whole seconds of a nanosecond time, rounded down (an LStat time is time_t, §7.2). */
export function floorSeconds(ns: bigint): number {
  const s = ns / NS_PER_SECOND;
  return Number(ns < 0n && s * NS_PER_SECOND !== ns ? s - 1n : s);
}

/**
 * The LStat fields of an entry (§7.2). dev and ino above 2^53 lose their low bits (UnixStat holds
 * numbers); the walker's own hard-link tracking uses the exact values.
 */
export function unixStatOf(stat: BigIntStats, linkFi: number, dataStream: number): UnixStat {
  return {
    dev: Number(stat.dev),
    ino: Number(stat.ino),
    mode: Number(stat.mode),
    nlink: Number(stat.nlink),
    uid: Number(stat.uid),
    gid: Number(stat.gid),
    rdev: Number(stat.rdev),
    size: Number(stat.size),
    blksize: Number(stat.blksize),
    blocks: Number(stat.blocks),
    atime: floorSeconds(stat.atimeNs),
    mtime: floorSeconds(stat.mtimeNs),
    ctime: floorSeconds(stat.ctimeNs),
    linkFi,
    // st_flags is BSD chflags; Linux has none (§7.2).
    flags: 0,
    dataStream,
  };
}

/** Read permission for user, group and other. */
const READ_ALL = 0o444n;

/**
 * The FT_* type of an entry as first saved (§7.1); hard links to a saved file are decided by the caller.
 * An empty file is REGE only when everyone may read it: the daemons do not open such a file, but they do
 * open an empty file with a narrower mode (to find out whether it can be read), and save it as REG.
 * Verified on Bareos 25.1.0 Vol-plain: `empty.txt` 0644 is type 2, `empty2.dat` 0600 is type 3.
 */
export function fileTypeOf(stat: BigIntStats): number {
  if (stat.isDirectory()) return FILE_TYPE.DIREND;
  if (stat.isSymbolicLink()) return FILE_TYPE.LNK;
  if (stat.isFile()) {
    return stat.size === 0n && (stat.mode & READ_ALL) === READ_ALL ? FILE_TYPE.REGE : FILE_TYPE.REG;
  }
  // Fifos, devices and sockets: saved with their attributes only.
  return FILE_TYPE.SPEC;
}

/** What goes into one attribute record. */
export interface AttributesInit {
  readonly fileIndex: number;
  readonly type: number;
  /** Stored name, raw bytes: the absolute path, with a trailing `/` for a directory (§7). */
  readonly fname: Uint8Array;
  readonly stat: UnixStat;
  /** Symlink target or, for LNKSAVED, the first name's stored path; raw bytes. */
  readonly link?: Uint8Array;
}

/**
 * The attribute record (stream 1) of an entry. Names keep their raw bytes, so a name that is not valid
 * UTF-8 is stored exactly as the file system has it.
 */
export function attributesRecord(init: AttributesInit): RecordToWrite {
  const link = init.link ?? new Uint8Array(0);
  const data = encodeAttributes({
    fileIndex: init.fileIndex,
    type: init.type,
    // encodeAttributes writes the raw bytes as long as they decode to these strings, which they do.
    fname: utf8.decode(init.fname),
    fnameBytes: init.fname,
    stat: init.stat,
    // Empty: encodeAttributes then encodes `stat` directly, with nothing to compare first.
    lstat: '',
    link: utf8.decode(link),
    linkBytes: link,
    attrEx: '',
    deltaSeq: 0,
  });
  return { fileIndex: init.fileIndex, stream: ATTRIBUTES_STREAM, data };
}
