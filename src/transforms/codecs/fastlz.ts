/**
 * FastLZ 0.1.0 block format, the inner data of an FZFZ fastlzlib block (spec compression.md §3.3).
 *
 * A block is a sequence of instructions. The first byte's top 3 bits hold the level (0 → level 1,
 * 1 → level 2) and its low 5 bits the first control value. A control byte below 32 is a literal run of
 * `c + 1` bytes; anything else is a back-reference with a 3-bit length field and a 13-bit distance.
 * Level 2 adds unbounded length extensions and a 16-bit far distance. The block ends with its input.
 *
 * The compressor follows FastLZ 0.1.0 as Bareos bundles it, so level 1 output is byte-identical to
 * Bareos's FZFZ data (§7 vectors). The decoder is safe: every read, write and back-reference is checked.
 */
import { CodecError, SdpipeError } from '../../errors.js';

/** Compression level, stored in the top 3 bits of the first byte as `level - 1`. */
export type FastlzLevel = 1 | 2;

const LEVEL_SHIFT = 5;
/** A literal run holds at most 32 bytes (control values 0..31). */
const MAX_LITERAL_RUN = 32;
/** Level 1 codes match lengths up to 3 + 6 + 255 = 264 in one instruction; longer ones are split. */
const LEVEL1_MAX_MATCH = 264;
/** Level 1 distances are 13 bits (1..8192). Level 2 near distances stop one short: 8191 marks "far". */
const LEVEL1_MAX_DISTANCE = 8192;
const LEVEL2_NEAR_DISTANCE = 8191;
/** Level 2 far distances add a 16-bit value to 8192. */
const LEVEL2_MAX_FAR_DISTANCE = 65535 + LEVEL2_NEAR_DISTANCE - 1;
/** Length field value (3 bits) that says "more length follows". */
const LENGTH_EXTENDED = 7;
/** The compressor hashes 3 bytes into 2^13 slots (FastLZ 0.1.0 `HASH_LOG`). */
const HASH_BITS = 13;
const HASH_MASK = (1 << HASH_BITS) - 1;
/** FastLZ 0.1.0 stops looking for matches this many bytes before the end. */
const MATCH_SEARCH_MARGIN = 12;

/** Worst case output: one control byte per 32 literals, plus slack for tiny inputs. */
const maxCompressedBytes = (n: number): number => n + (n >>> 4) + 66;
/** The most a block of `n` bytes can decode to (a level 2 extension byte adds 255). */
const maxDecodedBytes = (n: number): number => 256 * n + 1024;

/** FastLZ 0.1.0's hash of the 3 bytes at `p`: two overlapping little-endian u16 values folded. */
function hash3(src: Uint8Array, p: number): number {
  const v = src[p]! | (src[p + 1]! << 8);
  return (v ^ (src[p + 1]! | (src[p + 2]! << 8)) ^ (v >> (16 - HASH_BITS))) & HASH_MASK;
}

/**
 * Compresses `src` as one FastLZ block at `level` (FastLZ 0.1.0 format). Level 1 reproduces Bareos's
 * FZFZ data byte for byte. An empty input gives an empty block; inputs under 4 bytes are one literal run
 * (and carry no level mark, as in FastLZ 0.1.0).
 */
export function fastlzCompress(src: Uint8Array, level: FastlzLevel): Uint8Array {
  const length = src.length;
  if (length === 0) return new Uint8Array(0);
  if (length < 4) {
    const out = new Uint8Array(length + 1);
    out[0] = length - 1;
    out.set(src, 1);
    return out;
  }
  const out = new Uint8Array(maxCompressedBytes(length));
  const level2 = level === 2;
  const maxDistance = level2 ? LEVEL2_MAX_FAR_DISTANCE : LEVEL1_MAX_DISTANCE;
  const ipBound = length - 2;
  const ipLimit = length - MATCH_SEARCH_MARGIN;
  // Every slot starts at position 0, which is therefore a candidate before anything was hashed.
  const table = new Int32Array(1 << HASH_BITS);

  // The first two bytes are always literals; the literal run's control byte is patched when it ends.
  let op = 0;
  let literals = 2;
  out[op++] = MAX_LITERAL_RUN - 1;
  out[op++] = src[0]!;
  out[op++] = src[1]!;
  let ip = 2;

  while (ip < ipLimit) {
    const anchor = ip;
    let ref: number;
    let distance: number;
    let matched = 3;
    if (level2 && src[ip] === src[ip - 1] && src[ip - 1] === src[ip + 1] && src[ip] === src[ip + 2]) {
      // Level 2 codes a run of one repeated byte as a distance-1 match without a hash lookup.
      distance = 1;
      ref = anchor + 2;
    } else {
      const slot = hash3(src, ip);
      ref = table[slot]!;
      distance = anchor - ref;
      table[slot] = anchor;
      let ok =
        distance !== 0 &&
        distance < maxDistance &&
        src[ref] === src[ip] &&
        src[ref + 1] === src[ip + 1] &&
        src[ref + 2] === src[ip + 2];
      // A far match must be worth its 2 extra bytes: at least 5 equal bytes. FastLZ 0.1.0 tests the
      // unbiased distance here, so distance 8191 needs 5 bytes although it is still coded as near.
      if (ok && level2 && distance >= LEVEL2_NEAR_DISTANCE) {
        ok = src[ref + 3] === src[ip + 3] && src[ref + 4] === src[ip + 4];
        matched = 5;
      }
      if (!ok) {
        out[op++] = src[anchor]!;
        ip = anchor + 1;
        if (++literals === MAX_LITERAL_RUN) {
          literals = 0;
          out[op++] = MAX_LITERAL_RUN - 1;
        }
        continue;
      }
      ref += matched;
    }
    ip = anchor + matched;
    const bias = distance - 1;
    // FastLZ scans one byte past the first mismatch (and up to ipBound at most); `ip - 3` below undoes
    // that. The first 8 comparisons are unbounded, exactly as FastLZ 0.1.0 does, for identical output.
    if (bias === 0) {
      const x = src[ip - 1]!;
      while (ip < ipBound && src[ref++] === x) ip++;
    } else {
      let k = 0;
      while (k < 8 && src[ref++] === src[ip++]) k++;
      if (k === 8) while (ip < ipBound && src[ref++] === src[ip++]);
    }
    if (literals > 0) out[op - literals - 1] = literals - 1;
    else op--; // drop the unused literal control byte
    literals = 0;
    ip -= 3;
    op = level2 ? emitMatchLevel2(out, op, ip - anchor, bias) : emitMatchLevel1(out, op, ip - anchor, bias);
    // FastLZ 0.1.0 hashes the two positions before the match end. After a level 2 far match that runs
    // to the end of the input the second one would read past it; the table is never used again then.
    if (ip + 2 < length) table[hash3(src, ip)] = ip;
    ip++;
    if (ip + 2 < length) table[hash3(src, ip)] = ip;
    ip++;
    out[op++] = MAX_LITERAL_RUN - 1;
  }

  while (ip < length) {
    out[op++] = src[ip++]!;
    if (++literals === MAX_LITERAL_RUN) {
      literals = 0;
      out[op++] = MAX_LITERAL_RUN - 1;
    }
  }
  if (literals > 0) out[op - literals - 1] = literals - 1;
  else op--;
  if (level2) out[0]! |= 1 << LEVEL_SHIFT;
  return out.slice(0, op);
}

/** Level 1 match: `len` = match length − 2, `bias` = distance − 1 (< 8192). */
function emitMatchLevel1(out: Uint8Array, op: number, len: number, bias: number): number {
  const high = bias >>> 8;
  const low = bias & 0xff;
  // Longer matches are split into full-length pieces at the same distance.
  for (; len > LEVEL1_MAX_MATCH - 2; len -= LEVEL1_MAX_MATCH - 2) {
    out[op++] = (LENGTH_EXTENDED << 5) + high;
    out[op++] = LEVEL1_MAX_MATCH - 2 - LENGTH_EXTENDED - 2;
    out[op++] = low;
  }
  if (len < LENGTH_EXTENDED) out[op++] = (len << 5) + high;
  else {
    out[op++] = (LENGTH_EXTENDED << 5) + high;
    out[op++] = len - LENGTH_EXTENDED;
  }
  out[op++] = low;
  return op;
}

/** Level 2 match: 255-continued length, and far distances as 31/255 plus a big-endian u16. */
function emitMatchLevel2(out: Uint8Array, op: number, len: number, bias: number): number {
  const far = bias >= LEVEL2_NEAR_DISTANCE;
  const high = far ? 31 : bias >>> 8;
  if (len < LENGTH_EXTENDED) out[op++] = (len << 5) + high;
  else {
    out[op++] = (LENGTH_EXTENDED << 5) + high;
    for (len -= LENGTH_EXTENDED; len >= 255; len -= 255) out[op++] = 255;
    out[op++] = len;
  }
  if (far) {
    const rest = bias - LEVEL2_NEAR_DISTANCE;
    out[op++] = 255;
    out[op++] = rest >>> 8;
    out[op++] = rest & 0xff;
  } else out[op++] = bias & 0xff;
  return op;
}

const corrupt = (message: string, at: number): CodecError =>
  new CodecError('SDP_CODEC_CORRUPT', message, { codec: 'fastlz', payloadOffset: at });

/**
 * Decodes one FastLZ block of level 1 or 2 (taken from the first byte) to at most `maxOut` bytes.
 * The caller compares the length with the fastlzlib block's `original` field.
 *
 * @throws CodecError `SDP_CODEC_OUTPUT_LIMIT` if the output would exceed `maxOut`; `SDP_CODEC_CORRUPT`
 * for an unknown level, a read past the input or a back-reference before the start of the output.
 * Never returns partial data.
 */
export function fastlzDecompress(src: Uint8Array, maxOut: number): Uint8Array {
  if (!Number.isSafeInteger(maxOut) || maxOut < 0) {
    throw new SdpipeError('SDP_INTERNAL', 'maxOut must be a non-negative integer', { maxOut });
  }
  const n = src.length;
  if (n === 0) return new Uint8Array(0);
  const levelBits = src[0]! >> LEVEL_SHIFT;
  if (levelBits > 1) throw corrupt(`unknown FastLZ level ${levelBits + 1}`, 0);
  const level2 = levelBits === 1;
  const limit = Math.min(maxOut, maxDecodedBytes(n));
  const out = new Uint8Array(limit);
  const tooLong = (): CodecError =>
    new CodecError('SDP_CODEC_OUTPUT_LIMIT', 'FastLZ output exceeds its bound', { codec: 'fastlz', maxOut });
  const next = (): number => {
    if (ip >= n) throw corrupt('FastLZ stream ends inside a match', ip);
    return src[ip++]!;
  };

  let ip = 1;
  let op = 0;
  let ctrl = src[0]! & 31;
  for (;;) {
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (ip + run > n) throw corrupt('FastLZ literal run past the end of the input', ip);
      if (op + run > limit) throw tooLong();
      for (let i = 0; i < run; i++) out[op + i] = src[ip + i]!;
      ip += run;
      op += run;
    } else {
      let len = (ctrl >> 5) - 1;
      if (len === LENGTH_EXTENDED - 1) {
        if (level2) {
          let code: number;
          do {
            code = next();
            len += code;
          } while (code === 255);
        } else len += next();
      }
      const high = ctrl & 31;
      const low = next();
      let distance = (high << 8) + low + 1;
      if (level2 && low === 255 && high === 31) {
        distance = LEVEL2_NEAR_DISTANCE + 1 + (next() << 8);
        distance += next();
      }
      len += 3;
      if (distance > op) throw corrupt('FastLZ match refers before the start of the output', ip);
      if (op + len > limit) throw tooLong();
      let from = op - distance;
      if (distance >= len && len > 32) {
        out.copyWithin(op, from, from + len);
        op += len;
      } else {
        // Overlapping copies repeat the last `distance` bytes, so they must go forwards byte by byte.
        const end = op + len;
        while (op < end) out[op++] = out[from++]!;
      }
    }
    if (ip >= n) break;
    ctrl = src[ip++]!;
  }
  return op === limit ? out : out.slice(0, op);
}
