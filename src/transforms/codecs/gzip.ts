/**
 * GZIP (magic `GZIP`): despite the name, one zlib (RFC 1950) stream per record, made with the zlib
 * defaults at the given level and a single Z_FINISH (compression.md §3.1). The same bytes are Bacula's
 * header-less stream 4/7/12 payloads.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { SdpipeError } from '../../errors.js';
import type { CodecDescriptor } from './codec.js';
import { badLevel, corruptPayload, outputLimit } from './codec-errors.js';
import { libz } from './native/libz.js';

/** zlib levels; Bareos passes AutoDeflateLevel to deflateInit, which refuses anything else. */
const MIN_LEVEL = 0;
const MAX_LEVEL = 9;
/** The Bareos / Bacula deflate parameters besides the level (zlib defaults). */
const WINDOW_BITS = 15;
const MEM_LEVEL = 8;

function compress(data: Uint8Array, level: number): Uint8Array {
  if (!Number.isInteger(level) || level < MIN_LEVEL || level > MAX_LEVEL) {
    throw badLevel('gzip', level, `${MIN_LEVEL}..${MAX_LEVEL}`);
  }
  const z = libz.get();
  if (z) {
    const dst = Buffer.allocUnsafe(z.compressBound(data.length));
    const written = z.compress(data, dst, level);
    // compressBound guarantees room and the level was checked: a refusal here is a bug, not bad data.
    if (written < 0) {
      throw new SdpipeError('SDP_INTERNAL', `gzip: zlib compress2 returned ${written}`, { codec: 'gzip' });
    }
    return dst.subarray(0, written);
  }
  return deflateSync(data, { level, windowBits: WINDOW_BITS, memLevel: MEM_LEVEL });
}

/** Node reports a failed inflate as an Error with a zlib `code` (Z_DATA_ERROR, Z_BUF_ERROR, …). */
const zlibCode = (e: unknown): string | undefined =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

function decompress(payload: Uint8Array, maxOut: number): Uint8Array {
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    result = inflateSync(payload, {
      // node:zlib refuses a bound of 0; one byte more is checked below instead.
      maxOutputLength: Math.max(1, maxOut),
      info: true,
    }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  } catch (e) {
    if (zlibCode(e) === 'ERR_BUFFER_TOO_LARGE') throw outputLimit('gzip', maxOut);
    // Z_BUF_ERROR here means the stream stopped before its end (truncated record).
    throw corruptPayload('gzip', e instanceof Error ? e.message : String(e), { zlibCode: zlibCode(e) }, e);
  }
  if (result.buffer.length > maxOut) throw outputLimit('gzip', maxOut);
  // inflate stops at the end of the zlib stream; anything after it is not part of the record.
  const consumed = result.engine.bytesWritten;
  if (consumed !== payload.length) {
    throw corruptPayload('gzip', `${payload.length - consumed} bytes after the end of the zlib stream`, {
      payloadOffset: consumed,
    });
  }
  return result.buffer;
}

/**
 * The GZIP codec. Compression uses the system zlib (byte-identical to what Bareos and Bacula write)
 * and falls back to node:zlib when `libz.so.1` cannot be loaded (valid, but not always byte-identical);
 * decompression always uses node:zlib.
 */
export const gzip: CodecDescriptor = {
  name: 'gzip',
  magic: 'GZIP',
  displayName: 'GZIP',
  extension: false,
  defaultLevel: 6,
  backend: () => {
    const z = libz.get();
    return z ? `system zlib ${z.version} via koffi (inflate: node:zlib)` : 'node:zlib';
  },
  compress,
  decompress,
};
