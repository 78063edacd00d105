/**
 * The system zlib (Debian `zlib1g`, `libz.so.1`) bound with koffi, for compression only.
 *
 * Why not node:zlib: Node bundles Chromium's zlib fork, whose deflate output differs from upstream zlib
 * for the same level (on the fixtures it reproduced 37 of the 114 Vol-gzip records and 14 of the 38
 * Bareos 25.1.0 GZIP records; the system zlib 1.2.13 reproduced all of them). Bareos and Bacula link the
 * system zlib, so this is what writes byte-identical GZIP records (compression.md §3.1).
 */
import { lazyBackend, type LazyBackend } from './backend-loader.js';

/** One-shot zlib (RFC 1950) compression with the zlib defaults. */
export interface Libz {
  /** zlib's own version string (`zlibVersion()`), e.g. `1.2.13`. */
  readonly version: string;
  /** Worst-case output size for `inputBytes` bytes (compressBound). */
  compressBound(inputBytes: number): number;
  /**
   * compress2: one zlib stream of `src` at `level` (windowBits 15, memLevel 8, default strategy, a single
   * Z_FINISH), the parameters Bareos and Bacula use. Returns the bytes written into `dst`, or a negative
   * zlib status (Z_STREAM_ERROR −2 for a bad level, Z_BUF_ERROR −5 when `dst` is too small).
   */
  compress(src: Uint8Array, dst: Uint8Array, level: number): number;
}

/** soname of the Debian package `zlib1g`. */
export const LIBZ_SONAME = 'libz.so.1';

type Compress2Fn = (dst: Uint8Array, dstLen: [number], src: Uint8Array, n: number, level: number) => number;

/** The lazily opened system zlib; `get()` is undefined when it cannot be loaded here. */
export const libz: LazyBackend<Libz> = lazyBackend(`zlib (${LIBZ_SONAME})`, (loader) => {
  const lib = loader.loadLibrary(LIBZ_SONAME);
  const version = (lib.func('const char *zlibVersion()') as () => string)();
  const bound = lib.func('unsigned long compressBound(unsigned long sourceLen)') as (n: number) => number;
  const compress2 = lib.func(
    'int compress2(uint8_t *dest, _Inout_ unsigned long *destLen, const uint8_t *source, unsigned long sourceLen, int level)',
  ) as Compress2Fn;
  return {
    version,
    compressBound: (n) => bound(n),
    compress: (src, dst, level) => {
      const destLen: [number] = [dst.length];
      const status = compress2(dst, destLen, src, src.length, level);
      return status === 0 ? destLen[0] : status;
    },
  };
});
