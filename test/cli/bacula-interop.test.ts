import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, symlinkSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describeTree, type ManifestEntry } from '../support/manifest.js';
import { runCli, tempDir } from '../support/cli.js';
import { requireTool, systemTool } from '../support/system-tool.js';

const INSTALL = 'apt-get install bacula-sd';
const bextractTool = systemTool(['/usr/sbin/bextract', '/usr/bin/bextract'], INSTALL);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A small tree with what a restore must get right. */
function makeTree(root: string): void {
  mkdirSync(join(root, 'docs/nested/deeper'), { recursive: true });
  mkdirSync(join(root, 'empty-dir'));
  writeFileSync(join(root, 'hello.txt'), 'hello world\n');
  writeFileSync(join(root, 'empty.dat'), '');
  writeFileSync(join(root, 'docs/nested/deeper/text.txt'), 'the quick brown fox\n'.repeat(20_000));
  let x = 7;
  writeFileSync(
    join(root, 'docs/random.bin'),
    Buffer.from(new Uint8Array(200_000).map(() => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24))),
  );
  writeFileSync(join(root, 'Grüße-日本語.txt'), 'unicode name\n');
  writeFileSync(join(root, 'exec.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(root, 'exec.sh'), 0o755);
  symlinkSync('hello.txt', join(root, 'link-to-hello'));
  linkSync(join(root, 'hello.txt'), join(root, 'hardlink-to-hello.txt'));
  for (const f of ['hello.txt', 'empty.dat', 'docs/random.bin', 'exec.sh', 'Grüße-日本語.txt']) {
    utimesSync(join(root, f), 1_700_000_000, 1_700_000_000);
  }
}

/** What Bacula's bextract restores exactly: content, type, mode, owner, size, link targets, file mtimes. */
const comparable = (entries: ManifestEntry[]) =>
  entries
    .filter((e) => e.path !== '.')
    .map((e) => ({
      ...e,
      mtime: e.type === 'file' ? e.mtime : 0,
      nlink: e.type === 'dir' ? 0 : e.nlink,
      mode: e.type === 'symlink' ? 0 : e.mode,
    }));

function sdConfig(dir: string, archive: string): string {
  const conf = join(dir, 'bacula-sd.conf');
  writeFileSync(
    conf,
    `Storage {\n  Name = sdpipe-interop-sd\n  WorkingDirectory = "${dir}"\n  PidDirectory = "${dir}"\n}\n` +
      `Director {\n  Name = sdpipe-interop-dir\n  Password = "unused"\n}\n` +
      `Device {\n  Name = FileDev\n  Media Type = File\n  Archive Device = ${archive}\n  LabelMedia = yes\n` +
      `  Random Access = yes\n  AutomaticMount = yes\n  RemovableMedia = no\n  AlwaysOpen = no\n}\n` +
      `Messages {\n  Name = Standard\n  console = all\n}\n`,
  );
  return conf;
}

describe('volumes written by sdpipe --format bacula restore with the real Bacula 9.6 bextract', () => {
  it.skipIf(bextractTool.skip).each([
    ['plain records (stream 2)', []],
    ['FD GZIP records (stream 4, no header)', ['--fd-compression', 'gzip']],
    ['FD LZO records (stream 29, LZOX header)', ['--fd-compression', 'lzo']],
    ['sparse records (stream 6)', ['--sparse']],
  ])(`%s${bextractTool.skipNote}`, async (_name, flags) => {
    const bextract = requireTool(bextractTool, INSTALL);
    const t = tempDir('sdpipe-interop-');
    cleanups.push(t.cleanup);
    const src = join(t.dir, 'src');
    const dev = join(t.dir, 'dev');
    const out = join(t.dir, 'out');
    for (const d of [src, dev, out]) mkdirSync(d);
    makeTree(src);
    const b = await runCli('backup', '--format', 'bacula', ...flags, src, dev, '-V', 'Interop-0001');
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const r = spawnSync(bextract, ['-c', sdConfig(t.dir, dev), '-V', 'Interop-0001', 'FileDev', out], {
      encoding: 'utf8',
      cwd: t.dir,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/13 files restored/);
    expect(comparable(describeTree(join(out, src)))).toEqual(comparable(describeTree(src)));
  });
});
