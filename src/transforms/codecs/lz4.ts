/**
 * LZ4 (magic `FZ4L`): the fastlzlib framing around LZ4 block-format data made by the fast compressor
 * (acceleration 1), as Bareos's `lz4` algorithm writes it (compression.md §3, §3.3).
 */
import type { CodecDescriptor } from './codec.js';
import { frame, unframe } from './fastlzlib-framing.js';
import { lz4BackendName, lz4BlockCompressor, lz4BlockDecompressor, type Lz4Mode } from './lz4-block.js';

const MODE: Lz4Mode = { kind: 'fast' };

/**
 * The LZ4 codec. The header level is informational: LZ4's compression does not depend on it. Backend:
 * the system liblz4 through koffi, else `lz4-napi`.
 */
export const lz4: CodecDescriptor = {
  name: 'lz4',
  magic: 'FZ4L',
  displayName: 'LZ4',
  extension: false,
  defaultLevel: 6,
  backend: () => lz4BackendName(MODE),
  compress: (data) => frame(data, lz4BlockCompressor('lz4', MODE)),
  decompress: (payload, maxOut) => unframe(payload, lz4BlockDecompressor('lz4'), maxOut, 'lz4'),
};
