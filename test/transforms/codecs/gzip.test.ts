import { deflateSync, inflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { CodecError } from '../../../src/errors.js';
import { gzip } from '../../../src/transforms/codecs/gzip.js';
import { setBackendLoaderForTesting } from '../../../src/transforms/codecs/native/backend-loader.js';
import { fflateInflate } from '../../support/codec-independent.js';
import { readVolumeRecords } from '../../support/codec-volume-records.js';
import { codecErrorCode, firstDifference, fromHex, toHex } from '../../support/lzo-fastlz-data.js';

const hello = Buffer.from('hello world\n');
const abc = Buffer.from('abcdefgh'.repeat(25));

afterEach(() => setBackendLoaderForTesting());

describe('gzip codec: §7.1 vectors', () => {
  it('compresses `hello world\\n` at levels 1, 6 and 9 byte for byte', () => {
    expect(toHex(gzip.compress(hello, 1))).toBe('7801cb48cdc9c95728cf2fca49e102001e720467');
    expect(toHex(gzip.compress(hello, 6))).toBe('789ccb48cdc9c95728cf2fca49e102001e720467');
    expect(toHex(gzip.compress(hello, 9))).toBe('78dacb48cdc9c95728cf2fca49e102001e720467');
  });

  it('compresses `abcdefgh` × 25, one byte 42 and one byte 00 byte for byte', () => {
    for (const [level, head] of [
      [1, '7801'],
      [6, '789c'],
      [9, '78da'],
    ] as const) {
      expect(toHex(gzip.compress(abc, level))).toBe(`${head}4b4c4a4e494d4bcf481ce23400d1424e85`);
    }
    expect(toHex(gzip.compress(Uint8Array.of(0x42), 6))).toBe('789c73020000430043');
    expect(toHex(gzip.compress(Uint8Array.of(0), 6))).toBe('789c63000000010001');
  });

  it('compresses the autoxflate sparse input `offset ‖ hello world\\n` like zlib 1.2.13 (§7.2)', () => {
    const input = fromHex('0000000000010000 68656c6c6f20776f726c640a');
    expect(toHex(gzip.compress(input, 6))).toBe('789c636000024606868cd49c9c7c85f2fca29c142e001e890468');
  });

  it('reports the system zlib as its compressor', () => {
    expect(gzip.backend()).toMatch(/^system zlib 1\.\d+\.\d+ via koffi/);
  });
});

describe('gzip codec: fixture volumes, recompressed at the header level, byte for byte', () => {
  it('reproduces all 114 stream-4 records of Bacula Vol-gzip at level 6', () => {
    const records = readVolumeRecords('bacula-9/volumes/Vol-gzip').filter(
      (r) => r.fileIndex > 0 && r.stream === 4,
    );
    expect(records).toHaveLength(114);
    for (const r of records) {
      const data = gzip.decompress(r.data, 1 << 20);
      expect(firstDifference(gzip.compress(data, 6), r.data)).toBe(-1);
    }
  });

  it('reproduces all 38 stream-29 GZIP payloads of Bareos 25.1.0 Vol-gzip at level 6', () => {
    const records = readVolumeRecords('bareos-25/volumes/Vol-gzip').filter(
      (r) => r.fileIndex > 0 && r.stream === 29,
    );
    expect(records).toHaveLength(38);
    for (const r of records) {
      const payload = r.data.subarray(12);
      expect(firstDifference(gzip.compress(gzip.decompress(payload, 1 << 20), 6), payload)).toBe(-1);
    }
  });

  it('node:zlib (Chromium zlib) is not byte-identical: the reason the system zlib compresses', () => {
    const records = readVolumeRecords('bacula-9/volumes/Vol-gzip').filter(
      (r) => r.fileIndex > 0 && r.stream === 4,
    );
    const differing = records.filter(
      (r) => firstDifference(deflateSync(inflateSync(r.data), { level: 6 }), r.data) >= 0,
    );
    expect(differing.length).toBeGreaterThan(0);
  });
});

describe('gzip codec: decoding', () => {
  const stream = gzip.compress(Buffer.from('some text '.repeat(500)), 6);

  it('is independently decodable (fflate) and round-trips', () => {
    expect(Buffer.from(fflateInflate(stream)).toString()).toBe('some text '.repeat(500));
    expect(Buffer.from(gzip.decompress(stream, 5000)).toString()).toBe('some text '.repeat(500));
  });

  it('rejects trailing garbage, a truncated stream, a bad checksum and non-zlib data', () => {
    expect(codecErrorCode(() => gzip.decompress(Buffer.concat([stream, Buffer.from('x')]), 5000))).toBe(
      'SDP_CODEC_CORRUPT',
    );
    expect(codecErrorCode(() => gzip.decompress(stream.subarray(0, stream.length - 1), 5000))).toBe(
      'SDP_CODEC_CORRUPT',
    );
    const badAdler = Uint8Array.from(stream);
    badAdler[badAdler.length - 1]! ^= 1;
    expect(codecErrorCode(() => gzip.decompress(badAdler, 5000))).toBe('SDP_CODEC_CORRUPT');
    expect(codecErrorCode(() => gzip.decompress(new Uint8Array(0), 5000))).toBe('SDP_CODEC_CORRUPT');
    expect(codecErrorCode(() => gzip.decompress(Buffer.from('not zlib'), 5000))).toBe('SDP_CODEC_CORRUPT');
  });

  it('enforces the output bound exactly, including a bound of 0', () => {
    expect(gzip.decompress(stream, 5000)).toHaveLength(5000);
    expect(codecErrorCode(() => gzip.decompress(stream, 4999))).toBe('SDP_CODEC_OUTPUT_LIMIT');
    const empty = gzip.compress(new Uint8Array(0), 6);
    expect(gzip.decompress(empty, 0)).toHaveLength(0);
    expect(codecErrorCode(() => gzip.decompress(gzip.compress(Uint8Array.of(1), 6), 0))).toBe(
      'SDP_CODEC_OUTPUT_LIMIT',
    );
  });

  it('refuses levels zlib refuses (Bareos deflateInit would fail)', () => {
    expect(codecErrorCode(() => gzip.compress(hello, 10))).toBe('SDP_CODEC_LEVEL');
    expect(codecErrorCode(() => gzip.compress(hello, -1))).toBe('SDP_CODEC_LEVEL');
    expect(toHex(gzip.decompress(gzip.compress(hello, 0), 100))).toBe(toHex(hello));
  });
});

describe('gzip codec without the system zlib', () => {
  it('falls back to node:zlib, which still writes valid zlib streams', () => {
    setBackendLoaderForTesting({
      loadLibrary: (soname) => {
        throw new Error(`no ${soname}`);
      },
    });
    expect(gzip.backend()).toBe('node:zlib');
    const out = gzip.compress(abc, 6);
    expect(Buffer.from(fflateInflate(out))).toEqual(abc);
    expect(() => gzip.decompress(out, 10)).toThrow(CodecError);
  });
});
