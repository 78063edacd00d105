/**
 * `sdpipe backup <dir> <device> -V <Volume>`: a backup job on one machine. The tree is walked like a file
 * daemon walks it (attributes, data, sparse and digest records), the records go through the autoxflate
 * OUT block with the device's settings, and the volume writer puts them on File device volumes — labelling
 * blank ones, appending to labelled ones, spanning with `--max-volume-bytes`.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWalkStats, walkTree } from '../backup/file-walker.js';
import type { DigestName } from '../backup/file-records.js';
import { openDevice, type StorageDevice } from '../devices/device.js';
import { wipe } from '../crypto/key-material.js';
import { VOLUME_KEY_FLAGS, volumeKeyFrom } from './volume-key.js';
import { reportTapeAlerts, TAPEALERT_FLAGS } from './tapealert-report.js';
import { SdpipeError, UsageError } from '../errors.js';
import { Autoxflate } from '../transforms/autoxflate.js';
import { parseAutoxflateSettings, type AutoxflateSettings } from '../transforms/autoxflate-settings.js';
import { CODEC_NAMES } from '../transforms/codecs/index.js';
import type { RecordToWrite } from '../volume/block-writer.js';
import { VolumeWriter, VolumeWriteStream } from '../volume/volume-writer.js';
import { count, value, type FlagSpec, type ParsedArgs } from './args.js';
import { defineCommand, EXIT, formatError, type CommandDescriptor } from './command.js';
import { jobLogger, uniqueJobName } from './job-log.js';
import { splitVolumes } from './read-job.js';

/** The autoxflate directives of the device, as flags (Bareos directive names in kebab case). */
export const AUTOXFLATE_FLAGS: readonly FlagSpec[] = [
  {
    long: 'algorithm',
    value: true,
    help: `AutoDeflateAlgorithm (${CODEC_NAMES.join(', ')}); implies --autodeflate out`,
  },
  { long: 'level', value: true, help: 'AutoDeflateLevel (default 6; the zlib level for gzip)' },
  { long: 'autodeflate', value: true, help: 'AutoDeflate = in|out|both' },
  { long: 'autoinflate', value: true, help: 'AutoInflate = in|out|both' },
  { long: 'strict-compat', help: 'refuse algorithms Bareos cannot read (zstd, snappy)' },
  {
    long: 'bareos-sparse-quirk',
    help: 'deflate sparse records byte for byte like Bareos autoxflate (offset compressed too)',
  },
];

/** Device settings from the autoxflate flags (`prefix` selects e.g. the `src-` flags of copy). */
export function autoxflateSettingsFrom(args: ParsedArgs, prefix = ''): AutoxflateSettings {
  const algorithm = value(args, `${prefix}algorithm`);
  const deflate = value(args, `${prefix}autodeflate`) ?? (algorithm !== undefined ? 'out' : undefined);
  const directives: Record<string, string | undefined> = {
    AutoDeflate: deflate,
    AutoInflate: value(args, `${prefix}autoinflate`),
    AutoDeflateAlgorithm: algorithm,
    AutoDeflateLevel: value(args, `${prefix}level`),
    AutoXFlateOnReplication: value(args, 'autoxflate-on-replication'),
  };
  return parseAutoxflateSettings(directives, {
    strictCompat: count(args, 'strict-compat') > 0,
    bareosSparseQuirk: count(args, `${prefix}bareos-sparse-quirk`) > 0,
  });
}

const FLAGS: readonly FlagSpec[] = [
  {
    short: 'V',
    long: 'volume',
    value: true,
    help: "volume name(s) to write, in order ('Vol1|Vol2'); more are numbered on",
  },
  {
    long: 'format',
    value: true,
    help: 'bareos (default: "Bareos 2.0" labels, 1 MiB blocks) or bacula (Bacula 9 labels, 64512-byte blocks)',
  },
  { long: 'max-volume-bytes', value: true, help: 'start the next volume before one grows past this size' },
  { long: 'block-bytes', value: true, help: 'maximum block size (default by format)' },
  { long: 'job-name', value: true, help: 'job resource name (default backup)' },
  { long: 'jobid', value: true, help: 'JobId (default 1)' },
  { long: 'job-level', value: true, help: 'F (default), I or D' },
  { long: 'client', value: true, help: 'client name in the session label' },
  { long: 'pool', value: true, help: 'pool name in the labels (default Default)' },
  { long: 'media-type', value: true, help: 'media type in the label (default File)' },
  { long: 'digest', value: true, help: 'md5 (default), sha1, sha256, sha512 or none' },
  { long: 'sparse', help: 'send sparse files as offset records, skipping zero chunks' },
  {
    long: 'fd-compression',
    value: true,
    help: 'compress as the file daemon does: ALG or ALG:LEVEL (gzip, lzo, …)',
  },
  ...AUTOXFLATE_FLAGS,
  ...VOLUME_KEY_FLAGS,
  ...TAPEALERT_FLAGS,
  { long: 'json', help: 'print the job log and summary as JSON lines' },
  { short: 'h', long: 'help', help: 'show this help' },
];

const SYNOPSIS = `usage: sdpipe backup [options] <directory> <device> -V <Volume>
  <device> is the directory holding the volume files (a File device's Archive Device).`;

const DIGESTS = ['md5', 'sha1', 'sha256', 'sha512', 'none'] as const;

/** Size suffixes as Bareos' size directives take them (powers of 1024). */
const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** A whole-number flag; sizes may carry a K/M/G/T suffix (`5G`). */
function intFlag(args: ParsedArgs, key: string, dflt: number | undefined, min = 0): number | undefined {
  const v = value(args, key);
  if (v === undefined) return dflt;
  const m = /^(\d+)([kmgt]?)b?$/i.exec(v);
  const n = m ? Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toLowerCase()] ?? 1) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${key} needs a whole number ≥ ${min} (K/M/G/T suffixes allowed)`, { field: key });
  }
  return n;
}

export const backup: CommandDescriptor = defineCommand({
  name: 'backup',
  summary:
    'back up a directory to volumes on a File device or tape drive (walk → autoxflate OUT → volume writer)',
  synopsis: SYNOPSIS,
  flags: FLAGS,
  positionals: ['directory', 'device'],
  async run({ args, positionals: [source = '', devicePath = ''], io, json, defer }) {
    const volumes = splitVolumes(value(args, 'volume') ?? '');
    if (volumes.length === 0) throw new UsageError('name the volume(s) to write with -V <Volume>');
    const format = value(args, 'format') ?? 'bareos';
    if (format !== 'bareos' && format !== 'bacula')
      throw new UsageError('--format is bareos or bacula', { field: 'format' });
    const digest = value(args, 'digest') ?? 'md5';
    if (!(DIGESTS as readonly string[]).includes(digest))
      throw new UsageError(`--digest is one of ${DIGESTS.join(', ')}`);
    const fdc = value(args, 'fd-compression');
    const [fdAlgorithm, fdLevel] = fdc?.split(':') ?? [];
    const settings = autoxflateSettingsFrom(args);
    const jobId = intFlag(args, 'jobid', 1, 1) ?? 1;
    const jobName = value(args, 'job-name') ?? 'backup';
    const level = value(args, 'job-level') ?? 'F';
    if (!/^[FID]$/.test(level)) throw new UsageError('--job-level is F, I or D', { field: 'job-level' });
    const startedUs = Date.now() * 1000;
    const job = uniqueJobName(jobName, jobId, new Date(startedUs / 1000));
    const log = jobLogger(io, jobId, json);
    const volumeKey = await volumeKeyFrom(args);
    let device: StorageDevice;
    try {
      device = await openDevice(devicePath, { volumeKey });
    } finally {
      wipe(volumeKey);
    }
    defer(() => device.close());
    const warnings: SdpipeError[] = [];
    const warn = (e: SdpipeError) => {
      warnings.push(e);
      io.stderr(`${formatError(e, json)}\n`);
    };
    const stats = createWalkStats();
    const records = walkTree(source, {
      flavour: format,
      digest: digest as DigestName | 'none',
      sparse: count(args, 'sparse') > 0,
      ...(fdAlgorithm
        ? { fdCompression: { algorithm: fdAlgorithm, ...(fdLevel ? { level: Number(fdLevel) } : {}) } }
        : {}),
      onWarning: warn,
      stats,
    });
    const writer = new VolumeWriter({
      flavour: format,
      volumes,
      open: device.openVolumeForWrite,
      ...(value(args, 'max-volume-bytes') !== undefined
        ? { maxVolumeBytes: intFlag(args, 'max-volume-bytes', 0, 1) ?? 0 }
        : {}),
      ...(value(args, 'block-bytes') !== undefined
        ? { blockBytes: intFlag(args, 'block-bytes', 0, 1024) ?? 0 }
        : {}),
      volSessionId: 1,
      volSessionTime: Math.floor(startedUs / 1e6),
      job: {
        jobId,
        job,
        jobName,
        clientName: value(args, 'client') ?? 'sdpipe-fd',
        fileSetName: 'sdpipe',
        level,
        type: 'B',
      },
      poolName: value(args, 'pool') ?? 'Default',
      mediaType: value(args, 'media-type') ?? 'File',
    });
    const sink = new VolumeWriteStream(writer);
    const progress = io.progress;
    const timer = progress
      ? setInterval(() => progress(`${stats.files} files, ${(stats.bytes / 1e6).toFixed(1)} MB`), 250)
      : undefined;
    try {
      await pipeline(
        Readable.from(records, { objectMode: true, highWaterMark: 16 }),
        new Autoxflate<RecordToWrite>('out', settings, {
          deviceName: device.name,
          jobLog: log,
          onWarning: warn,
        }),
        sink,
      );
    } finally {
      if (timer) clearInterval(timer);
      progress?.('');
    }
    const written = sink.result;
    if (!written) throw new SdpipeError('SDP_INTERNAL', 'the volume writer did not finish');
    if (count(args, 'tapealert') > 0) {
      await reportTapeAlerts(device, written.parts.at(-1)?.volume ?? volumes[0] ?? '', log, warn);
    }
    const summary = {
      kind: 'summary',
      jobId,
      job,
      status: warnings.length ? 'E' : 'T',
      files: written.jobFiles,
      bytes: stats.bytes,
      jobBytes: written.jobBytes,
      volumes: written.parts.map((p) => p.volume),
      warnings: warnings.length,
    };
    if (json) io.stdout(`${JSON.stringify(summary)}\n`);
    else {
      log(
        `Backup ${warnings.length ? 'OK -- with warnings' : 'OK'}: ${written.jobFiles} files, ${stats.bytes} bytes read, ` +
          `${written.jobBytes} bytes on ${summary.volumes.join('|')}`,
      );
    }
    return warnings.length ? EXIT.ERRORS : EXIT.OK;
  },
});
