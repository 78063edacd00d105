/**
 * Hand-built attribute records and temporary output folders for the restore tests.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILE_TYPE, type FileAttributes } from '../../src/volume/attributes.js';

/** The session of the Bacula fixtures (README: every session has VolSessionTime 1795392249). */
export const SESSION_1 = { volSessionId: 1, volSessionTime: 1_795_392_249 };
/** A later session appended after {@link SESSION_1} (an Incremental). */
export const SESSION_2 = { volSessionId: 2, volSessionTime: 1_795_392_249 };

/** 2024-01-01T00:00:00Z, a fixed mtime like the fixture data set's. */
export const T_2024 = 1_704_067_200;

/** What a test states about an entry; everything else gets a plausible default. */
export interface EntrySpec {
  /** Stored absolute path; a string is encoded as UTF-8, bytes are taken as they are. */
  fname: string | Uint8Array;
  /** FT_* type; default DIREND when fname ends with `/`, else REG. */
  type?: number;
  /** Full st_mode including the type bits; default 0o100644 (files), 0o40755 (folders), 0o120777 (symlinks). */
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  atime?: number;
  mtime?: number;
  nlink?: number;
  /** st_dev / st_ino; default a fresh inode per record. */
  dev?: number;
  ino?: number;
  rdev?: number;
  link?: string | Uint8Array;
  fileIndex?: number;
}

let nextFileIndex = 1;

const bytesOf = (v: string | Uint8Array): Uint8Array => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);

function defaultMode(type: number): number {
  switch (type) {
    case FILE_TYPE.DIREND:
      return 0o40755;
    case FILE_TYPE.LNK:
      return 0o120777;
    case FILE_TYPE.SPEC:
      return 0o10644;
    default:
      return 0o100644;
  }
}

/** A FileAttributes record as the attribute decoder would give it. */
export function fileAttributes(spec: EntrySpec): FileAttributes {
  const fnameBytes = bytesOf(spec.fname);
  const fname = Buffer.from(fnameBytes).toString('utf8');
  const type = spec.type ?? (fname.endsWith('/') ? FILE_TYPE.DIREND : FILE_TYPE.REG);
  const linkBytes = bytesOf(spec.link ?? '');
  const mtime = spec.mtime ?? T_2024;
  return {
    fileIndex: spec.fileIndex ?? nextFileIndex++,
    type,
    fname,
    fnameBytes,
    stat: {
      dev: spec.dev ?? 2049,
      ino: spec.ino ?? 1000 + nextFileIndex,
      mode: spec.mode ?? defaultMode(type),
      nlink: spec.nlink ?? 1,
      uid: spec.uid ?? 0,
      gid: spec.gid ?? 0,
      rdev: spec.rdev ?? 0,
      size: spec.size ?? 0,
      blksize: 4096,
      blocks: 0,
      atime: spec.atime ?? mtime,
      mtime,
      ctime: mtime,
      linkFi: 0,
      flags: 0,
      dataStream: 2,
    },
    lstat: '',
    link: Buffer.from(linkBytes).toString('utf8'),
    linkBytes,
    attrEx: '',
    deltaSeq: 0,
  };
}

/** A fresh folder under the OS temp folder and its removal. */
export async function tempOutputDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sdpipe-restore-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A raw digest of the concatenated chunks, as a digest record would hold it. */
export const digestOf = (algorithm: string, ...chunks: Uint8Array[]): Uint8Array => {
  const h = createHash(algorithm);
  for (const c of chunks) h.update(c);
  return h.digest();
};

/** Deterministic pseudo-random bytes (content for data records). */
export function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
