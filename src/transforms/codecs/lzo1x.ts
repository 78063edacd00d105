/**
 * LZO1X, the LZOX payload of stream 29 (spec compression.md §3.2): a bare LZO1X stream with no length
 * prefix and no checksum, closed by the end marker `11 00 00`.
 *
 * The compressor follows LZO1X-1 as liblzo2 2.10 runs it on a 64-bit little-endian machine (the Bacula
 * fixtures were written that way), so its output is byte-identical to `lzo1x_1_compress`. The decoder is
 * a safe LZO1X decoder: it reads every LZO1X-* level and checks every read, write and back-reference.
 */
import { CodecError, SdpipeError } from '../../errors.js';

// Instruction classes of the LZO1X stream. A match is M1 (2–3 bytes, after literals), M2 (3–8 bytes,
// distance ≤ 2 KiB), M3 (distance ≤ 16 KiB) or M4 (distance ≤ 48 KiB); M4 with distance 0 is the end.
const M2_MAX_LEN = 8;
const M3_MAX_LEN = 33;
const M4_MAX_LEN = 9;
const M2_MAX_OFFSET = 0x0800;
const M3_MAX_OFFSET = 0x4000;
const M3_MARKER = 0x20;
const M4_MARKER = 0x10;
/** The last three bytes of every stream: an M4 of distance 0. */
const END_MARKER = [M4_MARKER | 1, 0, 0] as const;

/** LZO1X-1 hashes 4 bytes into 2^14 dictionary slots (liblzo2 `lzo1x_1.c`). */
const DICT_BITS = 14;
const DICT_MASK = (1 << DICT_BITS) - 1;
const DICT_HASH_MULTIPLIER = 0x1824429d;
/**
 * liblzo2 ≥ 2.06 compresses in independent chunks of at most this many bytes, with a fresh dictionary
 * each, so that every distance fits M4; reproducing the chunks is needed for identical output.
 */
const CHUNK_BYTES = 49152;
/** The compressor never starts a match in the last 20 bytes of a chunk; they become literals. */
const TAIL_BYTES = 20;
/** A single initial literal run this short is coded as `17 + n` in the first byte. */
const FIRST_LITERAL_MAX = 238;

/** Worst case LZO1X-1 output for `n` input bytes (liblzo2 documents n + n/16 + 64 + 3). */
const maxCompressedBytes = (n: number): number => n + (n >>> 4) + 64 + 3;

/**
 * The most bytes an LZO1X stream of `n` bytes can decode to: one zero length-extension byte adds 255
 * output bytes, nothing adds more. Used to avoid allocating a huge `maxOut` for a tiny payload.
 */
const maxDecodedBytes = (n: number): number => 256 * n + 1024;

/** Output position and pending literal count carried from one chunk to the next. */
interface ChunkState {
  op: number;
  pendingLiterals: number;
}

const readLe32 = (b: Uint8Array, i: number): number =>
  (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

/** Number of equal leading bytes (0..8) of the 8-byte windows at `a` and `b`. */
function equalPrefix8(src: Uint8Array, a: number, b: number): number {
  let k = 0;
  while (k < 8 && src[a + k] === src[b + k]) k++;
  return k;
}

/** Appends a literal run of `t` bytes from `src[from]`, coding its length as LZO1X-1 does. */
function emitLiterals(src: Uint8Array, from: number, t: number, out: Uint8Array, op: number): number {
  // 1..3 literals after a match ride in the low 2 bits of that match's last-but-one byte.
  if (t <= 3) out[op - 2]! |= t;
  else if (t <= 18) out[op++] = t - 3;
  else {
    let rest = t - 18;
    out[op++] = 0;
    for (; rest > 255; rest -= 255) out[op++] = 0;
    out[op++] = rest;
  }
  if (t < 16) for (let i = 0; i < t; i++) out[op + i] = src[from + i]!;
  else out.set(src.subarray(from, from + t), op);
  return op + t;
}

/** Appends one match (`length` ≥ 4 bytes, `distance` ≤ 0xBFFF) in the smallest instruction class. */
function emitMatch(out: Uint8Array, op: number, length: number, distance: number): number {
  if (length <= M2_MAX_LEN && distance <= M2_MAX_OFFSET) {
    const d = distance - 1;
    out[op++] = ((length - 1) << 5) | ((d & 7) << 2);
    out[op++] = d >>> 3;
    return op;
  }
  let d: number;
  if (distance <= M3_MAX_OFFSET) {
    d = distance - 1;
    if (length <= M3_MAX_LEN) out[op++] = M3_MARKER | (length - 2);
    else {
      out[op++] = M3_MARKER;
      op = emitLengthExtension(out, op, length - M3_MAX_LEN);
    }
  } else {
    d = distance - 0x4000;
    const high = (d >>> 11) & 8;
    if (length <= M4_MAX_LEN) out[op++] = M4_MARKER | high | (length - 2);
    else {
      out[op++] = M4_MARKER | high;
      op = emitLengthExtension(out, op, length - M4_MAX_LEN);
    }
  }
  out[op++] = (d << 2) & 0xff;
  out[op++] = (d >>> 6) & 0xff;
  return op;
}

/** Zero bytes worth 255 each, then the remainder (always ≥ 1). */
function emitLengthExtension(out: Uint8Array, op: number, rest: number): number {
  for (; rest > 255; rest -= 255) out[op++] = 0;
  out[op++] = rest;
  return op;
}

/**
 * Compresses one chunk `src[start, start + length)` with a zeroed dictionary. Literals left over from
 * the previous chunk (`state.pendingLiterals`) are written in front of this chunk's first match.
 */
function compressChunk(
  src: Uint8Array,
  start: number,
  length: number,
  out: Uint8Array,
  dict: Uint16Array,
  state: ChunkState,
): void {
  const inEnd = start + length;
  const ipEnd = inEnd - TAIL_BYTES;
  let op = state.op;
  let pending = state.pendingLiterals;
  let ii = start; // first byte not yet written (of this chunk)
  let ip = start + (pending < 4 ? 4 - pending : 0);
  // Skip ahead faster the longer the current literal run is: incompressible data costs little time.
  ip += 1 + ((ip - ii) >> 5);
  while (ip < ipEnd) {
    const dv = readLe32(src, ip);
    const slot = (Math.imul(dv, DICT_HASH_MULTIPLIER) >>> (32 - DICT_BITS)) & DICT_MASK;
    // An empty slot holds 0, i.e. the chunk start, which is a real (if unlikely) candidate.
    const candidate = start + dict[slot]!;
    dict[slot] = ip - start;
    if (readLe32(src, candidate) !== dv) {
      ip += 1 + ((ip - ii) >> 5);
      continue;
    }
    ii -= pending;
    pending = 0;
    if (ip > ii) op = emitLiterals(src, ii, ip - ii, out, op);

    // liblzo2 on 64-bit extends a match 8 bytes at a time and stops as soon as it passes ipEnd, so a
    // match may end up to 7 bytes past ipEnd; the final window is then not inspected byte by byte.
    let length = 4;
    let k = equalPrefix8(src, ip + length, candidate + length);
    while (k === 8) {
      length += 8;
      k = equalPrefix8(src, ip + length, candidate + length);
      if (ip + length >= ipEnd) {
        k = 0;
        break;
      }
    }
    length += k;
    op = emitMatch(out, op, length, ip - candidate);
    ip += length;
    ii = ip;
  }
  state.op = op;
  state.pendingLiterals = inEnd - (ii - pending);
}

/**
 * Compresses `src` to a complete LZO1X stream (end marker included), byte-identical to liblzo2 2.10's
 * `lzo1x_1_compress` on x86-64 (spec compression.md §3.2). Any length, including 0, is accepted.
 */
export function lzo1xCompress(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(maxCompressedBytes(src.length));
  const dict = new Uint16Array(1 << DICT_BITS);
  const state: ChunkState = { op: 0, pendingLiterals: 0 };
  let ip = 0;
  let left = src.length;
  while (left > TAIL_BYTES) {
    const length = Math.min(left, CHUNK_BYTES);
    dict.fill(0);
    compressChunk(src, ip, length, out, dict, state);
    ip += length;
    left -= length;
  }
  let op = state.op;
  const t = state.pendingLiterals + left;
  if (t > 0) {
    const from = src.length - t;
    if (op === 0 && t <= FIRST_LITERAL_MAX) {
      out[op++] = 17 + t;
      out.set(src.subarray(from, from + t), op);
      op += t;
    } else op = emitLiterals(src, from, t, out, op);
  }
  out.set(END_MARKER, op);
  op += END_MARKER.length;
  return out.slice(0, op);
}

// Decoder states: what a control byte below 16 means depends on what came just before it.
/** After a match with no trailing literals (or at the start): a literal run. */
const AFTER_MATCH = 0;
/** After 1–3 literals: M1, a 2-byte match within 1 KiB. */
const AFTER_SHORT_LITERALS = 1;
/** After a literal run of 4 or more: M1, a 3-byte match at distance 2 KiB + 1 … 3 KiB. */
const AFTER_LONG_LITERALS = 2;

const corrupt = (message: string, at: number): CodecError =>
  new CodecError('SDP_CODEC_CORRUPT', message, { codec: 'lzo', payloadOffset: at });

/** Checks the `maxOut` argument shared by the decoders. */
function checkMaxOut(maxOut: number): void {
  if (!Number.isSafeInteger(maxOut) || maxOut < 0) {
    throw new SdpipeError('SDP_INTERNAL', 'maxOut must be a non-negative integer', { maxOut });
  }
}

/**
 * Decodes an LZO1X stream (any LZO1X-* level) of at most `maxOut` bytes.
 *
 * @throws CodecError `SDP_CODEC_OUTPUT_LIMIT` if the output would exceed `maxOut`; `SDP_CODEC_CORRUPT`
 * if the stream reads past its end, refers before the start of the output, lacks the end marker or has
 * bytes after it. Never returns partial data.
 */
export function lzo1xDecompress(src: Uint8Array, maxOut: number): Uint8Array {
  checkMaxOut(maxOut);
  const limit = Math.min(maxOut, maxDecodedBytes(src.length));
  const out = new Uint8Array(limit);
  const n = src.length;
  let ip = 0;
  let op = 0;
  let state = AFTER_MATCH;

  const tooLong = (): CodecError =>
    new CodecError('SDP_CODEC_OUTPUT_LIMIT', 'LZO output exceeds its bound', { codec: 'lzo', maxOut });
  /** Reads a length of `base` plus zero bytes worth 255 each plus a final non-zero byte. */
  const readLength = (base: number): number => {
    let t = base;
    for (;;) {
      if (ip >= n) throw corrupt('LZO stream ends inside a length', ip);
      const b = src[ip++]!;
      if (b !== 0) return t + b;
      t += 255;
    }
  };
  const copyLiterals = (t: number): void => {
    if (ip + t > n) throw corrupt('LZO literal run past the end of the input', ip);
    if (op + t > limit) throw tooLong();
    if (t < 32) for (let i = 0; i < t; i++) out[op + i] = src[ip + i]!;
    else out.set(src.subarray(ip, ip + t), op);
    ip += t;
    op += t;
  };

  if (n > 0 && src[0]! > 17) {
    const t = src[0]! - 17;
    ip = 1;
    copyLiterals(t);
    state = t < 4 ? AFTER_SHORT_LITERALS : AFTER_LONG_LITERALS;
  }
  for (;;) {
    if (ip >= n) throw corrupt('LZO stream has no end marker', ip);
    let t = src[ip++]!;
    let length: number;
    let distance: number;
    if (t < 16) {
      if (state === AFTER_MATCH) {
        copyLiterals((t === 0 ? readLength(15) : t) + 3);
        state = AFTER_LONG_LITERALS;
        continue;
      }
      if (ip >= n) throw corrupt('LZO stream ends inside a match', ip);
      distance = 1 + (t >> 2) + (src[ip++]! << 2);
      if (state === AFTER_LONG_LITERALS) {
        distance += M2_MAX_OFFSET;
        length = 3;
      } else length = 2;
    } else if (t >= 64) {
      if (ip >= n) throw corrupt('LZO stream ends inside a match', ip);
      distance = 1 + ((t >> 2) & 7) + (src[ip++]! << 3);
      length = (t >> 5) + 1;
    } else {
      const m3 = t >= 32;
      const lengthBits = m3 ? t & 31 : t & 7;
      length = (lengthBits === 0 ? readLength(m3 ? 31 : 7) : lengthBits) + 2;
      if (ip + 2 > n) throw corrupt('LZO stream ends inside a match', ip);
      distance = (src[ip]! | (src[ip + 1]! << 8)) >> 2;
      ip += 2;
      if (m3) distance += 1;
      else {
        distance += (t & 8) << 11;
        if (distance === 0) break; // the end marker
        distance += 0x4000;
      }
    }
    if (distance > op) throw corrupt('LZO match refers before the start of the output', ip);
    if (op + length > limit) throw tooLong();
    let from = op - distance;
    if (distance >= length && length > 32) {
      out.copyWithin(op, from, from + length);
      op += length;
    } else {
      // Overlapping copies repeat the last `distance` bytes, so they must go forwards byte by byte.
      const end = op + length;
      while (op < end) out[op++] = out[from++]!;
    }
    // Up to 3 literals follow a match; their count sits in the low bits of the byte 2 back.
    t = src[ip - 2]! & 3;
    if (t === 0) state = AFTER_MATCH;
    else {
      copyLiterals(t);
      state = AFTER_SHORT_LITERALS;
    }
  }
  if (ip !== n) throw corrupt('bytes after the LZO end marker', ip);
  return op === limit ? out : out.slice(0, op);
}
