import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines, runCli, tempDir } from '../support/cli.js';
import { shareSimDrive, type SharedSimDrive } from '../support/tape-sim.js';

let shared: SharedSimDrive | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await shared?.dispose();
  shared = undefined;
});

describe('TapeAlert in the job log (--tapealert)', () => {
  it('reports each flag the drive set during the job, once, with number, name and severity', async () => {
    shared = await shareSimDrive();
    const t = tempDir('sdpipe-ta-');
    cleanups.push(t.cleanup);
    const src = join(t.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.txt'), 'a\n');
    shared.drive.raiseTapeAlert(3, 20);
    const r = await runCli('backup', '--json', '--tapealert', src, shared.spec, '-V', 'Tape-0001');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const alerts = jsonLines(r.stdout)
      .filter((o) => o.kind === 'log' && String(o.message).startsWith('TapeAlert'))
      .map((o) => String(o.message));
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toMatch(/^TapeAlert on device "sim:.*" with volume "Tape-0001": \[3\] /);
    expect(alerts[1]).toMatch(/\[20\] .* \((critical|warning|information)\)$/);
    // Reading cleared them: the next job reports nothing.
    const again = await runCli('backup', '--json', '--tapealert', src, shared.spec, '-V', 'Tape-0001');
    expect(jsonLines(again.stdout).filter((o) => String(o.message).startsWith('TapeAlert'))).toEqual([]);
  });

  it('a File device has no TapeAlert: the flag is accepted and reports nothing', async () => {
    const t = tempDir('sdpipe-ta-file-');
    cleanups.push(t.cleanup);
    const src = join(t.dir, 'src');
    const dev = join(t.dir, 'dev');
    mkdirSync(src);
    mkdirSync(dev);
    writeFileSync(join(src, 'a.txt'), 'a\n');
    const r = await runCli('backup', '--tapealert', src, dev, '-V', 'Vol-0001');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('TapeAlert');
  });
});
