/**
 * The autoxflate block: the per-record translation of Bareos's `autoxflate-sd` plugin (spec
 * compression.md §4–§5) for either direction, as a pure function ({@link translateRecord}), the job-log
 * lines it prints ({@link setupLines}, {@link ratioLines}) and a thin object-mode Transform
 * ({@link Autoxflate}).
 *
 * Sparse records (quirk Q1): Bareos's autoxflate deflates a stream-6 record as
 * `[offset][hdr][compress(offset ‖ data)]`, while its file daemon, bextract and the FD restore treat a
 * stream-30 payload as `compress(data)`; they restore an autoxflate sparse record with 8 stray bytes. sdpipe
 * reads what Bareos writes (inflate detects both layouts) and by default writes what a correct reader
 * expects, the FD layout `[offset][hdr][compress(data)]`; `bareosSparseQuirk: true` writes Bareos's
 * byte-identical layout instead. Inflating stream 30 reads the header after the 8-byte offset, unlike
 * Bareos's SD-side inflate, which looks at offset 0 and leaves the record compressed (Q2).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { SdpipeError, hasCode, wrap, type Where } from '../errors.js';
import type { DeviceRecord } from '../volume/record.js';
import { STREAM_TYPE_MASK } from '../volume/record-header.js';
import type { AutoxflateSettings, XflateDirection } from './autoxflate-settings.js';
import { DEFLATED_STREAM, INFLATED_STREAM, deflatePayload, inflatePayload } from './compressed-record.js';

/** Every job-log line of the plugin starts with this (§5). */
export const AUTOXFLATE_LOG_PREFIX = 'autoxflate-sd: ';

/**
 * What the translation needs of a record: the header fields it may change plus, when the record came off
 * a volume, where it sits (for error context). Both {@link DeviceRecord} and the block writer's
 * `RecordToWrite` fit; every other field is carried over untouched.
 */
export interface TranslatableRecord {
  readonly fileIndex: number;
  readonly stream: number;
  readonly data: Uint8Array;
  /** A record that could not be joined completely is never translated. */
  readonly partial?: boolean | undefined;
  readonly position?:
    { readonly volume: string; readonly blockNumber: number; readonly offset: number } | undefined;
}

/** Running totals for one ratio line: records translated, Σ record lengths before and after. */
export interface RecordCounters {
  records: number;
  /** Σ record data lengths before the translation (compression header and sparse offset included). */
  inputBytes: number;
  /** Σ record data lengths after it (compression header and sparse offset included). */
  outputBytes: number;
}

/** One job's counters (§5: they are per job and per plugin instance). */
export interface AutoxflateCounters {
  readonly inflate: RecordCounters;
  readonly deflate: RecordCounters;
  /** Records the compressor failed on and that were passed on uncompressed (§4.4 step 5). */
  deflateFailures: number;
}

/** Fresh, zeroed counters for a new job. */
export const newAutoxflateCounters = (): AutoxflateCounters => ({
  inflate: { records: 0, inputBytes: 0, outputBytes: 0 },
  deflate: { records: 0, inputBytes: 0, outputBytes: 0 },
  deflateFailures: 0,
});

/** Receives a recoverable problem (a record the compressor failed on) that did not stop the job. */
export type AutoxflateWarning = (e: SdpipeError) => void;

const whereOf = (rec: TranslatableRecord): Where => ({
  volume: rec.position?.volume,
  blockNumber: rec.position?.blockNumber,
  offset: rec.position?.offset,
  fileIndex: rec.fileIndex,
  stream: rec.stream,
});

/**
 * Translates one record in `direction` as the autoxflate plugin does (§4.2–§4.5) and returns a new record
 * with every other field of `rec` kept, or `rec` itself when nothing applies. Only complete records with
 * FileIndex > 0 are touched. If inflate is on for `direction`, stream 29/30/31 is inflated to 2/6/11; only
 * when inflate did not change the record and deflate is on, stream 2/6/11 is deflated to 29/30/31 with the
 * header level = AutoDeflateLevel for every algorithm and no "did it shrink" check (Q3). `counters` gain the
 * record lengths of what was translated.
 *
 * Failures: an inflate that fails throws the CodecError (SDP_COMPRESSION_HEADER, SDP_CODEC_CORRUPT, …) with
 * volume, offset and FileIndex in its context instead of passing the record on silently (Q7). A compressor
 * that fails passes the record on uncompressed, as Bareos does, but reports SDP_DEFLATE_SKIPPED (the codec's
 * error as `cause`) to `onWarning`; without `onWarning` that error is thrown. Deflate on without an
 * algorithm throws SDP_CONFIG.
 */
export function translateRecord<R extends TranslatableRecord>(
  rec: R,
  direction: XflateDirection,
  settings: AutoxflateSettings,
  counters: AutoxflateCounters,
  onWarning?: AutoxflateWarning,
): R {
  if (rec.fileIndex <= 0 || rec.partial) return rec;
  // The plain stream type: a new stream keeps no flag bits (§4.2).
  const type = rec.stream & STREAM_TYPE_MASK;
  if (settings.inflate[direction] && INFLATED_STREAM[type] !== undefined) {
    const where = whereOf(rec);
    let out;
    try {
      out = inflatePayload(type, rec.data, where, { sparseLayout: settings.sparseReadLayout });
    } catch (e) {
      throw wrap(e, where);
    }
    count(counters.inflate, rec.data.length, out.data.length);
    return { ...rec, stream: out.stream, data: out.data };
  }
  if (settings.deflate[direction] && DEFLATED_STREAM[type] !== undefined) {
    const codec = settings.algorithm;
    if (!codec) {
      throw new SdpipeError('SDP_CONFIG', 'AutoDeflate is on but no AutoDeflateAlgorithm is set', {
        directive: 'AutoDeflateAlgorithm',
      });
    }
    let out;
    try {
      out = deflatePayload(type, rec.data, codec, settings.level, {
        sparseOffsetInPayload: settings.bareosSparseQuirk,
      });
    } catch (e) {
      counters.deflateFailures++;
      const warning = new SdpipeError(
        'SDP_DEFLATE_SKIPPED',
        `${codec.name}: record passed on uncompressed: ${e instanceof Error ? e.message : String(e)}`,
        { ...whereOf(rec), codec: codec.name, causeCode: e instanceof SdpipeError ? e.code : undefined },
        { cause: e },
      );
      if (!onWarning) throw warning;
      onWarning(warning);
      return rec;
    }
    count(counters.deflate, rec.data.length, out.data.length);
    return { ...rec, stream: out.stream, data: out.data };
  }
  return rec;
}

function count(c: RecordCounters, input: number, output: number): void {
  c.records++;
  c.inputBytes += input;
  c.outputBytes += output;
}

/**
 * Checks, before the first record, that the compressor can run at AutoDeflateLevel in `direction`, as
 * Bareos's setup does (gzip refuses levels above 9: "failed setting up auto-deflation", fatal, §5). Throws
 * SDP_CONFIG for a refused level (codec error as `cause`), SDP_CODEC_UNAVAILABLE when the codec's library
 * is missing. Does nothing when deflate is off for `direction`.
 */
export function checkDeflateSetup(direction: XflateDirection, settings: AutoxflateSettings): void {
  if (!settings.deflate[direction]) return;
  const codec = settings.algorithm;
  if (!codec) {
    throw new SdpipeError('SDP_CONFIG', 'AutoDeflate is on but no AutoDeflateAlgorithm is set', {
      directive: 'AutoDeflateAlgorithm',
    });
  }
  try {
    // An empty input is the cheapest call that makes the codec check its level and load its backend.
    codec.compress(new Uint8Array(0), settings.level);
  } catch (e) {
    if (!hasCode(e, 'SDP_CODEC_LEVEL')) throw e;
    throw new SdpipeError(
      'SDP_CONFIG',
      `failed setting up auto-deflation: ${codec.name} refuses AutoDeflateLevel ${settings.level}`,
      { directive: 'AutoDeflateLevel', value: String(settings.level), codec: codec.name },
      { cause: e },
    );
  }
}

const yesNo = (on: boolean): string => (on ? 'yes' : 'no');

/**
 * The setup lines the plugin logs for every job on the device, restores included (§5):
 * `Compressor on device <dev> is <NAME>` when deflate is on in some direction, then
 * `<dev> OUT:[SD->inflate=…->deflate=…->DEV] IN:[DEV->inflate=…->deflate=…->SD]` when any directive is set.
 * `deviceName` is the Device resource name in a daemon and the Archive Device string in the tools. For an
 * sdpipe-only algorithm (zstd, snappy) a warning line that Bareos cannot read the records follows the
 * Compressor line; Bareos itself has no such algorithm, so its lines are unaffected.
 */
export function setupLines(deviceName: string, settings: AutoxflateSettings): string[] {
  const { deflate, inflate, algorithm } = settings;
  const lines: string[] = [];
  if ((deflate.in || deflate.out) && algorithm) {
    lines.push(`${AUTOXFLATE_LOG_PREFIX}Compressor on device ${deviceName} is ${algorithm.displayName}`);
    if (algorithm.extension) {
      lines.push(
        `${AUTOXFLATE_LOG_PREFIX}Warning: ${algorithm.displayName} on device ${deviceName} is an sdpipe ` +
          'extension: Bareos cannot read the records it compresses',
      );
    }
  }
  if (deflate.in || deflate.out || inflate.in || inflate.out) {
    lines.push(
      `${AUTOXFLATE_LOG_PREFIX}${deviceName} ` +
        `OUT:[SD->inflate=${yesNo(inflate.out)}->deflate=${yesNo(deflate.out)}->DEV] ` +
        `IN:[DEV->inflate=${yesNo(inflate.in)}->deflate=${yesNo(deflate.in)}->SD]`,
    );
  }
  return lines;
}

/**
 * `x` as C's `printf("%0.2f")` prints it. `toFixed` rounds an exact binary tie (x·8 odd: …125, …375,
 * …625, …875) up, glibc rounds it to the even digit; every other value rounds the same in both.
 */
export function formatPercent(x: number): string {
  const eighths = x * 8;
  if (x >= 0 && Number.isSafeInteger(eighths) && eighths % 2 === 1) {
    const low = Math.floor(x * 100);
    const hundredths = low % 2 === 0 ? low : low + 1;
    return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
  }
  return x.toFixed(2);
}

/**
 * The end-of-job lines (§5): `inflate ratio: <R>%` and `deflate ratio: <R>%`, R = 100 × Σout / Σin with
 * `%0.2f`, each only when its input counter is non-zero.
 */
export function ratioLines(counters: AutoxflateCounters): string[] {
  const lines: string[] = [];
  const ratio = (c: RecordCounters) => formatPercent((100 * c.outputBytes) / c.inputBytes);
  if (counters.inflate.inputBytes > 0)
    lines.push(`${AUTOXFLATE_LOG_PREFIX}inflate ratio: ${ratio(counters.inflate)}%`);
  if (counters.deflate.inputBytes > 0)
    lines.push(`${AUTOXFLATE_LOG_PREFIX}deflate ratio: ${ratio(counters.deflate)}%`);
  return lines;
}

/** Options of {@link Autoxflate}. */
export interface AutoxflateOptions {
  /** Device resource name (daemon) or Archive Device string (tools), as the job-log lines show it. */
  readonly deviceName: string;
  /** Receives the job-log lines: setup at construction, ratios at the end, and warnings without `onWarning`. */
  readonly jobLog?: (line: string) => void;
  /**
   * Receives SDP_DEFLATE_SKIPPED for each record passed on uncompressed. Without it the warning goes to
   * `jobLog` as a line; with neither, it fails the stream, so nothing is passed on silently.
   */
  readonly onWarning?: AutoxflateWarning;
}

/**
 * The autoxflate block for one device and one job: an object-mode Transform that translates each record
 * with {@link translateRecord} in `direction`, in order, one record per `_transform` call (backpressure is
 * the stream's). Logs the setup lines on construction and the ratio lines when the input ends. Construction
 * throws like {@link checkDeflateSetup}. An inflate failure fails the stream with its CodecError.
 */
export class Autoxflate<R extends TranslatableRecord = DeviceRecord> extends Transform {
  /** This job's counters; read them after the stream has finished. */
  readonly counters: AutoxflateCounters = newAutoxflateCounters();
  private readonly warn: AutoxflateWarning | undefined;

  constructor(
    readonly direction: XflateDirection,
    readonly settings: AutoxflateSettings,
    private readonly options: AutoxflateOptions,
  ) {
    super({ objectMode: true, highWaterMark: 16 });
    checkDeflateSetup(direction, settings);
    const { jobLog, onWarning } = options;
    this.warn = onWarning ?? (jobLog ? (e) => jobLog(`${AUTOXFLATE_LOG_PREFIX}${e.describe()}`) : undefined);
    for (const line of setupLines(options.deviceName, settings)) jobLog?.(line);
  }

  override _transform(rec: R, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      done(null, translateRecord(rec, this.direction, this.settings, this.counters, this.warn));
    } catch (e) {
      done(wrap(e, { ...whereOf(rec), device: this.options.deviceName }));
    }
  }

  override _flush(done: TransformCallback): void {
    for (const line of ratioLines(this.counters)) this.options.jobLog?.(line);
    done();
  }
}
