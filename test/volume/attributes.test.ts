import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AR_DATA_STREAM,
  FILE_TYPE,
  buildAttributes,
  decodeAttributes,
  decodeUnixStat,
  encodeAttributes,
  encodeUnixStat,
  fileTypeName,
  isDirectory,
  isHardLink,
  isSymlink,
  type FileAttributes,
  type UnixStat,
} from '../../src/volume/attributes.js';
import { formatLsLine, modeString, type LsFlavor } from '../../src/volume/listing.js';
import { decodeDigestBase64 } from '../../src/volume/bacula-base64.js';
import { SdpipeError, VolumeFormatError } from '../../src/errors.js';
import { BACULA9_VOLUMES, BAREOS25_VOLUMES } from '../support/fixtures.js';
import { readVolumeRecords } from '../support/attr-volume-records.js';
import {
  readBlsFileLines,
  readCatalogFiles,
  readManifest,
  relativeToData,
} from '../support/attr-fixtures.js';

const ATTRIBUTES_STREAM = 1;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFIFO = 0o010000;
const MANIFEST_TYPE: Record<string, number> = { f: S_IFREG, d: S_IFDIR, l: S_IFLNK, p: S_IFIFO };

const utf8 = new TextEncoder();
const concat = (...parts: (string | Uint8Array)[]): Uint8Array =>
  Uint8Array.from(Buffer.concat(parts.map((p) => (typeof p === 'string' ? utf8.encode(p) : p))));

function thrown(f: () => unknown): VolumeFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(VolumeFormatError);
    return e as VolumeFormatError;
  }
  return expect.unreachable('expected a VolumeFormatError');
}

const ZERO_STAT: UnixStat = {
  dev: 0,
  ino: 0,
  mode: 0,
  nlink: 0,
  uid: 0,
  gid: 0,
  rdev: 0,
  size: 0,
  blksize: 0,
  blocks: 0,
  atime: 0,
  mtime: 0,
  ctime: 0,
  linkFi: 0,
  flags: 0,
  dataStream: 0,
};

/** Files of the sparse job that have all-zero 65528-byte chunks, so their digest is not the file's. */
const SPARSE_DIGEST_DIFFERS = ['/sparse/sparse-1MiB.img', '/big/zeros-256KiB.bin'];

describe('LStat (spec §7.2) against the Bacula 9 catalog', () => {
  const catalog = readCatalogFiles();

  it('reads the whole catalog File table', () => {
    expect(catalog).toHaveLength(359);
  });

  it('every LStat decodes and re-encodes to the same text', () => {
    for (const row of catalog) {
      const stat = decodeUnixStat(row.lstat, { file: 'catalog-files.tsv', fileIndex: row.fileIndex });
      expect(encodeUnixStat(stat)).toBe(row.lstat);
    }
  });

  it('JobId 1: mode, nlink, size, mtime, ctime, uid, gid, blocks match manifest-initial', () => {
    const manifest = readManifest('initial');
    const job1 = catalog.filter((r) => r.jobId === 1);
    expect(job1).toHaveLength(68);
    expect(new Set(job1.map((r) => relativeToData(r.path)))).toEqual(new Set(manifest.keys()));
    for (const row of job1) {
      const m = manifest.get(relativeToData(row.path));
      const stat = decodeUnixStat(row.lstat);
      expect(m, row.path).toBeDefined();
      if (m === undefined) continue;
      expect({
        path: m.path,
        type: stat.mode & S_IFMT,
        mode: stat.mode & 0o7777,
        nlink: stat.nlink,
        size: stat.size,
        mtime: stat.mtime,
        ctime: stat.ctime,
        uid: stat.uid,
        gid: stat.gid,
        blocks: stat.blocks,
      }).toEqual({
        path: m.path,
        type: MANIFEST_TYPE[m.type],
        mode: m.mode,
        nlink: m.nlink,
        size: m.size,
        mtime: m.mtime,
        ctime: m.ctime,
        uid: m.uid,
        gid: m.gid,
        blocks: m.blocks,
      });
    }
  });

  it('field 16 is the job data stream and LinkFI points at the first name of a hard link', () => {
    const byJob = new Map<number, Set<number>>();
    for (const row of catalog) {
      const s = byJob.get(row.jobId) ?? new Set<number>();
      s.add(decodeUnixStat(row.lstat).dataStream);
      byJob.set(row.jobId, s);
    }
    // Jobs 1–5: plain (2), gzip (4), lzo (29), sparse (6), §7.2.
    expect([...(byJob.get(1) ?? [])]).toEqual([2]);
    expect([...(byJob.get(2) ?? [])]).toEqual([4]);
    expect([...(byJob.get(3) ?? [])]).toEqual([29]);
    const hardlink = catalog.find((r) => r.jobId === 1 && r.path.endsWith('links/hardlink-to-hello.txt'));
    expect(decodeUnixStat(hardlink?.lstat ?? '').linkFi).toBe(45);
  });

  it('every digest decodes and equals the MD5 or SHA1 of the manifest', () => {
    const initial = readManifest('initial');
    const after = readManifest('after-modification');
    let checked = 0;
    for (const row of catalog) {
      if (row.digest === '0') continue; // no digest: directories, links, empty files
      const bytes = decodeDigestBase64(row.digest, { file: 'catalog-files.tsv', fileIndex: row.fileIndex });
      const m = (row.jobId <= 5 ? initial : after).get(relativeToData(row.path));
      const expected = bytes.length === 16 ? m?.md5 : m?.sha1;
      const actual = Buffer.from(bytes).toString('hex');
      // With sparse on (JobId 4) the digest covers only the chunks sent, not the file (§8).
      if (row.jobId === 4 && SPARSE_DIGEST_DIFFERS.some((p) => row.path.endsWith(p))) {
        expect(actual, `${row.jobId} ${row.path}`).not.toBe(expected);
      } else {
        expect(actual, `${row.jobId} ${row.path}`).toBe(expected);
      }
      checked++;
    }
    expect(checked).toBe(257);
  });

  it('accepts 13 to 16 fields; 14–16 default to 0', () => {
    const lstat16 = 'P4A IeCH IGk C A A A M BAA I BrA4Lo BllN80 BrA4Lj t A C';
    const full = decodeUnixStat(lstat16);
    const fields = lstat16.split(' ');
    for (const n of [13, 14, 15]) {
      const stat = decodeUnixStat(fields.slice(0, n).join(' '));
      expect(stat.ctime).toBe(full.ctime);
      expect([stat.linkFi, stat.flags, stat.dataStream].slice(n - 13)).toEqual([0, 0, 0].slice(n - 13));
    }
    expect(encodeUnixStat(decodeUnixStat(fields.slice(0, 13).join(' ')))).toBe(
      [...fields.slice(0, 13), 'A', 'A', 'A'].join(' '),
    );
  });

  it('rejects too few or too many fields and bad separators', () => {
    const fields = 'P4A IeCH IGk C A A A M BAA I BrA4Lo BllN80 BrA4Lj t A C'.split(' ');
    expect(thrown(() => decodeUnixStat(fields.slice(0, 12).join(' '))).code).toBe('SDP_ATTRIBUTES_FORMAT');
    expect(thrown(() => decodeUnixStat([...fields, 'A'].join(' '))).code).toBe('SDP_ATTRIBUTES_FORMAT');
    expect(thrown(() => decodeUnixStat(fields.join('  '))).code).toBe('SDP_BASE64_FORMAT');
    expect(thrown(() => decodeUnixStat(`${fields.join(' ')} `)).code).toBe('SDP_ATTRIBUTES_FORMAT');
    expect(thrown(() => decodeUnixStat(`${fields.slice(0, 13).join(' ')} `)).code).toBe('SDP_BASE64_FORMAT');
    expect(thrown(() => decodeUnixStat(fields.join(' ').replace(' IGk ', ' IG\x00k '))).code).toBe(
      'SDP_ATTRIBUTES_FORMAT',
    );
    const bad = thrown(() => decodeUnixStat(fields.join(' ').replace('BllN80', 'Bll=80'), { volume: 'V' }));
    expect(bad.code).toBe('SDP_BASE64_FORMAT');
    expect(bad.context).toMatchObject({ volume: 'V', field: 'mtime' });
  });
});

/** Fixture volumes with their bls listing and the listing's column layout. */
const LISTED_VOLUMES: { label: string; path: string; listing: string[]; flavor: LsFlavor }[] = [
  ...['Vol-plain', 'Vol-gzip', 'Vol-lzo', 'Vol-sparse'].map((v) => ({
    label: `bacula-9 ${v}`,
    path: join(BACULA9_VOLUMES, v),
    listing: ['bacula-9', 'tool-output', v, 'bls-files.txt'],
    flavor: 'bacula' as const,
  })),
  ...['Vol-plain', 'Vol-gzip', 'Vol-lz4', 'Vol-fdlz4'].map((v) => ({
    label: `bareos-25 ${v}`,
    path: join(BAREOS25_VOLUMES, v),
    listing: ['bareos-25', 'tools', 'noplugin', v, 'bls.txt'],
    flavor: 'bareos' as const,
  })),
];

describe('attribute records (stream 1, spec §7) on the fixture volumes', () => {
  it.each(LISTED_VOLUMES)(
    '$label: decode, re-encode byte for byte, list like bls',
    ({ label, path, listing, flavor }) => {
      const records = readVolumeRecords(path, ATTRIBUTES_STREAM);
      const lines = readBlsFileLines(...listing);
      expect(records.length).toBe(label.startsWith('bacula') ? 68 : 46);
      expect(lines).toHaveLength(records.length);
      records.forEach((record, i) => {
        const attr = decodeAttributes(record.data, { volume: label, fileIndex: record.fileIndex });
        expect(attr.fileIndex).toBe(record.fileIndex);
        expect(encodeAttributes(attr)).toEqual(record.data);
        expect(formatLsLine(attr, { flavor })).toBe(lines[i]);
      });
    },
  );

  it('bacula-9 Vol-plain -v listing: each line follows the FileIndex of its record', () => {
    const records = readVolumeRecords(join(BACULA9_VOLUMES, 'Vol-plain'), ATTRIBUTES_STREAM);
    const text = readBlsFileLines('bacula-9', 'tool-output', 'Vol-plain', 'bls-files-v.txt');
    expect(text).toEqual(
      records.map((r) => formatLsLine(decodeAttributes(r.data, {}), { flavor: 'bacula' })),
    );
  });

  it('bacula-9 Vol-plain: types 1–6, links, the fifo and the UTF-8 names', () => {
    const attrs = readVolumeRecords(join(BACULA9_VOLUMES, 'Vol-plain'), ATTRIBUTES_STREAM).map((r) =>
      decodeAttributes(r.data, { volume: 'Vol-plain' }),
    );
    const byName = (suffix: string): FileAttributes => {
      const a = attrs.find((x) => x.fname.endsWith(suffix));
      if (a === undefined) return expect.unreachable(suffix);
      return a;
    };
    expect(new Set(attrs.map((a) => a.type))).toEqual(new Set([1, 2, 3, 4, 5, 6]));

    const hardlink = byName('/links/hardlink-to-hello.txt');
    expect(isHardLink(hardlink)).toBe(true);
    expect(hardlink.link).toBe('/tmp/bacula-lab/data/hello.txt');
    expect(hardlink.stat.linkFi).toBe(byName('/data/hello.txt').fileIndex);

    const symlink = byName('/links/dangling-link');
    expect(isSymlink(symlink)).toBe(true);
    expect(symlink.link).toBe('/nonexistent/target/path');
    expect(fileTypeName(symlink.type)).toBe('LNK');

    const fifo = byName('/special-fifo');
    expect(fileTypeName(fifo.type)).toBe('SPEC');
    expect(modeString(fifo.stat.mode)).toBe('frw-r--r--');

    const empty = byName('/empty.dat');
    expect(empty.type).toBe(FILE_TYPE.REGE);

    const dir = byName('/data/emptydir/');
    expect(isDirectory(dir)).toBe(true);
    expect(isDirectory(empty)).toBe(false);
    expect(attrs.filter(isDirectory).every((a) => a.fname.endsWith('/'))).toBe(true);

    const unicode = byName('Grüße-ñandú-日本語.txt');
    expect(Buffer.from(unicode.fnameBytes).toString('utf8')).toBe(unicode.fname);
    expect(unicode.attrEx).toBe('');
    expect(unicode.deltaSeq).toBe(0);
    expect(unicode.dataStreamFlag).toBeUndefined();
  });

  it('a missing trailing field or trailing junk gives SDP_ATTRIBUTES_FORMAT with the where', () => {
    const [first] = readVolumeRecords(join(BACULA9_VOLUMES, 'Vol-plain'), ATTRIBUTES_STREAM);
    const data = first?.data ?? new Uint8Array(0);
    const where = { volume: 'Vol-plain', blockNumber: 1, offset: 239 };
    for (let cut = 0; cut < data.length; cut++) {
      const e = thrown(() => decodeAttributes(data.subarray(0, cut), where));
      expect(e.code).toBe('SDP_ATTRIBUTES_FORMAT');
      expect(e.context).toMatchObject(where);
    }
    const e = thrown(() => decodeAttributes(concat(data, '0\x00'), where));
    expect(e.context).toMatchObject({ ...where, field: 'delta' });
    expect(thrown(() => decodeAttributes(data.subarray(0, data.length - 2), where)).context.field).toBe(
      'delta',
    );
  });
});

describe('attribute record encode/decode', () => {
  const stat = { ...ZERO_STAT, mode: 0o100644, nlink: 1, size: 12, ctime: 1795392227, dataStream: 2 };

  it('parses FileIndex, Type and the five NUL-terminated fields', () => {
    const lstat = encodeUnixStat(stat);
    const attr = decodeAttributes(concat(`45 3 /d/hello.txt\x00${lstat}\x00\x00\x007\x00`), {});
    expect(attr).toEqual(
      buildAttributes({ fileIndex: 45, type: 3, fname: '/d/hello.txt', stat, deltaSeq: 7 }),
    );
  });

  it('strips the AR_DATA_STREAM flag from Type and writes it back', () => {
    const record = concat(
      `9 ${FILE_TYPE.REG | AR_DATA_STREAM} /f\x00${encodeUnixStat(stat)}\x00\x00\x000\x00`,
    );
    const attr = decodeAttributes(record, {});
    expect(attr.type).toBe(FILE_TYPE.REG);
    expect(attr.dataStreamFlag).toBe(true);
    expect(encodeAttributes(attr)).toEqual(record);
  });

  it('rejects bad numbers and Type bits outside FT_* | AR_DATA_STREAM', () => {
    const lstat = encodeUnixStat(stat);
    for (const head of ['x 3 ', '1 3x ', '-1 3 ', '1  3 ', '99999999999 3 ', `1 ${0x20003} `, ' 1 3 ']) {
      const e = thrown(() =>
        decodeAttributes(concat(`${head}/f\x00${lstat}\x00\x00\x000\x00`), { volume: 'V' }),
      );
      expect(e.code).toBe('SDP_ATTRIBUTES_FORMAT');
      expect(e.context.volume).toBe('V');
    }
    expect(
      thrown(() => decodeAttributes(concat(`1 3 /f\x00${lstat}\x00\x00\x00x\x00`), {})).context.field,
    ).toBe('delta');
    expect(
      thrown(() => decodeAttributes(concat(`1 3 /f\x00${lstat}\x00\x00\x00\x00`), {})).context.field,
    ).toBe('delta');
  });

  it('keeps names that are not UTF-8 as raw bytes and re-encodes them exactly', () => {
    const raw = Uint8Array.of(0x2f, 0x66, 0xff, 0xfe, 0x80);
    const record = concat(
      '3 4 ',
      raw,
      '\x00',
      encodeUnixStat(stat),
      '\x00',
      Uint8Array.of(0xc3, 0x28),
      '\x00\x000\x00',
    );
    const attr = decodeAttributes(record, {});
    expect(attr.fnameBytes).toEqual(raw);
    expect(attr.fname).toContain('\uFFFD');
    expect(encodeAttributes(attr)).toEqual(record);
  });

  it('writes edited fname, link and stat afresh, and keeps a 13-field LStat that still agrees', () => {
    const short = encodeUnixStat(stat).split(' ').slice(0, 13).join(' ');
    const record = concat(`1 3 /a\x00${short}\x00\x00\x000\x00`);
    const attr = decodeAttributes(record, {});
    expect(attr.lstat).toBe(short);
    expect(encodeAttributes({ ...attr, stat: { ...attr.stat, dataStream: 0 } })).toEqual(record);
    const edited = { ...attr, fname: '/b', link: '/t', stat: { ...attr.stat, size: 99 } };
    expect(decodeAttributes(encodeAttributes(edited), {})).toEqual(
      buildAttributes({ fileIndex: 1, type: 3, fname: '/b', link: '/t', stat: edited.stat }),
    );
  });

  const noNul = (s: string): boolean => !s.includes('\x00');
  const arbStat: fc.Arbitrary<UnixStat> = fc.record(
    Object.fromEntries(Object.keys(ZERO_STAT).map((k) => [k, fc.maxSafeInteger()])) as Record<
      keyof UnixStat,
      fc.Arbitrary<number>
    >,
  );
  const arbAttributes: fc.Arbitrary<FileAttributes> = fc
    .record({
      fileIndex: fc.integer({ min: 0, max: 0x7fffffff }),
      type: fc.integer({ min: 0, max: 0xffff }),
      fname: fc.string({ unit: 'binary' }).filter(noNul),
      stat: arbStat,
      link: fc.string({ unit: 'binary' }).filter(noNul),
      attrEx: fc.string({ unit: 'binary-ascii' }).filter(noNul),
      deltaSeq: fc.integer({ min: 0, max: 0x7fffffff }),
      dataStreamFlag: fc.boolean(),
    })
    .map(({ dataStreamFlag, ...init }) => {
      const attr = buildAttributes(init);
      if (dataStreamFlag) attr.dataStreamFlag = true;
      return attr;
    });

  it('decode(encode(x)) = x for arbitrary attributes', () => {
    fc.assert(
      fc.property(arbAttributes, (attr) => {
        expect(decodeAttributes(encodeAttributes(attr), {})).toEqual(attr);
      }),
    );
  });

  it('encode(decode(b)) = b for records with arbitrary raw names', () => {
    const rawName = fc.uint8Array({ maxLength: 40 }).map((b) => b.map((x) => (x === 0 ? 1 : x)));
    fc.assert(
      fc.property(rawName, rawName, arbStat, (fname, link, s) => {
        const record = concat('12 3 ', fname, '\x00', encodeUnixStat(s), '\x00', link, '\x00\x000\x00');
        expect(encodeAttributes(decodeAttributes(record, {}))).toEqual(record);
      }),
    );
  });

  it('garbage bytes give a value or a VolumeFormatError, never another exception', () => {
    const [sample] = readVolumeRecords(join(BACULA9_VOLUMES, 'Vol-plain'), ATTRIBUTES_STREAM);
    const base = sample?.data ?? new Uint8Array(0);
    const mutated = fc
      .array(fc.record({ at: fc.nat({ max: base.length - 1 }), byte: fc.integer({ min: 0, max: 255 }) }), {
        minLength: 1,
        maxLength: 4,
      })
      .map((edits) => {
        const b = base.slice();
        for (const { at, byte } of edits) b[at] = byte;
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (bytes) => {
        try {
          const attr = decodeAttributes(bytes, { volume: 'fuzz' });
          expect(encodeAttributes(attr)).toEqual(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(SdpipeError);
          expect(e).toBeInstanceOf(VolumeFormatError);
          expect((e as SdpipeError).context.volume).toBe('fuzz');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('listing helpers', () => {
  const base = buildAttributes({
    fileIndex: 1,
    type: FILE_TYPE.REG,
    fname: '/d/f',
    stat: { ...ZERO_STAT, mode: 0o100644, nlink: 1, size: 5, ctime: 1795392227 },
  });
  const withStat = (s: Partial<UnixStat>, more: Partial<FileAttributes> = {}): FileAttributes => ({
    ...base,
    ...more,
    stat: { ...base.stat, ...s },
  });

  it('mode strings cover every file type and the setuid, setgid and sticky bits', () => {
    expect(modeString(0o100644)).toBe('-rw-r--r--');
    expect(modeString(0o040755)).toBe('drwxr-xr-x');
    expect(modeString(0o120777)).toBe('lrwxrwxrwx');
    expect(modeString(0o010600)).toBe('frw-------');
    expect(modeString(0o020660)).toBe('crw-rw----');
    expect(modeString(0o060660)).toBe('brw-rw----');
    expect(modeString(0o140755)).toBe('srwxr-xr-x');
    expect(modeString(0o104755)).toBe('-rwsr-xr-x');
    expect(modeString(0o104644)).toBe('-rwSr--r--');
    expect(modeString(0o102755)).toBe('-rwxr-sr-x');
    expect(modeString(0o102745)).toBe('-rwxr-Sr-x');
    expect(modeString(0o041777)).toBe('drwxrwxrwt');
    expect(modeString(0o041776)).toBe('drwxrwxrwT');
    expect(modeString(0)).toBe('----------');
  });

  it('formats both column layouts, numeric owners and custom names', () => {
    expect(formatLsLine(base, { flavor: 'bacula' })).toBe(
      '-rw-r--r--   1 root     root                      5 2026-11-23 00:03:47  /d/f',
    );
    expect(formatLsLine(base)).toBe('-rw-r--r--   1 root     root               5 2026-11-23 00:03:47  /d/f');
    expect(formatLsLine(withStat({ uid: 1000, gid: 100 }))).toBe(
      '-rw-r--r--   1 1000     100                5 2026-11-23 00:03:47  /d/f',
    );
    const names = { userName: () => 'bareos', groupName: () => 'disk' };
    expect(formatLsLine(withStat({ uid: 1000, gid: 6 }), names)).toContain(' bareos   disk     ');
  });

  it('adds the target for symlinks only', () => {
    const symlink = withStat({ mode: 0o120777 }, { type: FILE_TYPE.LNK, link: '../x' });
    expect(formatLsLine(symlink)).toMatch(/ {2}\/d\/f -> \.\.\/x$/);
    const hardlink = withStat({}, { type: FILE_TYPE.LNKSAVED, link: '/d/first' });
    expect(formatLsLine(hardlink)).toMatch(/ {2}\/d\/f$/);
  });

  it('prints an out-of-range ctime as a number instead of throwing', () => {
    expect(formatLsLine(withStat({ ctime: Number.MAX_SAFE_INTEGER }))).toContain(
      ` ${Number.MAX_SAFE_INTEGER}  /d/f`,
    );
    expect(formatLsLine(withStat({ ctime: 400_000_000_000 }))).toContain(' 400000000000  /d/f');
    expect(formatLsLine(withStat({ ctime: -1 }))).toContain(' 1969-12-31 23:59:59  /d/f');
  });

  it('names FT_* codes and recognises directory types', () => {
    expect(fileTypeName(FILE_TYPE.DIREND)).toBe('DIREND');
    expect(fileTypeName(99)).toBe('UNKNOWN(99)');
    expect(isDirectory(withStat({ mode: 0o040755 }, { type: FILE_TYPE.DIREND }))).toBe(true);
    expect(isDirectory(withStat({ mode: 0o040755 }, { type: FILE_TYPE.NOACCESS }))).toBe(true);
    expect(isDirectory(withStat({}, { type: FILE_TYPE.DIRBEGIN }))).toBe(true);
    expect(isDirectory(base)).toBe(false);
  });
});
