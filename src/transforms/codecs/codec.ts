/**
 * The codec contract. Each codec file exports one {@link CodecDescriptor}; `codecs/index.ts` holds the
 * only list, and every lookup (by name, by compression-header magic, CLI choices, bench and property-test
 * matrices) is derived from it (style guide §5). Codecs are pure functions over bytes: no streams, no I/O.
 */

/** One compression algorithm as it appears on a volume. */
export interface CodecDescriptor {
  /** Directive keyword (`AutoDeflateAlgorithm`): gzip, lzo, lzfast, lz4, lz4hc, zstd, snappy. */
  readonly name: string;
  /** Compression-header magic, 4 ASCII chars (GZIP, LZOX, FZFZ, FZ4L, FZ4H, …). */
  readonly magic: string;
  /** Name Bareos prints in "Compressor on device … is <NAME>". */
  readonly displayName: string;
  /** True for sdpipe extensions that Bareos cannot read (zstd, snappy). */
  readonly extension: boolean;
  /** Level used when none is given. */
  readonly defaultLevel: number;
  /** Which backend serves it at run time (e.g. `liblz4 via koffi`, `node:zlib`, `typescript`). */
  backend(): string;
  /** Compresses a whole record's data. Throws CodecError SDP_CODEC_UNAVAILABLE if the backend is missing. */
  compress(data: Uint8Array, level: number): Uint8Array;
  /**
   * Decompresses a payload. `maxOut` bounds the output: a payload that would decode to more throws
   * SDP_CODEC_OUTPUT_LIMIT; a corrupt payload throws SDP_CODEC_CORRUPT. Never returns partial data.
   */
  decompress(payload: Uint8Array, maxOut: number): Uint8Array;
}
