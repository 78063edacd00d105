import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BsrSelector,
  bsrAddressRange,
  bsrVolumes,
  matchRecord,
  matchSession,
  parseBsr,
  type BsrEntry,
  type BsrRecordKey,
} from '../../src/volume/bsr.js';
import { SdpipeError, VolumeFormatError } from '../../src/errors.js';
import { BACULA9_VOLUMES, readFixtureText } from '../support/fixtures.js';
import { readRecordPieces } from '../support/attr-volume-records.js';

/** An entry with every list empty, overridden by `fields`. */
function entry(fields: Partial<BsrEntry> & Pick<BsrEntry, 'line' | 'volumes'>): BsrEntry {
  return {
    volSessionIds: [],
    volSessionTimes: [],
    volAddrs: [],
    volFiles: [],
    volBlocks: [],
    fileIndexes: [],
    jobIds: [],
    jobs: [],
    clients: [],
    streams: [],
    fileRegexes: [],
    includes: [],
    excludes: [],
    jobTypes: [],
    jobLevels: [],
    ...fields,
  };
}

const r = (from: number, to = from) => ({ from, to });

/** The Director's BSR shape: one entry per volume of a Full job (§9). */
const directorEntry = (
  line: number,
  volume: string,
  mediaType: string,
  sessionId: number,
  sessionTime: number,
  addr: [number, number],
  files: [number, number],
): BsrEntry =>
  entry({
    line,
    volumes: [volume],
    mediaType,
    volSessionIds: [r(sessionId)],
    volSessionTimes: [sessionTime],
    volAddrs: [r(...addr)],
    fileIndexes: [r(...files)],
  });

const BACULA_TIME = 1795392249;
const BAREOS_TIME = 1795392217;

const FIXTURE_BSRS: [string, BsrEntry[]][] = [
  [
    'bacula-9/bootstrap/job-plain.bsr',
    [directorEntry(2, 'Vol-plain', 'File', 1, BACULA_TIME, [215, 5113667], [1, 68])],
  ],
  [
    'bacula-9/bootstrap/job-gzip.bsr',
    [directorEntry(2, 'Vol-gzip', 'File', 2, BACULA_TIME, [213, 2007983], [1, 68])],
  ],
  [
    'bacula-9/bootstrap/job-lzo.bsr',
    [directorEntry(2, 'Vol-lzo', 'File', 3, BACULA_TIME, [211, 2340792], [1, 68])],
  ],
  [
    'bacula-9/bootstrap/job-sparse.bsr',
    [directorEntry(2, 'Vol-sparse', 'File', 4, BACULA_TIME, [217, 3999725], [1, 68])],
  ],
  [
    'bacula-9/bootstrap/job-span.bsr',
    [
      directorEntry(2, 'Vol-span-1', 'File', 7, BACULA_TIME, [215, 193750], [1, 3]),
      directorEntry(8, 'Vol-span-2', 'File', 7, BACULA_TIME, [215, 238432], [3, 16]),
    ],
  ],
  [
    'bareos-25/jobs/bootstrap/backup-plain.bsr',
    [directorEntry(2, 'Vol-plain', 'File-plain', 1, BAREOS_TIME, [190, 3675846], [1, 46])],
  ],
  [
    'bareos-25/jobs/bootstrap/backup-gzip.bsr',
    [directorEntry(2, 'Vol-gzip', 'File-gzip', 2, BAREOS_TIME, [188, 1093961], [1, 46])],
  ],
  [
    'bareos-25/jobs/bootstrap/backup-lz4.bsr',
    [directorEntry(2, 'Vol-lz4', 'File-lz4', 4, BAREOS_TIME, [186, 1748079], [1, 46])],
  ],
  [
    'bareos-25/jobs/bootstrap/backup-fdlz4.bsr',
    [directorEntry(2, 'Vol-fdlz4', 'File-fdlz4', 7, BAREOS_TIME, [190, 1748091], [1, 46])],
  ],
];

const readBsr = (path: string) => parseBsr(readFixtureText(...path.split('/')), path);

function syntaxError(text: string): VolumeFormatError {
  try {
    parseBsr(text, 'test.bsr');
  } catch (e) {
    expect(e).toBeInstanceOf(VolumeFormatError);
    expect((e as VolumeFormatError).code).toBe('SDP_BSR_SYNTAX');
    expect((e as VolumeFormatError).context.file).toBe('test.bsr');
    return e as VolumeFormatError;
  }
  return expect.unreachable(`expected SDP_BSR_SYNTAX for ${JSON.stringify(text)}`);
}

describe('parseBsr on the Directors’ bootstrap files (spec §9)', () => {
  it.each(FIXTURE_BSRS)('%s', (path, expected) => {
    expect(readBsr(path)).toEqual({ source: path, entries: expected });
  });

  it('job-span.bsr: two entries, volumes in order, address ranges per volume', () => {
    const bsr = readBsr('bacula-9/bootstrap/job-span.bsr');
    expect(bsrVolumes(bsr)).toEqual(['Vol-span-1', 'Vol-span-2']);
    expect(bsrAddressRange(bsr, 'Vol-span-1')).toEqual({ start: 215, end: 193750 });
    expect(bsrAddressRange(bsr, 'Vol-span-2')).toEqual({ start: 215, end: 238432 });
    expect(bsrAddressRange(bsr, 'Vol-plain')).toBeUndefined();
  });

  it('job-plain.bsr: VolAddr of Vol-plain is 215-5113667 (fixtures guide)', () => {
    expect(bsrAddressRange(readBsr('bacula-9/bootstrap/job-plain.bsr'), 'Vol-plain')).toEqual({
      start: 215,
      end: 5113667,
    });
  });
});

describe('parseBsr syntax', () => {
  it('keywords are case-insensitive; comments, blank lines and CRLF are skipped', () => {
    const bsr = parseBsr(
      '# header\r\n\r\nVOLUME = "Vol-a"  # trailing comment\r\n  mediatype=File\r\nfileINDEX = 1-3, 5 ,7\r\n',
    );
    expect(bsr.entries).toEqual([
      entry({ line: 3, volumes: ['Vol-a'], mediaType: 'File', fileIndexes: [r(1, 3), r(5), r(7)] }),
    ]);
  });

  it('Volume="v1|v2" is one entry with two volumes; each later Volume= starts an entry', () => {
    const bsr = parseBsr('Volume="v1|v2"\nVolSessionId=1\nVolume=v3\nVolSessionId=2-4\nVolume=v1\n');
    expect(bsr.entries.map((e) => [e.line, e.volumes, e.volSessionIds])).toEqual([
      [1, ['v1', 'v2'], [r(1)]],
      [3, ['v3'], [r(2, 4)]],
      [5, ['v1'], []],
    ]);
    expect(bsrVolumes(bsr)).toEqual(['v1', 'v2', 'v3']);
  });

  it('keywords before the first Volume belong to the first entry; repeated lists add up', () => {
    const bsr = parseBsr('VolSessionTime=5\nVolume=v\nFileIndex=1\nFileIndex=4-6\nStream=1,-2\n');
    expect(bsr.entries).toEqual([
      entry({
        line: 2,
        volumes: ['v'],
        volSessionTimes: [5],
        fileIndexes: [r(1), r(4, 6)],
        streams: [1, -2],
      }),
    ]);
  });

  it('reads every keyword of §9', () => {
    const text = [
      'Volume="Vol 1"',
      'MediaType="File"',
      'Storage=File-sd',
      'Device="FileStorage"',
      'Slot=3',
      'VolSessionId=1',
      'VolSessionTime=1795392249',
      'VolAddr=215-9007199254740991',
      'VolFile=0-2',
      'VolBlock=10-20',
      'FileIndex=1-68',
      'Count=10',
      'JobId=7,9-10',
      'Job="job-span.2026-11-23_00.08.04_12"',
      'Client=lab-fd',
      'Stream=2',
      'FileRegex="\\.txt$"',
      'Include',
      'Exclude=',
      'JobType=B',
      'JobLevel=F',
    ].join('\n');
    expect(parseBsr(text).entries).toEqual([
      entry({
        line: 1,
        volumes: ['Vol 1'],
        mediaType: 'File',
        storage: 'File-sd',
        device: 'FileStorage',
        slot: 3,
        volSessionIds: [r(1)],
        volSessionTimes: [1795392249],
        volAddrs: [r(215, Number.MAX_SAFE_INTEGER)],
        volFiles: [r(0, 2)],
        volBlocks: [r(10, 20)],
        fileIndexes: [r(1, 68)],
        count: 10,
        jobIds: [r(7), r(9, 10)],
        jobs: ['job-span.2026-11-23_00.08.04_12'],
        clients: ['lab-fd'],
        streams: [2],
        fileRegexes: ['\\.txt$'],
        includes: [''],
        excludes: [''],
        jobTypes: ['B'],
        jobLevels: ['F'],
      }),
    ]);
  });

  it('quoted strings keep # and spaces and honour \\" escapes', () => {
    expect(parseBsr('Volume="a#b \\"c\\" \\\\ \\d"').entries[0]?.volumes).toEqual(['a#b "c" \\ \\d']);
  });

  it.each([
    ['Volume=v\nBogus=1\n', 2, 'Bogus'],
    ['Volume=v\nFileIndex 1\n', 2, 'FileIndex'],
    ['Volume=v\n\nFileIndex=5-3\n', 3, 'FileIndex'],
    ['Volume=v\nFileIndex=1-\n', 2, 'FileIndex'],
    ['Volume=v\nFileIndex=a\n', 2, 'FileIndex'],
    ['Volume=v\nFileIndex=\n', 2, 'FileIndex'],
    ['Volume=v\nVolSessionId=4294967296\n', 2, 'VolSessionId'],
    ['Volume=v\nVolSessionTime=1-2\n', 2, 'VolSessionTime'],
    ['Volume=v\nCount=-1\n', 2, 'Count'],
    ['Volume="v\n', 1, 'Volume'],
    ['Volume="v" x\n', 1, 'Volume'],
    ['Volume="a||b"\n', 1, 'Volume'],
    ['Volume=\n', 1, 'Volume'],
    ['Volume=v\nMediaType=\n', 2, 'MediaType'],
    ['Volume=v\nFileRegex="("\n', 2, 'FileRegex'],
    ['Volume=v\n= 3\n', 2, undefined],
    ['# only keywords\nFileIndex=1\n', 2, 'Volume'],
  ])('%j → SDP_BSR_SYNTAX at line %i', (text, line, field) => {
    expect(syntaxError(text).context).toMatchObject({ line, field });
  });

  it('an empty file has no entries', () => {
    expect(parseBsr('# nothing\n\n')).toEqual({ entries: [] });
  });

  it('arbitrary text parses or gives an SdpipeError, never another exception', () => {
    const lines = fc.array(
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc
          .tuple(
            fc.constantFrom(
              'Volume',
              'FileIndex',
              'VolSessionId',
              'VolAddr',
              'Stream',
              'Count',
              'Job',
              'fileregex',
            ),
            fc.string({ maxLength: 12 }),
          )
          .map(([k, v]) => `${k}=${v}`),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(lines, (ls) => {
        try {
          const bsr = parseBsr(ls.join('\n'));
          expect(bsr.entries.every((e) => e.volumes.length > 0)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(SdpipeError);
        }
      }),
    );
  });
});

describe('matching (spec §9)', () => {
  const span = readBsr('bacula-9/bootstrap/job-span.bsr');
  const key = (fileIndex: number, stream = 2, id = 7, time = BACULA_TIME): BsrRecordKey => ({
    volSessionId: id,
    volSessionTime: time,
    fileIndex,
    stream,
  });

  it('a session matches on VolSessionId and VolSessionTime of an entry for that volume', () => {
    expect(matchSession(span, 'Vol-span-1', 7, BACULA_TIME)).toBe(true);
    expect(matchSession(span, 'Vol-span-2', 7, BACULA_TIME)).toBe(true);
    expect(matchSession(span, 'Vol-span-1', 8, BACULA_TIME)).toBe(false);
    expect(matchSession(span, 'Vol-span-1', 7, BACULA_TIME + 1)).toBe(false);
    expect(matchSession(span, 'Vol-plain', 7, BACULA_TIME)).toBe(false);
  });

  it('a record matches on session, the FileIndex ranges of its volume, and VolAddr when given', () => {
    expect(matchRecord(span, 'Vol-span-1', key(3))).toBe(true);
    expect(matchRecord(span, 'Vol-span-1', key(4))).toBe(false);
    expect(matchRecord(span, 'Vol-span-2', key(3))).toBe(true);
    expect(matchRecord(span, 'Vol-span-2', key(16))).toBe(true);
    expect(matchRecord(span, 'Vol-span-2', key(2))).toBe(false);
    expect(matchRecord(span, 'Vol-span-2', key(17))).toBe(false);
    expect(matchRecord(span, 'Vol-span-2', key(5, 2, 6))).toBe(false);
    expect(matchRecord(span, 'Vol-span-2', { ...key(5), address: 215 })).toBe(true);
    expect(matchRecord(span, 'Vol-span-2', { ...key(5), address: 214 })).toBe(false);
    expect(matchRecord(span, 'Vol-span-2', { ...key(5), address: 238433 })).toBe(false);
  });

  it('Stream narrows the match when given; an entry without lists takes everything of its volume', () => {
    const bsr = parseBsr('Volume=v\nStream=1,3\nVolume=w\n');
    expect(matchRecord(bsr, 'v', key(1, 1))).toBe(true);
    expect(matchRecord(bsr, 'v', key(1, 2))).toBe(false);
    expect(matchRecord(bsr, 'w', key(99, 2, 1, 1))).toBe(true);
    expect(bsrAddressRange(bsr, 'w')).toBeUndefined();
  });

  it('the lowest start and highest end over entries of one volume', () => {
    const bsr = parseBsr('Volume=v\nVolAddr=500-900\nVolume=v\nVolAddr=100-200,1000-1100\n');
    expect(bsrAddressRange(bsr, 'v')).toEqual({ start: 100, end: 1100 });
    expect(bsrAddressRange(parseBsr('Volume=v\nVolAddr=1-2\nVolume=v\n'), 'v')).toBeUndefined();
  });

  it('job-span.bsr over the record headers of Vol-span-1 + Vol-span-2 selects FileIndex 1–16', () => {
    const selected = new Set<number>();
    for (const volume of bsrVolumes(span)) {
      const range = bsrAddressRange(span, volume);
      for (const piece of readRecordPieces(join(BACULA9_VOLUMES, volume))) {
        if (!matchSession(span, volume, piece.volSessionId, piece.volSessionTime)) continue;
        if (range !== undefined && (piece.blockOffset < range.start || piece.blockOffset > range.end))
          continue;
        if (matchRecord(span, volume, { ...piece, address: piece.blockOffset }))
          selected.add(piece.fileIndex);
      }
    }
    expect([...selected].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
  });

  it('the label block of a volume (session 0/0 or before VolAddr) is not selected', () => {
    const pieces = readRecordPieces(join(BACULA9_VOLUMES, 'Vol-span-3'));
    expect(pieces.every((p) => !matchSession(span, 'Vol-span-3', p.volSessionId, p.volSessionTime))).toBe(
      true,
    );
    const labels = readRecordPieces(join(BACULA9_VOLUMES, 'Vol-span-1')).filter((p) => p.blockOffset === 0);
    expect(labels.every((p) => !matchRecord(span, 'Vol-span-1', { ...p, address: p.blockOffset }))).toBe(
      true,
    );
  });
});

describe('BsrSelector and Count', () => {
  const rec = (fileIndex: number, stream = 2): BsrRecordKey => ({
    volSessionId: 1,
    volSessionTime: 5,
    fileIndex,
    stream,
  });

  it('takes at most Count files, keeps the records of a taken file, then is done', () => {
    const s = new BsrSelector(parseBsr('Volume=v\nVolSessionId=1\nCount=2\n'));
    expect(s.volumes()).toEqual(['v']);
    expect([rec(1, 1), rec(1, 2), rec(1, 3), rec(2, 1), rec(2, 2)].map((k) => s.matchRecord('v', k))).toEqual(
      [true, true, true, true, true],
    );
    expect(s.isDone()).toBe(false);
    expect(s.matchSession('v', 1, 5)).toBe(true);
    expect(s.matchRecord('v', rec(3, 1))).toBe(false);
    expect(s.isDone()).toBe(true);
    expect(s.matchSession('v', 1, 5)).toBe(false);
    expect(s.matchRecord('v', rec(2, 2))).toBe(false);
  });

  it('without Count it behaves like matchRecord and is never done', () => {
    const bsr = readBsr('bacula-9/bootstrap/job-plain.bsr');
    const s = new BsrSelector(bsr);
    for (let fi = 0; fi <= 70; fi++) {
      const k: BsrRecordKey = { volSessionId: 1, volSessionTime: BACULA_TIME, fileIndex: fi, stream: 2 };
      expect(s.matchRecord('Vol-plain', k)).toBe(matchRecord(bsr, 'Vol-plain', k));
    }
    expect(s.isDone()).toBe(false);
  });

  it('a later entry takes what a done entry no longer does', () => {
    const s = new BsrSelector(parseBsr('Volume=v\nCount=1\nVolume=v\nFileIndex=2-3\n'));
    expect(s.matchRecord('v', rec(1))).toBe(true);
    expect(s.matchRecord('v', rec(2))).toBe(true); // entry 1 is done; entry 2 takes FileIndex 2
    expect(s.matchRecord('v', rec(4))).toBe(false);
    expect(s.isDone()).toBe(false);
  });

  it('Count=0 selects nothing', () => {
    const s = new BsrSelector(parseBsr('Volume=v\nCount=0\n'));
    expect(s.matchSession('v', 1, 5)).toBe(false);
    expect(s.matchRecord('v', rec(1))).toBe(false);
    expect(s.isDone()).toBe(true);
  });
});
