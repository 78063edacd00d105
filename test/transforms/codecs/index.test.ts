import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../../src/errors.js';
import type { CodecDescriptor } from '../../../src/transforms/codecs/codec.js';
import {
  BAREOS_ALGORITHMS,
  CODEC_NAMES,
  CODECS,
  codecByMagic,
  codecByName,
} from '../../../src/transforms/codecs/index.js';
import { fflateInflate, independentLz4Unframe } from '../../support/codec-independent.js';
import {
  codecErrorCode,
  compressibleData,
  FC_SEED,
  firstDifference,
  MAX_DATA_BYTES,
  noise,
} from '../../support/lzo-fastlz-data.js';

describe('codec registry', () => {
  it('holds the five Bareos algorithms with their magics and names (compression.md §3), then the extensions', () => {
    expect(BAREOS_ALGORITHMS.map((c) => [c.name, c.magic, c.displayName])).toEqual([
      ['gzip', 'GZIP', 'GZIP'],
      ['lzo', 'LZOX', 'LZO'],
      ['lzfast', 'FZFZ', 'FASTLZ'],
      ['lz4', 'FZ4L', 'LZ4'],
      ['lz4hc', 'FZ4H', 'LZ4HC'],
    ]);
    expect(CODECS.filter((c) => c.extension).map((c) => [c.name, c.magic])).toEqual([
      ['zstd', 'ZSTD'],
      ['snappy', 'SNPY'],
    ]);
    expect(CODEC_NAMES).toEqual(CODECS.map((c) => c.name));
  });

  it('has unique names and unique 4-character magics, none of them NONE', () => {
    expect(new Set(CODECS.map((c) => c.name)).size).toBe(CODECS.length);
    expect(new Set(CODECS.map((c) => c.magic)).size).toBe(CODECS.length);
    for (const c of CODECS) expect(c.magic).toMatch(/^[A-Z0-9]{4}$/);
    expect(CODECS.map((c) => c.magic)).not.toContain('NONE');
  });

  it('looks codecs up by name (case-insensitive, like the directive) and by magic', () => {
    for (const c of CODECS) {
      expect(codecByName(c.name)).toBe(c);
      expect(codecByName(c.name.toUpperCase())).toBe(c);
      expect(codecByMagic(c.magic)).toBe(c);
    }
  });

  it('throws SDP_CODEC_UNKNOWN with the magic in hex for unknown magics, NONE included', () => {
    for (const [magic, hex] of [
      ['NONE', '0x4e4f4e45'],
      ['\u0000\u00ff\u0001x', '0x00ff0178'],
    ]) {
      try {
        codecByMagic(magic!);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(CodecError);
        expect((e as CodecError).code).toBe('SDP_CODEC_UNKNOWN');
        expect((e as CodecError).context).toMatchObject({ magic: hex });
      }
    }
    expect(codecErrorCode(() => codecByName('bzip2'))).toBe('SDP_CODEC_UNKNOWN');
  });

  it('every codec names a backend that is available on this machine', () => {
    for (const c of CODECS) expect(c.backend()).not.toMatch(/^unavailable/);
  });
});

/** Text with numbers, then noise, then text again: the "mixed record" shape of real backups. */
const mixedRecord = fc
  .tuple(fc.noBias(fc.nat(MAX_DATA_BYTES)), fc.noBias(fc.nat(MAX_DATA_BYTES)), fc.nat())
  .map(([textBytes, noiseBytes, seed]) => {
    const line = (i: number) => `${seed % 977} record ${i} value=${(i * 2654435761) % 10007}\n`;
    const parts: string[] = [];
    for (let n = 0, i = 0; n < textBytes / 2; i++) {
      parts.push(line(i));
      n += parts[parts.length - 1]!.length;
    }
    const text = Buffer.from(parts.join('')).subarray(0, textBytes >> 1);
    return new Uint8Array(Buffer.concat([text, noise(noiseBytes >> 2, seed), text.subarray(0, 1000)]));
  });

/** 0..1 MiB: mostly small records, some LZ-shaped data, some mixed text and noise up to 1 MiB. */
const recordData = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 2, arbitrary: compressibleData(12) },
  { weight: 1, arbitrary: mixedRecord },
);

/** Exactly 1 MiB: text, then noise, then text. */
const ONE_MIB_RECORD = new Uint8Array(MAX_DATA_BYTES);
ONE_MIB_RECORD.set(Buffer.from('a line of text for the 1 MiB record\n'.repeat(10_000)).subarray(0, 400_000));
ONE_MIB_RECORD.set(noise(300_000, 7), 400_000);
ONE_MIB_RECORD.set(
  Buffer.from('and more text at the end\n'.repeat(20_000)).subarray(0, MAX_DATA_BYTES - 700_000),
  700_000,
);

/** Decoders that share no code with the codec under test. */
const INDEPENDENT: Partial<Record<string, (payload: Uint8Array) => Uint8Array>> = {
  gzip: fflateInflate,
  lz4: independentLz4Unframe,
  lz4hc: independentLz4Unframe,
};

const expectCodecErrorOrData = (codec: CodecDescriptor, payload: Uint8Array) => {
  try {
    const out = codec.decompress(payload, 1 << 20);
    expect(out.length).toBeLessThanOrEqual(1 << 20);
  } catch (e) {
    if (!(e instanceof CodecError)) throw new Error(`${codec.name} threw a non-CodecError: ${String(e)}`);
  }
};

describe.each(CODECS.map((c) => [c.name, c] as const))('%s codec properties', (_name, codec) => {
  it('decompress(compress(x)) == x for records of 0..1 MiB, and independent decoders agree', () => {
    fc.assert(
      fc.property(recordData, (data) => {
        const payload = codec.compress(data, codec.defaultLevel);
        expect(firstDifference(codec.decompress(payload, data.length), data)).toBe(-1);
        const independent = INDEPENDENT[codec.name];
        if (independent) expect(firstDifference(independent(payload), data)).toBe(-1);
        if (data.length > 0) {
          expect(codecErrorCode(() => codec.decompress(payload, data.length - 1))).toBe(
            'SDP_CODEC_OUTPUT_LIMIT',
          );
        }
      }),
      // One full 1 MiB record always runs (four fastlzlib blocks), whatever the generator picks.
      { ...FC_SEED, numRuns: 25, examples: [[ONE_MIB_RECORD]] },
    );
  });

  it('arbitrary bytes give data or a CodecError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (bytes) => expectCodecErrorOrData(codec, bytes)),
      { ...FC_SEED, numRuns: 300 },
    );
  });

  it('damaged payloads (byte changed, truncated, extended) give data or a CodecError', () => {
    const payload = codec.compress(
      Buffer.from('a valid payload to damage, with some repetition repetition repetition. '.repeat(40)),
      codec.defaultLevel,
    );
    const damaged = fc.oneof(
      fc.tuple(fc.nat(payload.length - 1), fc.nat(255)).map(([i, v]) => {
        const copy = Uint8Array.from(payload);
        copy[i] = v;
        return copy;
      }),
      fc.nat(payload.length - 1).map((n) => payload.slice(0, n)),
      fc
        .uint8Array({ minLength: 1, maxLength: 20 })
        .map((tail) => new Uint8Array(Buffer.concat([payload, tail]))),
    );
    fc.assert(
      fc.property(damaged, (bytes) => expectCodecErrorOrData(codec, bytes)),
      { ...FC_SEED, numRuns: 300 },
    );
  });
});
