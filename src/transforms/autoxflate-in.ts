/**
 * The autoxflate IN block (device → daemon): inflates compressed data records back to their plain
 * streams — 29→2, 30→6, 31→11 — and leaves every other record untouched (spec compression.md §4.2, §4.5).
 * Labels, attributes, digests, the header-less Bacula GZIP streams 4/7/12 and encrypted 32/33 pass as
 * they are. A record that fails to inflate is never passed on silently: it raises a typed error naming
 * volume, offset and FileIndex (or, with `onError`, is reported there and left out).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { SdpipeError, wrap } from '../errors.js';
import type { DeviceRecord } from '../volume/record.js';
import { STREAM_TYPE_MASK } from '../volume/record-header.js';
import { inflatePayload, type SparseLayout } from './compressed-record.js';
import { decodeAttributes } from '../volume/attributes.js';

const ATTRIBUTES_STREAM = 1;
const SPARSE_COMPRESSED_STREAM = 30;

/** Stream types the IN block inflates (§4.2). */
export const INFLATABLE_STREAMS: ReadonlySet<number> = new Set([29, 30, 31]);

/** Running totals for the end-of-job `inflate ratio` line (§5). */
export interface InflateCounters {
  records: number;
  /** Σ compressed record lengths. */
  inputBytes: number;
  /** Σ decompressed record lengths. */
  outputBytes: number;
}

/** `inflate ratio: <R>%` as Bareos prints it: 100 × out / in with two decimals. */
export const inflateRatio = (c: InflateCounters): string => ((100 * c.outputBytes) / c.inputBytes).toFixed(2);

/**
 * Inflates one record if it is compressed file data (pure apart from the counters it updates).
 * `sparseLayout` says how a stream-30 payload is laid out when the caller knows (see {@link AutoxflateIn}).
 */
export function inflateRecord(
  rec: DeviceRecord,
  counters?: InflateCounters,
  sparseLayout: SparseLayout = 'detect',
): DeviceRecord {
  if (rec.fileIndex <= 0 || rec.partial) return rec;
  const type = rec.stream & STREAM_TYPE_MASK;
  if (!INFLATABLE_STREAMS.has(type)) return rec;
  const where = {
    volume: rec.position.volume,
    blockNumber: rec.position.blockNumber,
    offset: rec.position.offset,
    fileIndex: rec.fileIndex,
    stream: rec.stream,
  };
  let out: { stream: number; data: Uint8Array };
  try {
    out = inflatePayload(type, rec.data, where, { sparseLayout });
  } catch (e) {
    throw wrap(e, where);
  }
  if (counters) {
    counters.records++;
    counters.inputBytes += rec.data.length;
    counters.outputBytes += out.data.length;
  }
  return { ...rec, stream: out.stream, data: out.data };
}

export interface AutoxflateInOptions {
  /** Report a record that cannot be inflated and go on without it; without this, the stream fails. */
  onError?: (e: SdpipeError) => void;
}

/** Object-mode Transform over {@link DeviceRecord}s: the autoxflate IN block. */
export class AutoxflateIn extends Transform {
  readonly counters: InflateCounters = { records: 0, inputBytes: 0, outputBytes: 0 };

  constructor(private readonly options: AutoxflateInOptions = {}) {
    super({ objectMode: true, highWaterMark: 16 });
  }

  /**
   * Per session, the data stream the last attribute record announced (LStat field 16). A file daemon that
   * compressed sparse data says 30, and its payloads hold only the data; records an SD's autoxflate
   * deflated still say 6 (Q8) and may hold the offset too (Q1), which only then needs detecting.
   */
  private readonly announced = new Map<string, Uint8Array>();

  private layoutFor(rec: DeviceRecord): SparseLayout {
    const key = `${rec.volSessionId}/${rec.volSessionTime}`;
    const type = rec.stream & STREAM_TYPE_MASK;
    if (type === ATTRIBUTES_STREAM && rec.fileIndex > 0 && !rec.partial) {
      // Keep the record; it is decoded only if a stream-30 record of this file comes (most never do).
      this.announced.set(key, rec.data);
      return 'detect';
    }
    if (type !== SPARSE_COMPRESSED_STREAM) return 'detect';
    const attributes = this.announced.get(key);
    if (!attributes) return 'detect';
    try {
      return decodeAttributes(attributes, {}).stat.dataStream === SPARSE_COMPRESSED_STREAM
        ? 'data-only'
        : 'detect';
    } catch {
      return 'detect'; // the restore reports the bad attribute record itself
    }
  }

  override _transform(rec: DeviceRecord, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      done(null, inflateRecord(rec, this.counters, this.layoutFor(rec)));
    } catch (e) {
      const err =
        e instanceof SdpipeError ? e : wrap(e, { volume: rec.position.volume, offset: rec.position.offset });
      if (this.options.onError) {
        this.options.onError(err);
        done();
      } else {
        done(err);
      }
    }
  }
}
