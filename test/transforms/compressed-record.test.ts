import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError, SdpipeError } from '../../src/errors.js';
import { BAREOS_ALGORITHMS, CODECS, codecByName } from '../../src/transforms/codecs/index.js';
import {
  deflatePayload,
  inflateBaculaGzip,
  inflatePayload,
  readCompressionHeader,
} from '../../src/transforms/compressed-record.js';
import { readVolumeRecords } from '../support/codec-volume-records.js';
import { codecErrorCode, FC_SEED, firstDifference, fromHex, toHex } from '../support/lzo-fastlz-data.js';

const hello = Buffer.from('hello world\n');
const FASTLZ_HELLO =
  '466173744c5a0018' +
  '0c000000' +
  '0c000000' +
  '68656c6c6f20776f726c640a' +
  '466173744c5a00c80000000000000000';
const sparseHello = fromHex('0000000000010000 68656c6c6f20776f726c640a');

/** §7.2: autoxflate, AutoDeflateLevel 6, stream 2 `hello world\n` → stream 29. */
const RECORD_VECTORS = {
  gzip: '475a4950 00000014 0006 0001 789ccb48cdc9c95728cf2fca49e102001e720467',
  lz4: '465a344c 0000002c 0006 0001' + FASTLZ_HELLO,
  lz4hc: '465a3448 0000002c 0006 0001' + FASTLZ_HELLO,
  lzfast: '465a465a 0000002c 0006 0001' + FASTLZ_HELLO,
  lzo: '4c5a4f58 00000010 0006 0001 1d68656c6c6f20776f726c640a110000',
} as const;

const contextOf = (f: () => unknown): Record<string, unknown> => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return { code: (e as CodecError).code, ...(e as CodecError).context };
  }
  throw new Error('did not throw');
};

describe('deflatePayload: §7.2 complete records', () => {
  for (const [name, hex] of Object.entries(RECORD_VECTORS)) {
    it(`${name}: stream 2 → 29 byte for byte`, () => {
      const out = deflatePayload(2, hello, codecByName(name), 6);
      expect(out.stream).toBe(29);
      expect(toHex(out.data)).toBe(hex.replace(/\s+/g, ''));
    });
  }

  it('maps 11 → 31 with the same layout', () => {
    const out = deflatePayload(11, hello, codecByName('gzip'), 6);
    expect(out.stream).toBe(31);
    expect(toHex(out.data)).toBe(RECORD_VECTORS.gzip.replace(/\s+/g, ''));
  });

  it('stream 6 → 30, autoxflate layout (offset compressed too, Q1), 46 bytes', () => {
    const out = deflatePayload(6, sparseHello, codecByName('gzip'), 6);
    expect(out.stream).toBe(30);
    expect(toHex(out.data)).toBe(
      '0000000000010000' +
        '475a4950' +
        '0000001a' +
        '0006' +
        '0001' +
        '789c636000024606868cd49c9c7c85f2fca29c142e001e890468',
    );
  });

  it('stream 6 → 30, FD layout (data only), 40 bytes', () => {
    const out = deflatePayload(6, sparseHello, codecByName('gzip'), 6, { sparseOffsetInPayload: false });
    expect(toHex(out.data)).toBe(
      '0000000000010000' +
        '475a4950' +
        '00000014' +
        '0006' +
        '0001' +
        '789ccb48cdc9c95728cf2fca49e102001e720467',
    );
  });

  it('writes the level it is given for every algorithm (the FD writes 1)', () => {
    for (const codec of BAREOS_ALGORITHMS) {
      const out = deflatePayload(2, hello, codec, 1);
      expect(readCompressionHeader(29, out.data).header.level).toBe(1);
    }
  });

  it('refuses streams it does not deflate, levels beyond u16, and sparse records without an offset', () => {
    expect(codecErrorCode(() => deflatePayload(29, hello, codecByName('lz4'), 6))).toBe('SDP_STREAM_UNKNOWN');
    expect(codecErrorCode(() => deflatePayload(4, hello, codecByName('lz4'), 6))).toBe('SDP_STREAM_UNKNOWN');
    expect(codecErrorCode(() => deflatePayload(2, hello, codecByName('lz4'), 65536))).toBe('SDP_CODEC_LEVEL');
    expect(codecErrorCode(() => deflatePayload(2, hello, codecByName('gzip'), 10))).toBe('SDP_CODEC_LEVEL');
    expect(codecErrorCode(() => deflatePayload(6, hello.subarray(0, 7), codecByName('lz4'), 6))).toBe(
      'SDP_SPARSE_OFFSET',
    );
  });
});

describe('inflatePayload', () => {
  it('inflates every §7.2 record back to stream 2 `hello world\\n`', () => {
    for (const [name, hex] of Object.entries(RECORD_VECTORS)) {
      const out = inflatePayload(29, fromHex(hex));
      expect(out.stream).toBe(2);
      expect(out.codec.name).toBe(name);
      expect(out.header.level).toBe(6);
      expect(Buffer.from(out.data).toString()).toBe('hello world\n');
    }
  });

  it('inflates the Bacula 9.6.7 LZO record (level 0) and stream 31', () => {
    const record = fromHex('4c5a4f58 00000010 0000 0001 1d68656c6c6f20776f726c640a110000');
    expect(Buffer.from(inflatePayload(29, record).data).toString()).toBe('hello world\n');
    expect(inflatePayload(31, record).stream).toBe(11);
  });

  it('stream 30: detects both layouts (Q1) and always returns [offset][data]', () => {
    const autoxflate = fromHex(
      '0000000000010000 475a4950 0000001a 0006 0001 789c636000024606868cd49c9c7c85f2fca29c142e001e890468',
    );
    const fd = fromHex(
      '0000000000010000 475a4950 00000014 0006 0001 789ccb48cdc9c95728cf2fca49e102001e720467',
    );
    const a = inflatePayload(30, autoxflate);
    const b = inflatePayload(30, fd);
    expect([a.stream, a.sparseOffsetCompressed, toHex(a.data)]).toEqual([6, true, toHex(sparseHello)]);
    expect([b.stream, b.sparseOffsetCompressed, toHex(b.data)]).toEqual([6, false, toHex(sparseHello)]);
    expect(inflatePayload(30, autoxflate, {}, { expectedDataLength: 12 }).sparseOffsetCompressed).toBe(true);
    expect(inflatePayload(30, autoxflate, {}, { expectedDataLength: 20 }).sparseOffsetCompressed).toBe(false);
  });

  it('stream 30: a forced layout is obeyed, and a forced autoxflate layout must start with the offset', () => {
    const fd = fromHex(
      '0000000000010000 475a4950 00000014 0006 0001 789ccb48cdc9c95728cf2fca49e102001e720467',
    );
    const asData = inflatePayload(
      30,
      deflatePayload(6, sparseHello, codecByName('lz4'), 6).data,
      {},
      {
        sparseLayout: 'data-only',
      },
    );
    expect(asData.data).toHaveLength(8 + 20);
    expect(contextOf(() => inflatePayload(30, fd, {}, { sparseLayout: 'offset-compressed' }))).toMatchObject({
      code: 'SDP_CODEC_CORRUPT',
      stream: 30,
    });
  });

  it('reports header, magic and payload errors with where, stream and codec', () => {
    const where = { volume: 'Vol-x', offset: 4096, fileIndex: 7 };
    const good = fromHex(RECORD_VECTORS.gzip);
    const wrongSize = Uint8Array.from(good);
    wrongSize[7] = 0x13;
    expect(contextOf(() => inflatePayload(29, wrongSize, where))).toMatchObject({
      code: 'SDP_COMPRESSION_HEADER',
      ...where,
      stream: 29,
      field: 'size',
    });
    const v2 = Uint8Array.from(good);
    v2[11] = 2;
    expect(contextOf(() => inflatePayload(29, v2, where))).toMatchObject({
      code: 'SDP_COMPRESSION_HEADER',
      field: 'version',
    });
    const none = Uint8Array.from(good);
    none.set(Buffer.from('NONE'));
    expect(contextOf(() => inflatePayload(29, none, where))).toMatchObject({
      code: 'SDP_CODEC_UNKNOWN',
      magic: '0x4e4f4e45',
      ...where,
    });
    const corrupt = Uint8Array.from(good);
    corrupt[14]! ^= 0xff;
    expect(contextOf(() => inflatePayload(29, corrupt, where))).toMatchObject({
      code: 'SDP_CODEC_CORRUPT',
      ...where,
      stream: 29,
      codec: 'gzip',
    });
    expect(contextOf(() => inflatePayload(30, good.subarray(0, 5), where))).toMatchObject({
      code: 'SDP_SPARSE_OFFSET',
    });
    expect(contextOf(() => inflatePayload(2, good, where))).toMatchObject({
      code: 'SDP_STREAM_UNKNOWN',
      stream: 2,
    });
  });

  it('bounds the decoded data by maxDataBytes (plus the offset for the autoxflate sparse layout)', () => {
    const data = new Uint8Array(5000).fill(1);
    const rec = deflatePayload(2, data, codecByName('lz4'), 6);
    expect(inflatePayload(29, rec.data, {}, { maxDataBytes: 5000 }).data).toHaveLength(5000);
    expect(contextOf(() => inflatePayload(29, rec.data, {}, { maxDataBytes: 4999 }))).toMatchObject({
      code: 'SDP_CODEC_OUTPUT_LIMIT',
    });
    const sparse = new Uint8Array(5008).fill(1);
    sparse.fill(0, 0, 8);
    const q1 = deflatePayload(6, sparse, codecByName('lz4'), 6);
    expect(inflatePayload(30, q1.data, {}, { maxDataBytes: 5000 }).data).toHaveLength(5008);
    const fd = deflatePayload(6, sparse, codecByName('lz4'), 6, { sparseOffsetInPayload: false });
    expect(inflatePayload(30, fd.data, {}, { maxDataBytes: 5000 }).data).toHaveLength(5008);
    expect(codecErrorCode(() => inflatePayload(30, fd.data, {}, { maxDataBytes: 4999 }))).toBe(
      'SDP_CODEC_OUTPUT_LIMIT',
    );
  });
});

describe('compressed records on the fixture volumes', () => {
  const plain = readVolumeRecords('bareos-25/volumes/Vol-plain').filter(
    (r) => r.fileIndex > 0 && r.stream === 2,
  );

  for (const volume of ['Vol-gzip', 'Vol-lz4', 'Vol-fdlz4']) {
    it(`Bareos 25.1.0 ${volume}: all 38 stream-29 records inflate to the Vol-plain stream-2 records`, () => {
      const records = readVolumeRecords(`bareos-25/volumes/${volume}`).filter(
        (r) => r.fileIndex > 0 && r.stream === 29,
      );
      expect(records).toHaveLength(plain.length);
      records.forEach((r, i) => {
        const out = inflatePayload(29, r.data, { volume, fileIndex: r.fileIndex }, { maxDataBytes: 262144 });
        expect([out.stream, r.fileIndex]).toEqual([2, plain[i]!.fileIndex]);
        expect(firstDifference(out.data, plain[i]!.data)).toBe(-1);
      });
    });
  }

  it('Bareos 25.1.0 Vol-gzip: deflating each Vol-plain record at level 6 gives the autoxflate record byte for byte', () => {
    const records = readVolumeRecords('bareos-25/volumes/Vol-gzip').filter(
      (r) => r.fileIndex > 0 && r.stream === 29,
    );
    records.forEach((r, i) => {
      const out = deflatePayload(2, plain[i]!.data, codecByName('gzip'), 6);
      expect(firstDifference(out.data, r.data)).toBe(-1);
    });
  });

  it('Bacula Vol-gzip: the 114 header-less stream-4 records inflate and the total matches the data set', () => {
    const records = readVolumeRecords('bacula-9/volumes/Vol-gzip').filter(
      (r) => r.fileIndex > 0 && r.stream === 4,
    );
    expect(records).toHaveLength(114);
    let total = 0;
    for (const r of records) total += inflateBaculaGzip(r.data, 1 << 20, { fileIndex: r.fileIndex }).length;
    // 48 regular files, 5,099,572 bytes (bacula-9 README); the hard link's data is not stored twice.
    expect(total).toBe(5_099_572 - 12);
  });

  it('inflateBaculaGzip reports corrupt data with where', () => {
    expect(
      contextOf(() => inflateBaculaGzip(fromHex('789c00'), 100, { volume: 'Vol-gzip', fileIndex: 3 })),
    ).toMatchObject({
      code: 'SDP_CODEC_CORRUPT',
      volume: 'Vol-gzip',
      fileIndex: 3,
    });
  });
});

describe('compressed record properties', () => {
  const streams = fc.constantFrom(2, 6, 11);
  const data = fc.uint8Array({ minLength: 8, maxLength: 3000 });
  const codec = fc.constantFrom(...CODECS);

  it('inflate(deflate(x)) == x for every codec, stream and sparse layout', () => {
    fc.assert(
      fc.property(
        streams,
        data,
        codec,
        fc.boolean(),
        fc.nat(9),
        (stream, bytes, c, offsetInPayload, level) => {
          const deflated = deflatePayload(stream, bytes, c, level, {
            sparseOffsetInPayload: offsetInPayload,
          });
          const inflated = inflatePayload(
            deflated.stream,
            deflated.data,
            {},
            {
              sparseLayout: offsetInPayload ? 'offset-compressed' : 'data-only',
            },
          );
          expect(inflated.stream).toBe(stream);
          expect(inflated.header.level).toBe(level);
          expect(toHex(inflated.data)).toBe(toHex(bytes));
          // Detection finds the layout too, unless the file data happens to start with its own offset.
          const ambiguous =
            stream === 6 && !offsetInPayload && toHex(bytes.subarray(8, 16)) === toHex(bytes.subarray(0, 8));
          if (!ambiguous)
            expect(toHex(inflatePayload(deflated.stream, deflated.data).data)).toBe(toHex(bytes));
        },
      ),
      { ...FC_SEED, numRuns: 200 },
    );
  });

  it('arbitrary record data gives a record or an SdpipeError, never another exception', () => {
    const header = fc.constantFrom(...CODECS.map((c) => c.magic), 'NONE').map((m) => Buffer.from(m));
    const record = fc
      .tuple(header, fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.boolean())
      .map(([magic, payload, goodSize, sparse]) => {
        const h = Buffer.alloc(12);
        h.set(magic);
        h.writeUInt32BE(goodSize ? payload.length : payload.length + 1, 4);
        h.writeUInt16BE(1, 10);
        const body = Buffer.concat([h, payload]);
        return { stream: sparse ? 30 : 29, data: sparse ? Buffer.concat([Buffer.alloc(8), body]) : body };
      });
    fc.assert(
      fc.property(
        fc.oneof(
          record,
          fc.record({ stream: fc.constantFrom(29, 30, 31), data: fc.uint8Array({ maxLength: 64 }) }),
        ),
        (r) => {
          try {
            inflatePayload(r.stream, r.data);
          } catch (e) {
            expect(e).toBeInstanceOf(SdpipeError);
          }
        },
      ),
      { ...FC_SEED, numRuns: 500 },
    );
  });
});
