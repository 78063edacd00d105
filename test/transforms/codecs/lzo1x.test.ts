import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lzo1xCompress, lzo1xDecompress } from '../../../src/transforms/codecs/lzo1x.js';
import { readVolumeRecords } from '../../support/codec-volume-records.js';
import {
  FC_SEED,
  MAX_DATA_BYTES,
  codecErrorCode,
  firstDifference,
  compressibleData,
  fromHex,
  noise,
  toHex,
} from '../../support/lzo-fastlz-data.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Spec compression.md §7.1: real liblzo2 2.10 `lzo1x_1_compress` output. */
const VECTORS = [
  { name: 'hello world\\n', input: ascii('hello world\n'), lzo: '1d68656c6c6f20776f726c640a110000' },
  { name: 'one byte 00', input: fromHex('00'), lzo: '12 00 11 00 00' },
  {
    name: 'abcdefgh × 25',
    input: ascii('abcdefgh'.repeat(25)),
    lzo: '056162636465666768208b1c0000026566676861626364656667686162636465666768110000',
  },
] as const;

describe('LZO1X-1 compression (spec compression.md §3.2)', () => {
  it.each(VECTORS)('reproduces liblzo2 byte for byte: $name', ({ input, lzo }) => {
    expect(toHex(lzo1xCompress(input))).toBe(toHex(fromHex(lzo)));
  });

  it('writes only the end marker for empty input', () => {
    expect(toHex(lzo1xCompress(new Uint8Array(0)))).toBe('110000');
  });

  it('always ends with the end marker 11 00 00', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (x) => {
        expect(toHex(lzo1xCompress(x).subarray(-3))).toBe('110000');
      }),
      FC_SEED,
    );
  });
});

describe('LZO1X decompression', () => {
  it.each(VECTORS)('decodes the spec vector: $name', ({ input, lzo }) => {
    expect(lzo1xDecompress(fromHex(lzo), 1000)).toEqual(input);
  });

  it('decodes the spec record of hello.txt (Vol-lzo FI 45, §7.2) after its 12-byte header', () => {
    const record = fromHex('4c5a4f58 00000010 0000 0001 1d68656c6c6f20776f726c640a110000');
    expect(lzo1xDecompress(record.subarray(12), 12)).toEqual(ascii('hello world\n'));
  });

  // LZO1X-1 never writes M1 matches or 3-byte M2 matches; other LZO1X levels do, so they are hand-made.
  it('decodes M1 matches after 1–3 literals (2 bytes, distance ≤ 1 KiB)', () => {
    // 3 literals "abc"; M1 distance 3 + 1 trailing literal "z"; M1 distance 1; end.
    const stream = fromHex('14 616263 09 00 7a 00 00 110000');
    expect(lzo1xDecompress(stream, 100)).toEqual(ascii('abcabzzz'));
  });

  it('decodes M1 matches after a long literal run (3 bytes, distance 2 KiB + 1 …)', () => {
    const data = noise(2100);
    // Literal run of 15 + 8·255 + 42 + 3 = 2100 bytes, then M1 at distance 0x801 + 1.
    const stream = Uint8Array.from([0, ...new Array<number>(8).fill(0), 42, ...data, 0x04, 0x00, 0x11, 0, 0]);
    const expected = new Uint8Array(2103);
    expected.set(data);
    expected.set(data.subarray(2100 - 0x802, 2100 - 0x802 + 3), 2100);
    expect(lzo1xDecompress(stream, 4000)).toEqual(expected);
  });

  it('decodes a 3-byte M2 match', () => {
    expect(lzo1xDecompress(fromHex('15 61626364 4c 00 110000'), 100)).toEqual(ascii('abcdabc'));
  });

  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_DATA_BYTES }), (x) => {
        expect(firstDifference(lzo1xDecompress(lzo1xCompress(x), x.length), x)).toBe(-1);
      }),
      { ...FC_SEED, numRuns: 300 },
    );
  });

  it('round-trips large arbitrary bytes (up to 1 MiB)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_DATA_BYTES, size: 'max' }), (x) => {
        expect(firstDifference(lzo1xDecompress(lzo1xCompress(x), x.length), x)).toBe(-1);
      }),
      { ...FC_SEED, numRuns: 16 },
    );
  });

  it('round-trips compressible data (runs, small alphabets, near and far copies, 48 KiB chunks)', () => {
    fc.assert(
      fc.property(compressibleData(), (x) => {
        const compressed = lzo1xCompress(x);
        expect(firstDifference(lzo1xDecompress(compressed, x.length), x)).toBe(-1);
      }),
      { ...FC_SEED, numRuns: 400 },
    );
  });

  it('stops at the output bound: maxOut = length works, length − 1 is SDP_CODEC_OUTPUT_LIMIT', () => {
    fc.assert(
      fc.property(compressibleData(8), (x) => {
        fc.pre(x.length > 0);
        const compressed = lzo1xCompress(x);
        expect(firstDifference(lzo1xDecompress(compressed, x.length), x)).toBe(-1);
        expect(codecErrorCode(() => lzo1xDecompress(compressed, x.length - 1))).toBe(
          'SDP_CODEC_OUTPUT_LIMIT',
        );
      }),
      { ...FC_SEED, numRuns: 150 },
    );
  });

  it('rejects a stream without an end marker, including an empty one', () => {
    expect(codecErrorCode(() => lzo1xDecompress(new Uint8Array(0), 100))).toBe('SDP_CODEC_CORRUPT');
    expect(codecErrorCode(() => lzo1xDecompress(fromHex('1d68656c6c6f20776f726c640a'), 100))).toBe(
      'SDP_CODEC_CORRUPT',
    );
  });

  it('rejects every truncation of a valid stream', () => {
    fc.assert(
      fc.property(compressibleData(6), fc.nat(), (x, cut) => {
        const compressed = lzo1xCompress(x);
        const at = cut % compressed.length;
        expect(codecErrorCode(() => lzo1xDecompress(compressed.subarray(0, at), x.length))).toBe(
          'SDP_CODEC_CORRUPT',
        );
      }),
      { ...FC_SEED, numRuns: 300 },
    );
  });

  it('rejects bytes after the end marker', () => {
    expect(codecErrorCode(() => lzo1xDecompress(fromHex('1200110000 00'), 100))).toBe('SDP_CODEC_CORRUPT');
    expect(codecErrorCode(() => lzo1xDecompress(fromHex('110000 110000'), 100))).toBe('SDP_CODEC_CORRUPT');
  });

  it('rejects a match that refers before the start of the output', () => {
    const error = (() => {
      try {
        // One literal "a", then an M2 match at distance 33.
        lzo1xDecompress(fromHex('12 61 40 04 110000'), 100);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: 'SDP_CODEC_CORRUPT', context: { codec: 'lzo', payloadOffset: 4 } });
  });

  it('gives a value or a CodecError for garbage, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400, size: 'large' }), (garbage) => {
        codecErrorCode(() => lzo1xDecompress(garbage, 1 << 16));
      }),
      { ...FC_SEED, numRuns: 5000 },
    );
  });

  it('gives a value or a CodecError for valid streams with damaged bytes', () => {
    fc.assert(
      fc.property(
        compressibleData(8),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        (x, flips) => {
          const damaged = lzo1xCompress(x);
          for (const [at, byte] of flips) damaged[at % damaged.length] = byte;
          codecErrorCode(() => lzo1xDecompress(damaged, MAX_DATA_BYTES));
        },
      ),
      { ...FC_SEED, numRuns: 500 },
    );
  });
});

describe('LZO1X on the Bacula 9 fixture Vol-lzo (spec compression.md §7.3)', () => {
  const records = readVolumeRecords('bacula-9/volumes/Vol-lzo');
  const compressed = records.filter((r) => r.stream === 29);
  const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
  /** Bacula FD records hold at most 64 KiB of file data. */
  const MAX_RECORD_DATA = 65536;

  it('has 114 LZOX records with a valid 12-byte compression header', () => {
    expect(compressed).toHaveLength(114);
    for (const r of compressed) {
      expect(toHex(r.data.subarray(0, 4))).toBe('4c5a4f58');
      expect(view(r.data).getUint32(4) + 12).toBe(r.data.length);
      expect(view(r.data).getUint16(10)).toBe(1);
    }
  });

  it('decodes every record so that each file matches its SHA1 digest record', () => {
    const sha1 = new Map<number, ReturnType<typeof createHash>>();
    let checked = 0;
    for (const r of records) {
      if (r.stream === 29) {
        const hash = sha1.get(r.fileIndex) ?? createHash('sha1');
        sha1.set(r.fileIndex, hash.update(lzo1xDecompress(r.data.subarray(12), MAX_RECORD_DATA)));
      } else if (r.stream === 10 && sha1.has(r.fileIndex)) {
        expect(sha1.get(r.fileIndex)!.digest('hex')).toBe(toHex(r.data));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('recompresses every record byte for byte as liblzo2 did (chunked 64 KiB records included)', () => {
    for (const r of compressed) {
      const payload = r.data.subarray(12);
      const data = lzo1xDecompress(payload, MAX_RECORD_DATA);
      expect(toHex(lzo1xCompress(data))).toBe(toHex(payload));
    }
  });
});
