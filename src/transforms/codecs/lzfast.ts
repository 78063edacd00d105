/**
 * LZFAST (magic `FZFZ`): the fastlzlib framing around FastLZ level-1 blocks, as Bareos's `lzfast`
 * algorithm writes it (compression.md §3, §3.3). Both FastLZ levels decode.
 */
import { hasCode } from '../../errors.js';
import type { CodecDescriptor } from './codec.js';
import { corruptPayload, guardDecode } from './codec-errors.js';
import { fastlzCompress, fastlzDecompress } from './fastlz.js';
import { frame, unframe, type BlockCompressor, type BlockDecompressor } from './fastlzlib-framing.js';

/** Bareos runs FastLZ at level 1 whatever the header level says. */
const FASTLZ_LEVEL = 1;

const compressBlock: BlockCompressor = (block) => fastlzCompress(block, FASTLZ_LEVEL);

const decompressBlock: BlockDecompressor = (stored, out) => {
  let decoded: Uint8Array;
  try {
    decoded = fastlzDecompress(stored, out.length);
  } catch (e) {
    // The bound here is the block's own `original`: going past it means the block is corrupt.
    if (hasCode(e, 'SDP_CODEC_OUTPUT_LIMIT')) {
      throw corruptPayload('lzfast', 'FastLZ block decodes to more than its original length', {}, e);
    }
    throw e;
  }
  out.set(decoded);
  return decoded.length;
};

/** The LZFAST codec; the header level is informational. Backend: sdpipe's TypeScript FastLZ. */
export const lzfast: CodecDescriptor = {
  name: 'lzfast',
  magic: 'FZFZ',
  displayName: 'FASTLZ',
  extension: false,
  defaultLevel: 6,
  backend: () => 'typescript (FastLZ 0.1.0 level 1)',
  compress: (data) => frame(data, compressBlock),
  decompress: (payload, maxOut) =>
    guardDecode('lzfast', () => unframe(payload, decompressBlock, maxOut, 'lzfast')),
};
