import { afterEach, describe, expect, it } from 'vitest';
import { setBackendLoaderForTesting } from '../../../src/transforms/codecs/native/backend-loader.js';
import { zstd } from '../../../src/transforms/codecs/zstd.js';
import { codecErrorCode, firstDifference, fromHex, noise, toHex } from '../../support/lzo-fastlz-data.js';

afterEach(() => setBackendLoaderForTesting());

describe('zstd codec (sdpipe extension, magic ZSTD)', () => {
  const text = Buffer.from('zstandard frame with content size. '.repeat(300));

  it('writes one zstd frame that records its content size', () => {
    const frame = zstd.compress(text, 3);
    expect(toHex(frame.subarray(0, 4))).toBe('28b52ffd');
    expect(firstDifference(zstd.decompress(frame, text.length), text)).toBe(-1);
    expect(zstd.backend()).toBe('libzstd via koffi');
  });

  it('accepts any header level (zstd clamps) and an empty input', () => {
    for (const level of [0, 1, 6, 19, 22, 65535]) {
      expect(firstDifference(zstd.decompress(zstd.compress(text, level), text.length), text)).toBe(-1);
    }
    expect(zstd.decompress(zstd.compress(new Uint8Array(0), 3), 0)).toHaveLength(0);
  });

  it('checks the recorded size against the bound before decoding', () => {
    const frame = zstd.compress(text, 3);
    expect(codecErrorCode(() => zstd.decompress(frame, text.length - 1))).toBe('SDP_CODEC_OUTPUT_LIMIT');
  });

  it('rejects trailing bytes, a second frame, truncation and non-zstd data', () => {
    const frame = zstd.compress(text, 3);
    expect(
      codecErrorCode(() => zstd.decompress(Buffer.concat([frame, Uint8Array.of(1, 2, 3)]), 1 << 20)),
    ).toBe('SDP_CODEC_CORRUPT');
    expect(codecErrorCode(() => zstd.decompress(Buffer.concat([frame, frame]), 1 << 20))).toBe(
      'SDP_CODEC_CORRUPT',
    );
    expect(codecErrorCode(() => zstd.decompress(frame.subarray(0, frame.length - 2), 1 << 20))).toBe(
      'SDP_CODEC_CORRUPT',
    );
    expect(codecErrorCode(() => zstd.decompress(noise(100), 1 << 20))).toBe('SDP_CODEC_CORRUPT');
    expect(codecErrorCode(() => zstd.decompress(new Uint8Array(0), 1 << 20))).toBe('SDP_CODEC_CORRUPT');
  });

  it('bounds frames that do not record their size (other writers) by the output limit', () => {
    // A hand-made frame without content size: magic, frame header descriptor 0x00 (no FCS, window
    // descriptor follows), window descriptor, one last RLE block of 1000 bytes of 'z'.
    const blockHeader = (1000 << 3) | (1 << 1) | 1; // size 1000, type RLE, last block
    const frame = Buffer.concat([
      fromHex('28b52ffd 00 58'),
      Uint8Array.of(blockHeader & 0xff, (blockHeader >> 8) & 0xff, blockHeader >> 16),
      Buffer.from('z'),
    ]);
    expect(Buffer.from(zstd.decompress(frame, 1000)).toString()).toBe('z'.repeat(1000));
    expect(codecErrorCode(() => zstd.decompress(frame, 999))).toBe('SDP_CODEC_OUTPUT_LIMIT');
  });

  it('throws SDP_CODEC_UNAVAILABLE naming libzstd when it cannot be loaded', () => {
    setBackendLoaderForTesting({
      loadLibrary: (soname) => {
        throw new Error(`cannot open ${soname}`);
      },
    });
    expect(codecErrorCode(() => zstd.compress(text, 3))).toBe('SDP_CODEC_UNAVAILABLE');
    expect(() => zstd.decompress(text, 10)).toThrow(/libzstd\.so\.1/);
    expect(zstd.backend()).toMatch(/^unavailable/);
  });
});
