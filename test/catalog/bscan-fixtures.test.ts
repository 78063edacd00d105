import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { formatBootstrap } from '../../src/catalog/bootstrap-writer.js';
import { bootstrapOf, bscan } from '../../src/catalog/bscan.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { FileDevice } from '../../src/devices/file-device.js';
import type { SdpipeError } from '../../src/errors.js';
import { tempDir } from '../support/cli.js';
import {
  BACULA9_SCANS,
  BAREOS25_SCANS,
  baculaBootstrap,
  baculaFiles,
  baculaFileSets,
  baculaJobMedia,
  baculaJobs,
  baculaMedia,
  bareosBootstrap,
} from '../support/catalog-fixtures.js';
import { BACULA9_VOLUMES, BAREOS25_VOLUMES, fixtureSha256 } from '../support/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Scans volumes with -s -m into a fresh catalog file; returns the result, the file and the warnings. */
async function scanIntoCatalog(deviceDir: string, volumes: readonly string[]) {
  const t = tempDir('sdpipe-catalog-');
  cleanups.push(t.cleanup);
  const file = join(t.dir, 'catalog.db');
  const catalog = Catalog.open(file);
  const warnings: SdpipeError[] = [];
  try {
    const device = await FileDevice.open(deviceDir);
    const result = await bscan(volumes, device.openVolume, {
      catalog,
      store: true,
      updateMedia: true,
      onWarning: (e) => warnings.push(e),
    });
    return { result, file, warnings };
  } finally {
    catalog.close();
  }
}

/** Reads a catalog file again (a new connection to the file on disk). */
function reopen(file: string): Catalog {
  const c = Catalog.open(file, { readOnly: true });
  cleanups.unshift(() => c.close());
  return c;
}

describe('bscan -s -m of the Bacula 9.6 volumes gives the Director catalog rows', () => {
  it('the fixture volumes are the published ones', () => {
    for (const { volumes } of BACULA9_SCANS) {
      for (const v of volumes) {
        const { expected, actual } = fixtureSha256('bacula-9', v);
        expect(actual).toBe(expected);
      }
    }
  });

  it.each(BACULA9_SCANS)(
    '$volumes: Job row equals catalog-jobs.tsv (all but SchedTime, PoolId, FileSetId, ReadBytes)',
    async ({ volumes, jobId }) => {
      const { file, warnings } = await scanIntoCatalog(BACULA9_VOLUMES, volumes);
      expect(warnings).toEqual([]);
      const jobs = reopen(file).jobs();
      expect(jobs.map((j) => j.jobId)).toEqual([jobId]);
      const job = jobs[0]!;
      const want = baculaJobs().find((r) => Number(r.JobId) === jobId)!;
      expect({
        JobId: job.jobId,
        Job: job.job,
        Name: job.name,
        Type: job.type,
        Level: job.level,
        JobStatus: job.jobStatus,
        StartTime: job.startTime,
        EndTime: job.endTime,
        JobTDate: job.jobTDate,
        VolSessionId: job.volSessionId,
        VolSessionTime: job.volSessionTime,
        JobFiles: job.jobFiles,
        JobBytes: job.jobBytes,
        JobErrors: job.jobErrors,
      }).toEqual({
        JobId: Number(want.JobId),
        Job: want.Job,
        Name: want.Name,
        Type: want.Type,
        Level: want.Level,
        JobStatus: want.JobStatus,
        StartTime: want.StartTime,
        EndTime: want.EndTime,
        JobTDate: Number(want.JobTDate),
        VolSessionId: Number(want.VolSessionId),
        VolSessionTime: Number(want.VolSessionTime),
        JobFiles: Number(want.JobFiles),
        JobBytes: Number(want.JobBytes),
        JobErrors: Number(want.JobErrors),
      });
      // SchedTime is not on the volume: bscan takes the start time (the Director scheduled 2 s earlier).
      expect(job.schedTime).toBe(job.startTime);
    },
  );

  it.each(BACULA9_SCANS)(
    '$volumes: File rows equal catalog-files.tsv (FileIndex, Path, Filename, LStat, digest)',
    async ({ volumes, jobId }) => {
      const { file } = await scanIntoCatalog(BACULA9_VOLUMES, volumes);
      const got = reopen(file)
        .files(jobId)
        .map((f) => [f.fileIndex, f.path, f.name, f.lstat, f.md5]);
      const want = baculaFiles()
        .filter((r) => Number(r.JobId) === jobId)
        .map((r) => [Number(r.FileIndex), r.Path, r.Filename, r.LStat, r.MD5])
        .sort((a, b) => Number(a[0]) - Number(b[0]));
      expect(got).toHaveLength(want.length);
      expect(got).toEqual(want);
    },
  );

  it.each(BACULA9_SCANS)(
    '$volumes: JobMedia rows equal catalog-jobmedia.tsv (all but VolIndex)',
    async ({ volumes, jobId }) => {
      const { file } = await scanIntoCatalog(BACULA9_VOLUMES, volumes);
      const got = reopen(file).jobMedia(jobId);
      const want = baculaJobMedia().filter((r) => Number(r.JobId) === jobId);
      expect(
        got.map((m) => [
          m.volumeName,
          m.firstIndex,
          m.lastIndex,
          m.startFile,
          m.endFile,
          m.startBlock,
          m.endBlock,
        ]),
      ).toEqual(
        want.map((r) => [
          r.VolumeName,
          Number(r.FirstIndex),
          Number(r.LastIndex),
          Number(r.StartFile),
          Number(r.EndFile),
          Number(r.StartBlock),
          Number(r.EndBlock),
        ]),
      );
      // VolIndex: sdpipe numbers the job's volumes 1, 2 …; Bacula 9.6 wrote 2 (and 4) here.
      expect(got.map((m) => m.volIndex)).toEqual(volumes.map((_, i) => i + 1));
      // JobMedia.JobBytes (a Bareos column) adds up to the job's JobBytes.
      const job = reopen(file).getJob(jobId)!;
      expect(got.reduce((n, m) => n + m.jobBytes, 0)).toBe(job.jobBytes);
    },
  );

  it.each(BACULA9_SCANS)(
    '$volumes: Media rows equal catalog-media.tsv (pool, type, VolJobs, VolFiles, VolBlocks, VolBytes, VolStatus, dates)',
    async ({ volumes }) => {
      const { file } = await scanIntoCatalog(BACULA9_VOLUMES, volumes);
      const catalog = reopen(file);
      const pools = new Map(catalog.pools().map((p) => [p.poolId, p.name]));
      const got = catalog.media().map((m) => ({
        VolumeName: m.volumeName,
        Pool: pools.get(m.poolId),
        MediaType: m.mediaType,
        VolJobs: String(m.volJobs),
        VolFiles: String(m.volFiles),
        VolBlocks: String(m.volBlocks),
        VolBytes: String(m.volBytes),
        VolStatus: m.volStatus,
        FirstWritten: m.firstWritten,
        LastWritten: m.lastWritten,
        LabelDate: m.labelDate,
      }));
      const want = baculaMedia()
        .filter((r) => volumes.includes(r.VolumeName as never))
        .map(({ MediaId: _id, ...rest }) => rest);
      expect(got).toEqual(want);
    },
  );

  it.each(BACULA9_SCANS)(
    '$volumes: the FileSet row has the name and MD5 of the label',
    async ({ volumes, jobId }) => {
      const { file } = await scanIntoCatalog(BACULA9_VOLUMES, volumes);
      const catalog = reopen(file);
      const wantId = baculaJobs().find((r) => Number(r.JobId) === jobId)!.FileSetId;
      const want = baculaFileSets().find((r) => r.FileSetId === wantId)!;
      expect(catalog.fileSets().map((f) => [f.fileSet, f.md5])).toEqual([[want.FileSet, want.MD5]]);
    },
  );

  it.each(BACULA9_SCANS)(
    "$volumes: the bootstrap of the scan equals the Director's $bsr",
    async ({ volumes, bsr }) => {
      const { result, file } = await scanIntoCatalog(BACULA9_VOLUMES, volumes);
      expect(formatBootstrap(bootstrapOf(result))).toBe(baculaBootstrap(bsr));
      // The catalog gives the same bootstrap when read back.
      expect(formatBootstrap(reopen(file).bootstrapJobs())).toBe(baculaBootstrap(bsr));
    },
  );
});

describe('bscan of the Bareos 25.1 volumes', () => {
  it.each(BAREOS25_SCANS)(
    "$volume: 46 files, one job and the Director's bootstrap",
    async ({ volume, jobId, bsr }) => {
      const { expected, actual } = fixtureSha256('bareos-25', volume);
      expect(actual).toBe(expected);
      const { result, file, warnings } = await scanIntoCatalog(BAREOS25_VOLUMES, [volume]);
      expect(warnings).toEqual([]);
      const catalog = reopen(file);
      const [job, ...others] = catalog.jobs();
      expect(others).toEqual([]);
      expect(job).toMatchObject({
        jobId,
        type: 'B',
        level: 'F',
        jobStatus: 'T',
        jobFiles: 46,
        volSessionTime: 1795392217,
      });
      expect(catalog.files(jobId)).toHaveLength(46);
      expect(catalog.media()).toMatchObject([
        { volumeName: volume, mediaType: `File-${volume.slice(4)}`, volJobs: 1 },
      ]);
      expect(formatBootstrap(bootstrapOf(result))).toBe(bareosBootstrap(bsr));
      // Every regular file carries its MD5 (Bareos' default signature here).
      const withDigest = catalog.files(jobId).filter((f) => f.md5 !== '0');
      expect(withDigest.length).toBeGreaterThan(0);
      for (const f of withDigest) expect(f.md5).toMatch(/^[A-Za-z0-9+/]{22}$/);
    },
  );

  it('Vol-plain: JobBytes is the file daemon count of the README (3,668,303)', async () => {
    const { file } = await scanIntoCatalog(BAREOS25_VOLUMES, ['Vol-plain']);
    expect(reopen(file).getJob(1)?.jobBytes).toBe(3_668_303);
  });
});
