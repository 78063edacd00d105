import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../src/catalog/catalog.js';
import { EXIT } from '../../src/cli/command.js';
import {
  BACULA9_SCANS,
  BAREOS25_SCANS,
  baculaBootstrap,
  baculaBootstrapPath,
  bareosBootstrap,
} from '../support/catalog-fixtures.js';
import { jsonLines, runCli, tempDir } from '../support/cli.js';
import { BACULA9_VOLUMES, BAREOS25_VOLUMES, readFixtureText } from '../support/fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function workDir(): string {
  const t = tempDir('sdpipe-bscan-cli-');
  cleanups.push(t.cleanup);
  return t.dir;
}

/** Reads a catalog file back; closed after the test. */
function reopen(file: string): Catalog {
  const c = Catalog.open(file, { readOnly: true });
  cleanups.unshift(() => c.close());
  return c;
}

const recordLines = (text: string) => text.match(/Record: SessId=.*$/gm) ?? [];
/** The "Records … in the catalog:" block and its four counts. */
const summary = (text: string) =>
  /Records (?:would have been )?added or updated in the catalog:\n(?: +\d+ \w+\n?){4}/
    .exec(text)?.[0]
    .trimEnd();

describe('sdpipe bscan -s -m of the Bacula 9.6 volumes', () => {
  it.each(BACULA9_SCANS)(
    "$volumes: catalog written, bootstrap equal to the Director's, and bextract -b of it restores every file",
    async ({ volumes, jobId, bsr }) => {
      const dir = workDir();
      const db = join(dir, 'catalog.db');
      const out = join(dir, 'out.bsr');
      const r = await runCli(
        'bscan',
        '-s',
        '-m',
        '--catalog',
        db,
        '--write-bsr',
        out,
        '-V',
        volumes.join('|'),
        BACULA9_VOLUMES,
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(EXIT.OK);
      const files = volumes.length === 2 ? 16 : 68;
      expect(summary(r.stdout)).toBe(
        [
          'Records added or updated in the catalog:',
          `${String(volumes.length).padStart(7)} Media`,
          `${String(volumes.length).padStart(7)} Pool`,
          '      1 Job',
          `${String(files).padStart(7)} File`,
        ].join('\n'),
      );
      expect(r.stdout).toContain(`Job: JobId=${jobId} `);
      expect(readFileSync(out, 'utf8')).toBe(baculaBootstrap(bsr));
      const catalog = reopen(db);
      expect(catalog.jobs().map((j) => j.jobId)).toEqual([jobId]);
      expect(catalog.files(jobId)).toHaveLength(files);

      const restoreDir = join(dir, 'restore');
      const x = await runCli('bextract', '-b', out, BACULA9_VOLUMES, restoreDir);
      expect(x.stderr).toBe('');
      expect(x.code).toBe(EXIT.OK);
      expect(x.stdout).toContain(`${files} files restored.`);
    },
  );

  it('-v tells what was found and written', async () => {
    const dir = workDir();
    const r = await runCli(
      'bscan',
      '-s',
      '-m',
      '-v',
      '--catalog',
      join(dir, 'c.db'),
      '-V',
      'Vol-span-1|Vol-span-2',
      BACULA9_VOLUMES,
    );
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toContain('Created Media record for Volume: Vol-span-1');
    expect(r.stdout).toContain('Created Job record for JobId 7: job-span.2026-11-23_00.08.04_12');
    expect(r.stdout).toContain('JobMedia for JobId 7 on Vol-span-2: FileIndex=3-16 VolAddr=215-238432');
    expect(r.stdout).toContain(
      'Updated Media record for Vol-span-1: VolJobs=1 VolBlocks=3 VolBytes=193,751 VolStatus=Full',
    );
  });

  it('--json prints the jobs, the events and the summary as JSON lines', async () => {
    const dir = workDir();
    const r = await runCli(
      'bscan',
      '-s',
      '-v',
      '--json',
      '--catalog',
      join(dir, 'c.db'),
      '-V',
      'Vol-lzo',
      BACULA9_VOLUMES,
    );
    expect(r.code).toBe(EXIT.OK);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((o) => o.kind === 'job')).toMatchObject([
      {
        jobId: 3,
        job: 'job-lzo.2026-11-23_00.04.30_06',
        level: 'F',
        jobFiles: 68,
        jobBytes: 2_328_061,
        jobStatus: 'T',
        volumes: [
          { volume: 'Vol-lzo', startAddress: 211, endAddress: 2_340_792, firstIndex: 1, lastIndex: 68 },
        ],
      },
    ]);
    expect(lines.filter((o) => o.kind === 'event').map((o) => o.event)).toContain('jobMedia');
    expect(lines.at(-1)).toEqual({ kind: 'summary', written: true, media: 1, pool: 1, job: 1, file: 68 });
  });

  it('-b reads what a bootstrap selects', async () => {
    const dir = workDir();
    const db = join(dir, 'c.db');
    const r = await runCli(
      'bscan',
      '-s',
      '--catalog',
      db,
      '-b',
      baculaBootstrapPath('job-span.bsr'),
      BACULA9_VOLUMES,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.OK);
    expect(reopen(db).files(7)).toHaveLength(16);
  });

  it('without -s and -m the catalog stays empty', async () => {
    const dir = workDir();
    const db = join(dir, 'c.db');
    const r = await runCli('bscan', '--catalog', db, '-V', 'Vol-plain', BACULA9_VOLUMES);
    expect(r.code).toBe(EXIT.OK);
    expect(summary(r.stdout)).toMatch(/^Records would have been added/);
    expect(Object.values(reopen(db).counts()).every((n) => n === 0)).toBe(true);
  });
});

describe('sdpipe bscan -r lists the records as bscan -r does', () => {
  const cases = [
    ['Vol-plain', 'Vol-plain', EXIT.OK],
    ['Vol-gzip', 'Vol-gzip', EXIT.OK],
    ['Vol-lzo', 'Vol-lzo', EXIT.OK],
    ['Vol-sparse', 'Vol-sparse', EXIT.OK],
    ['Vol-span-1|Vol-span-2', 'Vol-span', EXIT.OK],
    // Alone, each span volume has half of a split record: reported, so the exit status is 1.
    ['Vol-span-1', 'Vol-span-1', EXIT.ERRORS],
    ['Vol-span-2', 'Vol-span-2', EXIT.ERRORS],
    ['Vol-span-3', 'Vol-span-3', EXIT.OK],
  ] as const;

  it.each(cases)('%s: the Record lines equal tool-output/%s/bscan-r.txt', async (volumes, folder, code) => {
    const r = await runCli('bscan', '-r', '-V', volumes, BACULA9_VOLUMES);
    expect(r.code).toBe(code);
    const want = recordLines(readFixtureText('bacula-9', 'tool-output', folder, 'bscan-r.txt'));
    expect(want.length).toBeGreaterThan(0);
    expect(recordLines(r.stdout)).toEqual(want);
  });

  it.each(cases.filter(([v]) => v !== 'Vol-span-2'))(
    '%s: the counts equal the "would have been added" block of bscan -r',
    async (volumes, folder) => {
      const r = await runCli('bscan', '-r', '-V', volumes, BACULA9_VOLUMES);
      expect(summary(r.stdout)).toBe(
        summary(readFixtureText('bacula-9', 'tool-output', folder, 'bscan-r.txt')),
      );
    },
  );

  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lz4'])(
    'Bareos 25 %s: the Record lines equal tools/bscan/%s.bscan_-v_-r.txt',
    async (volume) => {
      const r = await runCli('bscan', '-r', '-V', volume, BAREOS25_VOLUMES);
      expect(r.code).toBe(EXIT.OK);
      const want = recordLines(readFixtureText('bareos-25', 'tools', 'bscan', `${volume}.bscan_-v_-r.txt`));
      expect(recordLines(r.stdout)).toEqual(want);
    },
  );
});

describe('sdpipe bscan of the Bareos 25.1 volumes', () => {
  it.each(BAREOS25_SCANS)(
    "$volume: 46 files and the Director's bootstrap",
    async ({ volume, jobId, bsr }) => {
      const dir = workDir();
      const db = join(dir, 'c.db');
      const out = join(dir, 'out.bsr');
      const r = await runCli(
        'bscan',
        '-s',
        '-m',
        '--catalog',
        db,
        '--write-bsr',
        out,
        '-V',
        volume,
        BAREOS25_VOLUMES,
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(EXIT.OK);
      expect(summary(r.stdout)).toContain('     46 File');
      expect(reopen(db).files(jobId)).toHaveLength(46);
      expect(readFileSync(out, 'utf8')).toBe(bareosBootstrap(bsr));
      const x = await runCli('bextract', '-b', out, BAREOS25_VOLUMES, join(dir, 'restore'));
      expect(x.code).toBe(EXIT.OK);
      expect(x.stdout).toContain('46 files restored.');
    },
  );
});

describe('sdpipe bscan on bad input', () => {
  it('a catalog in a missing directory: SDP_CATALOG_OPEN, exit 3', async () => {
    const dir = workDir();
    const r = await runCli(
      'bscan',
      '-s',
      '--catalog',
      join(dir, 'nope', 'c.db'),
      '-V',
      'Vol-plain',
      BACULA9_VOLUMES,
    );
    expect(r.code).toBe(EXIT.FATAL);
    expect(r.stderr).toMatch(/^SDP_CATALOG_OPEN: /);
    expect(r.stdout).toBe('');
  });

  it('a catalog file that is not SQLite: SDP_CATALOG_FORMAT, exit 3 (JSON with --json)', async () => {
    const dir = workDir();
    const db = join(dir, 'c.db');
    writeFileSync(db, 'not a database at all; just some text. '.repeat(50));
    const r = await runCli('bscan', '-s', '--json', '--catalog', db, '-V', 'Vol-plain', BACULA9_VOLUMES);
    expect(r.code).toBe(EXIT.FATAL);
    expect(jsonLines(r.stderr)).toMatchObject([{ error: 'SDP_CATALOG_FORMAT', file: db }]);
  });

  it('a missing volume: SDP_VOLUME_NOT_FOUND, exit 3', async () => {
    const dir = workDir();
    const r = await runCli('bscan', '-s', '--catalog', join(dir, 'c.db'), '-V', 'Vol-nope', BACULA9_VOLUMES);
    expect(r.code).toBe(EXIT.FATAL);
    expect(r.stderr).toMatch(/^SDP_VOLUME_NOT_FOUND: /);
  });

  it('-s without --catalog, an unknown option, or no device: usage errors, exit 2', async () => {
    expect((await runCli('bscan', '-s', '-V', 'Vol-plain', BACULA9_VOLUMES)).code).toBe(EXIT.USAGE);
    expect((await runCli('bscan', '-x', BACULA9_VOLUMES)).code).toBe(EXIT.USAGE);
    expect((await runCli('bscan', '-r')).code).toBe(EXIT.USAGE);
    const help = await runCli('bscan', '--help');
    expect(help.code).toBe(EXIT.OK);
    expect(help.stdout).toContain('--write-bsr');
  });

  it('a bootstrap output in a missing directory: SDP_BSR_WRITE before anything is scanned, exit 3', async () => {
    const dir = workDir();
    const db = join(dir, 'c.db');
    const r = await runCli(
      'bscan',
      '-s',
      '--catalog',
      db,
      '--write-bsr',
      join(dir, 'no', 'x.bsr'),
      '-V',
      'Vol-plain',
      BACULA9_VOLUMES,
    );
    expect(r.code).toBe(EXIT.FATAL);
    expect(r.stderr).toMatch(/^SDP_BSR_WRITE: /);
    expect(existsSync(db)).toBe(false);
  });

  function corruptCopy(): string {
    const dir = workDir();
    copyFileSync(join(BACULA9_VOLUMES, 'Vol-gzip'), join(dir, 'Vol-gzip'));
    const bytes = readFileSync(join(dir, 'Vol-gzip'));
    bytes[213 + 64512 + 5000] = (bytes[213 + 64512 + 5000] ?? 0) ^ 0x5a; // inside the second data block
    writeFileSync(join(dir, 'Vol-gzip'), bytes);
    return dir;
  }

  it('a corrupt volume: the damage is reported (exit 1), the rest is cataloged', async () => {
    const dir = corruptCopy();
    const db = join(dir, 'c.db');
    const r = await runCli('bscan', '-s', '-m', '--catalog', db, '-V', 'Vol-gzip', dir);
    expect(r.code).toBe(EXIT.ERRORS);
    expect(r.stderr).toMatch(/^SDP_BLOCK_CHECKSUM: .*volume=Vol-gzip/m);
    expect(reopen(db).jobs()).toMatchObject([{ jobId: 2, jobStatus: 'T' }]);
  });

  it('a corrupt volume with --strict: exit 1 and nothing written', async () => {
    const dir = corruptCopy();
    const db = join(dir, 'c.db');
    const r = await runCli('bscan', '-s', '-m', '--strict', '--catalog', db, '-V', 'Vol-gzip', dir);
    expect(r.code).toBe(EXIT.ERRORS);
    expect(r.stderr).toMatch(/^SDP_BLOCK_CHECKSUM: /);
    expect(Object.values(reopen(db).counts()).every((n) => n === 0)).toBe(true);
  });
});
