import { afterEach, describe, expect, it } from 'vitest';
import { setBackendLoaderForTesting } from '../../../src/transforms/codecs/native/backend-loader.js';
import { snappy } from '../../../src/transforms/codecs/snappy.js';
import { codecErrorCode, firstDifference, fromHex, toHex } from '../../support/lzo-fastlz-data.js';

afterEach(() => setBackendLoaderForTesting());

describe('snappy codec (sdpipe extension, magic SNPY)', () => {
  it('writes a raw Snappy block: varint length, then elements', () => {
    expect(toHex(snappy.compress(Buffer.from('hello world\n'), 0))).toBe('0c2c68656c6c6f20776f726c640a');
    expect(toHex(snappy.compress(new Uint8Array(0), 0))).toBe('00');
    expect(snappy.backend()).toBe('@napi-rs/snappy');
  });

  it('round-trips and checks the declared length against the bound before decoding', () => {
    const text = Buffer.from('snappy snappy snappy '.repeat(500));
    const block = snappy.compress(text, 0);
    expect(firstDifference(snappy.decompress(block, text.length), text)).toBe(-1);
    expect(codecErrorCode(() => snappy.decompress(block, text.length - 1))).toBe('SDP_CODEC_OUTPUT_LIMIT');
    // A hostile varint claiming 4 GiB is refused without allocating.
    expect(codecErrorCode(() => snappy.decompress(fromHex('ffffffff0f00'), 1 << 20))).toBe(
      'SDP_CODEC_OUTPUT_LIMIT',
    );
  });

  it('rejects trailing bytes, truncation and bad varints', () => {
    const block = fromHex('0c2c68656c6c6f20776f726c640a');
    expect(codecErrorCode(() => snappy.decompress(Buffer.concat([block, Uint8Array.of(0)]), 100))).toBe(
      'SDP_CODEC_CORRUPT',
    );
    expect(codecErrorCode(() => snappy.decompress(block.subarray(0, 10), 100))).toBe('SDP_CODEC_CORRUPT');
    expect(codecErrorCode(() => snappy.decompress(fromHex('ffffffffff'), 100))).toBe('SDP_CODEC_CORRUPT');
    expect(codecErrorCode(() => snappy.decompress(new Uint8Array(0), 100))).toBe('SDP_CODEC_CORRUPT');
  });

  it('throws SDP_CODEC_UNAVAILABLE naming the package when it cannot be loaded', () => {
    setBackendLoaderForTesting({
      requirePackage: (name) => {
        throw new Error(`cannot find ${name}`);
      },
    });
    expect(codecErrorCode(() => snappy.compress(Uint8Array.of(1), 0))).toBe('SDP_CODEC_UNAVAILABLE');
    expect(() => snappy.decompress(Uint8Array.of(0), 0)).toThrow(/@napi-rs\/snappy/);
  });
});
