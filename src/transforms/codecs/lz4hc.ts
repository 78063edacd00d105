/**
 * LZ4HC (magic `FZ4H`): the fastlzlib framing around LZ4 block-format data made by the LZ4 HC
 * compressor at level 9, as Bareos's `lz4hc` algorithm writes it (compression.md §3, §3.3). The data is
 * plain LZ4 block format, so it decodes exactly like FZ4L.
 */
import type { CodecDescriptor } from './codec.js';
import { frame, unframe } from './fastlzlib-framing.js';
import { lz4BackendName, lz4BlockCompressor, lz4BlockDecompressor, type Lz4Mode } from './lz4-block.js';

/** Bareos runs LZ4 HC at level 9 whatever the header level says. */
const MODE: Lz4Mode = { kind: 'hc', level: 9 };

/**
 * The LZ4HC codec. Backend: the system liblz4 through koffi; with only `lz4-napi` (which has no HC
 * mode) it compresses with the fast LZ4 compressor, still valid FZ4H data, and `backend()` says so.
 */
export const lz4hc: CodecDescriptor = {
  name: 'lz4hc',
  magic: 'FZ4H',
  displayName: 'LZ4HC',
  extension: false,
  defaultLevel: 6,
  backend: () => lz4BackendName(MODE),
  compress: (data) => frame(data, lz4BlockCompressor('lz4hc', MODE)),
  decompress: (payload, maxOut) => unframe(payload, lz4BlockDecompressor('lz4hc'), maxOut, 'lz4hc'),
};
