/**
 * The system LZ4 library (Debian `liblz4-1`, `liblz4.so.1`) bound with koffi: the LZ4 block format
 * calls that fastlzlib's FZ4L and FZ4H blocks need (compression.md §3.3). Loaded on first use.
 */
import { lazyBackend, type LazyBackend } from './backend-loader.js';

/** The LZ4 block functions, over whole buffers. Every count is in bytes; 0 or negative means failure. */
export interface Liblz4 {
  /** Worst-case compressed size of `inputBytes` bytes (LZ4_compressBound). */
  compressBound(inputBytes: number): number;
  /** Fast compression, acceleration 1 (LZ4_compress_default); returns the bytes written, 0 if `dst` is full. */
  compressDefault(src: Uint8Array, dst: Uint8Array): number;
  /** High-compression (LZ4_compress_HC) at `level`; returns the bytes written, 0 if `dst` is full. */
  compressHC(src: Uint8Array, dst: Uint8Array, level: number): number;
  /**
   * Decodes exactly all of `src` into `dst` (LZ4_decompress_safe); returns the bytes produced, or a
   * negative value when the input is malformed, runs past `dst`, or has bytes after its last sequence.
   */
  decompressSafe(src: Uint8Array, dst: Uint8Array): number;
}

/** soname of the Debian package `liblz4-1`. */
export const LIBLZ4_SONAME = 'liblz4.so.1';

type CompressFn = (src: Uint8Array, dst: Uint8Array, srcSize: number, dstCapacity: number) => number;
type CompressHCFn = (
  src: Uint8Array,
  dst: Uint8Array,
  srcSize: number,
  dstCapacity: number,
  level: number,
) => number;

/** The lazily opened liblz4; `get()` is undefined when it cannot be loaded here. */
export const liblz4: LazyBackend<Liblz4> = lazyBackend(`liblz4 (${LIBLZ4_SONAME})`, (loader) => {
  const lib = loader.loadLibrary(LIBLZ4_SONAME);
  // koffi passes a Uint8Array's own memory for pointer arguments, so nothing is copied either way.
  const bound = lib.func('int LZ4_compressBound(int inputSize)') as (n: number) => number;
  const fast = lib.func(
    'int LZ4_compress_default(const uint8_t *src, uint8_t *dst, int srcSize, int dstCapacity)',
  ) as CompressFn;
  const hc = lib.func(
    'int LZ4_compress_HC(const uint8_t *src, uint8_t *dst, int srcSize, int dstCapacity, int level)',
  ) as CompressHCFn;
  const safe = lib.func(
    'int LZ4_decompress_safe(const uint8_t *src, uint8_t *dst, int compressedSize, int dstCapacity)',
  ) as CompressFn;
  return {
    compressBound: (n) => bound(n),
    compressDefault: (src, dst) => fast(src, dst, src.length, dst.length),
    compressHC: (src, dst, level) => hc(src, dst, src.length, dst.length, level),
    decompressSafe: (src, dst) => safe(src, dst, src.length, dst.length),
  };
});
