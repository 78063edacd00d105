import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAttributes, encodeAttributes, FILE_TYPE, type UnixStat } from '../../src/volume/attributes.js';
import type { RecordToWrite } from '../../src/volume/block-writer.js';
import { buildVolumeImage } from '../../src/volume/volume-image.js';
import { jsonLines, runCli, tempDir } from '../support/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const stat = (mode: number, size: number, mtime: number): UnixStat => ({
  dev: 1,
  ino: size + 7,
  mode,
  nlink: 1,
  uid: 0,
  gid: 0,
  rdev: 0,
  size,
  blksize: 4096,
  blocks: 8,
  atime: mtime,
  mtime,
  ctime: mtime,
  linkFi: 0,
  flags: 0,
  dataStream: 2,
});

/** Attributes, one data record and an MD5 record for a regular file. */
function file(fileIndex: number, path: string, content: string, mtime: number): RecordToWrite[] {
  const data = new TextEncoder().encode(content);
  const attr = buildAttributes({
    fileIndex,
    type: FILE_TYPE.REG,
    fname: path,
    stat: stat(0o100644, data.length, mtime),
  });
  return [
    { fileIndex, stream: 1, data: encodeAttributes(attr) },
    { fileIndex, stream: 2, data },
    { fileIndex, stream: 3, data: createHash('md5').update(data).digest() },
  ];
}

function twoSessionVolume(dir: string): void {
  const full = [
    ...file(1, '/data/a.txt', 'version 1 of a\n', 1_700_000_000),
    ...file(2, '/data/b.txt', 'b stays\n', 1_700_000_000),
  ];
  const incr = file(1, '/data/a.txt', 'version 2 of a, longer\n', 1_700_100_000);
  const image = buildVolumeImage({
    volumeName: 'Multi-1',
    blockBytes: 512,
    volSessionTime: 1_795_392_249,
    btime: 1_795_392_255_115_766,
    sessions: [
      { jobId: 5, volSessionId: 5, job: 'job-multi.5', level: 'F', records: full },
      { jobId: 6, volSessionId: 6, job: 'job-multi.6', level: 'I', records: incr },
    ],
  });
  writeFileSync(join(dir, 'Multi-1'), image);
}

describe('several sessions appended to one volume', () => {
  it('bls -j lists both sessions with their JobIds and levels', async () => {
    const dev = tempDir();
    cleanups.push(dev.cleanup);
    twoSessionVolume(dev.dir);
    const r = await runCli('bls', '-j', '--json', '-V', 'Multi-1', dev.dir);
    expect(r.code).toBe(0);
    expect(
      jsonLines(r.stdout)
        .filter((o) => o.kind === 'session')
        .map((o) => [o.jobId, o.volSessionId, o.level, o.files, o.status]),
    ).toEqual([
      [5, 5, 'F', 2, 'T'],
      [6, 6, 'I', 1, 'T'],
    ]);
  });

  it('bextract replays them in order: the later session’s version of a path wins', async () => {
    const dev = tempDir();
    const out = tempDir();
    cleanups.push(dev.cleanup, out.cleanup);
    twoSessionVolume(dev.dir);
    const r = await runCli('bextract', '-V', 'Multi-1', dev.dir, out.dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(out.dir, 'data/a.txt'), 'utf8')).toBe('version 2 of a, longer\n');
    expect(readFileSync(join(out.dir, 'data/b.txt'), 'utf8')).toBe('b stays\n');
  });

  it('-i / -e lists select the files to restore', async () => {
    const dev = tempDir();
    const out = tempDir();
    cleanups.push(dev.cleanup, out.cleanup);
    twoSessionVolume(dev.dir);
    writeFileSync(join(dev.dir, 'include.txt'), '/data\n');
    writeFileSync(join(dev.dir, 'exclude.txt'), '/data/a.txt\n');
    const r = await runCli(
      'bextract',
      '-i',
      join(dev.dir, 'include.txt'),
      '-e',
      join(dev.dir, 'exclude.txt'),
      '-V',
      'Multi-1',
      join(dev.dir, 'Multi-1'),
      out.dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 files restored.');
    expect(readFileSync(join(out.dir, 'data/b.txt'), 'utf8')).toBe('b stays\n');
    expect(() => readFileSync(join(out.dir, 'data/a.txt'))).toThrow();
  });
});
