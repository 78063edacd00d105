import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import { Catalog, joinAddress, splitAddress } from '../../src/catalog/catalog.js';
import {
  catalogDate,
  catalogDateSeconds,
  catalogDdl,
  CATALOG_SCHEMA_VERSION,
  CATALOG_TABLES,
} from '../../src/catalog/schema.js';
import { SdpipeError } from '../../src/errors.js';
import { tempDir } from '../support/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function dir(): string {
  const t = tempDir('sdpipe-catalog-');
  cleanups.push(t.cleanup);
  return t.dir;
}

function open(file: string, readOnly = false): Catalog {
  const c = Catalog.open(file, { readOnly });
  cleanups.unshift(() => c.close());
  return c;
}

function thrown(fn: () => unknown): SdpipeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SdpipeError) return e;
    throw e;
  }
  throw new Error('expected an SdpipeError');
}

/** A catalog with one pool, media, client, fileset, job, JobMedia row and two files. */
function fill(c: Catalog): void {
  c.transaction(() => {
    const poolId = c.ensurePool('Full', 'Backup').row.poolId;
    const media = c.createMedia({ volumeName: 'Vol-1', mediaType: 'File', poolId, volBytes: 1234 });
    const clientId = c.ensureClient('client-fd').row.clientId;
    const fileSetId = c.ensureFileSet('FS', 'md5text', '2026-11-23 00:04:20').row.fileSetId;
    c.createJob({
      jobId: 7,
      job: 'job.2026-11-23_00.04.20_04',
      name: 'job',
      type: 'B',
      level: 'F',
      jobStatus: 'T',
      clientId,
      poolId,
      fileSetId,
      volSessionId: 3,
      volSessionTime: 1795392249,
      startTime: '2026-11-23 00:04:22',
      endTime: '2026-11-23 00:04:23',
      jobFiles: 2,
      jobBytes: 99,
    });
    c.putJobMedia({
      jobId: 7,
      mediaId: media.mediaId,
      firstIndex: 1,
      lastIndex: 2,
      startFile: 0,
      startBlock: 215,
      endFile: 1,
      endBlock: 5,
      jobBytes: 99,
      volIndex: 1,
    });
    c.putFile({ jobId: 7, fileIndex: 2, path: '/data/', name: '', lstat: 'A B', md5: '0', deltaSeq: 0 });
    c.putFile({
      jobId: 7,
      fileIndex: 1,
      path: '/data/',
      name: 'hello.txt',
      lstat: 'P4A IeCH',
      md5: 'b1kCrCNwJL3QwXbLkwY9xA',
      deltaSeq: 0,
    });
  });
}

describe('catalog file', () => {
  it('is a real SQLite file that a new connection reads back', () => {
    const file = join(dir(), 'catalog.db');
    const c = Catalog.open(file);
    fill(c);
    c.close();
    expect(readFileSync(file).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    const again = open(file, true);
    expect(again.jobs()).toMatchObject([
      { jobId: 7, job: 'job.2026-11-23_00.04.20_04', level: 'F', jobStatus: 'T', volSessionId: 3 },
    ]);
    expect(again.files(7)).toEqual([
      {
        fileId: 2,
        jobId: 7,
        fileIndex: 1,
        path: '/data/',
        name: 'hello.txt',
        lstat: 'P4A IeCH',
        md5: 'b1kCrCNwJL3QwXbLkwY9xA',
        deltaSeq: 0,
      },
      { fileId: 1, jobId: 7, fileIndex: 2, path: '/data/', name: '', lstat: 'A B', md5: '0', deltaSeq: 0 },
    ]);
    expect(again.jobMedia(7)).toMatchObject([{ volumeName: 'Vol-1', mediaType: 'File', startBlock: 215 }]);
    expect(again.counts()).toEqual({
      pool: 1,
      client: 1,
      fileSet: 1,
      media: 1,
      job: 1,
      jobMedia: 1,
      path: 1,
      file: 2,
    });
    expect(again.pools()).toMatchObject([{ name: 'Full', poolType: 'Backup', numVols: 1 }]);
  });

  it('uses the Bacula/Bareos table and column names (readable with plain SQL)', () => {
    const file = join(dir(), 'catalog.db');
    fill(open(file));
    const db = new sqlite.Database(file, { readOnly: true });
    try {
      const tables = db
        .all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .map((r) => r.name);
      expect(tables).toEqual([
        'Client',
        'File',
        'FileSet',
        'Job',
        'JobMedia',
        'Media',
        'Path',
        'Pool',
        'Version',
      ]);
      expect(
        db.get(
          'SELECT Job.Job AS Job, Path.Path AS Path, File.Name AS Name, File.MD5 AS MD5 FROM File ' +
            'JOIN Job ON Job.JobId = File.JobId JOIN Path ON Path.PathId = File.PathId WHERE File.FileIndex = 1',
        ),
      ).toEqual({
        Job: 'job.2026-11-23_00.04.20_04',
        Path: '/data/',
        Name: 'hello.txt',
        MD5: 'b1kCrCNwJL3QwXbLkwY9xA',
      });
      expect(db.get('SELECT VersionId FROM Version')).toEqual({ VersionId: CATALOG_SCHEMA_VERSION });
      const mediaCols = db.all('PRAGMA table_info(Media)').map((r) => r.name);
      expect(mediaCols).toContain('EncryptionKey');
    } finally {
      db.close();
    }
  });

  it('putFile replaces the row of the same JobId and FileIndex; putJobMedia the row of the same volume', () => {
    const c = open(join(dir(), 'catalog.db'));
    fill(c);
    c.putFile({ jobId: 7, fileIndex: 1, path: '/other/', name: 'x', lstat: 'L', md5: 'M', deltaSeq: 1 });
    expect(c.files(7).map((f) => [f.fileIndex, f.path, f.name, f.md5])).toEqual([
      [1, '/other/', 'x', 'M'],
      [2, '/data/', '', '0'],
    ]);
    const [jm] = c.jobMedia(7);
    const { jobMediaId: _id, volumeName: _v, mediaType: _t, ...row } = jm!;
    c.putJobMedia({ ...row, lastIndex: 9 });
    expect(c.jobMedia(7).map((m) => m.lastIndex)).toEqual([9]);
  });

  it('moveJob renumbers a job, or merges it into an existing one', () => {
    const c = open(join(dir(), 'catalog.db'));
    fill(c);
    c.moveJob(7, 12);
    expect(c.jobs().map((j) => j.jobId)).toEqual([12]);
    expect(c.files(12)).toHaveLength(2);
    expect(c.jobMedia(12)).toHaveLength(1);
    c.createJob({ jobId: 13, job: 'provisional' });
    c.putFile({ jobId: 13, fileIndex: 3, path: '/data/', name: 'c', lstat: 'L', md5: '0', deltaSeq: 0 });
    c.moveJob(13, 12);
    expect(c.jobs().map((j) => j.jobId)).toEqual([12]);
    expect(c.files(12).map((f) => f.fileIndex)).toEqual([1, 2, 3]);
  });

  it('finds jobs by name and by session, and hands out the next free JobId', () => {
    const c = open(join(dir(), 'catalog.db'));
    expect(c.nextJobId()).toBe(1);
    fill(c);
    expect(c.findJobByName('job.2026-11-23_00.04.20_04')?.jobId).toBe(7);
    expect(c.findJobByName('nope')).toBeUndefined();
    expect(c.findJobsBySession(3, 1795392249).map((j) => j.jobId)).toEqual([7]);
    expect(c.nextJobId()).toBe(8);
    expect(c.findMedia('Vol-1')?.volBytes).toBe(1234);
    c.updateMedia(1, { volStatus: 'Full', encryptionKey: null });
    expect(c.findMedia('Vol-1')?.volStatus).toBe('Full');
  });

  it('a failed transaction leaves nothing behind', () => {
    const c = open(join(dir(), 'catalog.db'));
    expect(() =>
      c.transaction(() => {
        c.ensurePool('P', 'Backup');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(c.pools()).toEqual([]);
  });

  it('gives the bootstrap of its jobs from JobMedia rows', () => {
    const c = open(join(dir(), 'catalog.db'));
    fill(c);
    expect(c.bootstrapJobs()).toEqual([
      {
        job: 'job.2026-11-23_00.04.20_04',
        level: 'F',
        time: catalogDateSeconds('2026-11-23 00:04:23'),
        volumes: [
          {
            volumeName: 'Vol-1',
            mediaType: 'File',
            volSessionId: 3,
            volSessionTime: 1795392249,
            startAddress: 215,
            endAddress: 2 ** 32 + 5,
            firstIndex: 1,
            lastIndex: 2,
          },
        ],
      },
    ]);
  });
});

describe('catalog errors', () => {
  it('a missing directory is SDP_CATALOG_OPEN with the file in the context', () => {
    const file = join(dir(), 'no-such-dir', 'catalog.db');
    const e = thrown(() => Catalog.open(file));
    expect(e.code).toBe('SDP_CATALOG_OPEN');
    expect(e.context.file).toBe(file);
  });

  it('read-only open of a missing file is SDP_CATALOG_OPEN', () => {
    expect(thrown(() => Catalog.open(join(dir(), 'x.db'), { readOnly: true })).code).toBe('SDP_CATALOG_OPEN');
  });

  it('a file that is not SQLite is SDP_CATALOG_FORMAT', () => {
    const file = join(dir(), 'garbage.db');
    writeFileSync(file, 'this is not an SQLite database file, only text. '.repeat(40));
    expect(thrown(() => Catalog.open(file)).code).toBe('SDP_CATALOG_FORMAT');
  });

  it('an SQLite file with other tables, or another schema version, is SDP_CATALOG_FORMAT', () => {
    const other = join(dir(), 'other.db');
    const db = new sqlite.Database(other);
    db.exec('CREATE TABLE t (a INTEGER)');
    db.close();
    expect(thrown(() => Catalog.open(other)).code).toBe('SDP_CATALOG_FORMAT');

    const newer = join(dir(), 'newer.db');
    Catalog.open(newer).close();
    const db2 = new sqlite.Database(newer);
    db2.run('UPDATE Version SET VersionId = ?', [CATALOG_SCHEMA_VERSION + 1]);
    db2.close();
    const e = thrown(() => Catalog.open(newer));
    expect(e.code).toBe('SDP_CATALOG_FORMAT');
    expect(e.context).toMatchObject({ expected: CATALOG_SCHEMA_VERSION, actual: CATALOG_SCHEMA_VERSION + 1 });
  });

  it('writing to a read-only catalog is SDP_CATALOG_QUERY', () => {
    const file = join(dir(), 'catalog.db');
    Catalog.open(file).close();
    const c = open(file, true);
    expect(thrown(() => c.ensurePool('P', 'Backup')).code).toBe('SDP_CATALOG_QUERY');
  });
});

describe('schema', () => {
  it('every table has its CREATE statement, and the DDL runs twice (IF NOT EXISTS)', () => {
    const ddl = catalogDdl();
    for (const t of CATALOG_TABLES)
      expect(ddl.some((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${t.name} (`))).toBe(true);
    const db = new sqlite.Database();
    try {
      for (const s of [...ddl, ...ddl]) db.exec(s);
    } finally {
      db.close();
    }
  });

  it('dates are UTC `YYYY-MM-DD HH:MM:SS` and read back', () => {
    expect(catalogDate(1795392263)).toBe('2026-11-23 00:04:23');
    expect(catalogDate(1795392262.856)).toBe('2026-11-23 00:04:22');
    expect(catalogDateSeconds('2026-11-23 00:04:23')).toBe(1795392263);
    expect(catalogDateSeconds(null)).toBeUndefined();
    expect(catalogDateSeconds('0')).toBeUndefined();
  });

  it('addresses split into the high (file) and low (block) 32 bits', () => {
    expect(splitAddress(5113667)).toEqual({ file: 0, block: 5113667 });
    expect(splitAddress(2 ** 32 * 3 + 17)).toEqual({ file: 3, block: 17 });
    expect(joinAddress(3, 17)).toBe(2 ** 32 * 3 + 17);
  });
});
