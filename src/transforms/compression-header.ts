/**
 * The 12-byte Bareos compression header that starts the data of every stream 29/31 record (and follows
 * the 8-byte offset in stream 30): compression.md §2. Big-endian, in this order on disk.
 */
import { CodecError, type Where } from '../errors.js';
import { ascii, field, layout, u16be, u32be, type ValueOf } from '../layout.js';

/** The compression header's field table (compression.md §2). */
export const COMPRESSION_HEADER = layout(
  'CompressionHeader',
  [
    // algorithm FourCC (compression.md §3)
    field('magic', ascii(4)),
    // length of the compressed payload that follows; there is no original-length field
    field('size', u32be),
    // informational only: decoders ignore it (compression.md §2.1)
    field('level', u16be),
    field('version', u16be),
  ],
  'SDP_COMPRESSION_HEADER',
);

/** A decoded compression header. */
export type CompressionHeader = ValueOf<typeof COMPRESSION_HEADER>;

/** Bytes the header takes on disk. */
export const COMPRESSION_HEADER_BYTES = 12;
/** The only header version Bareos writes and reads. */
export const COMPRESSION_HEADER_VERSION = 1;

/** Encodes a header; `version` is written as given (use {@link COMPRESSION_HEADER_VERSION}). */
export const encodeCompressionHeader = (header: CompressionHeader): Uint8Array =>
  COMPRESSION_HEADER.encode(header);

/**
 * Decodes the header at `at`. When `span` is given (the bytes the header and its payload take: the
 * record length, minus 8 for stream 30) it checks `size + 12 == span`, as Bareos does ("header size
 * error"). Always checks `version == 1` ("header version error"). Throws CodecError
 * SDP_COMPRESSION_HEADER with `where` and the offending field; the magic is not checked here (the codec
 * registry knows the magics).
 */
export function decodeCompressionHeader(
  bytes: Uint8Array,
  at = 0,
  where: Where = {},
  span?: number,
): CompressionHeader {
  if (at < 0 || bytes.length - at < COMPRESSION_HEADER_BYTES) {
    throw new CodecError('SDP_COMPRESSION_HEADER', 'record too short for a compression header', {
      ...where,
      field: 'size',
      need: COMPRESSION_HEADER_BYTES,
      have: Math.max(0, bytes.length - at),
    });
  }
  const header = COMPRESSION_HEADER.decode(bytes, at, where);
  if (header.version !== COMPRESSION_HEADER_VERSION) {
    throw new CodecError('SDP_COMPRESSION_HEADER', 'compression header version error', {
      ...where,
      field: 'version',
      expected: COMPRESSION_HEADER_VERSION,
      actual: header.version,
    });
  }
  if (span !== undefined && header.size + COMPRESSION_HEADER_BYTES !== span) {
    throw new CodecError('SDP_COMPRESSION_HEADER', 'compression header size error', {
      ...where,
      field: 'size',
      expected: span - COMPRESSION_HEADER_BYTES,
      actual: header.size,
    });
  }
  return header;
}
