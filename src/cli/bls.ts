/**
 * `sdpipe bls`: list what is on volumes — files (default), sessions (-j), blocks (-k), labels (-L) —
 * with no configuration file. `--json` prints one object per line, with a `kind` field.
 */
import { decodeAttributes, fileTypeName, type FileAttributes } from '../volume/attributes.js';
import { formatLsLine, type LsFlavor } from '../volume/listing.js';
import type { Block } from '../volume/block-reader.js';
import { btimeDate, decodeVolumeLabel, labelTimeError, type VolumeLabel } from '../volume/label.js';
import { LABEL_TYPE, labelName } from '../volume/record-header.js';
import type { DeviceRecord } from '../volume/record.js';
import { SessionTracker, type SessionSummary } from '../volume/session-tracker.js';
import { readRecords } from '../volume/volume-reader.js';
import { SdpipeError } from '../errors.js';
import { count } from './args.js';
import { defineCommand, EXIT, type CommandDescriptor } from './command.js';
import { openReadJob, READ_FLAGS } from './read-job.js';
import { openSelection } from './selection.js';

const FLAGS = [
  ...READ_FLAGS,
  { short: 'j', long: 'jobs', help: 'list sessions (jobs) from their labels' },
  { short: 'k', long: 'blocks', help: 'list blocks' },
  { short: 'L', long: 'labels', help: 'dump volume labels' },
] as const;

const SYNOPSIS = `usage: sdpipe bls [options] <device>
  <device> is a directory of volume files (name volumes with -V) or the path of one volume file.`;

const json = (o: unknown) =>
  JSON.stringify(o, (_k, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? undefined : v,
  );

/** bls -j style date: `23-Nov-2026 00:04:22` (local time); `-` for a time no date can hold (damage). */
export function formatBtimeDate(btimeMicros: number): string {
  const d = btimeDate(btimeMicros);
  if (!d) return '-';
  const mon = d.toLocaleString('en-US', { month: 'short' });
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getDate())}-${mon}-${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
const iso = (btimeMicros: number) => btimeDate(btimeMicros)?.toISOString();

function sessionJson(volume: string, s: SessionSummary) {
  return {
    kind: 'session',
    volume,
    volumes: s.volumes,
    jobId: s.jobId,
    volSessionId: s.volSessionId,
    volSessionTime: s.volSessionTime,
    job: s.job,
    jobName: s.jobName,
    clientName: s.clientName,
    fileSetName: s.fileSetName,
    poolName: s.poolName,
    level: s.level,
    type: s.type,
    files: s.files,
    bytes: s.bytes,
    errors: s.errors,
    status: s.status,
    complete: s.complete,
    startTime: s.start ? iso(s.start.writeBtime) : undefined,
    endTime: s.end ? iso(s.end.writeBtime) : undefined,
  };
}

function labelJson(volume: string, label: VolumeLabel, rec: DeviceRecord) {
  return {
    kind: 'volumeLabel',
    volume,
    labelType: labelName(rec.fileIndex),
    labelSize: rec.data.length,
    volumeIndex: rec.stream,
    ...label,
    labelTime: iso(label.labelBtime),
    writeTime: iso(label.writeBtime),
  };
}

function fileJson(r: DeviceRecord, attr: FileAttributes, jobId: number) {
  const { stat } = attr;
  return {
    kind: 'file',
    volume: r.position.volume,
    jobId,
    volSessionId: r.volSessionId,
    volSessionTime: r.volSessionTime,
    fileIndex: attr.fileIndex,
    type: fileTypeName(attr.type),
    path: attr.fname,
    link: attr.link || undefined,
    mode: stat.mode,
    nlink: stat.nlink,
    uid: stat.uid,
    gid: stat.gid,
    size: stat.size,
    atime: stat.atime,
    mtime: stat.mtime,
    ctime: stat.ctime,
    linkFi: stat.linkFi,
    dataStream: stat.dataStream,
    lstat: attr.lstat,
  };
}

function blockJson(b: Block) {
  return {
    kind: 'block',
    volume: b.volume,
    blockNumber: b.header.blockNumber,
    length: b.header.length,
    offset: b.offset,
    checksum: b.header.checksum,
    version: b.header.version,
    volSessionId: b.header.volSessionId,
    volSessionTime: b.header.volSessionTime,
  };
}

function volumeLabelText(label: VolumeLabel, rec: DeviceRecord): string {
  return [
    '',
    'Volume Label:',
    `Id                : ${label.id.trimEnd()}`,
    `VerNo             : ${label.verNum}`,
    `VolName           : ${label.volumeName}`,
    `PrevVolName       : ${label.prevVolumeName}`,
    `VolFile           : 0`,
    `LabelType         : ${labelName(rec.fileIndex) ?? rec.fileIndex}`,
    `LabelSize         : ${rec.data.length}`,
    `PoolName          : ${label.poolName}`,
    `MediaType         : ${label.mediaType}`,
    `PoolType          : ${label.poolType}`,
    `HostName          : ${label.hostName}`,
    `Date label written: ${formatBtimeDate(label.labelBtime)}`,
    '',
  ].join('\n');
}

const thousands = (n: number) => n.toLocaleString('en-US');

export const bls: CommandDescriptor = defineCommand({
  name: 'bls',
  summary: 'list files, sessions, blocks or labels on volumes (no configuration needed)',
  synopsis: SYNOPSIS,
  flags: FLAGS,
  positionals: ['device'],
  async run({ args, positionals: [devicePath = ''], io, defer }) {
    const jobs = count(args, 'jobs') > 0;
    const blocks = count(args, 'blocks') > 0;
    const labels = count(args, 'labels') > 0;
    const selection = await openSelection(args);
    const job = await openReadJob(args, devicePath, io, selection.volumes, defer);
    const out = (o: unknown, text: string) => io.stdout(`${job.json ? json(o) : text}\n`);
    const tracker = new SessionTracker(job.onWarning);
    let files = 0;
    const onBlock = blocks
      ? (b: Block) => {
          const o = blockJson(b);
          out(
            o,
            job.verbose
              ? `Addr=${b.offset + b.header.length} blk_num=${b.header.blockNumber} blen=${b.header.length} ` +
                  `SessId=${b.header.volSessionId} SessTim=${b.header.volSessionTime} Hdrcksum=${b.header.checksum.toString(16).padStart(8, '0')}`
              : `Block: ${b.header.blockNumber} size=${b.header.length}`,
          );
        }
      : undefined;
    // Listings imitate the tool family that wrote each volume (column widths differ).
    const flavors = new Map<string, LsFlavor>();
    const records = readRecords(job.volumes, job.device.openVolume, {
      onVolumeLabel: (volume, label) =>
        flavors.set(volume, label.id.startsWith('Bacula') ? 'bacula' : 'bareos'),
      onWarning: job.onWarning,
      strict: job.strict,
      ...(onBlock ? { onBlock } : {}),
      ...selection.readOptions,
    });
    const printSession = (s: SessionSummary, volume: string) => {
      out(
        sessionJson(volume, s),
        `End Job Session Record: SessId=${s.volSessionId} SessTime=${s.volSessionTime} JobId=${s.jobId}\n` +
          `   Job=${s.job} Date=${s.end ? formatBtimeDate(s.end.writeBtime) : '-'} Level=${s.level} Type=${s.type}` +
          ` Files=${thousands(s.files)} Bytes=${thousands(s.bytes)} Errors=${s.errors} Status=${s.status}`,
      );
    };
    for await (const r of records) {
      const session = tracker.observe(r);
      if (r.fileIndex < 0) {
        if (r.fileIndex === LABEL_TYPE.VOL_LABEL || r.fileIndex === LABEL_TYPE.PRE_LABEL) {
          if (!labels && !jobs) continue;
          let label: VolumeLabel;
          try {
            label = decodeVolumeLabel(r.data, { volume: r.position.volume, offset: r.position.offset });
          } catch (e) {
            if (!(e instanceof SdpipeError)) throw e;
            job.onWarning(e);
            continue;
          }
          if (labels) {
            const where = { volume: r.position.volume, offset: r.position.offset };
            for (const [field, t] of [
              ['labelBtime', label.labelBtime],
              ['writeBtime', label.writeBtime],
            ] as const) {
              const bad = labelTimeError(t, field, where);
              if (bad) job.onWarning(bad);
            }
          }
          if (labels) out(labelJson(r.position.volume, label, r), volumeLabelText(label, r));
          else if (!job.json) {
            io.stdout(
              `Volume Record: SessId=${r.volSessionId} SessTime=${r.volSessionTime} JobId=${r.stream} DataLen=${r.data.length}\n`,
            );
          }
        } else if (jobs && r.fileIndex === LABEL_TYPE.SOS_LABEL && !job.json) {
          const s = tracker.jobIdOf(r);
          io.stdout(
            `Begin Job Session Record: SessId=${r.volSessionId} SessTime=${r.volSessionTime} JobId=${s}\n`,
          );
        }
        if (jobs && session) printSession(session, r.position.volume);
        continue;
      }
      if (jobs || blocks || labels || r.stream !== 1 || r.partial) continue;
      let attr: FileAttributes;
      try {
        attr = decodeAttributes(r.data, {
          volume: r.position.volume,
          blockNumber: r.position.blockNumber,
          offset: r.position.offset,
          fileIndex: r.fileIndex,
        });
      } catch (e) {
        if (!(e instanceof SdpipeError)) throw e;
        job.onWarning(e);
        continue;
      }
      if (!selection.wantRecord(r) || !selection.wantPath(attr.fname)) continue;
      files++;
      const jobId = tracker.jobIdOf(r);
      const line = formatLsLine(attr, { flavor: flavors.get(r.position.volume) ?? 'bareos' });
      out(
        fileJson(r, attr, jobId),
        job.verbose
          ? `${line}\n    FileIndex=${attr.fileIndex} SessId=${r.volSessionId} SessTime=${r.volSessionTime} JobId=${jobId} Type=${attr.type}`
          : line,
      );
    }
    if (jobs) for (const s of tracker.finish()) printSession(s, s.volumes.at(-1) ?? '');
    if (!jobs && !blocks && !labels && !job.json) io.stdout(`${files} files found.\n`);
    return job.warnings.length ? EXIT.ERRORS : EXIT.OK;
  },
});
