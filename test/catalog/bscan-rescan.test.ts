import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bscan, type BscanOptions } from '../../src/catalog/bscan.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { FileDevice } from '../../src/devices/file-device.js';
import { SdpipeError } from '../../src/errors.js';
import { buildAttributes, encodeAttributes, FILE_TYPE } from '../../src/volume/attributes.js';
import type { RecordToWrite } from '../../src/volume/block-writer.js';
import { buildVolumeImage } from '../../src/volume/volume-image.js';
import { tempDir } from '../support/cli.js';
import { baculaFiles, baculaJobMedia } from '../support/catalog-fixtures.js';
import { BACULA9_VOLUMES } from '../support/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function workDir(): string {
  const t = tempDir('sdpipe-bscan-');
  cleanups.push(t.cleanup);
  return t.dir;
}

function openCatalog(file: string): Catalog {
  const c = Catalog.open(file);
  cleanups.unshift(() => c.close());
  return c;
}

async function scan(
  catalog: Catalog,
  deviceDir: string,
  volumes: string[],
  options: Partial<BscanOptions> = { store: true, updateMedia: true },
) {
  const warnings: SdpipeError[] = [];
  const device = await FileDevice.open(deviceDir);
  const result = await bscan(volumes, device.openVolume, {
    catalog,
    onWarning: (e) => warnings.push(e),
    ...options,
  });
  return { result, warnings };
}

/** Everything a catalog holds about its jobs, without the row ids that depend on the order of work. */
function snapshot(c: Catalog) {
  return {
    jobs: c.jobs().map(({ clientId: _c, poolId: _p, fileSetId: _f, ...j }) => j),
    files: c.jobs().flatMap((j) => c.files(j.jobId).map(({ fileId: _id, ...f }) => f)),
    jobMedia: c.jobMedia().map(({ jobMediaId: _id, mediaId: _m, ...m }) => m),
    media: c
      .media()
      .map(({ mediaId: _id, poolId: _p, ...m }) => m)
      .sort((a, b) => a.volumeName.localeCompare(b.volumeName)),
  };
}

describe('bscan of a spanning job one volume at a time', () => {
  it.each([
    ['Vol-span-1', 'Vol-span-2'],
    ['Vol-span-2', 'Vol-span-1'],
  ])('scanning %s, then %s, gives the catalog of one scan of both', async (first, second) => {
    const together = openCatalog(join(workDir(), 'together.db'));
    await scan(together, BACULA9_VOLUMES, ['Vol-span-1', 'Vol-span-2']);
    const apart = openCatalog(join(workDir(), 'apart.db'));
    const a = await scan(apart, BACULA9_VOLUMES, [first]);
    const b = await scan(apart, BACULA9_VOLUMES, [second]);
    // Each volume alone has half of the split record of FileIndex 3: reported, not fatal.
    expect([...a.warnings, ...b.warnings].map((w) => w.code).sort()).toEqual([
      'SDP_RECORD_INCOMPLETE',
      'SDP_RECORD_ORPHAN',
    ]);
    expect(snapshot(apart)).toEqual(snapshot(together));
    expect(apart.jobs()).toMatchObject([{ jobId: 7, jobFiles: 16, jobBytes: 428_744, jobStatus: 'T' }]);
    expect(apart.files(7).map((f) => [f.fileIndex, f.path, f.name, f.md5])).toEqual(
      baculaFiles()
        .filter((r) => r.JobId === '7')
        .map((r) => [Number(r.FileIndex), r.Path, r.Filename, r.MD5])
        .sort((x, y) => Number(x[0]) - Number(y[0])),
    );
    expect(
      apart.jobMedia(7).map((m) => [m.volumeName, m.firstIndex, m.lastIndex, m.startBlock, m.endBlock]),
    ).toEqual(
      baculaJobMedia()
        .filter((r) => r.JobId === '7')
        .map((r) => [
          r.VolumeName,
          Number(r.FirstIndex),
          Number(r.LastIndex),
          Number(r.StartBlock),
          Number(r.EndBlock),
        ]),
    );
  });

  it('Vol-span-1 alone: the job is incomplete (I) with the files read so far; the volume is Full', async () => {
    const c = openCatalog(join(workDir(), 'c.db'));
    const { result } = await scan(c, BACULA9_VOLUMES, ['Vol-span-1']);
    expect(c.jobs()).toMatchObject([{ jobId: 7, jobStatus: 'I', jobFiles: 3, endTime: null }]);
    expect(c.media()).toMatchObject([
      { volumeName: 'Vol-span-1', volStatus: 'Full', volJobs: 1, volBlocks: 3 },
    ]);
    expect(result.jobs).toMatchObject([{ catalogJobId: 7, complete: false, jobStatus: 'I' }]);
  });

  it('Vol-span-2 alone: the job gets its JobId and name from the EOS label; VolIndex comes from the label', async () => {
    const c = openCatalog(join(workDir(), 'c.db'));
    await scan(c, BACULA9_VOLUMES, ['Vol-span-2']);
    expect(c.jobs()).toMatchObject([
      { jobId: 7, job: 'job-span.2026-11-23_00.08.04_12', jobStatus: 'T', jobFiles: 16, startTime: null },
    ]);
    expect(c.jobMedia(7)).toMatchObject([
      { volumeName: 'Vol-span-2', firstIndex: 3, lastIndex: 16, volIndex: 2 },
    ]);
  });
});

describe('bscan and what the catalog already holds', () => {
  it('a second scan of the same volume updates the rows instead of adding more', async () => {
    const c = openCatalog(join(workDir(), 'c.db'));
    await scan(c, BACULA9_VOLUMES, ['Vol-plain']);
    const before = snapshot(c);
    const counts = c.counts();
    await scan(c, BACULA9_VOLUMES, ['Vol-plain']);
    expect(c.counts()).toEqual(counts);
    expect(snapshot(c)).toEqual(before);
  });

  it('a JobId the catalog gives to another job is replaced by the next free one', async () => {
    const c = openCatalog(join(workDir(), 'c.db'));
    c.createJob({ jobId: 1, job: 'someone-else.2020-01-01_00.00.00_01' });
    const { result } = await scan(c, BACULA9_VOLUMES, ['Vol-plain']);
    expect(c.findJobByName('job-plain.2026-11-23_00.04.20_04')?.jobId).toBe(2);
    expect(c.files(2)).toHaveLength(68);
    expect(result.jobs).toMatchObject([{ jobId: 1, catalogJobId: 2 }]);
  });

  it('without store and updateMedia nothing is written; the counts say what would be', async () => {
    const c = openCatalog(join(workDir(), 'c.db'));
    const { result } = await scan(c, BACULA9_VOLUMES, ['Vol-plain'], {});
    expect(result.written).toBe(false);
    expect(result.counts).toEqual({ media: 1, pool: 1, job: 1, file: 68 });
    expect(Object.values(c.counts()).every((n) => n === 0)).toBe(true);
  });

  it('updateMedia alone writes the Pool and Media rows and no job', async () => {
    const c = openCatalog(join(workDir(), 'c.db'));
    await scan(c, BACULA9_VOLUMES, ['Vol-gzip'], { updateMedia: true });
    expect(c.counts()).toMatchObject({ pool: 1, media: 1, job: 0, file: 0, jobMedia: 0 });
    expect(c.media()).toMatchObject([{ volumeName: 'Vol-gzip', volBlocks: 32, volBytes: 2_007_984 }]);
  });

  it('store without updateMedia leaves the Media counters at zero', async () => {
    const c = openCatalog(join(workDir(), 'c.db'));
    await scan(c, BACULA9_VOLUMES, ['Vol-gzip'], { store: true });
    expect(c.media()).toMatchObject([{ volumeName: 'Vol-gzip', volBlocks: 0, volBytes: 0, volJobs: 0 }]);
    expect(c.files(2)).toHaveLength(68);
  });

  it('storing needs a catalog (SDP_USAGE)', async () => {
    const device = await FileDevice.open(BACULA9_VOLUMES);
    await expect(bscan(['Vol-plain'], device.openVolume, { store: true })).rejects.toMatchObject({
      code: 'SDP_USAGE',
    });
  });

  it('a prelabeled volume (Vol-span-3) adds nothing', async () => {
    const c = openCatalog(join(workDir(), 'c.db'));
    const { result, warnings } = await scan(c, BACULA9_VOLUMES, ['Vol-span-3']);
    expect(warnings).toEqual([]);
    expect(result.counts).toEqual({ media: 0, pool: 0, job: 0, file: 0 });
    expect(Object.values(c.counts()).every((n) => n === 0)).toBe(true);
  });
});

/** Attributes, one data record and an MD5 record for a regular file. */
function file(fileIndex: number, path: string, content: string): RecordToWrite[] {
  const data = new TextEncoder().encode(content);
  const attr = buildAttributes({
    fileIndex,
    type: FILE_TYPE.REG,
    fname: path,
    stat: {
      dev: 1,
      ino: fileIndex,
      mode: 0o100644,
      nlink: 1,
      uid: 0,
      gid: 0,
      rdev: 0,
      size: data.length,
      blksize: 4096,
      blocks: 8,
      atime: 1_700_000_000,
      mtime: 1_700_000_000,
      ctime: 1_700_000_000,
      linkFi: 0,
      flags: 0,
      dataStream: 2,
    },
  });
  return [
    { fileIndex, stream: 1, data: encodeAttributes(attr) },
    { fileIndex, stream: 2, data },
    { fileIndex, stream: 3, data: createHash('md5').update(data).digest() },
  ];
}

describe('bscan of a volume with two sessions', () => {
  it('gives two jobs whose JobMedia rows follow each other on the volume, and VolJobs 2', async () => {
    const dir = workDir();
    const image = buildVolumeImage({
      volumeName: 'Multi-1',
      blockBytes: 512,
      volSessionTime: 1_795_392_249,
      btime: 1_795_392_255_115_766,
      sessions: [
        {
          jobId: 5,
          volSessionId: 5,
          job: 'job-multi.5',
          level: 'F',
          records: [
            ...file(1, '/data/a.txt', 'version 1 of a\n'),
            ...file(2, '/data/b.txt', 'b\n'.repeat(400)),
          ],
        },
        {
          jobId: 6,
          volSessionId: 6,
          job: 'job-multi.6',
          level: 'I',
          records: file(1, '/data/a.txt', 'v2\n'),
        },
      ],
    });
    writeFileSync(join(dir, 'Multi-1'), image);
    const c = openCatalog(join(dir, 'c.db'));
    const { warnings } = await scan(c, dir, ['Multi-1']);
    expect(warnings).toEqual([]);
    expect(c.jobs().map((j) => [j.jobId, j.level, j.jobFiles, j.jobBytes, j.jobStatus])).toEqual([
      [5, 'F', 2, 15 + 800, 'T'],
      [6, 'I', 1, 3, 'T'],
    ]);
    const [full, incr] = c.jobMedia();
    expect(full).toMatchObject({ jobId: 5, firstIndex: 1, lastIndex: 2, volIndex: 1 });
    expect(incr).toMatchObject({ jobId: 6, firstIndex: 1, lastIndex: 1, volIndex: 1 });
    expect(incr!.startBlock).toBe(full!.endBlock + 1);
    expect(incr!.endBlock).toBe(image.length - 1);
    expect(c.media()).toMatchObject([{ volumeName: 'Multi-1', volJobs: 2, volBytes: image.length }]);
    expect(c.files(6).map((f) => [f.path, f.name, f.md5])).toEqual([
      ['/data/', 'a.txt', createHash('md5').update('v2\n').digest('base64').replace(/=+$/, '')],
    ]);
  });
});

describe('bscan of a damaged volume', () => {
  function damagedCopy(): string {
    const dir = workDir();
    copyFileSync(join(BACULA9_VOLUMES, 'Vol-plain'), join(dir, 'Vol-plain'));
    const bytes = readFileSync(join(dir, 'Vol-plain'));
    // A byte inside the first data block (after the 215-byte label block), which holds attribute records.
    bytes[215 + 1000] = (bytes[215 + 1000] ?? 0) ^ 0xff;
    writeFileSync(join(dir, 'Vol-plain'), bytes);
    return dir;
  }

  it('reports the bad block and catalogs the rest', async () => {
    const dir = damagedCopy();
    const c = openCatalog(join(dir, 'c.db'));
    const { warnings } = await scan(c, dir, ['Vol-plain']);
    expect(warnings.map((w) => w.code)).toContain('SDP_BLOCK_CHECKSUM');
    expect(warnings.find((w) => w.code === 'SDP_BLOCK_CHECKSUM')?.context).toMatchObject({
      volume: 'Vol-plain',
    });
    // The lost block held the SOS label: the job is named from its EOS label, with no start time.
    expect(c.jobs()).toMatchObject([{ jobId: 1, jobStatus: 'T', jobFiles: 68, startTime: null }]);
    const files = c.files(1).length;
    expect(files).toBeGreaterThan(50);
    expect(files).toBeLessThan(68);
  });

  it('strict: the first problem is thrown and the catalog is left unchanged', async () => {
    const dir = damagedCopy();
    const c = openCatalog(join(dir, 'c.db'));
    const device = await FileDevice.open(dir);
    await expect(
      bscan(['Vol-plain'], device.openVolume, { catalog: c, store: true, updateMedia: true, strict: true }),
    ).rejects.toBeInstanceOf(SdpipeError);
    expect(Object.values(c.counts()).every((n) => n === 0)).toBe(true);
  });
});
