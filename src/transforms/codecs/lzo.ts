/**
 * LZO (magic `LZOX`): a bare LZO1X-1 stream ending with the `11 00 00` end marker, no length prefix and
 * no checksum (compression.md §3.2).
 */
import type { CodecDescriptor } from './codec.js';
import { guardDecode } from './codec-errors.js';
import { lzo1xCompress, lzo1xDecompress } from './lzo1x.js';

/** The LZO codec; LZO1X-1 has no level, the header level is informational. Backend: TypeScript LZO1X. */
export const lzo: CodecDescriptor = {
  name: 'lzo',
  magic: 'LZOX',
  displayName: 'LZO',
  extension: false,
  defaultLevel: 6,
  backend: () => 'typescript (LZO1X-1)',
  compress: (data) => lzo1xCompress(data),
  decompress: (payload, maxOut) => guardDecode('lzo', () => lzo1xDecompress(payload, maxOut)),
};
