import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, link, lstat, mkdir, open, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PREFETCH_ENTRIES, prepareEntry, releaseEntry } from '../../src/backup/entry-prefetch.js';
import { readFileChunks, type ChunkReadOptions } from '../../src/backup/file-chunks.js';
import { createWalkStats, walkTree, type WalkOptions } from '../../src/backup/file-walker.js';
import { LSTAT_AHEAD } from '../../src/backup/tree-walk.js';
import type { SdpipeError } from '../../src/errors.js';
import { decodeAttributes, FILE_TYPE, type FileAttributes } from '../../src/volume/attributes.js';
import type { RecordToWrite } from '../../src/volume/block-writer.js';
import { tempDir } from '../support/cli.js';
import { fileBytes } from '../support/backup-tree.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('sdpipe-walk-'));
});
afterEach(() => cleanup());

async function collect(root: string, options: WalkOptions): Promise<RecordToWrite[]> {
  const out: RecordToWrite[] = [];
  for await (const r of walkTree(root, options)) out.push(r);
  return out;
}

/** Records grouped per FileIndex, attributes decoded. */
interface SavedEntry {
  attr: FileAttributes;
  data: RecordToWrite[];
  digests: RecordToWrite[];
}
function entries(records: RecordToWrite[]): SavedEntry[] {
  const out: SavedEntry[] = [];
  // Plain Uint8Array copies: the walker hands out Buffers, which toEqual tells apart from Uint8Arrays.
  for (const { fileIndex, stream, data } of records) {
    const r = { fileIndex, stream, data: new Uint8Array(data) };
    if (r.stream === 1) {
      out.push({ attr: decodeAttributes(r.data, {}), data: [], digests: [] });
      continue;
    }
    const e = out[out.length - 1]!;
    expect(r.fileIndex).toBe(e.attr.fileIndex);
    if ([3, 10, 17, 18].includes(r.stream)) e.digests.push(r);
    else {
      expect(e.digests).toEqual([]); // data before the digest (§4)
      e.data.push(r);
    }
  }
  return out;
}

const md5 = (...parts: Uint8Array[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** A small tree with every entry kind. */
async function smallTree(root: string): Promise<{ hello: Buffer; big: Uint8Array }> {
  const hello = Buffer.from('hello\n');
  const big = fileBytes({ size: 300_000, content: 'random', seed: 7 });
  await mkdir(join(root, 'sub/nested'), { recursive: true });
  await writeFile(join(root, 'a.txt'), hello);
  await writeFile(join(root, 'big.bin'), big);
  await writeFile(join(root, 'empty.dat'), '');
  execFileSync('mkfifo', [join(root, 'fifo')]);
  await symlink('a.txt', join(root, 'link'));
  await link(join(root, 'a.txt'), join(root, 'sub/hard'));
  return { hello, big };
}

describe('walkTree: the records of a small tree', () => {
  for (const [flavour, bigRecords] of [
    ['bareos', [262_144, 37_856]],
    ['bacula', [65_536, 65_536, 65_536, 65_536, 37_856]],
  ] as const) {
    it(`${flavour}: order, types, streams, lengths, LStat, hard link and digests`, async () => {
      const root = join(dir, 'tree');
      const { hello, big } = await smallTree(root);
      const stats = createWalkStats();
      const records = await collect(root, { flavour, digest: 'md5', stats });
      expect(records.map((r) => r.fileIndex)).toEqual(
        [...records.map((r) => r.fileIndex)].sort((a, b) => a - b),
      );
      const saved = entries(records);
      expect(saved.map((e) => [e.attr.fileIndex, e.attr.type, e.attr.fname])).toEqual([
        [1, FILE_TYPE.REG, `${root}/a.txt`],
        [2, FILE_TYPE.REG, `${root}/big.bin`],
        [3, FILE_TYPE.REGE, `${root}/empty.dat`],
        [4, FILE_TYPE.SPEC, `${root}/fifo`],
        [5, FILE_TYPE.LNK, `${root}/link`],
        [6, FILE_TYPE.LNKSAVED, `${root}/sub/hard`],
        [7, FILE_TYPE.DIREND, `${root}/sub/nested/`],
        [8, FILE_TYPE.DIREND, `${root}/sub/`],
        [9, FILE_TYPE.DIREND, `${root}/`],
      ]);
      const [a, bigEntry, empty, fifo, symlinkEntry, hard, ...dirs] = saved as [SavedEntry, ...SavedEntry[]];
      // Data records: stream 2, the FD's record size.
      expect(a.data.map((r) => [r.stream, r.data.length])).toEqual([[2, 6]]);
      expect(bigEntry!.data.map((r) => r.data.length)).toEqual(bigRecords);
      expect(Buffer.concat(bigEntry!.data.map((r) => r.data)).equals(Buffer.from(big))).toBe(true);
      // Digests: regular files (empty ones too) and the hard link; nothing else.
      expect(a.digests).toEqual([{ fileIndex: 1, stream: 3, data: md5(hello) }]);
      expect(bigEntry!.digests[0]!.data).toEqual(md5(big));
      expect(empty!.data).toEqual([]);
      expect(empty!.digests[0]!.data).toEqual(md5());
      expect(hard!.data).toEqual([]);
      expect(hard!.digests).toEqual([{ fileIndex: 6, stream: 3, data: md5(hello) }]);
      for (const e of [fifo!, symlinkEntry!, ...dirs]) expect([e.data, e.digests]).toEqual([[], []]);
      // Link fields and LinkFI.
      expect(symlinkEntry!.attr.link).toBe('a.txt');
      expect(hard!.attr.link).toBe(`${root}/a.txt`);
      expect(hard!.attr.stat.linkFi).toBe(1);
      expect(saved.filter((e) => e !== hard).map((e) => e.attr.stat.linkFi)).toEqual(Array(8).fill(0));
      // LStat = lstat(2), data stream = the job's (2) on every entry.
      for (const e of saved) {
        const st = await lstat(e.attr.fname.replace(/(.)\/$/, '$1'), { bigint: true });
        expect(e.attr.stat).toEqual({
          dev: Number(st.dev),
          ino: Number(st.ino),
          mode: Number(st.mode),
          nlink: Number(st.nlink),
          uid: Number(st.uid),
          gid: Number(st.gid),
          rdev: Number(st.rdev),
          size: Number(st.size),
          blksize: Number(st.blksize),
          blocks: Number(st.blocks),
          atime: e.attr.stat.atime, // reading a file may move its atime
          mtime: Number(st.mtimeNs / 1_000_000_000n),
          ctime: Number(st.ctimeNs / 1_000_000_000n),
          linkFi: e.attr.stat.linkFi,
          flags: 0,
          dataStream: 2,
        });
      }
      expect(hard!.attr.stat.nlink).toBe(2);
      expect(stats).toEqual({
        files: 9,
        bytes: 6 + 300_000,
        recordBytes: records.reduce((n, r) => n + r.data.length, 0),
        warnings: 0,
      });
    });
  }

  it('digest streams 10/17/18 with their lengths, and no digest record with digest none', async () => {
    const root = join(dir, 'tree');
    const { hello } = await smallTree(root);
    for (const [digest, stream] of [
      ['sha1', 10],
      ['sha256', 17],
      ['sha512', 18],
    ] as const) {
      const saved = entries(await collect(root, { flavour: 'bareos', digest }));
      const expected = new Uint8Array(createHash(digest).update(hello).digest());
      expect(saved[0]!.digests).toEqual([{ fileIndex: 1, stream, data: expected }]);
      expect(saved[5]!.digests).toEqual([{ fileIndex: 6, stream, data: expected }]);
    }
    const none = entries(await collect(root, { flavour: 'bareos', digest: 'none' }));
    expect(none.flatMap((e) => e.digests)).toEqual([]);
    expect(none[5]!.attr.type).toBe(FILE_TYPE.LNKSAVED);
  });

  it('a file as the root is the only entry; a name that is not UTF-8 keeps its bytes', async () => {
    const file = join(dir, 'single.txt');
    await writeFile(file, 'x');
    const saved = entries(await collect(file, { flavour: 'bacula', digest: 'md5' }));
    expect(saved.map((e) => [e.attr.fileIndex, e.attr.type, e.attr.fname])).toEqual([[1, 3, file]]);

    const root = Buffer.from(join(dir, 'raw'));
    await mkdir(root);
    const name = Buffer.concat([root, Buffer.from('/caf\xe9', 'latin1')]);
    await writeFile(name, 'latin-1 name');
    const raw = entries(await collect(root.toString(), { flavour: 'bacula', digest: 'md5' }));
    expect(Buffer.from(raw[0]!.attr.fnameBytes).equals(name)).toBe(true);
  });
});

describe('walkTree: sparse (stream 6)', () => {
  /** Writes a sparse file: `size` bytes, with `pieces` of data at their offsets. */
  async function sparseFile(path: string, size: number, pieces: [number, Uint8Array][]): Promise<void> {
    const fh = await open(path, 'w');
    for (const [at, bytes] of pieces) await fh.write(bytes, 0, bytes.length, at);
    await fh.close();
    await truncate(path, size);
  }
  const offsetOf = (r: RecordToWrite) => Number(Buffer.from(r.data).readBigUInt64BE(0));

  it('sparse-1MiB.img: chunks at 0, 262112, 655280 (65528 bytes) and 1048448 (128), digest of the chunks', async () => {
    const root = join(dir, 'sparse');
    await mkdir(root);
    const pieces: [number, Uint8Array][] = [
      [0, fileBytes({ size: 210, content: 'random', seed: 1 })],
      [300_000, fileBytes({ size: 4096, content: 'random', seed: 2 })],
      [700_000, fileBytes({ size: 4096, content: 'random', seed: 3 })],
    ];
    await sparseFile(join(root, 'sparse-1MiB.img'), 1_048_576, pieces);
    await writeFile(join(root, 'zeros-256KiB.bin'), new Uint8Array(262_144));
    await writeFile(join(root, 'zeros-2-chunks.bin'), new Uint8Array(2 * 65_528));
    await writeFile(join(root, 'empty.dat'), '');
    const stats = createWalkStats();
    const saved = entries(await collect(root, { flavour: 'bacula', digest: 'md5', sparse: true, stats }));
    const byName = new Map(saved.map((e) => [e.attr.fname.slice(root.length + 1), e]));
    const sparse = byName.get('sparse-1MiB.img')!;
    expect(sparse.data.map((r) => [r.stream, offsetOf(r), r.data.length - 8])).toEqual([
      [6, 0, 65_528],
      [6, 262_112, 65_528],
      [6, 655_280, 65_528],
      [6, 1_048_448, 128],
    ]);
    // The chunks hold the file's bytes at their offsets.
    const file = new Uint8Array(1_048_576);
    for (const [at, bytes] of pieces) file.set(bytes, at);
    for (const r of sparse.data) {
      const at = offsetOf(r);
      expect(r.data.subarray(8)).toEqual(file.subarray(at, at + r.data.length - 8));
    }
    // §8: the digest covers the sent chunk bytes only, not the file.
    expect(sparse.digests[0]!.data).toEqual(md5(...sparse.data.map((r) => r.data.subarray(8))));
    expect(sparse.digests[0]!.data).not.toEqual(md5(file));
    // zeros-256KiB.bin: one 32-byte chunk at 262112 (Vol-sparse); the last chunk always goes.
    const zeros = byName.get('zeros-256KiB.bin')!;
    expect(zeros.data.map((r) => [offsetOf(r), r.data.length - 8])).toEqual([[262_112, 32]]);
    expect(zeros.digests[0]!.data).toEqual(md5(new Uint8Array(32)));
    expect(byName.get('zeros-2-chunks.bin')!.data.map((r) => [offsetOf(r), r.data.length - 8])).toEqual([
      [65_528, 65_528],
    ]);
    expect(byName.get('empty.dat')!.data).toEqual([]);
    expect(saved.every((e) => e.attr.stat.dataStream === 6)).toBe(true);
    expect(stats.bytes).toBe(3 * 65_528 + 128 + 32 + 65_528);
  });

  it('Bareos sparse uses the same 65528-byte chunks', async () => {
    const root = join(dir, 'sparse');
    await mkdir(root);
    await writeFile(join(root, 'f'), fileBytes({ size: 200_000, content: 'holes', seed: 4 }));
    const saved = entries(await collect(root, { flavour: 'bareos', digest: 'md5', sparse: true }));
    const offsets = saved[0]!.data.map(offsetOf);
    expect(offsets.every((o) => o % 65_528 === 0)).toBe(true);
    expect(saved[0]!.data.every((r) => r.data.length <= 65_536)).toBe(true);
  });
});

describe('walkTree: problems are reported and the walk goes on', () => {
  /** Names the walker may touch ahead of the entry whose records it is producing, and some more. */
  const AHEAD = LSTAT_AHEAD + PREFETCH_ENTRIES + 8;
  const fillers = Array.from({ length: AHEAD }, (_, i) => `m${String(i).padStart(3, '0')}`);

  it('an entry that vanishes during the walk is reported with its path', async () => {
    const root = join(dir, 'tree');
    await mkdir(join(root, 'z-dir'), { recursive: true });
    await writeFile(join(root, 'a'), 'a');
    for (const name of fillers) await writeFile(join(root, name), name);
    await writeFile(join(root, 'z-dir/x'), 'x');
    await writeFile(join(root, 'z-file'), 'z');
    const warnings: SdpipeError[] = [];
    const stats = createWalkStats();
    const names: string[] = [];
    for await (const r of walkTree(root, {
      flavour: 'bareos',
      digest: 'md5',
      stats,
      onWarning: (e) => warnings.push(e),
    })) {
      if (r.stream !== 1) continue;
      const { fname } = decodeAttributes(r.data, {});
      names.push(fname.slice(root.length));
      if (fname.endsWith('/a')) {
        await rm(join(root, 'z-dir'), { recursive: true });
        await rm(join(root, 'z-file'));
      }
    }
    expect(names).toEqual(['/a', ...fillers.map((n) => `/${n}`), '/']);
    expect(warnings.map((e) => [e.code, e.context.file, e.context.reason])).toEqual([
      ['SDP_BACKUP_IO', `${root}/z-dir`, 'ENOENT'],
      ['SDP_BACKUP_IO', `${root}/z-file`, 'ENOENT'],
    ]);
    expect(stats.warnings).toBe(2);
    expect(stats.files).toBe(AHEAD + 2);
  });

  it('without onWarning the first problem ends the walk with its error', async () => {
    const root = join(dir, 'tree');
    await mkdir(root);
    await writeFile(join(root, 'a'), 'a');
    for (const name of fillers) await writeFile(join(root, name), name);
    await writeFile(join(root, 'z'), 'z');
    const walk = async () => {
      for await (const r of walkTree(root, { flavour: 'bareos', digest: 'md5' })) {
        if (r.stream === 1) await rm(join(root, 'z'), { force: true });
      }
    };
    await expect(walk()).rejects.toMatchObject({ code: 'SDP_BACKUP_IO', context: { file: `${root}/z` } });
  });

  it('a read error ends the file without a digest record and is reported (/proc/self/mem: EIO at 0)', async () => {
    const warnings: SdpipeError[] = [];
    const records = await collect('/proc/self/mem', {
      flavour: 'bareos',
      digest: 'md5',
      onWarning: (e) => warnings.push(e),
    });
    expect(records.map((r) => [r.fileIndex, r.stream])).toEqual([[1, 1]]);
    expect(decodeAttributes(records[0]!.data, {}).type).toBe(FILE_TYPE.REG);
    expect(warnings.map((e) => [e.code, e.context])).toEqual([
      ['SDP_BACKUP_IO', { file: '/proc/self/mem', fileIndex: 1, offset: 0, reason: 'EIO' }],
    ]);
  });

  it('prepareEntry reports a file gone or replaced between lstat and open, and an unreadable symlink', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await writeFile(a, 'a');
    await writeFile(b, 'b');
    await symlink('a', join(dir, 'l'));
    const options = { chunkBytes: 65_536, sparse: false };
    const statA = await lstat(a, { bigint: true });
    const gone = await prepareEntry({ path: Buffer.from(join(dir, 'gone')), stat: statA }, options);
    expect(gone.file).toMatchObject({
      code: 'SDP_BACKUP_IO',
      context: { file: join(dir, 'gone'), reason: 'ENOENT' },
    });
    const replaced = await prepareEntry({ path: Buffer.from(b), stat: statA }, options);
    expect(replaced.file).toMatchObject({ code: 'SDP_BACKUP_CHANGED', context: { file: b } });
    const statL = await lstat(join(dir, 'l'), { bigint: true });
    await rm(join(dir, 'l'));
    const link = await prepareEntry({ path: Buffer.from(join(dir, 'l')), stat: statL }, options);
    expect(link.target).toMatchObject({ code: 'SDP_BACKUP_IO', context: { reason: 'ENOENT' } });
    const ok = await prepareEntry({ path: Buffer.from(a), stat: statA }, options);
    expect(ok.file).toHaveProperty('fh');
    await releaseEntry(ok);
  });

  it('an empty file not readable by all is REG (opened) with a digest and no data record', async () => {
    const root = join(dir, 'tree');
    await mkdir(root);
    await writeFile(join(root, 'private.dat'), '', { mode: 0o600 });
    await chmod(join(root, 'private.dat'), 0o600);
    await writeFile(join(root, 'public.dat'), '');
    await chmod(join(root, 'public.dat'), 0o444);
    const saved = entries(await collect(root, { flavour: 'bareos', digest: 'md5' }));
    expect(saved.map((e) => [e.attr.type, e.data.length, e.digests.length])).toEqual([
      [FILE_TYPE.REG, 0, 1],
      [FILE_TYPE.REGE, 0, 1],
      [FILE_TYPE.DIREND, 0, 0],
    ]);
  });

  it('a missing root, a codec the flavour lacks and a bad gzip level throw typed errors', async () => {
    await expect(collect(join(dir, 'missing'), { flavour: 'bareos', digest: 'md5' })).rejects.toMatchObject({
      code: 'SDP_BACKUP_IO',
      context: { file: join(dir, 'missing'), reason: 'ENOENT' },
    });
    const opts = { digest: 'md5' } as const;
    await expect(
      collect(dir, { ...opts, flavour: 'bacula', fdCompression: { algorithm: 'lz4' } }),
    ).rejects.toMatchObject({ code: 'SDP_CODEC_UNKNOWN', context: { algorithm: 'lz4', flavour: 'bacula' } });
    await expect(
      collect(dir, { ...opts, flavour: 'bareos', fdCompression: { algorithm: 'nope' } }),
    ).rejects.toMatchObject({ code: 'SDP_CODEC_UNKNOWN' });
    await expect(
      collect(dir, { ...opts, flavour: 'bareos', fdCompression: { algorithm: 'gzip', level: 12 } }),
    ).rejects.toMatchObject({ code: 'SDP_CODEC_LEVEL' });
  });

  it('an aborted signal stops the walk', async () => {
    const root = join(dir, 'tree');
    await smallTree(root);
    const controller = new AbortController();
    const seen: number[] = [];
    const walk = async () => {
      for await (const r of walkTree(root, { flavour: 'bareos', digest: 'md5', signal: controller.signal })) {
        seen.push(r.fileIndex);
        if (r.fileIndex === 2) controller.abort();
      }
    };
    await expect(walk()).rejects.toMatchObject({ name: 'AbortError' });
    expect(Math.max(...seen)).toBe(2);
  });
});

describe('readFileChunks', () => {
  const chunksOf = async (path: string, options: ChunkReadOptions) => {
    const fh = await open(path, 'r');
    try {
      const out: { offset: number; length: number }[] = [];
      for await (const c of readFileChunks(fh, options))
        out.push({ offset: c.offset, length: c.data.length });
      return out;
    } finally {
      await fh.close();
    }
  };

  it('reads a file that grew since its lstat to its end, and one that shrank up to its end', async () => {
    const path = join(dir, 'f');
    await writeFile(path, fileBytes({ size: 150_000, content: 'random', seed: 5 }));
    const plain = { chunkBytes: 65_536, sparse: false };
    const whole = [
      { offset: 0, length: 65_536 },
      { offset: 65_536, length: 65_536 },
      { offset: 131_072, length: 18_928 },
    ];
    expect(await chunksOf(path, { ...plain, expectedSize: 150_000 })).toEqual(whole);
    expect(await chunksOf(path, { ...plain, expectedSize: 10 })).toEqual([
      { offset: 0, length: 11 },
      { offset: 11, length: 65_525 },
      ...whole.slice(1),
    ]);
    expect(await chunksOf(path, { ...plain, expectedSize: 5_000_000 })).toEqual(whole);
  });

  it('sparse: the chunk that ends the file is sent even when it is all zero and the file shrank', async () => {
    const path = join(dir, 'z');
    await writeFile(path, new Uint8Array(100_000));
    expect(await chunksOf(path, { chunkBytes: 65_528, sparse: true, expectedSize: 100_000 })).toEqual([
      { offset: 65_528, length: 34_472 },
    ]);
    expect(await chunksOf(path, { chunkBytes: 65_528, sparse: true, expectedSize: 300_000 })).toEqual([
      { offset: 65_528, length: 34_472 },
    ]);
  });

  it('chunks handed out stay valid while later ones are read', async () => {
    const path = join(dir, 'big');
    const bytes = fileBytes({ size: 3_000_000, content: 'random', seed: 6 });
    await writeFile(path, bytes);
    const fh = await open(path, 'r');
    const kept: Uint8Array[] = [];
    for await (const c of readFileChunks(fh, {
      chunkBytes: 65_536,
      sparse: false,
      expectedSize: bytes.length,
    })) {
      kept.push(c.data);
    }
    await fh.close();
    expect(Buffer.concat(kept).equals(Buffer.from(bytes))).toBe(true);
  });
});
