/**
 * The fastlzlib block framing that wraps the FZFZ, FZ4L and FZ4H payloads (compression.md §3.3): a
 * sequence of blocks, each behind a 16-byte little-endian header, closed by an end-marker header. The
 * inner compressor only ever sees one block; this module decides RAW vs COMPRESSED, splits, checks and
 * joins.
 */
import { ascii, field, layout, u32le, u8, type ValueOf } from '../../layout.js';
import { corruptPayload, lengthMismatch, outputLimit } from './codec-errors.js';

/** Header in front of every fastlzlib block (compression.md §3.3). Integers are little-endian. */
export const FASTLZ_BLOCK_HEADER = layout('FastlzBlockHeader', [
  field('magic', ascii(7)),
  // high nibble: block type (RAW / COMPRESSED); low nibble p: block size = 1 << (p + 10)
  field('type', u8),
  field('stored', u32le),
  field('original', u32le),
]);
/** A decoded fastlzlib block header. */
export type FastlzBlockHeader = ValueOf<typeof FASTLZ_BLOCK_HEADER>;

/** Bytes of a block header. */
export const FASTLZ_BLOCK_HEADER_BYTES = 16;
/** `FastLZ` and a NUL. */
export const FASTLZ_MAGIC = 'FastLZ\0';
/** Block type (high nibble of the type byte): data stored as is. */
export const FASTLZ_TYPE_RAW = 0x1;
/** Block type (high nibble of the type byte): data compressed by the inner compressor. */
export const FASTLZ_TYPE_COMPRESSED = 0xc;
/** The block-size exponent p Bareos uses: blocks of 1 << (8 + 10) = 262144 bytes. */
export const FASTLZ_BAREOS_BLOCK_EXPONENT = 8;
/** Largest p a header may carry (compression.md §3.3). */
export const FASTLZ_MAX_BLOCK_EXPONENT = 14;
/** Input bytes per block as Bareos writes them. */
export const FASTLZ_BLOCK_BYTES = 1 << (FASTLZ_BAREOS_BLOCK_EXPONENT + 10);
/** Blocks of at most this many input bytes are always stored RAW. */
export const FASTLZ_RAW_MAX_INPUT_BYTES = 64;
/**
 * Largest `stored` or `original` a reader accepts: the worst-case compressed size of a 262144-byte
 * block that Bareos allocates for.
 */
export const FASTLZ_MAX_BLOCK_PAYLOAD_BYTES = FASTLZ_BLOCK_BYTES + 26246;

/**
 * Compresses one block (at most {@link FASTLZ_BLOCK_BYTES} bytes). May return a view into a scratch
 * buffer that stays valid until the next call. Returns null when the result would not be smaller than
 * the input (the block is then stored RAW either way).
 */
export type BlockCompressor = (block: Uint8Array) => Uint8Array | null;

/**
 * Decodes one block's stored bytes into `out`, which is exactly the block's `original` length, and
 * returns the number of bytes it produced. Throws CodecError when the stored bytes are corrupt.
 */
export type BlockDecompressor = (stored: Uint8Array, out: Uint8Array) => number;

const typeByte = (kind: number): number => (kind << 4) | FASTLZ_BAREOS_BLOCK_EXPONENT;
const END_MARKER: FastlzBlockHeader = {
  magic: FASTLZ_MAGIC,
  type: typeByte(FASTLZ_TYPE_COMPRESSED),
  stored: 0,
  original: 0,
};

/**
 * Frames `src` exactly as Bareos's fastlzlib writes it: blocks of 262144 input bytes (p = 8); a block of
 * ≤ 64 bytes, or one that does not shrink, is RAW; then the end marker. An empty input gives the end
 * marker alone (unverified: Bareos never writes an empty data record).
 */
export function frame(src: Uint8Array, blockCompress: BlockCompressor): Uint8Array {
  const pieces: { header: Uint8Array; data: Uint8Array }[] = [];
  let total = FASTLZ_BLOCK_HEADER_BYTES;
  for (let at = 0; at < src.length; at += FASTLZ_BLOCK_BYTES) {
    const block = src.subarray(at, at + FASTLZ_BLOCK_BYTES);
    const packed = block.length <= FASTLZ_RAW_MAX_INPUT_BYTES ? null : blockCompress(block);
    const compressed = packed !== null && packed.length < block.length;
    // The compressor may reuse its scratch buffer on the next call, so keep a copy of its output.
    const data = compressed ? packed.slice() : block;
    const header = FASTLZ_BLOCK_HEADER.encode({
      magic: FASTLZ_MAGIC,
      type: typeByte(compressed ? FASTLZ_TYPE_COMPRESSED : FASTLZ_TYPE_RAW),
      stored: data.length,
      original: block.length,
    });
    pieces.push({ header, data });
    total += header.length + data.length;
  }
  const out = new Uint8Array(total);
  let p = 0;
  for (const { header, data } of pieces) {
    out.set(header, p);
    out.set(data, p + header.length);
    p += header.length + data.length;
  }
  out.set(FASTLZ_BLOCK_HEADER.encode(END_MARKER), p);
  return out;
}

interface ParsedBlock {
  readonly kind: number;
  readonly dataAt: number;
  readonly stored: number;
  readonly original: number;
}

/** Walks and checks every header up to the end marker without decoding any data. */
function parseBlocks(codec: string, payload: Uint8Array): ParsedBlock[] {
  const blocks: ParsedBlock[] = [];
  let at = 0;
  for (;;) {
    if (payload.length - at < FASTLZ_BLOCK_HEADER_BYTES) {
      throw corruptPayload(codec, 'fastlzlib stream ends before its end marker', { payloadOffset: at });
    }
    const h = FASTLZ_BLOCK_HEADER.decode(payload, at);
    const kind = h.type >> 4;
    const exponent = h.type & 0x0f;
    const context = { payloadOffset: at, block: blocks.length };
    if (h.magic !== FASTLZ_MAGIC) throw corruptPayload(codec, 'bad fastlzlib block magic', context);
    if (kind !== FASTLZ_TYPE_RAW && kind !== FASTLZ_TYPE_COMPRESSED) {
      throw corruptPayload(codec, `bad fastlzlib block type 0x${h.type.toString(16)}`, context);
    }
    if (exponent > FASTLZ_MAX_BLOCK_EXPONENT) {
      throw corruptPayload(codec, `bad fastlzlib block size exponent ${exponent}`, context);
    }
    at += FASTLZ_BLOCK_HEADER_BYTES;
    if (kind === FASTLZ_TYPE_COMPRESSED && h.stored === 0 && h.original === 0) break;
    if (
      h.stored > FASTLZ_MAX_BLOCK_PAYLOAD_BYTES ||
      h.original > FASTLZ_MAX_BLOCK_PAYLOAD_BYTES ||
      h.original > 1 << (exponent + 10)
    ) {
      throw corruptPayload(
        codec,
        `fastlzlib block lengths out of bounds (${h.stored}/${h.original})`,
        context,
      );
    }
    if (kind === FASTLZ_TYPE_RAW && h.stored !== h.original) {
      throw corruptPayload(codec, 'fastlzlib RAW block with stored != original', context);
    }
    if (payload.length - at < h.stored) {
      throw corruptPayload(codec, 'fastlzlib block data runs past the payload', context);
    }
    blocks.push({ kind, dataAt: at, stored: h.stored, original: h.original });
    at += h.stored;
  }
  if (at !== payload.length) {
    throw corruptPayload(codec, `${payload.length - at} bytes after the fastlzlib end marker`, {
      payloadOffset: at,
    });
  }
  return blocks;
}

/**
 * Decodes a fastlzlib payload: every block up to the end marker (not only the first, see quirk Q4),
 * checking magic, type, bounds, RAW lengths, each block's decoded length and that nothing follows the
 * end marker. Throws CodecError SDP_CODEC_CORRUPT, SDP_CODEC_LENGTH, or SDP_CODEC_OUTPUT_LIMIT when the
 * blocks add up to more than `maxOut` (checked before anything is decoded); `codec` names the codec in
 * errors.
 */
export function unframe(
  payload: Uint8Array,
  blockDecompress: BlockDecompressor,
  maxOut: number,
  codec = 'fastlzlib',
): Uint8Array {
  const blocks = parseBlocks(codec, payload);
  const total = blocks.reduce((n, b) => n + b.original, 0);
  if (total > maxOut) throw outputLimit(codec, maxOut, { original: total });
  const out = new Uint8Array(total);
  let p = 0;
  for (const [index, b] of blocks.entries()) {
    const stored = payload.subarray(b.dataAt, b.dataAt + b.stored);
    const target = out.subarray(p, p + b.original);
    if (b.kind === FASTLZ_TYPE_RAW) {
      target.set(stored);
    } else {
      const produced = blockDecompress(stored, target);
      if (produced !== b.original) {
        throw lengthMismatch(codec, b.original, produced, { block: index, payloadOffset: b.dataAt });
      }
    }
    p += b.original;
  }
  return out;
}
