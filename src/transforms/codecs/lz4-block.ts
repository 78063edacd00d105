/**
 * LZ4 block format (no LZ4 frame), the inner data of FZ4L and FZ4H fastlzlib blocks (compression.md
 * §3.3), served by the system liblz4 through koffi, or by the `lz4-napi` package where liblz4 cannot be
 * loaded. lz4-napi has no HC mode, so HC then falls back to its fast compressor.
 */
import { CodecError } from '../../errors.js';
import type { BlockCompressor, BlockDecompressor } from './fastlzlib-framing.js';
import { corruptPayload, lengthMismatch } from './codec-errors.js';
import { lazyBackend } from './native/backend-loader.js';
import { liblz4 } from './native/liblz4.js';

/** The parts of `lz4-napi` used here. Its sync calls put a 4-byte little-endian size before the block. */
interface Lz4Napi {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Buffer): Buffer;
}

/** Bytes of the size prefix that lz4-napi (lz4_flex `*_size_prepended`) adds. */
const LZ4_NAPI_SIZE_PREFIX_BYTES = 4;

/** The `lz4-napi` package, opened on first use. */
export const lz4Napi = lazyBackend(
  'lz4-napi (npm)',
  (loader) => loader.requirePackage('lz4-napi') as Lz4Napi,
);

/** A Buffer over the same memory, so native calls read the bytes in place. */
const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.length);

/** Which LZ4 compressor a codec gets. */
export type Lz4Mode = { readonly kind: 'fast' } | { readonly kind: 'hc'; readonly level: number };

/** Which backend serves LZ4 in `mode` here, for `backend()`. */
export function lz4BackendName(mode: Lz4Mode): string {
  if (liblz4.get()) return `liblz4 via koffi${mode.kind === 'hc' ? ` (HC level ${mode.level})` : ''}`;
  if (lz4Napi.get()) return mode.kind === 'hc' ? 'lz4-napi (no HC: fast compressor)' : 'lz4-napi';
  return 'unavailable (neither liblz4.so.1 nor lz4-napi can be loaded)';
}

/** A block compressor for the fastlzlib framing, or throws SDP_CODEC_UNAVAILABLE naming liblz4. */
export function lz4BlockCompressor(codec: string, mode: Lz4Mode): BlockCompressor {
  const lib = liblz4.get();
  if (lib) {
    return (block) => {
      // A capacity one short of the input: liblz4 gives up (returns 0) as soon as the result would not
      // be smaller, which is exactly when the framing stores the block RAW. Output bytes are the same.
      const dst = Buffer.allocUnsafe(Math.max(0, block.length - 1));
      const written =
        mode.kind === 'hc' ? lib.compressHC(block, dst, mode.level) : lib.compressDefault(block, dst);
      return written > 0 ? dst.subarray(0, written) : null;
    };
  }
  const napi = lz4Napi.get();
  if (napi) return (block) => napi.compressSync(asBuffer(block)).subarray(LZ4_NAPI_SIZE_PREFIX_BYTES);
  throw lz4Unavailable(codec);
}

/** A block decompressor for the fastlzlib framing, or throws SDP_CODEC_UNAVAILABLE. */
export function lz4BlockDecompressor(codec: string): BlockDecompressor {
  const lib = liblz4.get();
  if (lib) {
    return (stored, out) => {
      // decompress_safe reads all of `stored`; bytes after the last sequence or output past `out` make
      // it fail, so a block decodes only when it is exactly what its header says.
      const produced = lib.decompressSafe(stored, out);
      if (produced < 0) throw corruptPayload(codec, 'malformed LZ4 block', { lz4Status: produced });
      return produced;
    };
  }
  const napi = lz4Napi.get();
  if (napi) {
    return (stored, out) => {
      const prefixed = Buffer.allocUnsafe(LZ4_NAPI_SIZE_PREFIX_BYTES + stored.length);
      prefixed.writeUInt32LE(out.length, 0);
      prefixed.set(stored, LZ4_NAPI_SIZE_PREFIX_BYTES);
      let decoded: Buffer;
      try {
        decoded = napi.uncompressSync(prefixed);
      } catch (e) {
        throw corruptPayload(
          codec,
          `malformed LZ4 block: ${e instanceof Error ? e.message : String(e)}`,
          {},
          e,
        );
      }
      if (decoded.length !== out.length) throw lengthMismatch(codec, out.length, decoded.length);
      out.set(decoded);
      return decoded.length;
    };
  }
  throw lz4Unavailable(codec);
}

/** SDP_CODEC_UNAVAILABLE naming both LZ4 backends; liblz4's load failure is the cause. */
function lz4Unavailable(codec: string): CodecError {
  let cause: unknown;
  try {
    liblz4.require(codec);
  } catch (e) {
    cause = e instanceof CodecError ? e.cause : e;
  }
  return new CodecError(
    'SDP_CODEC_UNAVAILABLE',
    `${codec}: neither ${liblz4.label} (Debian liblz4-1) nor ${lz4Napi.label} can be loaded`,
    { codec, backend: `${liblz4.label}, ${lz4Napi.label}` },
    { cause },
  );
}
