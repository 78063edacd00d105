import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BACULA9,
  BACULA9_VOLUMES,
  BAREOS25,
  BAREOS25_VOLUMES,
  parseBlsBlocks,
  parseBlsJobs,
} from '../support/fixtures.js';
import { jsonLines, runCli } from '../support/cli.js';

const text = (...p: string[]) => readFileSync(join(...p), 'utf8');

/** What bls -j ground truth says about each session, merged from its Begin and End records. */
function toolSessions(out: string) {
  const ends = parseBlsJobs(out).filter((s) => s.kind === 'end');
  return ends.map((s) => ({
    jobId: s.jobId,
    volSessionId: s.sessId,
    volSessionTime: s.sessTime,
    level: s.level,
    files: s.files,
    bytes: s.bytes,
    errors: s.errors,
    status: s.status,
  }));
}

const pick = (o: Record<string, unknown>) => ({
  jobId: o.jobId,
  volSessionId: o.volSessionId,
  volSessionTime: o.volSessionTime,
  level: o.level,
  files: o.files,
  bytes: o.bytes,
  errors: o.errors,
  status: o.status,
});

describe('bls -j --json equals the real bls -j', () => {
  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lzo', 'Vol-sparse'])('bacula-9 %s', async (vol) => {
    const r = await runCli('bls', '-j', '--json', '-V', vol, BACULA9_VOLUMES);
    expect(r.code).toBe(0);
    const ours = jsonLines(r.stdout).filter((o) => o.kind === 'session');
    expect(ours.map(pick)).toEqual(toolSessions(text(BACULA9, 'tool-output', vol, 'bls-j.txt')));
  });

  it('bacula-9 Vol-span-1|Vol-span-2 is one session', async () => {
    const r = await runCli('bls', '-j', '--json', '-V', 'Vol-span-1|Vol-span-2', BACULA9_VOLUMES);
    expect(r.code).toBe(0);
    const ours = jsonLines(r.stdout).filter((o) => o.kind === 'session');
    // bls -j -v over both volumes (tool-output/Vol-span/bls-j-v.txt): JobId 7, 16 files, 430,616 bytes.
    expect(ours.map(pick)).toEqual([
      {
        jobId: 7,
        volSessionId: 7,
        volSessionTime: 1795392249,
        level: 'F',
        files: 16,
        bytes: 430616,
        errors: 0,
        status: 'T',
      },
    ]);
    expect(ours[0]?.volumes).toEqual(['Vol-span-1', 'Vol-span-2']);
  });

  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lz4', 'Vol-fdlz4'])('bareos-25 %s', async (vol) => {
    const r = await runCli('bls', '-j', '--json', '-V', vol, BAREOS25_VOLUMES);
    expect(r.code).toBe(0);
    const ours = jsonLines(r.stdout).filter((o) => o.kind === 'session');
    expect(ours.map(pick)).toEqual(toolSessions(text(BAREOS25, 'tools', 'noplugin', vol, 'bls_-j.txt')));
  });
});

describe('bls -k --json equals the real bls -k', () => {
  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lzo', 'Vol-sparse', 'Vol-span-1', 'Vol-span-2', 'Vol-span-3'])(
    'bacula-9 %s',
    async (vol) => {
      const r = await runCli('bls', '-k', '--json', '-V', vol, BACULA9_VOLUMES);
      const blocks = jsonLines(r.stdout).filter((o) => o.kind === 'block');
      const tool = parseBlsBlocks(text(BACULA9, 'tool-output', vol, 'bls-k-v.txt'));
      expect(blocks.map((b) => [b.blockNumber, b.length, Number(b.offset) + Number(b.length)])).toEqual(
        tool.map((t) => [t.blockNumber, t.length, t.endAddr]),
      );
    },
  );
  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lz4', 'Vol-fdlz4'])('bareos-25 %s', async (vol) => {
    const r = await runCli('bls', '-k', '--json', '-V', vol, BAREOS25_VOLUMES);
    expect(r.code).toBe(0);
    const blocks = jsonLines(r.stdout).filter((o) => o.kind === 'block');
    const tool = parseBlsBlocks(text(BAREOS25, 'tools', 'noplugin', vol, 'bls_-k.txt'));
    expect(blocks.map((b) => [b.blockNumber, b.length])).toEqual(tool.map((t) => [t.blockNumber, t.length]));
  });
});

describe('bls file listing', () => {
  it('lists the 46 entries of a Bareos volume exactly as the real bls does', async () => {
    const r = await runCli('bls', '-V', 'Vol-gzip', BAREOS25_VOLUMES);
    expect(r.code).toBe(0);
    const tool = text(BAREOS25, 'tools', 'noplugin', 'Vol-gzip', 'bls.txt')
      .split('\n')
      .filter((l) => l.startsWith('bls JobId 2: '))
      .map((l) => l.slice('bls JobId 2: '.length));
    const ours = r.stdout.split('\n').filter((l) => l && !l.endsWith('files found.'));
    expect(ours).toEqual(tool);
    expect(r.stdout).toContain('46 files found.');
  });

  it('lists the 68 entries of a Bacula volume as the real bls -v does (no bogus label lines)', async () => {
    const r = await runCli('bls', '--json', '-V', 'Vol-plain', BACULA9_VOLUMES);
    expect(r.code).toBe(0);
    const files = jsonLines(r.stdout).filter((o) => o.kind === 'file');
    expect(files).toHaveLength(68);
    expect(files.every((f) => f.jobId === 1 && f.volSessionId === 1)).toBe(true);
    const hello = files.find((f) => String(f.path).endsWith('/data/hello.txt'));
    expect(hello).toMatchObject({ type: 'REG', size: 12, mode: 0o100644, uid: 0, gid: 0 });
  });

  it('a directory device without -V is a usage error naming what to do', async () => {
    const r = await runCli('bls', BACULA9_VOLUMES);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SDP_USAGE');
  });

  it('a volume whose label names another volume is reported as SDP_LABEL_MISMATCH', async () => {
    const { dir, cleanup } = (await import('../support/cli.js')).tempDir();
    try {
      const { copyFileSync } = await import('node:fs');
      copyFileSync(join(BACULA9_VOLUMES, 'Vol-plain'), join(dir, 'Vol-other'));
      const r = await runCli('bls', '--json', '-V', 'Vol-other', dir);
      expect(r.code).toBe(1);
      expect(jsonLines(r.stderr)[0]).toMatchObject({
        error: 'SDP_LABEL_MISMATCH',
        volume: 'Vol-other',
        expected: 'Vol-other',
        actual: 'Vol-plain',
      });
    } finally {
      cleanup();
    }
  });
});

describe('bls file listing of Bacula volumes', () => {
  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lzo', 'Vol-sparse'])(
    '%s lists exactly the real bls lines, without its bogus label lines',
    async (vol) => {
      const r = await runCli('bls', '-V', vol, BACULA9_VOLUMES);
      expect(r.code).toBe(0);
      const tool = text(BACULA9, 'tool-output', vol, 'bls-files.txt')
        .split('\n')
        .filter((l) => l.startsWith('bls JobId 0: ') && !l.endsWith('  immortal'))
        .map((l) => l.slice('bls JobId 0: '.length));
      expect(r.stdout.split('\n').filter((l) => l && !l.endsWith('files found.'))).toEqual(tool);
      expect(r.stdout).toContain('68 files found.');
    },
  );
});
