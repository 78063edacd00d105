import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastlzCompress, fastlzDecompress } from '../../../src/transforms/codecs/fastlz.js';
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
const levels = [1, 2] as const;

/** Spec compression.md §7.1: the FZFZ block data (after the 16-byte fastlzlib header) written by Bareos. */
const LEVEL1_VECTORS = [
  { name: 'abcdefgh × 25', input: ascii('abcdefgh'.repeat(25)), data: '076162636465666768e0b40702666768' },
  { name: '65 zero bytes', input: new Uint8Array(65), data: '010000e0330102000000' },
] as const;

describe('FastLZ compression (spec compression.md §3.3)', () => {
  it.each(LEVEL1_VECTORS)('reproduces Bareos FZFZ data at level 1: $name', ({ input, data }) => {
    expect(toHex(fastlzCompress(input, 1))).toBe(data);
  });

  it('marks the level in the top 3 bits of the first byte', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4, maxLength: 3000 }),
        fc.constantFrom(...levels),
        (x, level) => {
          expect(fastlzCompress(x, level)[0]! >> 5).toBe(level - 1);
        },
      ),
      FC_SEED,
    );
  });

  it('writes short inputs as one literal run and empty input as nothing', () => {
    expect(toHex(fastlzCompress(new Uint8Array(0), 1))).toBe('');
    expect(toHex(fastlzCompress(fromHex('42'), 1))).toBe('0042');
    expect(toHex(fastlzCompress(fromHex('010203'), 2))).toBe('02010203');
  });

  it('uses far matches (distance over 8 KiB) at level 2 only', () => {
    const head = noise(8_300);
    const input = new Uint8Array(9_300);
    input.set(head);
    input.set(head.subarray(0, 1_000), 8_300);
    const level1 = fastlzCompress(input, 1);
    const level2 = fastlzCompress(input, 2);
    expect(level1.length).toBeGreaterThan(input.length);
    expect(level2.length).toBeLessThan(level1.length - 500);
    expect(fastlzDecompress(level1, input.length)).toEqual(input);
    expect(fastlzDecompress(level2, input.length)).toEqual(input);
  });
});

describe('FastLZ decompression', () => {
  it.each(LEVEL1_VECTORS)('decodes the spec vector: $name', ({ input, data }) => {
    expect(fastlzDecompress(fromHex(data), 1000)).toEqual(input);
  });

  it('decodes a level 2 length continued by 255 bytes', () => {
    // Level 2 mark + 2 literals "ab"; match: length field 7, extension 255 + 4, distance 1 → 268 × "b".
    const stream = fromHex('21 6162 e0 ff 04 00');
    expect(fastlzDecompress(stream, 1000)).toEqual(ascii('ab' + 'b'.repeat(3 + 6 + 255 + 4)));
  });

  it('decodes a level 2 far match (16-bit distance after 31/255)', () => {
    // "ab", then 8998 more bytes of "abab…" (distance 2, length 6 + 35·255 + 64 + 3), then a far match
    // of 3 bytes at distance 8192 + 1, then the literal "y". The far copy starts at an odd position, so
    // it reads "bab" where the alternation would continue with "aba".
    const extension = [...new Array<number>(35).fill(0xff), 0x40];
    const stream = Uint8Array.from([
      0x21,
      0x61,
      0x62,
      0xe0,
      ...extension,
      0x01,
      0x3f,
      0xff,
      0x00,
      0x01,
      0x00,
      0x79,
    ]);
    const expected = new Uint8Array(9004);
    for (let i = 0; i < 9000; i++) expected[i] = i % 2 === 0 ? 0x61 : 0x62;
    expected.set(ascii('baby'), 9000);
    expect(fastlzDecompress(stream, 10_000)).toEqual(expected);
  });

  it.each(levels)('round-trips arbitrary bytes at level %i', (level) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_DATA_BYTES }), (x) => {
        expect(firstDifference(fastlzDecompress(fastlzCompress(x, level), x.length), x)).toBe(-1);
      }),
      { ...FC_SEED, numRuns: 300 },
    );
  });

  it.each(levels)('round-trips large arbitrary bytes (up to 1 MiB) at level %i', (level) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_DATA_BYTES, size: 'max' }), (x) => {
        expect(firstDifference(fastlzDecompress(fastlzCompress(x, level), x.length), x)).toBe(-1);
      }),
      { ...FC_SEED, numRuns: 10 },
    );
  });

  it.each(levels)('round-trips compressible data at level %i', (level) => {
    fc.assert(
      fc.property(compressibleData(), (x) => {
        expect(firstDifference(fastlzDecompress(fastlzCompress(x, level), x.length), x)).toBe(-1);
      }),
      { ...FC_SEED, numRuns: 250 },
    );
  });

  it('stops at the output bound: maxOut = length works, length − 1 is SDP_CODEC_OUTPUT_LIMIT', () => {
    fc.assert(
      fc.property(compressibleData(8), fc.constantFrom(...levels), (x, level) => {
        fc.pre(x.length > 0);
        const compressed = fastlzCompress(x, level);
        expect(firstDifference(fastlzDecompress(compressed, x.length), x)).toBe(-1);
        expect(codecErrorCode(() => fastlzDecompress(compressed, x.length - 1))).toBe(
          'SDP_CODEC_OUTPUT_LIMIT',
        );
      }),
      { ...FC_SEED, numRuns: 150 },
    );
  });

  it('rejects levels 3 to 8 in the first byte', () => {
    for (let bits = 2; bits < 8; bits++) {
      expect(codecErrorCode(() => fastlzDecompress(Uint8Array.from([bits << 5, 0x61]), 100))).toBe(
        'SDP_CODEC_CORRUPT',
      );
    }
  });

  it('rejects reads past the input', () => {
    expect(codecErrorCode(() => fastlzDecompress(fromHex('05 616263'), 100))).toBe('SDP_CODEC_CORRUPT');
    expect(codecErrorCode(() => fastlzDecompress(fromHex('00 61 20'), 100))).toBe('SDP_CODEC_CORRUPT');
    expect(codecErrorCode(() => fastlzDecompress(fromHex('00 61 e0'), 100))).toBe('SDP_CODEC_CORRUPT');
    expect(codecErrorCode(() => fastlzDecompress(fromHex('20 61 3f ff 00'), 100))).toBe('SDP_CODEC_CORRUPT');
  });

  it('rejects a match that refers before the start of the output', () => {
    const error = (() => {
      try {
        fastlzDecompress(fromHex('00 61 20 05'), 100);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: 'SDP_CODEC_CORRUPT', context: { codec: 'fastlz' } });
  });

  it('decodes a truncated stream to an error or to a prefix of the data, never to more', () => {
    fc.assert(
      fc.property(compressibleData(6), fc.constantFrom(...levels), fc.nat(), (x, level, cut) => {
        const compressed = fastlzCompress(x, level);
        let out: Uint8Array | undefined;
        const code = codecErrorCode(() => {
          out = fastlzDecompress(compressed.subarray(0, cut % (compressed.length + 1)), x.length);
        });
        if (code === undefined) {
          expect(out!.length).toBeLessThanOrEqual(x.length);
          expect(firstDifference(out!, x.subarray(0, out!.length))).toBe(-1);
        } else expect(code).toBe('SDP_CODEC_CORRUPT');
      }),
      { ...FC_SEED, numRuns: 300 },
    );
  });

  it('gives a value or a CodecError for garbage, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400, size: 'large' }), (garbage) => {
        codecErrorCode(() => fastlzDecompress(garbage, 1 << 16));
        // Most random first bytes name an unknown level; also try the same bytes as level 1 and 2.
        if (garbage.length > 0) {
          for (const mark of [0x00, 0x20]) {
            const leveled = garbage.slice();
            leveled[0] = (leveled[0]! & 31) | mark;
            codecErrorCode(() => fastlzDecompress(leveled, 1 << 16));
          }
        }
      }),
      { ...FC_SEED, numRuns: 5000 },
    );
  });

  it('gives a value or a CodecError for valid blocks with damaged bytes', () => {
    fc.assert(
      fc.property(
        compressibleData(8),
        fc.constantFrom(...levels),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        (x, level, flips) => {
          const damaged = fastlzCompress(x, level);
          fc.pre(damaged.length > 0);
          for (const [at, byte] of flips) damaged[at % damaged.length] = byte;
          codecErrorCode(() => fastlzDecompress(damaged, MAX_DATA_BYTES));
        },
      ),
      { ...FC_SEED, numRuns: 500 },
    );
  });
});
