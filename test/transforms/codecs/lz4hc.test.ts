import { afterEach, describe, expect, it } from 'vitest';
import { lz4 } from '../../../src/transforms/codecs/lz4.js';
import { lz4hc } from '../../../src/transforms/codecs/lz4hc.js';
import { setBackendLoaderForTesting } from '../../../src/transforms/codecs/native/backend-loader.js';
import { independentLz4Unframe } from '../../support/codec-independent.js';
import { firstDifference, toHex } from '../../support/lzo-fastlz-data.js';

const EOF = '466173744c5a00c80000000000000000';

afterEach(() => setBackendLoaderForTesting());

describe('lz4hc codec (FZ4H): §7.1 vectors with the system liblz4', () => {
  it('uses liblz4 HC level 9 through koffi', () => {
    expect(lz4hc.backend()).toBe('liblz4 via koffi (HC level 9)');
  });

  it('writes the RAW and COMPRESSED vectors byte for byte', () => {
    expect(toHex(lz4hc.compress(Buffer.from('hello world\n'), 6))).toBe(
      '466173744c5a0018' + '0c000000' + '0c000000' + '68656c6c6f20776f726c640a' + EOF,
    );
    expect(toHex(lz4hc.compress(Uint8Array.of(0x42), 6))).toBe('466173744c5a0018010000000100000042' + EOF);
    expect(toHex(lz4hc.compress(Buffer.from('abcdefgh'.repeat(25)), 6))).toBe(
      '466173744c5a00c8' + '12000000' + 'c8000000' + '8f61626364656667680800a8506465666768' + EOF,
    );
    expect(toHex(lz4hc.compress(new Uint8Array(65), 6))).toBe(
      '466173744c5a00c8' + '0b000000' + '41000000' + '1f00010028500000000000' + EOF,
    );
  });

  it('compresses at least as well as fast LZ4 on text, and lz4-napi decodes it', () => {
    const text = Buffer.from(
      Array.from({ length: 4000 }, (_, i) => `line ${i % 97} of a log with value ${(i * 31) % 1000}\n`).join(
        '',
      ),
    );
    const hc = lz4hc.compress(text, 6);
    expect(hc.length).toBeLessThanOrEqual(lz4.compress(text, 6).length);
    expect(firstDifference(independentLz4Unframe(hc), text)).toBe(-1);
    expect(firstDifference(lz4hc.decompress(hc, text.length), text)).toBe(-1);
  });
});

describe('lz4hc codec without liblz4', () => {
  it('falls back to the lz4-napi fast compressor and says so', () => {
    setBackendLoaderForTesting({
      loadLibrary: (soname) => {
        throw new Error(`cannot open ${soname}`);
      },
    });
    expect(lz4hc.backend()).toBe('lz4-napi (no HC: fast compressor)');
    const text = Buffer.from('no HC here, '.repeat(1000));
    expect(firstDifference(lz4hc.decompress(lz4hc.compress(text, 6), text.length), text)).toBe(-1);
  });
});
