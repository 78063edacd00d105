/**
 * ZSTD (magic `ZSTD`, bytes `5A 53 54 44`): an sdpipe extension that Bareos cannot read. The payload
 * behind the 12-byte compression header is exactly one Zstandard frame (RFC 8878) with its content size
 * recorded, made by the single-call `ZSTD_compress` at the header's level. Any level is accepted: zstd
 * clamps it to its own range (1..22, with 0 meaning its default, 3).
 */
import { SdpipeError } from '../../errors.js';
import type { CodecDescriptor } from './codec.js';
import { corruptPayload, lengthMismatch, outputLimit } from './codec-errors.js';
import {
  libzstd,
  ZSTD_CONTENT_SIZE_ERROR,
  ZSTD_CONTENT_SIZE_UNKNOWN,
  ZSTD_ERROR_DST_SIZE_TOO_SMALL,
} from './native/libzstd.js';

function compress(data: Uint8Array, level: number): Uint8Array {
  const z = libzstd.require('zstd');
  const dst = Buffer.allocUnsafe(z.compressBound(data.length));
  const written = z.compress(data, dst, level);
  // compressBound guarantees room and zstd clamps levels: a refusal here is a bug, not bad data.
  if (written < 0) {
    throw new SdpipeError('SDP_INTERNAL', `zstd: ZSTD_compress failed: ${z.errorName(written)}`, {
      codec: 'zstd',
    });
  }
  return dst.subarray(0, written);
}

function decompress(payload: Uint8Array, maxOut: number): Uint8Array {
  const z = libzstd.require('zstd');
  const declared = z.frameContentSize(payload);
  if (declared === ZSTD_CONTENT_SIZE_ERROR) throw corruptPayload('zstd', 'not a zstd frame');
  if (declared !== ZSTD_CONTENT_SIZE_UNKNOWN && declared > maxOut) {
    throw outputLimit('zstd', maxOut, { original: declared });
  }
  // A frame from another writer may not record its size: then decode into the whole bound.
  const known = declared !== ZSTD_CONTENT_SIZE_UNKNOWN;
  const out = Buffer.allocUnsafe(known ? declared : maxOut);
  const produced = z.decompress(payload, out);
  if (produced < 0) {
    // With a recorded size, running out of room means more data follows the frame (trailing bytes
    // or a second frame): corrupt, not over the bound.
    if (-produced === ZSTD_ERROR_DST_SIZE_TOO_SMALL && !known) throw outputLimit('zstd', maxOut);
    throw corruptPayload('zstd', z.errorName(produced), { zstdError: -produced });
  }
  if (known && produced !== declared) throw lengthMismatch('zstd', declared, produced);
  // Without a recorded size the buffer is the whole bound: keep only what was produced.
  return known ? out : Buffer.from(out.subarray(0, produced));
}

/** The zstd codec (sdpipe extension). Backend: the system libzstd through koffi. */
export const zstd: CodecDescriptor = {
  name: 'zstd',
  magic: 'ZSTD',
  displayName: 'ZSTD',
  extension: true,
  defaultLevel: 3,
  backend: () => (libzstd.get() ? 'libzstd via koffi' : `unavailable (${libzstd.label} cannot be loaded)`),
  compress,
  decompress,
};
