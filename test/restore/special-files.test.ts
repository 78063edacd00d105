import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  commandSpecialFileMaker,
  deviceNumbers,
  libcSpecialFileMaker,
  specialKind,
  type SpecialFileMaker,
} from '../../src/restore/special-files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sdpipe-special-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('specialKind', () => {
  it('tells fifos and devices from the stored st_mode and leaves sockets out', () => {
    expect(specialKind(0o10644)).toBe('fifo');
    expect(specialKind(0o20666)).toBe('char');
    expect(specialKind(0o60660)).toBe('block');
    expect(specialKind(0o140755)).toBeUndefined();
    expect(specialKind(0o100644)).toBeUndefined();
  });
});

describe('deviceNumbers', () => {
  it('splits a Linux dev_t like gnu_dev_major/minor', () => {
    expect(deviceNumbers((1 << 8) | 3)).toEqual({ major: 1, minor: 3 });
    // glibc makedev: ((major & 0xfff) << 8) | ((major & ~0xfff) << 32) | (minor & 0xff) | ((minor & ~0xff) << 12)
    const major = 4100;
    const minor = 65_537;
    const dev =
      (major & 0xfff) * 2 ** 8 +
      (major - (major & 0xfff)) * 2 ** 32 +
      (minor & 0xff) +
      (minor - (minor & 0xff)) * 2 ** 12;
    expect(deviceNumbers(dev)).toEqual({ major, minor });
  });
});

describe.each([
  [
    'libc (koffi)',
    async (): Promise<SpecialFileMaker> => (await libcSpecialFileMaker()) ?? commandSpecialFileMaker(dir),
  ],
  ['mkfifo command', (): Promise<SpecialFileMaker> => Promise.resolve(commandSpecialFileMaker(dir))],
])('%s', (_name, makeMaker) => {
  it('makes a fifo and answers EEXIST when the path is taken', async () => {
    const make = await makeMaker();
    const path = Buffer.concat([Buffer.from(join(dir, 'fifo-')), Buffer.of(0xe9)]);
    await make(path, 'fifo', 0);
    expect((await lstat(path)).isFIFO()).toBe(true);
    await expect(make(path, 'fifo', 0)).rejects.toMatchObject({ code: 'EEXIST' });
  });
});

describe('libcSpecialFileMaker', () => {
  it('binds libc on this platform', async () => {
    expect(await libcSpecialFileMaker()).toBeTypeOf('function');
  });
});
