/**
 * `sdpipe bextract`: restore files from volumes with no director and no configuration file. Records flow
 * through the IN path as Node streams — volume reader → selection → autoxflate IN → restore — and every
 * file lands under `<output dir>/<original absolute path>`, like Bareos/Bacula bextract.
 */
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SdpipeError, VolumeFormatError, type Where } from '../errors.js';
import { Restorer } from '../restore/restorer.js';
import { AutoxflateIn } from '../transforms/autoxflate-in.js';
import { inflateBaculaGzip } from '../transforms/compressed-record.js';
import { decodeAttributes, type FileAttributes } from '../volume/attributes.js';
import { formatLsLine } from '../volume/listing.js';
import { STREAM_TYPE_MASK } from '../volume/record-header.js';
import type { DeviceRecord } from '../volume/record.js';
import { SessionTracker } from '../volume/session-tracker.js';
import { createRecordStream } from '../volume/volume-reader.js';

import { defineCommand, EXIT, type CommandDescriptor } from './command.js';
import { openReadJob, READ_FLAGS } from './read-job.js';
import { openSelection, type Selection } from './selection.js';

const SYNOPSIS = `usage: sdpipe bextract [options] <device> <output-directory>
  <device> is a directory of volume files (name volumes with -V) or the path of one volume file.
  Files are restored under <output-directory>/<original absolute path>.`;

/** Stream numbers (spec compression.md §1) that the restore understands. */
const STREAM = {
  ATTRIBUTES: 1,
  FILE_DATA: 2,
  MD5: 3,
  GZIP: 4,
  SPARSE: 6,
  SPARSE_GZIP: 7,
  SHA1: 10,
  WIN32: 11,
  WIN32_GZIP: 12,
  SHA256: 17,
  SHA512: 18,
  XXH128: 40,
} as const;
const DIGEST_STREAMS: ReadonlySet<number> = new Set([
  STREAM.MD5,
  STREAM.SHA1,
  STREAM.SHA256,
  STREAM.SHA512,
  STREAM.XXH128,
]);
/** Bytes of the file offset in front of sparse data (§8). */
const SPARSE_OFFSET_BYTES = 8;
/** Upper bound for one decompressed Bacula GZIP record (FD records are at most the network buffer). */
const MAX_GZIP_RECORD_BYTES = 64 << 20;

const whereOf = (r: DeviceRecord): Where => ({
  volume: r.position.volume,
  blockNumber: r.position.blockNumber,
  offset: r.position.offset,
  fileIndex: r.fileIndex,
  stream: r.stream,
});

/** Keeps the records the bootstrap selects (before any inflation work is done on them). */
class SelectRecords extends Transform {
  constructor(private readonly selection: Selection) {
    super({ objectMode: true, highWaterMark: 16 });
  }
  override _transform(r: DeviceRecord, _e: BufferEncoding, done: TransformCallback): void {
    done(null, this.selection.wantRecord(r) ? r : undefined);
  }
}

/** Drives a Restorer from the record stream: one file at a time, data and digests in order. */
class RestoreSink {
  private current: { attr: FileAttributes; key: string } | undefined;
  private skipping: string | undefined;
  private readonly warned = new Set<string>();
  restored = 0;

  constructor(
    private readonly restorer: Restorer,
    private readonly selection: Selection,
    private readonly tracker: SessionTracker,
    private readonly onWarning: (e: SdpipeError) => void,
    private readonly listing: ((line: string) => void) | undefined,
    private readonly outDir: string,
  ) {}

  async record(r: DeviceRecord): Promise<void> {
    this.tracker.observe(r);
    if (r.fileIndex <= 0) return;
    const key = `${r.volSessionId}/${r.volSessionTime}/${r.fileIndex}`;
    const type = r.stream & STREAM_TYPE_MASK;
    if (type === STREAM.ATTRIBUTES) {
      if (r.partial) return; // already reported by the reader
      const attr = decodeAttributes(r.data, whereOf(r));
      if (!this.selection.wantPath(attr.fname)) {
        this.current = undefined;
        this.skipping = key;
        return;
      }
      this.skipping = undefined;
      await this.restorer.beginFile(attr, { volSessionId: r.volSessionId, volSessionTime: r.volSessionTime });
      this.current = { attr, key };
      this.restored++;
      this.listing?.(formatLsLine({ ...attr, fname: `${this.outDir}${attr.fname}` }));
      return;
    }
    if (this.skipping === key) return;
    if (!this.current || this.current.key !== key) {
      if (!r.partial) {
        this.onWarning(
          new VolumeFormatError(
            'SDP_RECORD_ORPHAN',
            'file data without the attributes of its file',
            whereOf(r),
          ),
        );
      }
      return;
    }
    if (r.partial) return; // reported by the reader; its digest check will flag the file
    if (DIGEST_STREAMS.has(type)) {
      await this.restorer.digest(type, r.data);
      return;
    }
    switch (type) {
      case STREAM.FILE_DATA:
        return this.restorer.writeData(r.data);
      case STREAM.SPARSE: {
        const data = r.data.subarray(SPARSE_OFFSET_BYTES);
        return this.restorer.writeData(data, readOffset(r, data.length, this.current.attr.stat.size));
      }
      case STREAM.GZIP:
        return this.restorer.writeData(inflateBaculaGzip(r.data, MAX_GZIP_RECORD_BYTES));
      case STREAM.SPARSE_GZIP: {
        const data = inflateBaculaGzip(r.data.subarray(SPARSE_OFFSET_BYTES), MAX_GZIP_RECORD_BYTES);
        return this.restorer.writeData(data, readOffset(r, data.length, this.current.attr.stat.size));
      }
      case STREAM.WIN32:
        // Win32 BackupRead data restores as its raw stream on a Unix file system, as bextract does.
        return this.restorer.writeData(r.data);
      case STREAM.WIN32_GZIP:
        return this.restorer.writeData(inflateBaculaGzip(r.data, MAX_GZIP_RECORD_BYTES));
      default:
        this.warnOnce(
          `${type}`,
          new VolumeFormatError('SDP_STREAM_UNKNOWN', `stream ${type} is not restored by sdpipe`, whereOf(r)),
        );
    }
  }

  private warnOnce(key: string, e: SdpipeError): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.onWarning(e);
  }
}

/**
 * The file offset in front of sparse data (§8). A chunk must lie inside the file its attributes
 * describe: a damaged offset would otherwise create a huge sparse file or write at a wrong position.
 */
function readOffset(r: DeviceRecord, dataBytes: number, fileSize: number): number {
  if (r.data.length < SPARSE_OFFSET_BYTES) {
    throw new VolumeFormatError('SDP_RECORD_HEADER', 'sparse record shorter than its offset', whereOf(r));
  }
  const offset = new DataView(r.data.buffer, r.data.byteOffset, SPARSE_OFFSET_BYTES).getBigUint64(0);
  if (offset + BigInt(dataBytes) > BigInt(fileSize)) {
    throw new VolumeFormatError('SDP_RECORD_HEADER', 'sparse chunk lies beyond the end of its file', {
      ...whereOf(r),
      sparseOffset: offset,
      length: dataBytes,
      fileSize,
    });
  }
  return Number(offset);
}

export const bextract: CommandDescriptor = defineCommand({
  name: 'bextract',
  summary: 'restore files from volumes (no director, no configuration needed)',
  synopsis: SYNOPSIS,
  flags: READ_FLAGS,
  positionals: ['device', 'output-directory'],
  async run({ args, positionals: [devicePath = '', outDir = ''], io, defer }) {
    const selection = await openSelection(args);
    const job = await openReadJob(args, devicePath, io, selection.volumes, defer);
    const restorer = new Restorer({ outDir, onWarning: job.onWarning });
    const tracker = new SessionTracker(job.onWarning);
    const sink = new RestoreSink(
      restorer,
      selection,
      tracker,
      job.onWarning,
      job.verbose && !job.json ? (line) => io.stdout(`${line}\n`) : undefined,
      outDir.replace(/\/+$/, ''),
    );
    const writable = new Writable({
      objectMode: true,
      highWaterMark: 16,
      write(r: DeviceRecord, _e, done) {
        sink.record(r).then(
          () => done(),
          (e: unknown) => {
            if (e instanceof SdpipeError && !job.strict && e.code !== 'SDP_RESTORE_IO') {
              job.onWarning(e);
              done();
            } else done(e as Error);
          },
        );
      },
    });
    await pipeline(
      createRecordStream(job.volumes, job.device.openVolume, {
        onWarning: job.onWarning,
        strict: job.strict,
        ...selection.readOptions,
      }),
      new SelectRecords(selection),
      new AutoxflateIn(job.strict ? {} : { onError: job.onWarning }),
      writable,
    );
    const summary = await restorer.finish();
    const errors = job.warnings.length;
    if (job.json) {
      io.stdout(
        `${JSON.stringify({ kind: 'summary', restored: sink.restored, ...summaryCounts(summary), errors })}\n`,
      );
    } else {
      io.stdout(`${sink.restored} files restored.${errors ? ` ${errors} errors.` : ''}\n`);
    }
    return errors ? EXIT.ERRORS : EXIT.OK;
  },
});

function summaryCounts(s: Awaited<ReturnType<Restorer['finish']>>) {
  const { errors: _errors, ...rest } = s;
  return rest;
}
