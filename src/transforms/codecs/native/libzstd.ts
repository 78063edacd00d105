/**
 * The system Zstandard library (Debian `libzstd1`, `libzstd.so.1`) bound with koffi: single-call frame
 * compression and decompression. Loaded on first use.
 */
import { lazyBackend, type LazyBackend } from './backend-loader.js';

/**
 * The zstd simple API over whole buffers. Results are `size_t` values read as signed 64-bit numbers, so
 * an error (zstd returns `(size_t)-code`) is a small negative number: `-result` is the zstd error code.
 */
export interface Libzstd {
  /** Worst-case frame size for `inputBytes` bytes (ZSTD_compressBound). */
  compressBound(inputBytes: number): number;
  /** One frame with the content size recorded (ZSTD_compress); bytes written or a negative error. */
  compress(src: Uint8Array, dst: Uint8Array, level: number): number;
  /** Decodes every frame of `src` into `dst` (ZSTD_decompress); bytes produced or a negative error. */
  decompress(src: Uint8Array, dst: Uint8Array): number;
  /**
   * Content size recorded in the first frame's header (ZSTD_getFrameContentSize):
   * {@link ZSTD_CONTENT_SIZE_UNKNOWN} when the frame does not record it, {@link ZSTD_CONTENT_SIZE_ERROR}
   * when `src` does not start with a valid frame header.
   */
  frameContentSize(src: Uint8Array): number;
  /** zstd's text for an error result. */
  errorName(result: number): string;
}

/** soname of the Debian package `libzstd1`. */
export const LIBZSTD_SONAME = 'libzstd.so.1';
/** ZSTD_CONTENTSIZE_UNKNOWN, `(unsigned long long)-1`, read as a signed number. */
export const ZSTD_CONTENT_SIZE_UNKNOWN = -1;
/** ZSTD_CONTENTSIZE_ERROR, `(unsigned long long)-2`, read as a signed number. */
export const ZSTD_CONTENT_SIZE_ERROR = -2;
/** zstd error code `dstSize_tooSmall`: the output buffer was too small (a stable value of zstd_errors.h). */
export const ZSTD_ERROR_DST_SIZE_TOO_SMALL = 70;

type CompressFn = (
  dst: Uint8Array,
  cap: number,
  src: Uint8Array,
  n: number,
  level: number,
) => number | bigint;
type DecompressFn = (dst: Uint8Array, cap: number, src: Uint8Array, n: number) => number | bigint;

/** koffi gives a 64-bit result as a number when it is exact, else as a bigint; all ours are small. */
const toNumber = (v: number | bigint): number => (typeof v === 'bigint' ? Number(v) : v);

/** The lazily opened libzstd; `get()` is undefined when it cannot be loaded here. */
export const libzstd: LazyBackend<Libzstd> = lazyBackend(`libzstd (${LIBZSTD_SONAME})`, (loader) => {
  const lib = loader.loadLibrary(LIBZSTD_SONAME);
  // size_t results are declared int64_t (same register, same bits) so that errors come back negative.
  const bound = lib.func('int64_t ZSTD_compressBound(size_t srcSize)') as (n: number) => number | bigint;
  const compress = lib.func(
    'int64_t ZSTD_compress(uint8_t *dst, size_t dstCapacity, const uint8_t *src, size_t srcSize, int level)',
  ) as CompressFn;
  const decompress = lib.func(
    'int64_t ZSTD_decompress(uint8_t *dst, size_t dstCapacity, const uint8_t *src, size_t compressedSize)',
  ) as DecompressFn;
  const contentSize = lib.func('int64_t ZSTD_getFrameContentSize(const uint8_t *src, size_t srcSize)') as (
    src: Uint8Array,
    n: number,
  ) => number | bigint;
  const errorName = lib.func('const char *ZSTD_getErrorName(int64_t code)') as (code: number) => string;
  return {
    compressBound: (n) => toNumber(bound(n)),
    compress: (src, dst, level) => toNumber(compress(dst, dst.length, src, src.length, level)),
    decompress: (src, dst) => toNumber(decompress(dst, dst.length, src, src.length)),
    frameContentSize: (src) => toNumber(contentSize(src, src.length)),
    errorName: (result) => errorName(result),
  };
});
