import { afterEach, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { BACULA9_VOLUMES, BAREOS25_VOLUMES } from '../support/fixtures.js';
import { baculaManifest, bareosManifest, comparable, describeTree } from '../support/manifest.js';
import { runCli, tempDir } from '../support/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function out(): string {
  const t = tempDir('sdpipe-bextract-');
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('bextract restores real Bacula 9.6 volumes', () => {
  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lzo', 'Vol-sparse'])(
    '%s: the restored tree equals the manifest (content, type, mode, owner, nlink, size, mtime, link targets)',
    async (vol) => {
      const dir = out();
      const r = await runCli('bextract', '-V', vol, BACULA9_VOLUMES, dir);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('68 files restored.');
      expect(comparable(describeTree(join(dir, 'tmp/bacula-lab/data')))).toEqual(
        comparable(baculaManifest('manifest-initial.tsv')),
      );
    },
  );

  it('Vol-sparse restores sparse files with holes (fewer blocks allocated than their size)', async () => {
    const dir = out();
    const r = await runCli('bextract', '-V', 'Vol-sparse', BACULA9_VOLUMES, dir);
    expect(r.code).toBe(0);
    for (const f of ['sparse/sparse-1MiB.img', 'big/zeros-256KiB.bin']) {
      const st = statSync(join(dir, 'tmp/bacula-lab/data', f));
      expect(st.blocks * 512).toBeLessThan(st.size);
    }
  });

  it('the span pair restores as one job (Vol-span-1|Vol-span-2)', async () => {
    const dir = out();
    const r = await runCli('bextract', '-V', 'Vol-span-1|Vol-span-2', BACULA9_VOLUMES, dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('16 files restored.');
    const saved = (p: string) =>
      p === 'sizes' || p === 'text' || p.startsWith('sizes/') || p.startsWith('text/');
    const restored = describeTree(join(dir, 'tmp/bacula-lab/data')).filter((e) => saved(e.path));
    expect(comparable(restored)).toEqual(
      comparable(baculaManifest('manifest-after-modification.tsv').filter((e) => saved(e.path))),
    );
  });

  it('the bootstrap of the span job selects both volumes and restores the same tree', async () => {
    const dir = out();
    const bsr = join(BACULA9_VOLUMES, '..', 'bootstrap', 'job-span.bsr');
    const r = await runCli('bextract', '-b', bsr, BACULA9_VOLUMES, dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('16 files restored.');
  });

  it('Vol-span-2 alone restores what it can and exits non-zero naming the orphan piece', async () => {
    const dir = out();
    const r = await runCli('bextract', '-V', 'Vol-span-2', BACULA9_VOLUMES, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SDP_RECORD_ORPHAN');
    expect(r.stdout).toMatch(/13 files restored/);
  });
});

describe('bextract restores real Bareos 25 volumes', () => {
  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lz4', 'Vol-fdlz4'])(
    '%s: the restored tree equals data/manifest.jsonl (symlink mtimes and the hard link included)',
    async (vol) => {
      const dir = out();
      const r = await runCli('bextract', '-V', vol, BAREOS25_VOLUMES, dir);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('46 files restored.');
      expect(comparable(describeTree(join(dir, 'tmp/bareos-lab/data/src')))).toEqual(
        comparable(bareosManifest()),
      );
    },
  );
});

describe('bootstrap FileRegex', () => {
  it('restores only the files whose path matches', async () => {
    const dir = out();
    const bsr = join(dir, 'hello.bsr');
    const { readFileSync, writeFileSync, existsSync } = await import('node:fs');
    writeFileSync(
      bsr,
      `${readFileSync(join(BACULA9_VOLUMES, '..', 'bootstrap', 'job-plain.bsr'), 'utf8')}FileRegex=hello\\.txt$\n`,
    );
    const r = await runCli('bextract', '-b', bsr, BACULA9_VOLUMES, join(dir, 'out'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 files restored.'); // hello.txt and hardlink-to-hello.txt
    expect(existsSync(join(dir, 'out/tmp/bacula-lab/data/hello.txt'))).toBe(true);
    expect(existsSync(join(dir, 'out/tmp/bacula-lab/data/README.txt'))).toBe(false);
  });
});
