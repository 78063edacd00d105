/**
 * Record data ↔ compressed record data: the pure functions behind autoxflate, bextract and restore.
 * Bareos streams 29/30/31 carry the 12-byte compression header (compression.md §2, §4.4, §4.5); Bacula's
 * GZIP streams 4/7/12 carry a bare zlib stream (compression.md §1, Q9).
 */
import { CodecError, wrap, type Where } from '../errors.js';
import type { CodecDescriptor } from './codecs/codec.js';
import { gzip } from './codecs/gzip.js';
import { codecByMagic } from './codecs/index.js';
import {
  COMPRESSION_HEADER_BYTES,
  COMPRESSION_HEADER_VERSION,
  decodeCompressionHeader,
  encodeCompressionHeader,
  type CompressionHeader,
} from './compression-header.js';

/** Plain data stream → its compressed stream, as autoxflate and the FD map them (compression.md §4.2). */
export const DEFLATED_STREAM: Readonly<Record<number, number>> = { 2: 29, 6: 30, 11: 31 };
/** Compressed stream (with header) → the plain stream it inflates to (compression.md §4.2). */
export const INFLATED_STREAM: Readonly<Record<number, number>> = { 29: 2, 30: 6, 31: 11 };
/** Bacula's header-less GZIP streams → the plain stream they inflate to (compression.md §1). */
export const BACULA_GZIP_INFLATED_STREAM: Readonly<Record<number, number>> = { 4: 2, 7: 6, 12: 11 };

/** The sparse streams (6, 30, 7) start with the file offset, a u64 big-endian. */
export const SPARSE_OFFSET_BYTES = 8;

/**
 * Default bound on the decoded data of one record. There is no original length on disk; Bareos's own
 * records hold at most 262144 bytes, but FD records can be as large as the network buffer, so the
 * default is generous.
 */
export const DEFAULT_MAX_RECORD_DATA_BYTES = 4 * 1024 * 1024;

/** The header `level` is a u16 (compression.md §2). */
const MAX_HEADER_LEVEL = 0xffff;

/**
 * How a stream-30 payload relates to its outer offset (quirk Q1):
 * - `offset-compressed`: autoxflate's layout, the payload decodes to `offset ‖ data`;
 * - `data-only`: the FD's layout, the payload decodes to `data`;
 * - `detect`: `offset-compressed` when the decoded bytes start with the outer offset (and, if
 *   `expectedDataLength` is given, are exactly 8 bytes longer than it), else `data-only`.
 */
export type SparseLayout = 'detect' | 'offset-compressed' | 'data-only';

/** Options of {@link inflatePayload}. */
export interface InflateOptions {
  /** Bound on the decoded file data (offset excluded); default {@link DEFAULT_MAX_RECORD_DATA_BYTES}. */
  readonly maxDataBytes?: number;
  /** Stream 30 only; default `detect`. */
  readonly sparseLayout?: SparseLayout;
  /** Stream 30 with `detect` only: the file-data length the caller expects, when it knows it. */
  readonly expectedDataLength?: number;
}

/** Options of {@link deflatePayload}. */
export interface DeflateOptions {
  /**
   * Stream 6 only: compress `offset ‖ data` like Bareos autoxflate (true, the default: byte-identical
   * to Bareos, quirk Q1) or only the data like the FD (false).
   */
  readonly sparseOffsetInPayload?: boolean;
}

/** A record's data and stream after (de)compression. */
export interface TransformedPayload {
  readonly stream: number;
  readonly data: Uint8Array;
}

/** What {@link inflatePayload} found besides the data. */
export interface InflatedPayload extends TransformedPayload {
  /** The decoded compression header. */
  readonly header: CompressionHeader;
  /** The codec named by the header's magic. */
  readonly codec: CodecDescriptor;
  /** Stream 30 only: true when the payload held `offset ‖ data` (autoxflate, Q1). */
  readonly sparseOffsetCompressed?: boolean;
}

const sparseTooShort = (stream: number, length: number, where: Where) =>
  new CodecError('SDP_SPARSE_OFFSET', 'sparse record shorter than its file offset', {
    ...where,
    stream,
    length,
  });

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Decodes the compression header of a stream 29/30/31 record (after the offset for 30) and checks it
 * against the record length (compression.md §2). Throws CodecError SDP_STREAM_UNKNOWN for other
 * streams, SDP_COMPRESSION_HEADER, SDP_SPARSE_OFFSET or SDP_CODEC_UNKNOWN, with `where` and the stream.
 */
export function readCompressionHeader(
  stream: number,
  data: Uint8Array,
  where: Where = {},
): { header: CompressionHeader; codec: CodecDescriptor; headerAt: number } {
  if (INFLATED_STREAM[stream] === undefined) {
    throw new CodecError('SDP_STREAM_UNKNOWN', `stream ${stream} carries no compression header`, {
      ...where,
      stream,
    });
  }
  const headerAt = stream === 30 ? SPARSE_OFFSET_BYTES : 0;
  if (data.length < headerAt) throw sparseTooShort(stream, data.length, where);
  const context = { ...where, stream };
  const header = decodeCompressionHeader(data, headerAt, context, data.length - headerAt);
  try {
    return { header, codec: codecByMagic(header.magic), headerAt };
  } catch (e) {
    throw wrap(e, context);
  }
}

/**
 * Inflates a stream 29/30/31 record's data (compression.md §4.5): 29 → 2, 30 → 6, 31 → 11. For 30 the
 * result is `[offset 8][file data]` whichever layout the payload has (Q1). Throws CodecError (header,
 * codec, corrupt payload, output bound, missing backend) with `where` and the stream in its context.
 */
export function inflatePayload(
  stream: number,
  data: Uint8Array,
  where: Where = {},
  options: InflateOptions = {},
): InflatedPayload {
  const { header, codec, headerAt } = readCompressionHeader(stream, data, where);
  const maxDataBytes = options.maxDataBytes ?? DEFAULT_MAX_RECORD_DATA_BYTES;
  const payload = data.subarray(headerAt + COMPRESSION_HEADER_BYTES);
  const newStream = INFLATED_STREAM[stream]!;
  const context = { ...where, stream, codec: codec.name };
  try {
    if (stream !== 30) {
      return { stream: newStream, data: codec.decompress(payload, maxDataBytes), header, codec };
    }
    const offset = data.subarray(0, SPARSE_OFFSET_BYTES);
    const decoded = codec.decompress(payload, maxDataBytes + SPARSE_OFFSET_BYTES);
    const startsWithOffset = bytesEqual(decoded.subarray(0, SPARSE_OFFSET_BYTES), offset);
    const layout = options.sparseLayout ?? 'detect';
    const offsetCompressed =
      layout === 'offset-compressed' ||
      (layout === 'detect' &&
        startsWithOffset &&
        (options.expectedDataLength === undefined ||
          decoded.length === options.expectedDataLength + SPARSE_OFFSET_BYTES));
    if (offsetCompressed) {
      if (!startsWithOffset) {
        throw new CodecError('SDP_CODEC_CORRUPT', 'sparse payload does not start with the record offset', {
          ...context,
        });
      }
      // `decoded` already is `offset ‖ data`, the stream-6 record data.
      return { stream: newStream, data: decoded, header, codec, sparseOffsetCompressed: true };
    }
    if (decoded.length > maxDataBytes) {
      throw new CodecError('SDP_CODEC_OUTPUT_LIMIT', 'decoded sparse data exceeds its bound', {
        ...context,
        maxOut: maxDataBytes,
      });
    }
    const out = new Uint8Array(SPARSE_OFFSET_BYTES + decoded.length);
    out.set(offset);
    out.set(decoded, SPARSE_OFFSET_BYTES);
    return { stream: newStream, data: out, header, codec, sparseOffsetCompressed: false };
  } catch (e) {
    throw wrap(e, context);
  }
}

/**
 * Deflates a stream 2/6/11 record's data (compression.md §4.4): 2 → 29, 6 → 30, 11 → 31, with the
 * header `level` = `level` (AutoDeflateLevel) whatever the algorithm. There is no "did it shrink" check
 * (Q3). Throws CodecError SDP_STREAM_UNKNOWN for other streams, SDP_CODEC_LEVEL for a level that is not
 * a u16 or that the codec refuses, SDP_SPARSE_OFFSET, or SDP_CODEC_UNAVAILABLE.
 */
export function deflatePayload(
  stream: number,
  data: Uint8Array,
  codec: CodecDescriptor,
  level: number,
  options: DeflateOptions = {},
): TransformedPayload {
  const newStream = DEFLATED_STREAM[stream];
  if (newStream === undefined) {
    throw new CodecError('SDP_STREAM_UNKNOWN', `stream ${stream} is not deflated`, { stream });
  }
  if (!Number.isInteger(level) || level < 0 || level > MAX_HEADER_LEVEL) {
    throw new CodecError('SDP_CODEC_LEVEL', `level ${level} does not fit the compression header`, {
      stream,
      codec: codec.name,
      level,
    });
  }
  const sparse = stream === 6;
  if (sparse && data.length < SPARSE_OFFSET_BYTES) throw sparseTooShort(stream, data.length, {});
  const input = sparse && options.sparseOffsetInPayload === false ? data.subarray(SPARSE_OFFSET_BYTES) : data;
  let payload: Uint8Array;
  try {
    payload = codec.compress(input, level);
  } catch (e) {
    throw wrap(e, { stream, codec: codec.name });
  }
  const header = encodeCompressionHeader({
    magic: codec.magic,
    size: payload.length,
    level,
    version: COMPRESSION_HEADER_VERSION,
  });
  const prefix = sparse ? SPARSE_OFFSET_BYTES : 0;
  const out = new Uint8Array(prefix + header.length + payload.length);
  if (sparse) out.set(data.subarray(0, SPARSE_OFFSET_BYTES));
  out.set(header, prefix);
  out.set(payload, prefix + header.length);
  return { stream: newStream, data: out };
}

/**
 * Inflates the data of Bacula's header-less GZIP streams (compression.md §1, Q9): one bare zlib stream
 * for 4 and 12; for 7 the caller passes the bytes after the 8-byte offset, which is not compressed.
 * Returns the decoded bytes (for 4 → 2, 7 → 6, 12 → 11; see {@link BACULA_GZIP_INFLATED_STREAM}).
 * Throws CodecError SDP_CODEC_CORRUPT (also for trailing bytes or a truncated stream) or
 * SDP_CODEC_OUTPUT_LIMIT above `maxOut`, with `where` in its context.
 */
export function inflateBaculaGzip(
  data: Uint8Array,
  maxOut = DEFAULT_MAX_RECORD_DATA_BYTES,
  where: Where = {},
): Uint8Array {
  try {
    return gzip.decompress(data, maxOut);
  } catch (e) {
    throw wrap(e, where);
  }
}
