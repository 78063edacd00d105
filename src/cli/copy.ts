/**
 * `sdpipe copy`: a copy job. Sessions are read from one volume set (through the source device's
 * autoxflate IN block) and written as new sessions to another device (through the destination device's
 * autoxflate OUT block). With `AutoXFlateOnReplication = no` (the default) both blocks keep only what the
 * replication rule leaves them (compression.md §4.6); with `yes`, e.g. a GZIP volume becomes an LZ4 one
 * (source `--src-autoinflate in`, destination `--algorithm lz4`). File data is identical either way.
 */
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openDevice } from '../devices/device.js';
import { SdpipeError, UsageError } from '../errors.js';
import { Autoxflate } from '../transforms/autoxflate.js';
import { applyReplicationRule } from '../transforms/autoxflate-settings.js';
import { codeChar, decodeSessionLabel } from '../volume/label.js';
import { LABEL_TYPE } from '../volume/record-header.js';
import type { DeviceRecord } from '../volume/record.js';
import { readRecords } from '../volume/volume-reader.js';
import { VolumeWriter, type SessionWritten } from '../volume/volume-writer.js';
import { value, type FlagSpec } from './args.js';
import { AUTOXFLATE_FLAGS, autoxflateSettingsFrom } from './backup.js';
import { defineCommand, EXIT, formatError, type CommandDescriptor } from './command.js';
import { jobLogger } from './job-log.js';
import { splitVolumes } from './read-job.js';

const SRC_FLAGS: readonly FlagSpec[] = AUTOXFLATE_FLAGS.filter((f) => f.long !== 'strict-compat').map(
  (f) => ({
    ...f,
    long: `src-${f.long ?? ''}`,
    help: `source device: ${f.help}`,
  }),
);

const FLAGS: readonly FlagSpec[] = [
  { short: 'V', long: 'volume', value: true, help: "source volume(s) ('Vol1|Vol2')" },
  { long: 'to-volume', value: true, help: "destination volume name(s) ('Copy-0001')" },
  { short: 'j', long: 'jobid', value: true, help: 'copy only the sessions of this JobId (default: all)' },
  { long: 'format', value: true, help: 'destination format: bareos (default) or bacula' },
  {
    long: 'max-volume-bytes',
    value: true,
    help: 'destination: start the next volume before one grows past this size',
  },
  { long: 'autoxflate-on-replication', value: true, help: 'AutoXFlateOnReplication = yes|no (default no)' },
  ...AUTOXFLATE_FLAGS,
  ...SRC_FLAGS,
  { long: 'json', help: 'print the job log and summary as JSON lines' },
  { short: 'h', long: 'help', help: 'show this help' },
];

const SYNOPSIS = `usage: sdpipe copy [options] -V <source volumes> --to-volume <volume> <source device> <destination device>
  Autoxflate flags without prefix are the destination device's; --src-… flags the source device's.`;

/** Routes each source session into its own destination session (one VolumeWriter per session). */
class SessionCopier extends Writable {
  readonly written: { jobId: number; result: SessionWritten }[] = [];
  private current: { key: string; jobId: number; writer: VolumeWriter } | undefined;

  constructor(private readonly makeWriter: (sos: DeviceRecord) => VolumeWriter) {
    super({ objectMode: true, highWaterMark: 16 });
  }

  override _write(r: DeviceRecord, _e: BufferEncoding, done: (e?: Error | null) => void): void {
    this.handle(r).then(() => done(), done);
  }

  override _final(done: (e?: Error | null) => void): void {
    this.closeCurrent('E').then(() => done(), done);
  }

  private async handle(r: DeviceRecord): Promise<void> {
    const key = `${r.volSessionId}/${r.volSessionTime}`;
    if (r.fileIndex === LABEL_TYPE.SOS_LABEL) {
      await this.closeCurrent('E');
      const writer = this.makeWriter(r);
      await writer.open();
      this.current = { key, jobId: r.stream, writer };
      return;
    }
    if (!this.current || this.current.key !== key) return; // not a selected session, or its SOS was not read
    if (r.fileIndex === LABEL_TYPE.EOS_LABEL) {
      await this.closeCurrent('T');
      return;
    }
    if (r.fileIndex > 0) await this.current.writer.write(r);
  }

  /** Ends the session being copied; one cut short (no EOS read) ends with status E. */
  private async closeCurrent(status: string): Promise<void> {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    this.written.push({ jobId: c.jobId, result: await c.writer.close(status) });
  }
}

/** Keeps the records of the wanted sessions (by the JobId of their SOS label). */
class SessionFilter extends Transform {
  private readonly keep = new Set<string>();
  constructor(private readonly jobId: number | undefined) {
    super({ objectMode: true, highWaterMark: 16 });
  }
  override _transform(r: DeviceRecord, _e: BufferEncoding, done: TransformCallback): void {
    const key = `${r.volSessionId}/${r.volSessionTime}`;
    if (r.fileIndex === LABEL_TYPE.SOS_LABEL && (this.jobId === undefined || r.stream === this.jobId))
      this.keep.add(key);
    done(null, this.keep.has(key) && r.fileIndex !== LABEL_TYPE.VOL_LABEL ? r : undefined);
  }
}

export const copy: CommandDescriptor = defineCommand({
  name: 'copy',
  summary: 'copy sessions from one volume set to another device, re-compressing per device settings',
  synopsis: SYNOPSIS,
  flags: FLAGS,
  positionals: ['source-device', 'destination-device'],
  async run({ args, positionals: [srcPath = '', dstPath = ''], io, json, defer }) {
    const sources = splitVolumes(value(args, 'volume') ?? '');
    const targets = splitVolumes(value(args, 'to-volume') ?? '');
    if (sources.length === 0 || targets.length === 0) {
      throw new UsageError('name the source volumes with -V and the destination with --to-volume');
    }
    const format = value(args, 'format') ?? 'bareos';
    if (format !== 'bareos' && format !== 'bacula') throw new UsageError('--format is bareos or bacula');
    const jobIdFlag = value(args, 'jobid');
    const jobId = jobIdFlag === undefined ? undefined : Number(jobIdFlag);
    const srcSettings = applyReplicationRule(autoxflateSettingsFrom(args, 'src-'), true, 'in');
    const dstSettings = applyReplicationRule(autoxflateSettingsFrom(args), true, 'out');
    const src = await openDevice(srcPath);
    defer(() => src.close());
    const dst = await openDevice(dstPath);
    defer(() => dst.close());
    const log = jobLogger(io, jobId ?? 0, json);
    const warnings: SdpipeError[] = [];
    const warn = (e: SdpipeError) => {
      warnings.push(e);
      io.stderr(`${formatError(e, json)}\n`);
    };
    let volumes = targets;
    const maxVolumeBytes = value(args, 'max-volume-bytes');
    const copier = new SessionCopier((sos) => {
      const label = decodeSessionLabel(sos.data, {
        volume: sos.position.volume,
        offset: sos.position.offset,
      });
      const writer = new VolumeWriter({
        flavour: format,
        volumes,
        open: dst.openVolumeForWrite,
        ...(maxVolumeBytes !== undefined ? { maxVolumeBytes: Number(maxVolumeBytes) } : {}),
        volSessionId: sos.volSessionId,
        volSessionTime: sos.volSessionTime,
        job: {
          jobId: label.jobId,
          job: label.job,
          jobName: label.jobName,
          clientName: label.clientName,
          fileSetName: label.fileSetName,
          fileSetMd5: label.fileSetMd5,
          level: codeChar(label.jobLevel),
          type: codeChar(label.jobType),
        },
        poolName: label.poolName,
      });
      // The next session appends after this one: continue on the last volume it used.
      volumes = [...targets];
      return writer;
    });
    await pipeline(
      Readable.from(readRecords(sources, src.openVolume, { onWarning: warn }), {
        objectMode: true,
        highWaterMark: 16,
      }),
      new SessionFilter(jobId),
      new Autoxflate<DeviceRecord>('in', srcSettings, {
        deviceName: src.name,
        jobLog: log,
        onWarning: warn,
      }),
      new Autoxflate<DeviceRecord>('out', dstSettings, {
        deviceName: dst.name,
        jobLog: log,
        onWarning: warn,
      }),
      copier,
    );
    for (const w of copier.written) {
      const line = {
        kind: 'session',
        jobId: w.jobId,
        files: w.result.jobFiles,
        jobBytes: w.result.jobBytes,
        volumes: w.result.parts.map((p) => p.volume),
      };
      if (json) io.stdout(`${JSON.stringify(line)}\n`);
      else
        log(
          `Copy OK: JobId ${w.jobId}, ${line.files} files, ${line.jobBytes} bytes to ${line.volumes.join('|')}`,
        );
    }
    if (copier.written.length === 0) warn(new UsageError('no session was copied (check -V and --jobid)'));
    return warnings.length ? EXIT.ERRORS : EXIT.OK;
  },
});
