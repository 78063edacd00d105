/**
 * Bootstrap-driven restores from tape: positions by VolFile/VolBlock (tape addresses `file << 32 | block`)
 * and by the VolAddr ranges bscan writes for a tape volume.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines, runCli, tempDir } from '../support/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function twoSessionTape() {
  const t = tempDir('sdpipe-tape-bsr-');
  cleanups.push(t.cleanup);
  const spec = `sim:${join(t.dir, 'tape.img')}`;
  const first = join(t.dir, 'first');
  const second = join(t.dir, 'second');
  mkdirSync(first);
  mkdirSync(second);
  writeFileSync(join(first, 'one.txt'), 'session one\n');
  writeFileSync(join(second, 'two.txt'), 'session two\n'.repeat(50_000));
  for (const [src, jobid] of [
    [first, '1'],
    [second, '2'],
  ] as const) {
    const b = await runCli('backup', '--jobid', jobid, src, spec, '-V', 'Tape-0001');
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
  }
  return { dir: t.dir, spec, first, second };
}

describe('bootstrap positioning on tape', () => {
  it('VolFile selects the tape file of the second session: only its files are read and restored', async () => {
    const { dir, spec, first, second } = await twoSessionTape();
    // Tape layout: file 0 = label, file 1 = session 1, file 2 = session 2.
    const k = await runCli('bls', '-k', '--json', spec);
    const files = new Set(jsonLines(k.stdout).map((b) => Math.floor(Number(b.offset) / 2 ** 32)));
    expect([...files].sort()).toEqual([0, 1, 2]);
    const bsr = join(dir, 'second.bsr');
    writeFileSync(bsr, 'Volume="Tape-0001"\nVolSessionId=1\nVolFile=2\n');
    const out = join(dir, 'out');
    const r = await runCli('bextract', '-b', bsr, spec, out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, second, 'two.txt'), 'utf8')).toBe('session two\n'.repeat(50_000));
    expect(existsSync(join(out, first))).toBe(false);
  });

  it('the bootstrap bscan writes for a tape volume restores both sessions', async () => {
    const { dir, spec, first, second } = await twoSessionTape();
    const bsr = join(dir, 'all.bsr');
    const s = await runCli('bscan', '--write-bsr', bsr, spec);
    expect(s.code).toBe(0);
    const out = join(dir, 'out');
    const r = await runCli('bextract', '-b', bsr, spec, out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, first, 'one.txt'), 'utf8')).toBe('session one\n');
    expect(readFileSync(join(out, second, 'two.txt'), 'utf8').length).toBe('session two\n'.length * 50_000);
  });
});
