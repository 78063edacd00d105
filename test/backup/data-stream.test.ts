import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDataStream } from '../../src/backup/data-stream.js';
import { walkTree, type WalkOptions } from '../../src/backup/file-walker.js';
import {
  inflateBaculaGzip,
  inflatePayload,
  readCompressionHeader,
} from '../../src/transforms/compressed-record.js';
import { decodeAttributes } from '../../src/volume/attributes.js';
import { fileBytes } from '../support/backup-tree.js';
import { tempDir } from '../support/cli.js';

let dir: string;
let cleanup: () => void;
let root: string;
/** 700000 bytes: text, random, a long zero run, text again; compressible and not, with a hole. */
const mixed = new Uint8Array(700_000);
mixed.set(fileBytes({ size: 200_000, content: 'text', seed: 1 }), 0);
mixed.set(fileBytes({ size: 150_000, content: 'random', seed: 2 }), 200_000);
mixed.set(fileBytes({ size: 150_000, content: 'text', seed: 3 }), 550_000);
const small = new TextEncoder().encode('a small file\n');

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('sdpipe-fdcomp-'));
  root = join(dir, 'tree');
  await mkdir(root);
  await writeFile(join(root, 'empty.dat'), '');
  await writeFile(join(root, 'mixed.bin'), mixed);
  await writeFile(join(root, 'small.txt'), small);
});
afterAll(() => cleanup());

const offsetOf = (data: Uint8Array): number => Number(Buffer.from(data).readBigUInt64BE(0));

interface Expected {
  stream: number;
  /** Compression header magic and level; undefined for Bacula's header-less GZIP. */
  header?: { magic: string; level: number };
}

/** Walks the tree and puts every file's content back together from its data records. */
async function walkAndDecode(options: WalkOptions, expected: Expected) {
  const files = new Map<string, Uint8Array>();
  let current = '';
  let position = 0;
  const digests = new Map<string, Uint8Array>();
  for await (const r of walkTree(root, options)) {
    if (r.stream === 1) {
      const attr = decodeAttributes(r.data, {});
      expect(attr.stat.dataStream).toBe(expected.stream);
      current = attr.fname.slice(root.length + 1);
      position = 0;
      if (attr.type !== 5) files.set(current, new Uint8Array(attr.stat.size));
      continue;
    }
    if (r.stream === 3) {
      digests.set(current, new Uint8Array(r.data));
      continue;
    }
    expect(r.stream).toBe(expected.stream);
    const file = files.get(current)!;
    const sparse = options.sparse === true;
    let offset: number | undefined;
    let plain: Uint8Array;
    if (expected.header) {
      const { header, headerAt } = readCompressionHeader(r.stream, r.data);
      expect({ magic: header.magic, level: header.level }).toEqual(expected.header);
      // The FD layout: the offset stays in front, uncompressed, and only the data is compressed.
      expect(headerAt).toBe(sparse ? 8 : 0);
      const inflated = inflatePayload(r.stream, r.data, {}, { sparseLayout: 'data-only' }).data;
      offset = sparse ? offsetOf(inflated) : undefined;
      plain = sparse ? inflated.subarray(8) : inflated;
    } else {
      const zlib = sparse ? r.data.subarray(8) : r.data;
      expect(zlib[0]).toBe(0x78); // a bare zlib stream, no 12-byte header (Vol-gzip)
      offset = sparse ? offsetOf(r.data) : undefined;
      plain = inflateBaculaGzip(zlib);
    }
    expect(plain.length).toBeLessThanOrEqual(planDataStream(options).chunkBytes);
    const at = offset ?? position;
    file.set(plain, at);
    position = at + plain.length;
    if (sparse) expect(at % 65_528).toBe(0);
  }
  return { files, digests };
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

const md5 = (b: Uint8Array) => new Uint8Array(createHash('md5').update(b).digest());

const CASES: [string, Omit<WalkOptions, 'digest'>, Expected][] = [
  ['Bacula gzip → 4', { flavour: 'bacula', fdCompression: { algorithm: 'gzip' } }, { stream: 4 }],
  [
    'Bacula gzip sparse → 7',
    { flavour: 'bacula', sparse: true, fdCompression: { algorithm: 'gzip', level: 9 } },
    { stream: 7 },
  ],
  [
    'Bacula lzo → 29 LZOX level 0',
    { flavour: 'bacula', fdCompression: { algorithm: 'lzo' } },
    { stream: 29, header: { magic: 'LZOX', level: 0 } },
  ],
  [
    'Bacula lzo sparse → 30',
    { flavour: 'bacula', sparse: true, fdCompression: { algorithm: 'lzo' } },
    { stream: 30, header: { magic: 'LZOX', level: 0 } },
  ],
  [
    'Bareos gzip → 29 level 6',
    { flavour: 'bareos', fdCompression: { algorithm: 'gzip' } },
    { stream: 29, header: { magic: 'GZIP', level: 6 } },
  ],
  [
    'Bareos gzip level 3 sparse → 30',
    { flavour: 'bareos', sparse: true, fdCompression: { algorithm: 'gzip', level: 3 } },
    { stream: 30, header: { magic: 'GZIP', level: 3 } },
  ],
  [
    'Bareos lzo → 29 level 0',
    { flavour: 'bareos', fdCompression: { algorithm: 'lzo' } },
    { stream: 29, header: { magic: 'LZOX', level: 0 } },
  ],
  [
    'Bareos lzfast → 29 level 1',
    { flavour: 'bareos', fdCompression: { algorithm: 'lzfast', level: 9 } },
    { stream: 29, header: { magic: 'FZFZ', level: 1 } },
  ],
  [
    'Bareos lz4 → 29 level 1',
    { flavour: 'bareos', fdCompression: { algorithm: 'lz4' } },
    { stream: 29, header: { magic: 'FZ4L', level: 1 } },
  ],
  [
    'Bareos lz4 sparse → 30 level 1',
    { flavour: 'bareos', sparse: true, fdCompression: { algorithm: 'lz4' } },
    { stream: 30, header: { magic: 'FZ4L', level: 1 } },
  ],
  [
    'Bareos lz4hc → 29 level 1',
    { flavour: 'bareos', fdCompression: { algorithm: 'lz4hc' } },
    { stream: 29, header: { magic: 'FZ4H', level: 1 } },
  ],
  [
    'Bareos zstd (extension) → 29 at its default level',
    { flavour: 'bareos', fdCompression: { algorithm: 'zstd' } },
    { stream: 29, header: { magic: 'ZSTD', level: 3 } },
  ],
  [
    'Bareos snappy (extension) sparse → 30',
    { flavour: 'bareos', sparse: true, fdCompression: { algorithm: 'snappy' } },
    { stream: 30, header: { magic: 'SNPY', level: 0 } },
  ],
];

describe('walkTree with FD compression: records decode back to the file data', () => {
  for (const [name, options, expected] of CASES) {
    it(name, async () => {
      const { files, digests } = await walkAndDecode({ ...options, digest: 'md5' }, expected);
      // Buffer.equals: toEqual compares typed arrays element by element, far too slowly for 700 kB.
      expect(sameBytes(files.get('mixed.bin'), mixed)).toBe(true);
      expect(sameBytes(files.get('small.txt'), small)).toBe(true);
      expect(files.get('empty.dat')?.length).toBe(0);
      // The digest covers the decompressed bytes (all of them without sparse).
      if (options.sparse !== true) expect(digests.get('mixed.bin')).toEqual(md5(mixed));
      expect(digests.get('small.txt')).toEqual(md5(small));
    });
  }

  it('Bacula gzip records are zlib at the given level, 64 KiB of input each', async () => {
    const levels: number[] = [];
    for await (const r of walkTree(root, {
      flavour: 'bacula',
      digest: 'none',
      fdCompression: { algorithm: 'gzip', level: 9 },
    })) {
      if (r.stream === 4) levels.push(r.data[1]!);
    }
    // 78 DA: level 7–9 (compression.md §3.1); mixed.bin is 11 records of 65536 bytes + 1, small.txt 1.
    expect(levels).toEqual(Array(12).fill(0xda));
  });
});
