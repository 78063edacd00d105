import { lstat, mkdir, open, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SdpipeError } from '../../src/errors.js';
import { Restorer, type RestoreOptions } from '../../src/restore/restorer.js';
import { commandSpecialFileMaker } from '../../src/restore/special-files.js';
import { FILE_TYPE } from '../../src/volume/attributes.js';
import {
  SESSION_1,
  SESSION_2,
  T_2024,
  digestOf,
  fileAttributes,
  pseudoRandomBytes,
  tempOutputDir,
  type EntrySpec,
} from '../support/restore-fixtures.js';

const MD5 = 3;
const SHA1 = 10;
const SHA256 = 17;
const SHA512 = 18;
const XXH128 = 40;

let dir: string;
let cleanup: () => Promise<void>;
let warnings: SdpipeError[];

beforeEach(async () => {
  ({ dir, cleanup } = await tempOutputDir());
  warnings = [];
});
afterEach(async () => {
  vi.restoreAllMocks();
  await cleanup();
});

const out = (p: string): string => join(dir, p);
const restorer = (opts: Partial<RestoreOptions> = {}): Restorer =>
  new Restorer({ outDir: dir, onWarning: (e) => warnings.push(e), ...opts });

/** A regular file in one call: attributes, data records, optional MD5 digest record of the data. */
async function restoreFile(
  r: Restorer,
  spec: EntrySpec,
  chunks: Uint8Array[],
  opts: { session?: typeof SESSION_1; digest?: number | false } = {},
): Promise<void> {
  const size = chunks.reduce((n, c) => n + c.length, 0);
  await r.beginFile(fileAttributes({ size, ...spec }), opts.session ?? SESSION_1);
  for (const c of chunks) await r.writeData(c);
  const stream = opts.digest ?? MD5;
  if (stream !== false) await r.digest(stream, digestOf(hashName(stream), ...chunks));
}

const hashName = (stream: number): string =>
  ({ [MD5]: 'md5', [SHA1]: 'sha1', [SHA256]: 'sha256', [SHA512]: 'sha512' })[stream] ?? 'md5';

describe('regular files', () => {
  it('restores content, mode 0640, owner and times, and counts them', async () => {
    const r = restorer();
    const content = pseudoRandomBytes(200_000, 7);
    const chunks = [
      content.subarray(0, 65_536),
      content.subarray(65_536, 131_072),
      content.subarray(131_072),
    ];
    await restoreFile(
      r,
      { fname: '/data/text/doc.bin', mode: 0o100640, uid: 1234, gid: 5678, atime: T_2024 - 86_400 },
      chunks,
    );
    const summary = await r.finish();

    const p = out('/data/text/doc.bin');
    const st = await stat(p); // before reading, which may update atime
    expect((await readFile(p)).equals(content)).toBe(true);
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.uid).toBe(1234);
    expect(st.gid).toBe(5678);
    expect(st.mtimeMs).toBe(T_2024 * 1000);
    expect(st.atimeMs).toBe((T_2024 - 86_400) * 1000);
    expect(summary).toEqual({
      files: 1,
      directories: 0,
      symlinks: 0,
      hardlinks: 0,
      specials: 0,
      bytes: 200_000,
      errors: [],
    });
    expect(warnings).toEqual([]);
  });

  it('keeps setuid, setgid and sticky bits (applied after chown, which clears them)', async () => {
    const r = restorer();
    await restoreFile(r, { fname: '/data/bin/tool', mode: 0o107755, uid: 1000, gid: 1000 }, [
      Buffer.from('x'),
    ]);
    await r.finish();
    expect((await stat(out('/data/bin/tool'))).mode & 0o7777).toBe(0o7755);
  });

  it('restores an empty file (REGE) with its digest record', async () => {
    const r = restorer();
    await restoreFile(r, { fname: '/data/empty.dat', type: FILE_TYPE.REGE, mode: 0o100600 }, []);
    const summary = await r.finish();
    const st = await stat(out('/data/empty.dat'));
    expect(st.isFile()).toBe(true);
    expect(st.size).toBe(0);
    expect(st.mode & 0o7777).toBe(0o600);
    expect(summary.files).toBe(1);
    expect(summary.errors).toEqual([]);
  });

  it('reports a size that differs from the stat record and keeps the data', async () => {
    const r = restorer();
    await restoreFile(r, { fname: '/data/grew.txt', size: 3, fileIndex: 9 }, [Buffer.from('hello')]);
    const { errors } = await r.finish();
    expect(errors.map((e) => [e.code, e.context])).toEqual([
      ['SDP_RESTORE_SIZE', { file: '/data/grew.txt', fileIndex: 9, expected: 3, actual: 5 }],
    ]);
    expect(await readFile(out('/data/grew.txt'), 'utf8')).toBe('hello');
  });
});

describe('sparse files', () => {
  it('writes chunks at their offsets, leaves holes and sets the size from the stat record', async () => {
    const r = restorer();
    const size = 4 * 1024 * 1024;
    const a = pseudoRandomBytes(65_528, 1);
    const b = pseudoRandomBytes(4096, 2);
    await r.beginFile(fileAttributes({ fname: '/data/sparse/sparse.img', size }), SESSION_1);
    await r.writeData(a, 0);
    await r.writeData(b, 1_048_576);
    // §8: the digest covers the sent chunk bytes only, without offsets and holes.
    await r.digest(MD5, digestOf('md5', a, b));
    const summary = await r.finish();

    const p = out('/data/sparse/sparse.img');
    const expected = Buffer.alloc(size);
    a.copy(expected, 0);
    b.copy(expected, 1_048_576);
    expect((await readFile(p)).equals(expected)).toBe(true);
    const st = await stat(p);
    expect(st.size).toBe(size);
    expect(st.blocks * 512).toBeLessThan(size);
    expect(summary.bytes).toBe(a.length + b.length);
    expect(summary.errors).toEqual([]);
  });

  it('reports a digest over the whole file (with holes) as a mismatch', async () => {
    const r = restorer();
    const a = Buffer.from('head');
    await r.beginFile(fileAttributes({ fname: '/data/s.img', size: 1000 }), SESSION_1);
    await r.writeData(a, 0);
    await r.digest(MD5, digestOf('md5', a, Buffer.alloc(996)));
    const { errors } = await r.finish();
    expect(errors.map((e) => e.code)).toEqual(['SDP_DIGEST_MISMATCH']);
  });
});

describe('symlinks', () => {
  it('restores relative and dangling symlinks with owner and times of the link itself', async () => {
    const r = restorer();
    const t = T_2024 - 3600;
    await r.beginFile(
      fileAttributes({
        fname: '/data/links/link-to-hello',
        type: FILE_TYPE.LNK,
        link: '../hello.txt',
        mtime: t,
      }),
      SESSION_1,
    );
    await r.beginFile(
      fileAttributes({
        fname: '/data/links/dangling-link',
        type: FILE_TYPE.LNK,
        link: '/nonexistent/target/path',
        uid: 42,
        gid: 43,
        mtime: t,
      }),
      SESSION_1,
    );
    const summary = await r.finish();

    expect(await readlink(out('/data/links/link-to-hello'))).toBe('../hello.txt');
    expect(await readlink(out('/data/links/dangling-link'))).toBe('/nonexistent/target/path');
    const st = await lstat(out('/data/links/dangling-link'));
    expect(st.isSymbolicLink()).toBe(true);
    expect(st.mtimeMs).toBe(t * 1000);
    expect([st.uid, st.gid]).toEqual([42, 43]);
    expect((await lstat(out('/data/links/link-to-hello'))).mtimeMs).toBe(t * 1000);
    expect(summary.symlinks).toBe(2);
    expect(summary.errors).toEqual([]);
  });
});

describe('hard links', () => {
  it('links the second name to the first (same inode, nlink 2) and checks its digest', async () => {
    const r = restorer();
    const content = Buffer.from('Hello, world!\n');
    await restoreFile(r, { fname: '/data/hello.txt', nlink: 2 }, [content]);
    await r.beginFile(
      fileAttributes({
        fname: '/data/links/hardlink-to-hello.txt',
        type: FILE_TYPE.LNKSAVED,
        link: '/data/hello.txt',
      }),
      SESSION_1,
    );
    await r.digest(MD5, digestOf('md5', content));
    const summary = await r.finish();

    const a = await stat(out('/data/hello.txt'));
    const b = await stat(out('/data/links/hardlink-to-hello.txt'));
    expect(b.ino).toBe(a.ino);
    expect(b.nlink).toBe(2);
    expect(summary.hardlinks).toBe(1);
    expect(summary.errors).toEqual([]);
  });

  it('reports a hard link whose digest record differs from the target content', async () => {
    const r = restorer();
    const content = Buffer.from('target content');
    await restoreFile(r, { fname: '/data/a.txt', nlink: 2 }, [content]);
    const link = fileAttributes({ fname: '/data/b.txt', type: FILE_TYPE.LNKSAVED, link: '/data/a.txt' });
    await r.beginFile(link, SESSION_1);
    const wrong = digestOf('md5', Buffer.from('other'));
    await r.digest(MD5, wrong);
    const { errors } = await r.finish();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('SDP_DIGEST_MISMATCH');
    expect(errors[0]?.context).toEqual({
      file: '/data/b.txt',
      fileIndex: link.fileIndex,
      stream: MD5,
      expected: Buffer.from(wrong).toString('hex'),
      actual: Buffer.from(digestOf('md5', content)).toString('hex'),
    });
  });

  it('makes a link whose target comes later at finish(), and checks its digest then', async () => {
    const r = restorer();
    const content = Buffer.from('late target');
    await r.beginFile(
      fileAttributes({ fname: '/data/early-link', type: FILE_TYPE.LNKSAVED, link: '/data/late.txt' }),
      SESSION_1,
    );
    await r.digest(MD5, digestOf('md5', content));
    await restoreFile(r, { fname: '/data/late.txt', nlink: 2 }, [content]);
    const summary = await r.finish();
    expect((await stat(out('/data/early-link'))).ino).toBe((await stat(out('/data/late.txt'))).ino);
    expect(summary.hardlinks).toBe(1);
    expect(summary.errors).toEqual([]);
  });

  it('warns and skips a hard link whose target was never restored', async () => {
    const r = restorer();
    const link = fileAttributes({
      fname: '/data/orphan-link',
      type: FILE_TYPE.LNKSAVED,
      link: '/data/missing.txt',
    });
    await r.beginFile(link, SESSION_1);
    const { errors, hardlinks } = await r.finish();
    expect(hardlinks).toBe(0);
    expect(errors.map((e) => [e.code, e.context])).toEqual([
      [
        'SDP_RESTORE_SKIPPED',
        { file: '/data/orphan-link', fileIndex: link.fileIndex, target: '/data/missing.txt' },
      ],
    ]);
    await expect(lstat(out('/data/orphan-link'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('hard-link pairs saved as two regular files (no hard-link tracking, as in Bareos 25)', () => {
  const content = Buffer.from('same inode');

  it('links the later name to the first one of the same session, st_dev and st_ino', async () => {
    const r = restorer();
    await restoreFile(r, { fname: '/data/x/y.txt', nlink: 2, dev: 64, ino: 77 }, [content]);
    await restoreFile(r, { fname: '/data/hardlink_to_y.txt', nlink: 2, dev: 64, ino: 77 }, [content]);
    const summary = await r.finish();
    const a = await stat(out('/data/x/y.txt'));
    const b = await stat(out('/data/hardlink_to_y.txt'));
    expect(b.ino).toBe(a.ino);
    expect(a.nlink).toBe(2);
    expect(summary).toMatchObject({ files: 1, hardlinks: 1, bytes: content.length, errors: [] });
  });

  it("checks the later name's digest record against the content restored for the inode", async () => {
    const r = restorer();
    await restoreFile(r, { fname: '/data/a', nlink: 2, ino: 78 }, [content]);
    const changed = Buffer.from('changed while saving');
    await restoreFile(r, { fname: '/data/b', nlink: 2, ino: 78 }, [changed]);
    const { errors } = await r.finish();
    expect(errors.map((e) => [e.code, e.context.file])).toEqual([['SDP_DIGEST_MISMATCH', '/data/b']]);
    expect(await readFile(out('/data/b'), 'utf8')).toBe('same inode');
  });

  it('keeps equal inode numbers of different sessions apart', async () => {
    const r = restorer();
    await restoreFile(r, { fname: '/data/s1', nlink: 2, ino: 79 }, [content]);
    await restoreFile(r, { fname: '/data/s2', nlink: 2, ino: 79 }, [Buffer.from('other')], {
      session: SESSION_2,
    });
    const summary = await r.finish();
    expect((await stat(out('/data/s1'))).ino).not.toBe((await stat(out('/data/s2'))).ino);
    expect(await readFile(out('/data/s2'), 'utf8')).toBe('other');
    expect(summary).toMatchObject({ files: 2, hardlinks: 0, errors: [] });
  });
});

describe('directories', () => {
  it('applies folder attributes after the contents, so a later write does not change its mtime', async () => {
    const r = restorer();
    const dirTime = T_2024 - 7 * 86_400;
    await restoreFile(r, { fname: '/data/nested/a/b/file.txt' }, [Buffer.from('deep')]);
    await r.beginFile(
      fileAttributes({ fname: '/data/nested/a/b/', mode: 0o40750, mtime: dirTime }),
      SESSION_1,
    );
    await r.beginFile(
      fileAttributes({ fname: '/data/nested/a/', mode: 0o40555, mtime: dirTime + 1 }),
      SESSION_1,
    );
    // An Incremental without folder entries writes into the folder after the Full's folder entry.
    await restoreFile(r, { fname: '/data/nested/a/b/new.txt' }, [Buffer.from('later')], {
      session: SESSION_2,
    });
    const summary = await r.finish();

    const b = await stat(out('/data/nested/a/b'));
    expect(b.mtimeMs).toBe(dirTime * 1000);
    expect(b.mode & 0o7777).toBe(0o750);
    const a = await stat(out('/data/nested/a'));
    expect(a.mtimeMs).toBe((dirTime + 1) * 1000);
    expect(a.mode & 0o7777).toBe(0o555);
    expect(summary.directories).toBe(2);
    expect(summary.files).toBe(2);
  });

  it('uses the attributes of the latest session for a folder saved twice', async () => {
    const r = restorer();
    await r.beginFile(fileAttributes({ fname: '/data/d/', mode: 0o40700, mtime: T_2024 }), SESSION_1);
    await r.beginFile(fileAttributes({ fname: '/data/d/', mode: 0o40711, mtime: T_2024 + 60 }), SESSION_2);
    await r.finish();
    const st = await stat(out('/data/d'));
    expect(st.mode & 0o7777).toBe(0o711);
    expect(st.mtimeMs).toBe((T_2024 + 60) * 1000);
  });

  it('applies the stored root folder to the output folder itself', async () => {
    const r = restorer();
    await r.beginFile(fileAttributes({ fname: '/', mode: 0o40755, mtime: T_2024 }), SESSION_1);
    await r.finish();
    expect((await stat(dir)).mtimeMs).toBe(T_2024 * 1000);
  });

  it('warns once about file data for a folder', async () => {
    const r = restorer();
    await r.beginFile(fileAttributes({ fname: '/data/dir/' }), SESSION_1);
    await r.writeData(Buffer.from('x'));
    await r.writeData(Buffer.from('y'));
    const { errors } = await r.finish();
    expect(errors.map((e) => e.code)).toEqual(['SDP_RESTORE_SKIPPED']);
  });
});

describe('special files', () => {
  it('creates a fifo with its mode and times (libc through koffi)', async () => {
    const r = restorer();
    await r.beginFile(
      fileAttributes({ fname: '/data/special-fifo', type: FILE_TYPE.SPEC, mode: 0o10640, uid: 7, gid: 8 }),
      SESSION_1,
    );
    const summary = await r.finish();
    const st = await lstat(out('/data/special-fifo'));
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o640);
    expect([st.uid, st.gid]).toEqual([7, 8]);
    expect(st.mtimeMs).toBe(T_2024 * 1000);
    expect(summary.specials).toBe(1);
    expect(summary.errors).toEqual([]);
  });

  it('creates a fifo with a non-UTF-8 name through the mkfifo command fallback', async () => {
    const r = restorer({ makeSpecialFile: commandSpecialFileMaker(dir) });
    const name = Buffer.concat([Buffer.from('/data/fifo-'), Buffer.of(0xff, 0xfe)]);
    await r.beginFile(fileAttributes({ fname: name, type: FILE_TYPE.SPEC, mode: 0o10600 }), SESSION_1);
    const summary = await r.finish();
    const st = await lstat(Buffer.concat([Buffer.from(dir), name]));
    expect(st.isFIFO()).toBe(true);
    expect(summary.errors).toEqual([]);
    expect(await readdir(dir)).toEqual(['data']); // the scratch name is gone
  });

  it('creates a character device, or reports why not (no privilege)', async () => {
    const r = restorer();
    const nullDevice = (1 << 8) | 3; // makedev(1, 3)
    await r.beginFile(
      fileAttributes({ fname: '/data/dev/null', type: FILE_TYPE.SPEC, mode: 0o20666, rdev: nullDevice }),
      SESSION_1,
    );
    const summary = await r.finish();
    if (summary.specials === 1) {
      const st = await lstat(out('/data/dev/null'));
      expect(st.isCharacterDevice()).toBe(true);
      expect(st.rdev).toBe(nullDevice);
      expect(summary.errors).toEqual([]);
    } else {
      expect(summary.errors.map((e) => [e.code, e.context.file])).toEqual([
        ['SDP_RESTORE_IO', '/data/dev/null'],
      ]);
    }
  });

  it('warns about a socket and about types that cannot be restored, naming the file', async () => {
    const r = restorer();
    await r.beginFile(
      fileAttributes({ fname: '/data/sock', type: FILE_TYPE.SPEC, mode: 0o140755 }),
      SESSION_1,
    );
    await r.beginFile(fileAttributes({ fname: '/data/secret', type: FILE_TYPE.NOACCESS }), SESSION_1);
    await r.writeData(Buffer.from('ignored'));
    const { errors } = await r.finish();
    expect(errors.map((e) => [e.code, e.context.file])).toEqual([
      ['SDP_RESTORE_SKIPPED', '/data/sock'],
      ['SDP_RESTORE_SKIPPED', '/data/secret'],
    ]);
    expect(errors[1]?.context.fileType).toBe(FILE_TYPE.NOACCESS);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('digests', () => {
  it.each([
    ['MD5', MD5],
    ['SHA1', SHA1],
    ['SHA256', SHA256],
    ['SHA512', SHA512],
  ])('accepts a matching %s digest record', async (_name, stream) => {
    const r = restorer();
    await restoreFile(r, { fname: '/data/f' }, [Buffer.from('abc'), Buffer.from('def')], { digest: stream });
    await restoreFile(r, { fname: '/data/g' }, [Buffer.from('second file')], { digest: stream });
    expect((await r.finish()).errors).toEqual([]);
  });

  it('reports a mismatch with code and context, through onWarning too, and restores on', async () => {
    const r = restorer();
    const attr = fileAttributes({ fname: '/data/hello.txt', size: 5 });
    await r.beginFile(attr, SESSION_1);
    await r.writeData(Buffer.from('hello'));
    const recorded = digestOf('md5', Buffer.from('HELLO'));
    await r.digest(MD5, recorded);
    await restoreFile(r, { fname: '/data/next.txt' }, [Buffer.from('next')]);
    const { errors, files } = await r.finish();

    expect(files).toBe(2);
    expect(errors).toHaveLength(1);
    const e = errors[0];
    expect(e?.name).toBe('RestoreError');
    expect(e?.code).toBe('SDP_DIGEST_MISMATCH');
    expect(e?.context).toEqual({
      file: '/data/hello.txt',
      fileIndex: attr.fileIndex,
      stream: MD5,
      expected: Buffer.from(recorded).toString('hex'),
      actual: '5d41402abc4b2a76b9719d911017c592',
    });
    expect(warnings).toEqual(errors);
  });

  it('hashes the next file of a session only with the algorithm of its previous digest record', async () => {
    const r = restorer();
    await restoreFile(r, { fname: '/data/a' }, [Buffer.from('a')], { digest: SHA256 });
    // Only SHA256 was computed for this file, so an MD5 record cannot be checked (and is not ignored).
    await restoreFile(r, { fname: '/data/b' }, [Buffer.from('b')], { digest: MD5 });
    // A new session starts again with every algorithm.
    await restoreFile(r, { fname: '/data/c' }, [Buffer.from('c')], { digest: SHA1, session: SESSION_2 });
    const { errors } = await r.finish();
    expect(errors.map((e) => [e.code, e.context.file, e.context.stream])).toEqual([
      ['SDP_DIGEST_UNVERIFIED', '/data/b', MD5],
    ]);
  });

  it('warns once per restore that XXH128 digests were not verified', async () => {
    const r = restorer();
    for (const name of ['/data/x1', '/data/x2', '/data/x3']) {
      await r.beginFile(fileAttributes({ fname: name, size: 1 }), SESSION_1);
      await r.writeData(Buffer.from('x'));
      await r.digest(XXH128, new Uint8Array(16));
    }
    const { errors, files } = await r.finish();
    expect(files).toBe(3);
    expect(errors.map((e) => [e.code, e.context])).toEqual([['SDP_DIGEST_UNVERIFIED', { stream: XXH128 }]]);
  });

  it('checks nothing with verifyDigests: false', async () => {
    const r = restorer({ verifyDigests: false });
    await r.beginFile(fileAttributes({ fname: '/data/f', size: 1 }), SESSION_1);
    await r.writeData(Buffer.from('x'));
    await r.digest(MD5, new Uint8Array(16));
    await r.digest(XXH128, new Uint8Array(16));
    expect((await r.finish()).errors).toEqual([]);
  });
});

describe('later sessions', () => {
  it('replace a file without touching the other name of its earlier hard link', async () => {
    const r = restorer();
    await restoreFile(r, { fname: '/data/doc.txt', nlink: 2 }, [Buffer.from('version 1')]);
    await r.beginFile(
      fileAttributes({ fname: '/data/doc-link.txt', type: FILE_TYPE.LNKSAVED, link: '/data/doc.txt' }),
      SESSION_1,
    );
    await restoreFile(r, { fname: '/data/doc.txt', mtime: T_2024 + 99 }, [Buffer.from('version 2, longer')], {
      session: SESSION_2,
    });
    const { errors } = await r.finish();
    expect(errors).toEqual([]);
    expect(await readFile(out('/data/doc.txt'), 'utf8')).toBe('version 2, longer');
    expect((await stat(out('/data/doc.txt'))).mtimeMs).toBe((T_2024 + 99) * 1000);
    expect(await readFile(out('/data/doc-link.txt'), 'utf8')).toBe('version 1');
  });

  it('replace a symlink by a file without writing through the link', async () => {
    const { dir: outside, cleanup: cleanOutside } = await tempOutputDir();
    try {
      const r = restorer();
      const victim = join(outside, 'victim.txt');
      await r.beginFile(fileAttributes({ fname: '/data/s', type: FILE_TYPE.LNK, link: victim }), SESSION_1);
      await restoreFile(r, { fname: '/data/s' }, [Buffer.from('file now')], { session: SESSION_2 });
      await r.finish();
      expect((await lstat(out('/data/s'))).isFile()).toBe(true);
      await expect(lstat(victim)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await cleanOutside();
    }
  });

  it('replace a symlink standing where a folder is needed, never following it', async () => {
    const { dir: outside, cleanup: cleanOutside } = await tempOutputDir();
    try {
      const r = restorer();
      await r.beginFile(fileAttributes({ fname: '/data/d', type: FILE_TYPE.LNK, link: outside }), SESSION_1);
      await restoreFile(r, { fname: '/data/d/x.txt' }, [Buffer.from('inside')], { session: SESSION_2 });
      const { errors } = await r.finish();
      expect(errors).toEqual([]);
      expect((await lstat(out('/data/d'))).isDirectory()).toBe(true);
      expect(await readFile(out('/data/d/x.txt'), 'utf8')).toBe('inside');
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await cleanOutside();
    }
  });
});

describe('names', () => {
  it('restores unicode names', async () => {
    const r = restorer();
    const names = [
      '/data/unicode/Grüße-ñandú-日本語.txt',
      '/data/unicode/emoji-🙂.txt',
      "/data/space name with 'quotes'.txt",
    ];
    for (const [i, name] of names.entries()) await restoreFile(r, { fname: name }, [Buffer.from(`n${i}`)]);
    expect((await r.finish()).errors).toEqual([]);
    for (const [i, name] of names.entries()) expect(await readFile(out(name), 'utf8')).toBe(`n${i}`);
  });

  it('restores non-UTF-8 names byte for byte', async () => {
    const r = restorer();
    const latin1 = Buffer.concat([
      Buffer.from('/data/caf'),
      Buffer.of(0xe9),
      Buffer.from('/na'),
      Buffer.of(0xef, 0x76, 0x65),
    ]);
    await restoreFile(r, { fname: latin1 }, [Buffer.from('latin-1 name')]);
    expect((await r.finish()).errors).toEqual([]);
    const names = await readdir(Buffer.from(out('/data')), { encoding: 'buffer' });
    expect(names).toEqual([Buffer.concat([Buffer.from('caf'), Buffer.of(0xe9)])]);
    expect(await readFile(Buffer.concat([Buffer.from(dir), latin1]), 'utf8')).toBe('latin-1 name');
  });

  it('skips a name with a ".." component instead of leaving the output folder', async () => {
    const r = restorer();
    const attr = fileAttributes({ fname: '/data/../../escape.txt', size: 4 });
    await r.beginFile(attr, SESSION_1);
    await r.writeData(Buffer.from('oops'));
    await r.digest(MD5, new Uint8Array(16));
    const { errors, files } = await r.finish();
    expect(files).toBe(0);
    expect(errors.map((e) => [e.code, e.context])).toEqual([
      ['SDP_RESTORE_SKIPPED', { file: '/data/../../escape.txt', fileIndex: attr.fileIndex }],
    ]);
    await expect(lstat(join(dir, '..', 'escape.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('failures', () => {
  it('skips a non-folder entry named "/" instead of replacing the output folder', async () => {
    const r = restorer();
    await r.beginFile(fileAttributes({ fname: '/', type: FILE_TYPE.REG, size: 1 }), SESSION_1);
    await r.writeData(Buffer.from('x'));
    const { errors } = await r.finish();
    expect(errors.map((e) => e.code)).toEqual(['SDP_RESTORE_SKIPPED']);
    expect((await stat(dir)).isDirectory()).toBe(true);
  });

  it('reports a file that cannot be created and restores the next one', async () => {
    await mkdir(out('/data/busy/child'), { recursive: true });
    const r = restorer();
    const attr = fileAttributes({ fname: '/data/busy', size: 1 });
    await r.beginFile(attr, SESSION_1);
    await r.writeData(Buffer.from('x'));
    await r.digest(MD5, new Uint8Array(16));
    await restoreFile(r, { fname: '/data/ok.txt' }, [Buffer.from('ok')]);
    const { errors, files } = await r.finish();
    expect(files).toBe(1);
    expect(errors.map((e) => [e.name, e.code, e.context])).toEqual([
      [
        'RestoreError',
        'SDP_RESTORE_IO',
        { file: '/data/busy', fileIndex: attr.fileIndex, reason: 'ENOTEMPTY' },
      ],
    ]);
    expect(await readFile(out('/data/ok.txt'), 'utf8')).toBe('ok');
  });

  it('reports a write error naming the file and ignores the rest of its data', async () => {
    const probe = await open(out('probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...a: unknown[]) => Promise<unknown> };
    await probe.close();
    vi.spyOn(proto, 'write').mockRejectedValueOnce(
      Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }),
    );

    const r = restorer();
    const attr = fileAttributes({ fname: '/data/bad.bin', size: 2 });
    await r.beginFile(attr, SESSION_1);
    await r.writeData(Buffer.from('a'));
    await r.writeData(Buffer.from('b'));
    await r.digest(MD5, new Uint8Array(16));
    await restoreFile(r, { fname: '/data/good.bin' }, [Buffer.from('good')]);
    const { errors, files } = await r.finish();
    expect(files).toBe(1);
    expect(errors.map((e) => [e.code, e.context])).toEqual([
      ['SDP_RESTORE_IO', { file: '/data/bad.bin', fileIndex: attr.fileIndex, offset: 0, reason: 'EIO' }],
    ]);
    expect(await readFile(out('/data/good.bin'), 'utf8')).toBe('good');
  });

  it('lets an exception thrown by onWarning out of the call (strict mode)', async () => {
    const r = new Restorer({
      outDir: dir,
      onWarning: (e) => {
        throw e;
      },
    });
    await expect(
      r.beginFile(fileAttributes({ fname: '/data/x', type: FILE_TYPE.NOSTAT }), SESSION_1),
    ).rejects.toMatchObject({ code: 'SDP_RESTORE_SKIPPED' });
  });

  it('refuses to be used after finish()', async () => {
    const r = restorer();
    await r.finish();
    await expect(r.writeData(Buffer.from('x'))).rejects.toMatchObject({ code: 'SDP_INTERNAL' });
  });
});

describe('call order', () => {
  it('runs calls one after another even when the caller does not await each one', async () => {
    const r = restorer();
    const parts = [Buffer.from('one '), Buffer.from('two '), Buffer.from('three')];
    void r.beginFile(fileAttributes({ fname: '/data/unawaited.txt', size: 13 }), SESSION_1);
    for (const p of parts) void r.writeData(p);
    void r.digest(MD5, digestOf('md5', ...parts));
    const summary = await r.finish();
    expect(summary.errors).toEqual([]);
    expect(await readFile(out('/data/unawaited.txt'), 'utf8')).toBe('one two three');
  });

  it('writes into an output folder that already holds the tree (restore run twice)', async () => {
    await mkdir(out('/data'), { recursive: true });
    await writeFile(out('/data/f.txt'), 'stale and longer');
    const r = restorer();
    await restoreFile(r, { fname: '/data/f.txt' }, [Buffer.from('fresh')]);
    expect((await r.finish()).errors).toEqual([]);
    expect(await readFile(out('/data/f.txt'), 'utf8')).toBe('fresh');
  });
});
