import { describe, expect, it } from 'vitest';
import { lzfast } from '../../../src/transforms/codecs/lzfast.js';
import { codecErrorCode, firstDifference, fromHex, noise, toHex } from '../../support/lzo-fastlz-data.js';

const EOF = '466173744c5a00c80000000000000000';

describe('lzfast codec (FZFZ): §7.1 vectors', () => {
  it('writes the RAW vectors (≤ 64 bytes)', () => {
    expect(toHex(lzfast.compress(Buffer.from('hello world\n'), 6))).toBe(
      '466173744c5a0018' + '0c000000' + '0c000000' + '68656c6c6f20776f726c640a' + EOF,
    );
    expect(toHex(lzfast.compress(Uint8Array.of(0x42), 6))).toBe('466173744c5a0018010000000100000042' + EOF);
    expect(toHex(lzfast.compress(new Uint8Array(64), 6))).toBe(
      '466173744c5a0018' + '40000000' + '40000000' + '00'.repeat(64) + EOF,
    );
  });

  it('writes the COMPRESSED vectors byte for byte', () => {
    expect(toHex(lzfast.compress(Buffer.from('abcdefgh'.repeat(25)), 6))).toBe(
      '466173744c5a00c8' + '10000000' + 'c8000000' + '076162636465666768e0b40702666768' + EOF,
    );
    expect(toHex(lzfast.compress(new Uint8Array(65), 6))).toBe(
      '466173744c5a00c8' + '0a000000' + '41000000' + '010000e0330102000000' + EOF,
    );
  });

  it('decodes the vectors and rejects a block longer than its header says', () => {
    const payload = fromHex(
      '466173744c5a00c8' + '10000000' + 'c8000000' + '076162636465666768e0b40702666768' + EOF,
    );
    expect(Buffer.from(lzfast.decompress(payload, 200)).toString()).toBe('abcdefgh'.repeat(25));
    const shorter = fromHex(
      '466173744c5a00c8' + '10000000' + 'c7000000' + '076162636465666768e0b40702666768' + EOF,
    );
    expect(codecErrorCode(() => lzfast.decompress(shorter, 200))).toBe('SDP_CODEC_CORRUPT');
    const longer = fromHex(
      '466173744c5a00c8' + '10000000' + 'c9000000' + '076162636465666768e0b40702666768' + EOF,
    );
    expect(codecErrorCode(() => lzfast.decompress(longer, 300))).toBe('SDP_CODEC_LENGTH');
  });

  it('round-trips multi-block inputs and stores noise RAW', () => {
    const input = Buffer.concat([Buffer.from('fastlz '.repeat(60000)), noise(70000)]);
    const framed = lzfast.compress(input, 6);
    expect(firstDifference(lzfast.decompress(framed, input.length), input)).toBe(-1);
    const random = lzfast.compress(noise(5000), 6);
    expect(random[7]).toBe(0x18);
  });
});
