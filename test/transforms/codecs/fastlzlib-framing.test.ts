import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError, SdpipeError } from '../../../src/errors.js';
import {
  FASTLZ_BLOCK_BYTES,
  FASTLZ_BLOCK_HEADER,
  FASTLZ_BLOCK_HEADER_BYTES,
  FASTLZ_MAX_BLOCK_PAYLOAD_BYTES,
  frame,
  unframe,
  type BlockCompressor,
  type BlockDecompressor,
} from '../../../src/transforms/codecs/fastlzlib-framing.js';
import { FC_SEED, firstDifference, fromHex, toHex } from '../../support/lzo-fastlz-data.js';

const EOF = '466173744c5a00c80000000000000000';

/** A toy block codec: "compresses" a block made of one repeated byte to [byte, length LE u32]. */
const runCompress: BlockCompressor = (block) => {
  if (!block.every((b) => b === block[0])) return block.slice(); // not smaller: the framing stores RAW
  const out = new Uint8Array(5);
  out[0] = block[0] ?? 0;
  new DataView(out.buffer).setUint32(1, block.length, true);
  return out;
};
const runDecompress: BlockDecompressor = (stored, out) => {
  if (stored.length !== 5) throw new CodecError('SDP_CODEC_CORRUPT', 'toy block', {});
  const n = new DataView(stored.buffer, stored.byteOffset).getUint32(1, true);
  out.fill(stored[0]!, 0, Math.min(n, out.length));
  return n;
};

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return (e as CodecError).code;
  }
};

describe('fastlzlib framing writer', () => {
  it('stores inputs of at most 64 bytes RAW without calling the compressor (§7.1 vectors)', () => {
    const never: BlockCompressor = () => {
      throw new Error('called');
    };
    expect(toHex(frame(fromHex('68656c6c6f20776f726c640a'), never))).toBe(
      '466173744c5a0018' + '0c000000' + '0c000000' + '68656c6c6f20776f726c640a' + EOF,
    );
    expect(toHex(frame(fromHex('42'), never))).toBe('466173744c5a0018010000000100000042' + EOF);
    expect(toHex(frame(new Uint8Array(64), never))).toBe(
      '466173744c5a0018' + '40000000' + '40000000' + '00'.repeat(64) + EOF,
    );
  });

  it('writes COMPRESSED only when the block shrank', () => {
    const zeros = frame(new Uint8Array(65), runCompress);
    expect(toHex(zeros)).toBe('466173744c5a00c8' + '05000000' + '41000000' + '0041000000' + EOF);
    const mixed = Uint8Array.from({ length: 100 }, (_, i) => i);
    expect(toHex(frame(mixed, runCompress).subarray(0, 16))).toBe(
      '466173744c5a0018' + '64000000' + '64000000',
    );
    expect(frame(mixed, () => null).subarray(7, 8)).toEqual(Uint8Array.of(0x18));
    // Equal size is not smaller: RAW.
    expect(frame(mixed, (b) => b.subarray(0, b.length))[7]).toBe(0x18);
  });

  it('gives the end marker alone for an empty input', () => {
    expect(toHex(frame(new Uint8Array(0), runCompress))).toBe(EOF);
    expect(unframe(fromHex(EOF), runDecompress, 0)).toEqual(new Uint8Array(0));
  });

  it('splits inputs over 262144 bytes into several blocks', () => {
    const input = new Uint8Array(2 * FASTLZ_BLOCK_BYTES + 10).fill(7);
    input[FASTLZ_BLOCK_BYTES] = 1; // second block is not a single run: RAW
    const framed = frame(input, runCompress);
    const headers = [];
    for (let p = 0; p < framed.length;) {
      const h = FASTLZ_BLOCK_HEADER.decode(framed, p);
      headers.push(h);
      p += FASTLZ_BLOCK_HEADER_BYTES + h.stored;
    }
    expect(headers.map((h) => [h.type, h.stored, h.original])).toEqual([
      [0xc8, 5, FASTLZ_BLOCK_BYTES],
      [0x18, FASTLZ_BLOCK_BYTES, FASTLZ_BLOCK_BYTES],
      [0x18, 10, 10],
      [0xc8, 0, 0],
    ]);
    expect(firstDifference(unframe(framed, runDecompress, input.length), input)).toBe(-1);
  });

  it('copies the compressor output, which may live in a reused scratch buffer', () => {
    const scratch = new Uint8Array(16);
    const reusing: BlockCompressor = (block) => {
      scratch.fill(block[0]!);
      return scratch.subarray(0, 5);
    };
    const input = new Uint8Array(FASTLZ_BLOCK_BYTES + 100);
    input.fill(1, 0, FASTLZ_BLOCK_BYTES);
    input.fill(2, FASTLZ_BLOCK_BYTES);
    const framed = frame(input, reusing);
    expect(framed[FASTLZ_BLOCK_HEADER_BYTES]).toBe(1);
    expect(framed[2 * FASTLZ_BLOCK_HEADER_BYTES + 5]).toBe(2);
  });
});

describe('fastlzlib framing reader', () => {
  const raw = (data: string, type = '18') => {
    const n = data.length / 2;
    const le = Buffer.alloc(4);
    le.writeUInt32LE(n);
    return `466173744c5a00${type}${le.toString('hex')}${le.toString('hex')}${data}`;
  };

  it('decodes every block up to the end marker, not only the first (Q4)', () => {
    const payload = fromHex(raw('6162') + raw('63') + EOF);
    expect(Buffer.from(unframe(payload, runDecompress, 3)).toString()).toBe('abc');
  });

  it('rejects a missing end marker, trailing bytes, a bad magic or type', () => {
    expect(codeOf(() => unframe(fromHex(raw('6162')), runDecompress, 10))).toBe('SDP_CODEC_CORRUPT');
    expect(codeOf(() => unframe(fromHex(raw('6162') + EOF + '00'), runDecompress, 10))).toBe(
      'SDP_CODEC_CORRUPT',
    );
    expect(codeOf(() => unframe(fromHex(raw('6162').replace(/^46/, '47') + EOF), runDecompress, 10))).toBe(
      'SDP_CODEC_CORRUPT',
    );
    expect(codeOf(() => unframe(fromHex(raw('6162', '28') + EOF), runDecompress, 10))).toBe(
      'SDP_CODEC_CORRUPT',
    );
    expect(codeOf(() => unframe(fromHex(raw('6162', '1f') + EOF), runDecompress, 10))).toBe(
      'SDP_CODEC_CORRUPT',
    );
    expect(codeOf(() => unframe(new Uint8Array(0), runDecompress, 10))).toBe('SDP_CODEC_CORRUPT');
  });

  it('rejects a RAW block whose stored length differs from its original length', () => {
    const bad = fromHex('466173744c5a0018' + '02000000' + '03000000' + '6162' + EOF);
    expect(codeOf(() => unframe(bad, runDecompress, 10))).toBe('SDP_CODEC_CORRUPT');
  });

  it('rejects lengths beyond 262144 + 26246 and data running past the payload', () => {
    const le = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(n);
      return b.toString('hex');
    };
    const huge = fromHex('466173744c5a00c8' + le(FASTLZ_MAX_BLOCK_PAYLOAD_BYTES + 1) + le(10) + EOF);
    expect(codeOf(() => unframe(huge, runDecompress, 1 << 30))).toBe('SDP_CODEC_CORRUPT');
    const bigOriginal = fromHex('466173744c5a00c8' + le(5) + le(FASTLZ_BLOCK_BYTES + 1) + '0000000000' + EOF);
    expect(codeOf(() => unframe(bigOriginal, runDecompress, 1 << 30))).toBe('SDP_CODEC_CORRUPT');
    const short = fromHex('466173744c5a0018' + le(50) + le(50) + '6162');
    expect(codeOf(() => unframe(short, runDecompress, 100))).toBe('SDP_CODEC_CORRUPT');
  });

  it('checks each block decodes to exactly its original length', () => {
    // toy block says 9 bytes, header says 10
    const payload = fromHex('466173744c5a00c8' + '05000000' + '0a000000' + '0709000000' + EOF);
    expect(codeOf(() => unframe(payload, runDecompress, 100))).toBe('SDP_CODEC_LENGTH');
  });

  it('throws SDP_CODEC_OUTPUT_LIMIT before decoding when the blocks exceed the bound', () => {
    let called = false;
    const spy: BlockDecompressor = (s, o) => {
      called = true;
      return runDecompress(s, o);
    };
    const framed = frame(new Uint8Array(1000), runCompress);
    expect(codeOf(() => unframe(framed, spy, 999))).toBe('SDP_CODEC_OUTPUT_LIMIT');
    expect(called).toBe(false);
    expect(unframe(framed, spy, 1000)).toHaveLength(1000);
  });
});

describe('fastlzlib framing properties', () => {
  const blocky = fc
    .array(fc.tuple(fc.nat(255), fc.integer({ min: 1, max: 200_000 }), fc.boolean()), { maxLength: 8 })
    .map((runs) => {
      const parts = runs.map(([byte, n, noisy]) =>
        noisy
          ? Uint8Array.from({ length: Math.min(n, 300) }, (_, i) => (byte + i * 7) & 0xff)
          : new Uint8Array(n).fill(byte),
      );
      return new Uint8Array(Buffer.concat(parts));
    });

  it('unframe(frame(x)) == x', () => {
    fc.assert(
      fc.property(blocky, (input) => {
        expect(firstDifference(unframe(frame(input, runCompress), runDecompress, input.length), input)).toBe(
          -1,
        );
      }),
      { ...FC_SEED, numRuns: 40 },
    );
  });

  it('arbitrary or damaged bytes give data or a CodecError, never another exception', () => {
    const framed = frame(new Uint8Array(300).fill(3), runCompress);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.nat(framed.length - 1), fc.nat(255)).map(([i, v]) => {
            const copy = framed.slice();
            copy[i] = v;
            return copy;
          }),
          fc.nat(framed.length).map((n) => framed.subarray(0, n)),
        ),
        (bytes) => {
          try {
            unframe(bytes, runDecompress, 1 << 20);
          } catch (e) {
            expect(e).toBeInstanceOf(SdpipeError);
            expect(e).toBeInstanceOf(CodecError);
          }
        },
      ),
      FC_SEED,
    );
  });
});
