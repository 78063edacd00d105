import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ancestorsOf, outputRoot, parentOf, restorePath } from '../../src/restore/restore-path.js';

const ROOT = Buffer.from('/tmp/out');
const str = (b: Buffer | undefined): string | undefined => b?.toString('latin1');

describe('restorePath', () => {
  it('places a stored absolute name under the output folder, folders without their trailing slash', () => {
    expect(str(restorePath(ROOT, Buffer.from('/data/a.txt'))?.bytes)).toBe('/tmp/out/data/a.txt');
    const dir = restorePath(ROOT, Buffer.from('/data/nested/'));
    expect(str(dir?.bytes)).toBe('/tmp/out/data/nested');
    expect(dir?.depth).toBe(2);
  });

  it('gives one key per entry: empty and "." components are dropped', () => {
    expect(restorePath(ROOT, Buffer.from('//data/./a//b'))?.key).toBe(
      restorePath(ROOT, Buffer.from('/data/a/b'))?.key,
    );
  });

  it('places Windows-style names (no leading slash) under the output folder too', () => {
    expect(str(restorePath(ROOT, Buffer.from('C:/Users/x'))?.bytes)).toBe('/tmp/out/C:/Users/x');
  });

  it('maps the stored root to the output folder itself', () => {
    const p = restorePath(ROOT, Buffer.from('/'));
    expect(str(p?.bytes)).toBe('/tmp/out');
    expect(p?.depth).toBe(0);
    expect(str(restorePath(outputRoot('/'), Buffer.from('/'))?.bytes)).toBe('/');
  });

  it('refuses ".." components', () => {
    expect(restorePath(ROOT, Buffer.from('/data/../etc/passwd'))).toBeUndefined();
    expect(restorePath(ROOT, Buffer.from('..'))).toBeUndefined();
    expect(restorePath(ROOT, Buffer.from('/data/..x/ok'))).toBeDefined();
  });

  it('keeps non-UTF-8 bytes as they are, and the key is lossless', () => {
    const name = Buffer.of(0x2f, 0xe9, 0xff, 0x2f, 0x80);
    const p = restorePath(ROOT, name);
    expect(p?.bytes.equals(Buffer.concat([ROOT, name]))).toBe(true);
    expect(Buffer.from(p?.key ?? '', 'latin1').equals(p?.bytes ?? Buffer.alloc(0))).toBe(true);
  });

  it('never leaves the output folder, for any stored bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (name) => {
        const p = restorePath(ROOT, name);
        if (!p) return;
        expect(p.bytes.subarray(0, ROOT.length).equals(ROOT)).toBe(true);
        const rest = p.bytes.subarray(ROOT.length).toString('latin1');
        expect(rest === '' || rest.startsWith('/')).toBe(true);
        expect(rest.split('/').slice(1)).not.toContain('..');
        expect(rest.split('/').slice(1)).not.toContain('');
      }),
      { seed: 20_261_123 },
    );
  });
});

describe('parentOf / ancestorsOf', () => {
  it('lists the folders between the output folder and the entry, outermost first', () => {
    const p = restorePath(ROOT, Buffer.from('/data/a/b/file'));
    if (!p) throw new Error('no path');
    expect(str(parentOf(p))).toBe('/tmp/out/data/a/b');
    expect(ancestorsOf(p).map((a) => a.key)).toEqual([
      '/tmp/out/data',
      '/tmp/out/data/a',
      '/tmp/out/data/a/b',
    ]);
    const top = restorePath(ROOT, Buffer.from('/file'));
    if (!top) throw new Error('no path');
    expect(ancestorsOf(top)).toEqual([]);
    expect(str(parentOf(top))).toBe('/tmp/out');
  });
});

describe('outputRoot', () => {
  it('is absolute and has no trailing slash', () => {
    expect(outputRoot('/tmp/out/').toString()).toBe('/tmp/out');
    expect(outputRoot('/').toString()).toBe('');
    expect(outputRoot('rel').toString()).toBe(`${process.cwd()}/rel`);
  });
});
