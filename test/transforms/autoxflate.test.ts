import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inflateSync } from 'node:zlib';
import { FileDevice } from '../../src/devices/file-device.js';
import { SdpipeError } from '../../src/errors.js';
import {
  Autoxflate,
  checkDeflateSetup,
  formatPercent,
  newAutoxflateCounters,
  ratioLines,
  setupLines,
  translateRecord,
  type AutoxflateCounters,
  type TranslatableRecord,
} from '../../src/transforms/autoxflate.js';
import {
  parseAutoxflateSettings,
  type AutoxflateDirectives,
  type AutoxflateSettings,
} from '../../src/transforms/autoxflate-settings.js';
import { CODECS, codecByName, type CodecDescriptor } from '../../src/transforms/codecs/index.js';
import {
  COMPRESSION_HEADER_BYTES,
  decodeCompressionHeader,
} from '../../src/transforms/compression-header.js';
import type { RecordToWrite } from '../../src/volume/block-writer.js';
import type { DeviceRecord } from '../../src/volume/record.js';
import { readRecords } from '../../src/volume/volume-reader.js';
import { independentLz4Unframe } from '../support/codec-independent.js';
import { BAREOS25, BAREOS25_VOLUMES } from '../support/fixtures.js';
import { FC_SEED, compressibleData, fromHex, noise, toHex } from '../support/lzo-fastlz-data.js';

// ---------------------------------------------------------------------------------------------------
// helpers

async function volumeRecords(volume: string): Promise<DeviceRecord[]> {
  const device = await FileDevice.open(BAREOS25_VOLUMES);
  const records: DeviceRecord[] = [];
  for await (const r of readRecords([volume], device.openVolume)) records.push(r);
  return records;
}

/** Runs `records` through `block` with a consumer that takes one record per tick. */
async function through<R extends TranslatableRecord>(
  records: readonly R[],
  block: Autoxflate<R>,
): Promise<R[]> {
  const out: R[] = [];
  await pipeline(
    Readable.from(records),
    block,
    new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(r: R, _enc, done) {
        out.push(r);
        setImmediate(done);
      },
    }),
  );
  return out;
}

/** The `autoxflate-sd: …` lines the daemon logged for one JobId, without date, daemon and JobId. */
function jobLogLines(jobId: number): string[] {
  const log = readFileSync(join(BAREOS25, 'jobs', 'daemon-logs', 'bareos-jobs.log'), 'utf8');
  return [...log.matchAll(/^\S+ \S+ \S+ JobId (\d+): (autoxflate-sd: .*)$/gm)]
    .filter((m) => Number(m[1]) === jobId)
    .map((m) => m[2]!);
}

/** The setup line bls printed with the tools' `AutoInflate = in` config. */
function toolSetupLine(volume: string): string {
  const text = readFileSync(join(BAREOS25, 'tools', 'autoxflate', volume, 'bls.txt'), 'utf8');
  const m = /JobId \d+: (autoxflate-sd: .*)$/m.exec(text);
  if (!m) throw new Error(`no autoxflate line in ${volume}/bls.txt`);
  return m[1]!;
}

const settingsOf = (directives: AutoxflateDirectives, extra: Partial<AutoxflateSettings> = {}) => ({
  ...parseAutoxflateSettings(directives),
  ...extra,
});
const deflateOut = (algorithm: string, extra: Partial<AutoxflateSettings> = {}) =>
  settingsOf({ AutoDeflate: 'out', AutoDeflateAlgorithm: algorithm }, extra);
const everything = (algorithm = 'gzip') =>
  settingsOf({ AutoDeflate: 'both', AutoInflate: 'both', AutoDeflateAlgorithm: algorithm });

const position = { volume: 'Vol-test', blockNumber: 7, blockOffset: 4096, offset: 4120 };
const deviceRecord = (
  fileIndex: number,
  stream: number,
  data: Uint8Array,
  partial?: boolean,
): DeviceRecord => ({
  volSessionId: 3,
  volSessionTime: 1795392217,
  fileIndex,
  stream,
  data,
  position,
  ...(partial === undefined ? {} : { partial }),
});

const text = (s: string) => new TextEncoder().encode(s);
const HELLO = text('hello world\n');
/** A stream-6 record's data: u64 big-endian offset, then the file data. */
function sparseData(offset: bigint, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  new DataView(out.buffer).setBigUint64(0, offset);
  out.set(data, 8);
  return out;
}
/** The SdpipeError `f` throws; fails the test if it throws nothing or something else. */
function thrown(f: () => unknown): SdpipeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SdpipeError);
    return e as SdpipeError;
  }
  expect.unreachable('nothing was thrown');
}
const equalBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const JOBS = { gzip: 2, lzo: 3, lz4: 4, lz4hc: 5, lzfast: 6 } as const;

// ---------------------------------------------------------------------------------------------------
// the real Bareos oracle

describe('autoxflate OUT reproduces what Bareos 25 autoxflate wrote', () => {
  it('gzip: Vol-plain deflated is Vol-gzip record for record; all other records pass untouched', async () => {
    const [plain, gzip] = await Promise.all([volumeRecords('Vol-plain'), volumeRecords('Vol-gzip')]);
    const lines: string[] = [];
    const block = new Autoxflate('out', deflateOut('gzip'), {
      deviceName: 'D-gzip',
      jobLog: (l) => lines.push(l),
    });
    const out = await through(plain, block);
    expect(out).toHaveLength(plain.length);
    let compressed = 0;
    out.forEach((r, i) => {
      const input = plain[i]!;
      if (input.fileIndex > 0 && input.stream === 2) {
        expect([r.fileIndex, r.stream]).toEqual([gzip[i]!.fileIndex, 29]);
        expect(equalBytes(r.data, gzip[i]!.data), `record ${i} FileIndex ${r.fileIndex}`).toBe(true);
        expect(r.position).toBe(input.position);
        compressed++;
      } else {
        expect(r).toBe(input); // attributes, digests, labels: the very same record
      }
    });
    expect(compressed).toBe(38);
    expect(block.counters.deflate.records).toBe(38);
    // Setup lines and the end-of-job ratio: JobId 2's log, exactly.
    expect(lines).toEqual(jobLogLines(JOBS.gzip));
    expect(lines.at(-1)).toBe('autoxflate-sd: deflate ratio: 29.62%');
  });

  it.each([
    ['lzo', 'D-lzo', '39.86'],
    ['lzfast', 'D-lzfast', '40.36'],
  ] as const)(
    '%s: the job log of the lab job (setup and deflate ratio %s%%) comes out exactly',
    async (algo, dev, ratio) => {
      const plain = await volumeRecords('Vol-plain');
      const lines: string[] = [];
      await through(
        plain,
        new Autoxflate('out', deflateOut(algo), { deviceName: dev, jobLog: (l) => lines.push(l) }),
      );
      expect(lines).toEqual(jobLogLines(JOBS[algo]));
      expect(lines.at(-1)).toBe(`autoxflate-sd: deflate ratio: ${ratio}%`);
    },
  );

  it.each(Object.entries(JOBS))('%s: setupLines equal the lab job log setup lines', (algo, jobId) => {
    const logged = jobLogLines(jobId);
    expect(logged).toHaveLength(3);
    expect(setupLines(`D-${algo}`, deflateOut(algo))).toEqual(logged.slice(0, 2));
  });

  it('lz4: same data and header fields as Vol-lz4, and ≥ 26 of 38 records byte-identical', async () => {
    // Bareos bundles LZ4 1.6.0; the system liblz4 (1.9.x) emits other, equally valid sequences for
    // some inputs, so only the RAW blocks and part of the compressed ones are byte-identical.
    const [plain, lz4] = await Promise.all([volumeRecords('Vol-plain'), volumeRecords('Vol-lz4')]);
    const out = await through(plain, new Autoxflate('out', deflateOut('lz4'), { deviceName: 'D-lz4' }));
    let same = 0;
    let compressed = 0;
    out.forEach((r, i) => {
      const input = plain[i]!;
      if (!(input.fileIndex > 0 && input.stream === 2)) {
        expect(r).toBe(input);
        return;
      }
      compressed++;
      const bareos = lz4[i]!;
      expect([r.fileIndex, r.stream]).toEqual([bareos.fileIndex, bareos.stream]);
      const ours = decodeCompressionHeader(r.data, 0, {}, r.data.length);
      const theirs = decodeCompressionHeader(bareos.data, 0, {}, bareos.data.length);
      expect([ours.magic, ours.level, ours.version]).toEqual(['FZ4L', 6, 1]);
      expect([theirs.magic, theirs.level, theirs.version]).toEqual(['FZ4L', 6, 1]);
      const decoded = independentLz4Unframe(r.data.subarray(COMPRESSION_HEADER_BYTES));
      expect(equalBytes(decoded, input.data), `record ${i}`).toBe(true);
      expect(
        equalBytes(independentLz4Unframe(bareos.data.subarray(COMPRESSION_HEADER_BYTES)), input.data),
      ).toBe(true);
      if (equalBytes(r.data, bareos.data)) same++;
    });
    expect(compressed).toBe(38);
    expect(same).toBeGreaterThanOrEqual(26);
  });
});

describe('autoxflate IN on the real Bareos 25 volumes', () => {
  it.each(['Vol-gzip', 'Vol-lz4', 'Vol-fdlz4'])(
    '%s inflates to the records of Vol-plain; the setup line equals bls with AutoInflate = in',
    async (volume) => {
      const [plain, compressed] = await Promise.all([volumeRecords('Vol-plain'), volumeRecords(volume)]);
      const deviceName = `/tmp/bareos-lab/storage/${volume.slice(4)}`;
      const lines: string[] = [];
      const block = new Autoxflate('in', settingsOf({ AutoInflate: 'in' }), {
        deviceName,
        jobLog: (l) => lines.push(l),
      });
      const out = await through(compressed, block);
      // Data records come back as Vol-plain has them; everything else (attributes, digests, labels of
      // this job) is the very record that was read.
      out.forEach((r, i) => {
        const input = compressed[i]!;
        if (input.fileIndex > 0 && input.stream === 29) {
          expect([r.fileIndex, r.stream]).toEqual([plain[i]!.fileIndex, 2]);
          expect(equalBytes(r.data, plain[i]!.data), `record ${i}`).toBe(true);
        } else {
          expect(r).toBe(input);
        }
      });
      expect(lines[0]).toBe(toolSetupLine(volume));
      const { inputBytes, outputBytes } = block.counters.inflate;
      expect(lines.slice(1)).toEqual([
        `autoxflate-sd: inflate ratio: ${formatPercent((100 * outputBytes) / inputBytes)}%`,
      ]);
      expect(block.counters.inflate.records).toBe(38);
      expect(block.counters.deflate.records).toBe(0);
    },
  );
});

// ---------------------------------------------------------------------------------------------------
// the pure translation

describe('translateRecord: record data (compression.md §4.4, §7.2)', () => {
  it.each([
    ['gzip', '475a49500000001400060001789ccb48cdc9c95728cf2fca49e102001e720467'],
    [
      'lz4',
      '465a344c0000002c00060001466173744c5a00180c0000000c00000068656c6c6f20776f726c640a466173744c5a00c80000000000000000',
    ],
    [
      'lz4hc',
      '465a34480000002c00060001466173744c5a00180c0000000c00000068656c6c6f20776f726c640a466173744c5a00c80000000000000000',
    ],
    [
      'lzfast',
      '465a465a0000002c00060001466173744c5a00180c0000000c00000068656c6c6f20776f726c640a466173744c5a00c80000000000000000',
    ],
    ['lzo', '4c5a4f580000001000060001' + '1d68656c6c6f20776f726c640a110000'],
  ])('%s: `hello world\\n` on stream 2 becomes the spec vector on stream 29', (algo, hex) => {
    const out = translateRecord(deviceRecord(5, 2, HELLO), 'out', deflateOut(algo), newAutoxflateCounters());
    expect(out.stream).toBe(29);
    expect(toHex(out.data)).toBe(hex);
  });

  it('stream 11 → 31, level = AutoDeflateLevel in the header for every algorithm, no shrink check', () => {
    for (const codec of CODECS) {
      const level = codec.name === 'gzip' ? 9 : 1234;
      const s = settingsOf({ AutoDeflate: 'out', AutoDeflateAlgorithm: codec.name, AutoDeflateLevel: level });
      const out = translateRecord(
        deviceRecord(1, 11, new Uint8Array([0x42])),
        'out',
        s,
        newAutoxflateCounters(),
      );
      expect(out.stream).toBe(31);
      expect(out.data.length).toBeGreaterThan(1); // a 1-byte record grows (Q3)
      expect(decodeCompressionHeader(out.data, 0, {}, out.data.length)).toMatchObject({
        magic: codec.magic,
        level,
        version: 1,
      });
    }
  });

  it('a stream with flag bits is translated by its type, and the new stream keeps no flag bits', () => {
    const out = translateRecord(
      deviceRecord(1, 0x800 | 2, HELLO),
      'out',
      deflateOut('gzip'),
      newAutoxflateCounters(),
    );
    expect(out.stream).toBe(29);
  });

  it('keeps every other field: DeviceRecord keeps its position and session, RecordToWrite stays a RecordToWrite', () => {
    const counters = newAutoxflateCounters();
    const dev = deviceRecord(9, 2, HELLO);
    const outDev = translateRecord(dev, 'out', deflateOut('lz4'), counters);
    expect(outDev).toMatchObject({ volSessionId: 3, volSessionTime: 1795392217, fileIndex: 9, position });
    const toWrite: RecordToWrite = { fileIndex: 9, stream: 2, data: HELLO };
    const outWrite: RecordToWrite = translateRecord(toWrite, 'out', deflateOut('lz4'), counters);
    expect(Object.keys(outWrite).sort()).toEqual(['data', 'fileIndex', 'stream']);
    expect(outWrite.data).toEqual(outDev.data);
    expect(toWrite).toEqual({ fileIndex: 9, stream: 2, data: HELLO }); // input not mutated
  });
});

describe('translateRecord: which records, in which order (compression.md §4.2, §4.3)', () => {
  const gz = codecByName('gzip');
  const compressedHello = translateRecord(
    deviceRecord(1, 2, HELLO),
    'out',
    deflateOut('gzip'),
    newAutoxflateCounters(),
  );

  it.each(['in', 'out'] as const)(
    'inflate=both + deflate=both, %s: compressed input is stored uncompressed, uncompressed input compressed',
    (direction) => {
      const counters = newAutoxflateCounters();
      const a = translateRecord(deviceRecord(1, 29, compressedHello.data), direction, everything(), counters);
      expect([a.stream, toHex(a.data)]).toEqual([2, toHex(HELLO)]);
      const b = translateRecord(deviceRecord(1, 2, HELLO), direction, everything(), counters);
      expect([b.stream, toHex(b.data)]).toEqual([29, toHex(compressedHello.data)]);
      expect(counters.inflate).toEqual({ records: 1, inputBytes: 32, outputBytes: 12 });
      expect(counters.deflate).toEqual({ records: 1, inputBytes: 12, outputBytes: 32 });
    },
  );

  it('a direction that is not configured leaves the record alone', () => {
    const s = settingsOf({ AutoDeflate: 'in', AutoInflate: 'out', AutoDeflateAlgorithm: 'gzip' });
    const plain = deviceRecord(1, 2, HELLO);
    const packed = deviceRecord(1, 29, compressedHello.data);
    expect(translateRecord(plain, 'out', s, newAutoxflateCounters())).toBe(plain);
    expect(translateRecord(packed, 'in', s, newAutoxflateCounters())).toBe(packed);
    expect(translateRecord(plain, 'in', s, newAutoxflateCounters()).stream).toBe(29);
    expect(translateRecord(packed, 'out', s, newAutoxflateCounters()).stream).toBe(2);
  });

  it('streams other than 2/6/11 and 29/30/31 pass untouched (4/7/12 Bacula GZIP, 32/33 encrypted, Q9)', () => {
    const bacula4 = gz.compress(HELLO, 6);
    for (const stream of [
      1, 3, 4, 5, 7, 8, 9, 10, 12, 13, 17, 18, 19, 20, 21, 26, 27, 28, 32, 33, 40, 1000, 1999,
    ]) {
      for (const data of [HELLO, bacula4, compressedHello.data]) {
        const r = deviceRecord(4, stream, data);
        for (const direction of ['in', 'out'] as const) {
          expect(translateRecord(r, direction, everything(), newAutoxflateCounters())).toBe(r);
        }
      }
    }
  });

  it('labels (FileIndex < 0, stream = JobId), FileIndex 0 and partial records are never touched', () => {
    const counters = newAutoxflateCounters();
    for (const r of [
      deviceRecord(-4, 2, HELLO), // SOS label of JobId 2
      deviceRecord(-5, 29, compressedHello.data),
      deviceRecord(-2, 6, sparseData(0n, HELLO)),
      deviceRecord(0, 2, HELLO),
      deviceRecord(3, 2, HELLO, true),
      deviceRecord(3, 29, compressedHello.data, true),
    ]) {
      for (const direction of ['in', 'out'] as const) {
        expect(translateRecord(r, direction, everything(), counters)).toBe(r);
      }
    }
    expect(counters).toEqual(newAutoxflateCounters());
  });
});

describe('sparse records, stream 6 ↔ 30 (quirks Q1, Q2)', () => {
  const offset = 65536n;
  const record = deviceRecord(2, 6, sparseData(offset, HELLO));

  it('default: the FD layout [offset][hdr][zlib(data)], the spec vector, checked with node:zlib', () => {
    const out = translateRecord(record, 'out', deflateOut('gzip'), newAutoxflateCounters());
    expect(out.stream).toBe(30);
    expect(toHex(out.data)).toBe(
      '0000000000010000475a49500000001400060001789ccb48cdc9c95728cf2fca49e102001e720467',
    );
    expect(toHex(out.data.subarray(0, 8))).toBe(toHex(record.data.subarray(0, 8)));
    expect(toHex(inflateSync(out.data.subarray(8 + COMPRESSION_HEADER_BYTES)))).toBe(toHex(HELLO));
  });

  it('bareosSparseQuirk: Bareos autoxflate’s [offset][hdr][zlib(offset ‖ data)], the spec vector', () => {
    const out = translateRecord(
      record,
      'out',
      deflateOut('gzip', { bareosSparseQuirk: true }),
      newAutoxflateCounters(),
    );
    expect(toHex(out.data)).toBe(
      '0000000000010000475a49500000001a00060001789c636000024606868cd49c9c7c85f2fca29c142e001e890468',
    );
    expect(toHex(inflateSync(out.data.subarray(8 + COMPRESSION_HEADER_BYTES)))).toBe(toHex(record.data));
  });

  it.each([false, true])(
    'bareosSparseQuirk %s: inflate (header after the offset, Q2) gives the record back',
    (quirk) => {
      for (const codec of CODECS) {
        const counters = newAutoxflateCounters();
        const s = settingsOf({ AutoDeflate: 'out', AutoInflate: 'in', AutoDeflateAlgorithm: codec.name });
        const packed = translateRecord(record, 'out', { ...s, bareosSparseQuirk: quirk }, counters);
        expect(packed.stream).toBe(30);
        const back = translateRecord(packed, 'in', s, counters);
        expect([back.stream, toHex(back.data)]).toEqual([6, toHex(record.data)]);
        // The counters see whole record lengths, the 8-byte offset and the header included.
        expect(counters.deflate).toEqual({ records: 1, inputBytes: 20, outputBytes: packed.data.length });
        expect(counters.inflate).toEqual({ records: 1, inputBytes: packed.data.length, outputBytes: 20 });
      }
    },
  );

  it('a data-only record whose data begins with its own offset needs sparseReadLayout data-only', () => {
    // `detect` cannot tell this record from the autoxflate layout: the decoded bytes start with the offset.
    const ambiguous = deviceRecord(2, 6, sparseData(0n, new Uint8Array(24).fill(0, 0, 8).fill(7, 8)));
    const s = settingsOf({ AutoDeflate: 'out', AutoInflate: 'in', AutoDeflateAlgorithm: 'gzip' });
    const packed = translateRecord(ambiguous, 'out', s, newAutoxflateCounters());
    const detected = translateRecord(packed, 'in', s, newAutoxflateCounters());
    expect(detected.data.length).toBe(ambiguous.data.length - 8);
    const forced = translateRecord(
      packed,
      'in',
      { ...s, sparseReadLayout: 'data-only' },
      newAutoxflateCounters(),
    );
    expect(toHex(forced.data)).toBe(toHex(ambiguous.data));
    // The Bareos layout is never ambiguous for `detect`.
    const quirk = translateRecord(
      ambiguous,
      'out',
      { ...s, bareosSparseQuirk: true },
      newAutoxflateCounters(),
    );
    expect(toHex(translateRecord(quirk, 'in', s, newAutoxflateCounters()).data)).toBe(toHex(ambiguous.data));
  });
});

describe('failures', () => {
  const failing: CodecDescriptor = {
    ...codecByName('gzip'),
    // Fails on data only, so that the set-up check (an empty input) passes as with a real codec.
    compress: (data) => {
      if (data.length === 0) return new Uint8Array(8);
      throw new Error('compressor exploded');
    },
  };
  const settings = (extra: Partial<AutoxflateSettings> = {}) => ({
    ...deflateOut('gzip'),
    algorithm: failing,
    ...extra,
  });

  it('a compressor failure passes the record on unchanged and reports SDP_DEFLATE_SKIPPED', () => {
    const warnings: SdpipeError[] = [];
    const counters = newAutoxflateCounters();
    const r = deviceRecord(12, 2, HELLO);
    expect(translateRecord(r, 'out', settings(), counters, (e) => warnings.push(e))).toBe(r);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe('SDP_DEFLATE_SKIPPED');
    expect(warnings[0]!.context).toMatchObject({
      volume: 'Vol-test',
      offset: 4120,
      fileIndex: 12,
      codec: 'gzip',
    });
    expect((warnings[0]!.cause as Error).message).toBe('compressor exploded');
    expect(counters.deflateFailures).toBe(1);
    expect(counters.deflate.records).toBe(0);
  });

  it('without a warning callback the failure is thrown, never swallowed', () => {
    const e = thrown(() =>
      translateRecord(deviceRecord(12, 2, HELLO), 'out', settings(), newAutoxflateCounters()),
    );
    expect(e.code).toBe('SDP_DEFLATE_SKIPPED');
  });

  it('a sparse record shorter than its offset is a deflate failure too (cause SDP_SPARSE_OFFSET)', () => {
    const warnings: SdpipeError[] = [];
    const r = deviceRecord(1, 6, new Uint8Array(5));
    expect(
      translateRecord(r, 'out', deflateOut('lz4'), newAutoxflateCounters(), (e) => warnings.push(e)),
    ).toBe(r);
    expect(warnings.map((e) => [e.code, e.context.causeCode])).toEqual([
      ['SDP_DEFLATE_SKIPPED', 'SDP_SPARSE_OFFSET'],
    ]);
  });

  it('the stream block: onWarning, else a job-log line, else the stream fails', async () => {
    const records = [deviceRecord(1, 2, HELLO), deviceRecord(2, 2, HELLO)];
    const warnings: SdpipeError[] = [];
    const out = await through(
      records,
      new Autoxflate('out', settings(), { deviceName: 'D', onWarning: (e) => warnings.push(e) }),
    );
    expect(out).toEqual(records);
    expect(warnings.map((w) => w.context.fileIndex)).toEqual([1, 2]);

    const lines: string[] = [];
    await through(
      records,
      new Autoxflate('out', settings(), { deviceName: 'D', jobLog: (l) => lines.push(l) }),
    );
    expect(lines.filter((l) => l.startsWith('autoxflate-sd: SDP_DEFLATE_SKIPPED: '))).toHaveLength(2);
    expect(lines.some((l) => l.includes('ratio'))).toBe(false);

    await expect(
      through(records, new Autoxflate('out', settings(), { deviceName: 'D' })),
    ).rejects.toMatchObject({
      code: 'SDP_DEFLATE_SKIPPED',
    });
  });

  it('an inflate failure is a typed error naming volume, offset and FileIndex (Q7), in the stream too', async () => {
    const bad = deviceRecord(8, 29, fromHex('475a4950 00000063 0006 0001 010203'));
    const e = thrown(() =>
      translateRecord(bad, 'in', settingsOf({ AutoInflate: 'in' }), newAutoxflateCounters()),
    );
    expect(e.code).toBe('SDP_COMPRESSION_HEADER');
    expect(e.context).toMatchObject({ volume: 'Vol-test', offset: 4120, fileIndex: 8, stream: 29 });
    await expect(
      through([bad], new Autoxflate('in', settingsOf({ AutoInflate: 'in' }), { deviceName: 'D' })),
    ).rejects.toMatchObject({ code: 'SDP_COMPRESSION_HEADER', context: { fileIndex: 8, device: 'D' } });
  });

  it('setup: a level the compressor refuses is SDP_CONFIG at construction ("failed setting up")', () => {
    const s = settingsOf({ AutoDeflate: 'out', AutoDeflateAlgorithm: 'gzip', AutoDeflateLevel: 10 });
    const e = thrown(() => new Autoxflate('out', s, { deviceName: 'D' }));
    expect([e.code, e.context.directive]).toEqual(['SDP_CONFIG', 'AutoDeflateLevel']);
    // Deflate is not on for IN here, so a reading job on the device sets up fine.
    expect(() => checkDeflateSetup('in', s)).not.toThrow();
    // The FZ* algorithms ignore the level; any u16 goes to the header.
    const lz4 = settingsOf({ AutoDeflate: 'out', AutoDeflateAlgorithm: 'lz4', AutoDeflateLevel: 65535 });
    expect(() => checkDeflateSetup('out', lz4)).not.toThrow();
    // Hand-built settings without an algorithm.
    expect(thrown(() => checkDeflateSetup('out', { ...s, algorithm: undefined })).code).toBe('SDP_CONFIG');
  });
});

// ---------------------------------------------------------------------------------------------------
// job-log lines

describe('job-log lines (compression.md §5)', () => {
  it('nothing configured: no lines; inflate only: the mapping line only', () => {
    expect(setupLines('D', settingsOf({}))).toEqual([]);
    expect(setupLines('D', settingsOf({ AutoInflate: 'both', AutoDeflateAlgorithm: 'gzip' }))).toEqual([
      'autoxflate-sd: D OUT:[SD->inflate=yes->deflate=no->DEV] IN:[DEV->inflate=yes->deflate=no->SD]',
    ]);
  });

  it('a restore on an AutoDeflate = out device logs the same setup lines as the backup', () => {
    const lines: string[] = [];
    new Autoxflate('in', deflateOut('gzip'), { deviceName: 'D-gzip', jobLog: (l) => lines.push(l) });
    expect(lines).toEqual(jobLogLines(JOBS.gzip).slice(0, 2));
  });

  it('an sdpipe-only algorithm adds a warning that Bareos cannot read the records', () => {
    for (const codec of CODECS) {
      const lines = setupLines('D', deflateOut(codec.name));
      expect(lines[0]).toBe(`autoxflate-sd: Compressor on device D is ${codec.displayName}`);
      expect(lines).toHaveLength(codec.extension ? 3 : 2);
      if (codec.extension) expect(lines[1]).toMatch(/Bareos cannot read/);
    }
  });

  it('ratio lines: inflate then deflate, each only when its input counter is non-zero', () => {
    const c: AutoxflateCounters = newAutoxflateCounters();
    expect(ratioLines(c)).toEqual([]);
    c.deflate.inputBytes = 1000;
    c.deflate.outputBytes = 296;
    expect(ratioLines(c)).toEqual(['autoxflate-sd: deflate ratio: 29.60%']);
    c.inflate.inputBytes = 3;
    c.inflate.outputBytes = 10;
    expect(ratioLines(c)).toEqual([
      'autoxflate-sd: inflate ratio: 333.33%',
      'autoxflate-sd: deflate ratio: 29.60%',
    ]);
  });

  it('formatPercent is printf %0.2f: exact binary ties go to the even digit', () => {
    expect(
      ['0.125', '0.375', '0.625', '0.875', '12.125', '100'].map((x) => formatPercent(Number(x))),
    ).toEqual(['0.12', '0.38', '0.62', '0.88', '12.12', '100.00']);
    // Not exact ties: the double is below or above the decimal written.
    expect(formatPercent(2.675)).toBe('2.67');
    expect(formatPercent(1.005)).toBe('1.00');
    expect(formatPercent((100 * 2) / 3)).toBe('66.67');
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), (x) => {
        const s = formatPercent(x);
        expect(s).toMatch(/^\d+\.\d\d$/);
        expect(Math.abs(Number(s) - x)).toBeLessThanOrEqual(0.005 + 1e-9 * x);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// the stream block

describe('the Autoxflate stream', () => {
  it('keeps the order of records under a slow consumer, and its counters are its own job', async () => {
    const records = Array.from({ length: 300 }, (_, i) =>
      deviceRecord(i + 1, [1, 2, 3, 6, 11][i % 5]!, sparseData(BigInt(i), noise(i * 37, i + 1))),
    );
    const a = new Autoxflate('out', deflateOut('lzo'), { deviceName: 'D' });
    const out = await through(records, a);
    expect(out.map((r) => r.fileIndex)).toEqual(records.map((r) => r.fileIndex));
    expect(out.map((r) => r.stream)).toEqual(
      records.map((r) => ({ 2: 29, 6: 30, 11: 31 })[r.stream] ?? r.stream),
    );
    expect(a.counters.deflate.records).toBe(180);
    const b = new Autoxflate('out', deflateOut('lzo'), { deviceName: 'D' });
    await through(records.slice(0, 5), b);
    expect(b.counters.deflate.records).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------------
// round-trip property

const STREAMS = [1, 2, 2, 2, 3, 4, 6, 6, 6, 7, 10, 11, 11, 12, 17, 26, 32, 33];
const MAX_RECORD_BYTES = 300 * 1024;

const recordData: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc
    .record({ length: fc.nat(MAX_RECORD_BYTES), seed: fc.nat() })
    .map(({ length, seed }) => noise(length, seed + 1)),
  compressibleData(12).map((d) => d.subarray(0, MAX_RECORD_BYTES)),
  fc.nat(MAX_RECORD_BYTES).map((n) => new Uint8Array(n)),
);
const anyRecord: fc.Arbitrary<RecordToWrite> = fc.record({
  fileIndex: fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: -5, max: 0 })),
  stream: fc.constantFrom(...STREAMS),
  data: recordData,
});

/** A stream-6 record written data-only that `detect` takes for the autoxflate layout (see the test above). */
const ambiguousSparse = (r: RecordToWrite) =>
  r.fileIndex > 0 &&
  r.stream === 6 &&
  r.data.length >= 16 &&
  equalBytes(r.data.subarray(0, 8), r.data.subarray(8, 16));

describe('property: OUT deflate then IN inflate gives the records back exactly, every algorithm', () => {
  const variants: readonly [string, Partial<AutoxflateSettings>, boolean][] = [
    ['default layouts', {}, false],
    ['bareosSparseQuirk', { bareosSparseQuirk: true }, true],
    ['sparseReadLayout data-only', { sparseReadLayout: 'data-only' }, true],
  ];
  for (const codec of CODECS) {
    for (const [name, extra, ambiguousToo] of variants) {
      it(`${codec.name}, ${name}`, () => {
        const settings = {
          ...settingsOf({ AutoDeflate: 'out', AutoInflate: 'in', AutoDeflateAlgorithm: codec.name }),
          ...extra,
        };
        fc.assert(
          fc.property(fc.array(anyRecord, { minLength: 1, maxLength: 4 }), (records) => {
            if (!ambiguousToo) fc.pre(!records.some(ambiguousSparse));
            const counters = newAutoxflateCounters();
            const warnings: SdpipeError[] = [];
            const onWarning = (e: SdpipeError) => warnings.push(e);
            const packed = records.map((r) => translateRecord(r, 'out', settings, counters, onWarning));
            const back = packed.map((r) => translateRecord(r, 'in', settings, counters, onWarning));
            expect(back.length).toBe(records.length);
            back.forEach((r, i) => {
              const original = records[i]!;
              expect([r.fileIndex, r.stream]).toEqual([original.fileIndex, original.stream]);
              expect(equalBytes(r.data, original.data)).toBe(true);
              const translated = original.fileIndex > 0 && [2, 6, 11].includes(original.stream);
              const tooShort = original.stream === 6 && original.data.length < 8;
              expect(packed[i]!.stream !== original.stream).toBe(translated && !tooShort);
            });
            // Only sparse records shorter than their offset fail to deflate.
            expect(warnings.every((w) => w.context.causeCode === 'SDP_SPARSE_OFFSET')).toBe(true);
            expect(counters.inflate.records).toBe(counters.deflate.records);
            expect(counters.inflate.inputBytes).toBe(counters.deflate.outputBytes);
            expect(counters.inflate.outputBytes).toBe(counters.deflate.inputBytes);
          }),
          { ...FC_SEED, numRuns: ambiguousToo ? 20 : 40 },
        );
      });
    }
  }
});
