/**
 * Which data stream a file daemon writes for a job, how big its data records are, and how one chunk of
 * file bytes becomes the payload of one record (spec volume-format.md §4, §8; compression.md §1, §2.1).
 */
import { CodecError } from '../errors.js';
import { deflatePayload, SPARSE_OFFSET_BYTES } from '../transforms/compressed-record.js';
import { codecByName, type CodecDescriptor } from '../transforms/codecs/index.js';

/** Whose file daemon is imitated: record sizes and the compressed streams differ (§4, compression.md §1). */
export type BackupFlavour = 'bareos' | 'bacula';

/** Plain data records of Bareos ≥ 23 hold up to 256 KiB (the network buffer, §4). */
export const BAREOS_DATA_RECORD_BYTES = 262_144;
/** Plain data records of Bacula 9 hold up to 64 KiB (§4, verified on Vol-plain). */
export const BACULA_DATA_RECORD_BYTES = 65_536;
/** Sparse chunks: 65528 bytes, so that offset + data fill one 64 KiB record (§8, verified on Vol-sparse). */
export const SPARSE_CHUNK_BYTES = 65_528;

/** Data stream numbers written by a file daemon (compression.md §1). */
export const DATA_STREAM = {
  FILE_DATA: 2,
  GZIP_DATA: 4,
  SPARSE_DATA: 6,
  SPARSE_GZIP_DATA: 7,
  COMPRESSED_DATA: 29,
  SPARSE_COMPRESSED_DATA: 30,
} as const;

/** Header level of FD-compressed records for the fastlzlib algorithms (compression.md §2.1). */
const FASTLZLIB_HEADER_LEVEL = 1;
/** Header level of FD-compressed LZO records: Bacula 9.6.7 and Bareos since 2025-01 (compression.md §2.1). */
const LZO_HEADER_LEVEL = 0;
/** `Compression = GZIP` without a level means 6 in both daemons (compression.md §2.1). */
const DEFAULT_GZIP_LEVEL = 6;
const FASTLZLIB_ALGORITHMS: ReadonlySet<string> = new Set(['lzfast', 'lz4', 'lz4hc']);

/** FileSet compression as a file daemon applies it. */
export interface FdCompression {
  /** Codec name (`gzip`, `lzo`, `lz4` …); Bacula's FD knows only gzip and lzo. */
  readonly algorithm: string;
  /** gzip level 1–9 (default 6); ignored by the other Bareos algorithms, passed to the sdpipe extensions. */
  readonly level?: number;
}

/** One chunk of a file as read: its offset and bytes, and for sparse jobs the record it sits in. */
export interface FileChunk {
  /** File offset of the first byte. */
  readonly offset: number;
  /** The file bytes. */
  readonly data: Uint8Array;
  /**
   * Sparse jobs only: the 8-byte big-endian offset immediately followed by `data` (same memory), which is
   * the stream-6 record as it goes on the volume.
   */
  readonly sparseRecord?: Uint8Array;
}

/** How the file daemon of one job sends file data. */
export interface DataStreamPlan {
  /** The job's data stream: the stream of every data record and the 16th LStat field (§7.2). */
  readonly stream: number;
  /** Bytes of file data per record: the read size of the FD (the last record of a file may be shorter). */
  readonly chunkBytes: number;
  /** True when chunks carry their offset (streams 6, 7, 30). */
  readonly sparse: boolean;
  /** The payload of the data record for one chunk. */
  encode(chunk: FileChunk): Uint8Array;
}

/** Options {@link planDataStream} reads. */
export interface DataStreamOptions {
  readonly flavour: BackupFlavour;
  readonly sparse?: boolean | undefined;
  readonly fdCompression?: FdCompression | undefined;
}

const sparseRecordOf = (chunk: FileChunk): Uint8Array => {
  if (!chunk.sparseRecord) throw new RangeError('sparse chunk without its offset prefix');
  return chunk.sparseRecord;
};

/**
 * The data stream, record size and payload encoder of a job (compression.md §1):
 * - plain: stream 2 in records of 262144 (Bareos) or 65536 (Bacula) bytes; sparse: stream 6, 65528-byte
 *   chunks behind their 8-byte offset;
 * - Bacula FD: gzip → stream 4 (sparse 7), a bare zlib stream with no header and the offset left
 *   uncompressed; lzo → stream 29 (sparse 30) with an LZOX header of level 0;
 * - Bareos FD: every algorithm → stream 29 (sparse 30, the FD layout: only the data is compressed), header
 *   level = the gzip level, 1 for lzfast/lz4/lz4hc, 0 for lzo, the given level for the sdpipe extensions.
 *
 * @throws CodecError `SDP_CODEC_UNKNOWN` for an algorithm the flavour's FD does not have,
 *   `SDP_CODEC_LEVEL` for a gzip level outside 1–9.
 */
export function planDataStream(options: DataStreamOptions): DataStreamPlan {
  const sparse = options.sparse ?? false;
  const chunkBytes = sparse
    ? SPARSE_CHUNK_BYTES
    : options.flavour === 'bareos'
      ? BAREOS_DATA_RECORD_BYTES
      : BACULA_DATA_RECORD_BYTES;
  const compression = options.fdCompression;
  if (!compression) {
    return sparse
      ? { stream: DATA_STREAM.SPARSE_DATA, chunkBytes, sparse, encode: sparseRecordOf }
      : { stream: DATA_STREAM.FILE_DATA, chunkBytes, sparse, encode: (c) => c.data };
  }
  const codec = codecByName(compression.algorithm);
  const level = headerLevel(codec, compression);
  // Checked once here rather than on the first record, so a bad level fails before anything is sent.
  if (codec.name === 'gzip') codec.compress(new Uint8Array(0), level);
  if (options.flavour === 'bacula' && codec.name === 'gzip') {
    return baculaGzipPlan(codec, level, chunkBytes, sparse);
  }
  if (options.flavour === 'bacula' && codec.name !== 'lzo') {
    throw new CodecError('SDP_CODEC_UNKNOWN', `the Bacula file daemon does not compress with ${codec.name}`, {
      algorithm: codec.name,
      flavour: options.flavour,
    });
  }
  // The FD compresses only the data of a sparse chunk; the offset stays in front (compression.md Q1).
  const plainStream = sparse ? DATA_STREAM.SPARSE_DATA : DATA_STREAM.FILE_DATA;
  const deflateOptions = { sparseOffsetInPayload: false };
  return {
    stream: sparse ? DATA_STREAM.SPARSE_COMPRESSED_DATA : DATA_STREAM.COMPRESSED_DATA,
    chunkBytes,
    sparse,
    encode: (c) =>
      deflatePayload(plainStream, sparse ? sparseRecordOf(c) : c.data, codec, level, deflateOptions).data,
  };
}

/** The compression-header level a file daemon writes for `codec` (compression.md §2.1). */
function headerLevel(codec: CodecDescriptor, compression: FdCompression): number {
  if (codec.name === 'gzip') return gzipLevel(compression);
  if (codec.name === 'lzo') return LZO_HEADER_LEVEL;
  if (FASTLZLIB_ALGORITHMS.has(codec.name)) return FASTLZLIB_HEADER_LEVEL;
  return compression.level ?? codec.defaultLevel;
}

function gzipLevel(compression: FdCompression): number {
  return compression.level ?? DEFAULT_GZIP_LEVEL;
}

/** Bacula's GZIP streams: one bare zlib stream per record, after the uncompressed offset for sparse (§8). */
function baculaGzipPlan(
  codec: CodecDescriptor,
  level: number,
  chunkBytes: number,
  sparse: boolean,
): DataStreamPlan {
  if (!sparse) {
    return {
      stream: DATA_STREAM.GZIP_DATA,
      chunkBytes,
      sparse,
      encode: (c) => codec.compress(c.data, level),
    };
  }
  return {
    stream: DATA_STREAM.SPARSE_GZIP_DATA,
    chunkBytes,
    sparse,
    encode: (c) => {
      const payload = codec.compress(c.data, level);
      const out = new Uint8Array(SPARSE_OFFSET_BYTES + payload.length);
      out.set(sparseRecordOf(c).subarray(0, SPARSE_OFFSET_BYTES));
      out.set(payload, SPARSE_OFFSET_BYTES);
      return out;
    },
  };
}
