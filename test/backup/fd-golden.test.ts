/**
 * Golden: the Bacula 9 and Bareos 25 data sets, restored from their Vol-plain, walked again with each
 * fixture job's options, give per file the same records as the real file daemons sent: types, link
 * fields, data stream, every data record byte for byte (Bacula: plain 64 KiB, GZIP stream 4, LZO stream
 * 29, sparse stream 6; Bareos: plain 256 KiB, FD LZ4 stream 29) and the digest records. Only the order of
 * entries may differ (the daemons follow readdir, sdpipe sorts names).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkTree, type WalkOptions } from '../../src/backup/file-walker.js';
import { inflatePayload, readCompressionHeader } from '../../src/transforms/compressed-record.js';
import { decodeAttributes, FILE_TYPE } from '../../src/volume/attributes.js';
import { MemorySource } from '../../src/volume/byte-source.js';
import { readRecords } from '../../src/volume/volume-reader.js';
import { relativeToData } from '../support/attr-fixtures.js';
import { runCli, tempDir } from '../support/cli.js';
import { BACULA9_VOLUMES, BAREOS25_VOLUMES } from '../support/fixtures.js';

const BACULA_TOP = '/tmp/bacula-lab/data/';
const BAREOS_TOP = '/tmp/bareos-lab/data/src/';

/** What is compared per entry, keyed by the path below the data set's top folder. */
interface EntryRecords {
  type: number;
  link: string;
  stat: { mode: number; nlink: number; uid: number; gid: number; size: number; mtime: number };
  dataStream: number;
  /**
   * `stream:length:sha1` of every data and digest record, in order; with `decoded`, compressed records as
   * `29:magic:level:decoded length:sha1 of the decoded data`.
   */
  records: string[];
}

async function perEntry(
  records: AsyncIterable<{ fileIndex: number; stream: number; data: Uint8Array }>,
  top: string,
  decoded: boolean,
): Promise<Map<string, EntryRecords>> {
  const out = new Map<string, EntryRecords>();
  let current: EntryRecords | undefined;
  // Both sides relative to their top folder ('.' for the top itself).
  const rel = (path: string) =>
    path.startsWith(top) ? relativeToData(`/data/${path.slice(top.length)}`) : path;
  for await (const r of records) {
    if (r.fileIndex <= 0) continue;
    if (r.stream === 1) {
      const a = decodeAttributes(r.data, {});
      const { mode, nlink, uid, gid, size, mtime } = a.stat;
      current = {
        type: a.type,
        link: a.type === 1 ? rel(a.link) : a.link,
        stat: { mode, nlink, uid, gid, size, mtime },
        dataStream: a.stat.dataStream,
        records: [],
      };
      out.set(rel(a.fname), current);
      continue;
    }
    if (decoded && r.stream === 29) {
      // LZ4 output depends on the liblz4 version; the header and the content it decodes to do not.
      const { header } = readCompressionHeader(29, r.data);
      const plain = inflatePayload(29, r.data).data;
      const sha1 = createHash('sha1').update(plain).digest('hex');
      current!.records.push(`29:${header.magic}:${header.level}:${plain.length}:${sha1}`);
      continue;
    }
    const sha1 = createHash('sha1').update(r.data).digest('hex');
    current!.records.push(`${r.stream}:${r.data.length}:${sha1}`);
  }
  return out;
}

/** A data set restored from a fixture volume into a temporary folder. */
interface RestoredSet {
  out: string;
  cleanup: () => void;
  top: string;
}
async function restoreDataSet(volumes: string, labTop: string): Promise<RestoredSet> {
  const { dir: out, cleanup } = tempDir('sdpipe-walk-golden-');
  const result = await runCli('bextract', '-V', 'Vol-plain', volumes, out);
  expect(result.code).toBe(0);
  return { out, cleanup, top: join(out, labTop) };
}

/**
 * Compares per entry. Bareos 25 saved its hard-link pair without link tracking (two files with data);
 * the walker saves the second name as LNKSAVED, which carries the same digest record and no data (§8).
 */
async function compareWithVolume(
  volumes: string,
  volume: string,
  labTop: string,
  set: RestoredSet,
  options: WalkOptions,
  entries: number,
  decoded = false,
): Promise<void> {
  const source = new MemorySource(volume, readFileSync(join(volumes, volume)));
  const expected = await perEntry(
    readRecords([volume], () => Promise.resolve(source)),
    labTop,
    decoded,
  );
  const actual = await perEntry(walkTree(set.top, options), set.top, decoded);
  expect(actual.size).toBe(entries);
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [path, entry] of expected) {
    const mine = actual.get(path)!;
    if (mine.type === FILE_TYPE.LNKSAVED && entry.type === FILE_TYPE.REG) {
      expect(mine.records).toEqual(entry.records.filter((r) => r.startsWith('3:')));
      continue;
    }
    expect({ path, ...mine }).toEqual({ path, ...entry });
  }
}

describe('walkTree (Bacula flavour) sends what Bacula 9.6.7 sent for its data set', () => {
  let set: RestoredSet;
  beforeAll(async () => {
    set = await restoreDataSet(BACULA9_VOLUMES, BACULA_TOP);
  });
  afterAll(() => set.cleanup());
  for (const [volume, options] of [
    ['Vol-plain', { digest: 'md5' }],
    ['Vol-gzip', { digest: 'md5', fdCompression: { algorithm: 'gzip', level: 6 } }],
    ['Vol-lzo', { digest: 'sha1', fdCompression: { algorithm: 'lzo' } }],
    ['Vol-sparse', { digest: 'md5', sparse: true }],
  ] satisfies [string, Omit<WalkOptions, 'flavour'>][]) {
    it(`${volume}: per file the same records, byte for byte`, async () => {
      await compareWithVolume(
        BACULA9_VOLUMES,
        volume,
        BACULA_TOP,
        set,
        { ...options, flavour: 'bacula' },
        68,
      );
    });
  }
});

describe('walkTree (Bareos flavour) sends what Bareos 25.1.0 sent for its data set', () => {
  let set: RestoredSet;
  beforeAll(async () => {
    set = await restoreDataSet(BAREOS25_VOLUMES, BAREOS_TOP);
  });
  afterAll(() => set.cleanup());
  it('Vol-plain: per file the same records, byte for byte', async () => {
    await compareWithVolume(
      BAREOS25_VOLUMES,
      'Vol-plain',
      BAREOS_TOP,
      set,
      { flavour: 'bareos', digest: 'md5' },
      46,
    );
  });
  it('Vol-fdlz4: per file the same compression headers (FZ4L level 1) and record contents', async () => {
    const options = { flavour: 'bareos', digest: 'md5', fdCompression: { algorithm: 'lz4' } } as const;
    await compareWithVolume(BAREOS25_VOLUMES, 'Vol-fdlz4', BAREOS_TOP, set, options, 46, true);
  });
});
