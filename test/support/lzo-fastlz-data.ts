/**
 * Test data for the LZ-family codec tests (LZO1X, FastLZ): a fast-check arbitrary for compressible
 * data built like an LZ77 parse (literals, copies from near and far back, byte runs, small alphabets),
 * so that every instruction class and distance range of the codecs gets exercised, plus hex helpers.
 */
import fc from 'fast-check';
import { CodecError, type ErrorCode } from '../../src/errors.js';

/** Property-test parameters: a fixed seed in CI (style guide §6); fast-check prints any failing seed. */
export const FC_SEED: { seed?: number } = process.env['CI'] ? { seed: 20261123 } : {};

/** The largest input the round-trip properties generate. */
export const MAX_DATA_BYTES = 1 << 20;

/** One step of the generated "parse". */
type Piece =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'copy'; readonly back: number; readonly length: number }
  | { readonly kind: 'run'; readonly byte: number; readonly length: number }
  | {
      readonly kind: 'alphabet';
      readonly alphabet: Uint8Array;
      readonly seed: number;
      readonly length: number;
    };

const piece: fc.Arbitrary<Piece> = fc.oneof(
  fc.uint8Array({ maxLength: 80 }).map((bytes): Piece => ({ kind: 'bytes', bytes })),
  fc
    .record({
      // Near (M1/M2, FastLZ short), mid and far (LZO M4, FastLZ level 2 far, beyond a 48 KiB chunk).
      back: fc.oneof(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 20_000 }), fc.nat(80_000)),
      length: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3_000 })),
    })
    .map((r): Piece => ({ kind: 'copy', ...r })),
  fc
    .record({ byte: fc.nat(255), length: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.nat(70_000)) })
    .map((r): Piece => ({ kind: 'run', ...r })),
  fc
    .record({
      alphabet: fc.uint8Array({ minLength: 1, maxLength: 4 }),
      seed: fc.nat(),
      length: fc.oneof(fc.nat(500), fc.nat(60_000)),
    })
    .map((r): Piece => ({ kind: 'alphabet', ...r })),
);

/** Expands a parse into bytes, cut at {@link MAX_DATA_BYTES}. */
function expand(pieces: readonly Piece[]): Uint8Array {
  const out = new Uint8Array(MAX_DATA_BYTES);
  let n = 0;
  for (const p of pieces) {
    const room = MAX_DATA_BYTES - n;
    switch (p.kind) {
      case 'bytes': {
        const bytes = p.bytes.subarray(0, room);
        out.set(bytes, n);
        n += bytes.length;
        break;
      }
      case 'copy': {
        if (n === 0) break;
        let from = n - 1 - Math.min(p.back, n - 1);
        const end = n + Math.min(p.length, room);
        while (n < end) out[n++] = out[from++]!;
        break;
      }
      case 'run': {
        const length = Math.min(p.length, room);
        out.fill(p.byte, n, n + length);
        n += length;
        break;
      }
      case 'alphabet': {
        let state = p.seed >>> 0 || 1;
        const end = n + Math.min(p.length, room);
        while (n < end) {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          out[n++] = p.alphabet[(state >>> 0) % p.alphabet.length]!;
        }
        break;
      }
    }
  }
  return out.slice(0, n);
}

/** Compressible data of 0..1 MiB with matches at every distance the codecs can code. */
export const compressibleData = (maxPieces = 40): fc.Arbitrary<Uint8Array> =>
  fc.array(piece, { maxLength: maxPieces, size: 'max' }).map(expand);

/** Bytes from hex with optional spaces. */
export const fromHex = (hex: string): Uint8Array =>
  Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));

/** Lower-case hex of bytes. */
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Runs `f` and returns the CodecError code it threw, or `undefined` if it returned. */
export function codecErrorCode(f: () => unknown): ErrorCode | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof CodecError) return e.code;
    throw e;
  }
}

/** A deterministic pseudo-random buffer (xorshift32), incompressible for the LZ codecs. */
export function noise(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

/**
 * Index of the first byte where `a` and `b` differ (or the shorter length), −1 if they are equal.
 * Cheaper than `toEqual` on megabyte buffers and still says where a round trip went wrong.
 */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
