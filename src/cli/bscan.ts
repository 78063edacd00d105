/**
 * `sdpipe bscan`: rebuild a catalog from volumes, like Bareos/Bacula bscan, into an SQLite catalog file
 * (`--catalog`). `-s` stores jobs, media, JobMedia and files, `-m` updates the media records, `-r` lists
 * every record, `--write-bsr` writes a bootstrap of the jobs found that `sdpipe bextract -b` reads.
 * Without `-s` and `-m` nothing is written to the catalog: bscan reports what it would add.
 */
import { access, constants, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatBootstrap } from '../catalog/bootstrap-writer.js';
import { bootstrapOf, bscan as scanVolumes, type BscanEvent, type BscanJob } from '../catalog/bscan.js';
import { Catalog } from '../catalog/catalog.js';
import { SdpipeError, UsageError } from '../errors.js';
import type { DeviceRecord } from '../volume/record.js';
import { count, value, type FlagSpec } from './args.js';
import { defineCommand, EXIT, type CommandDescriptor } from './command.js';
import { openReadJob } from './read-job.js';
import { openSelection } from './selection.js';

const FLAGS: readonly FlagSpec[] = [
  { short: 's', long: 'store', help: 'store pools, media, jobs, JobMedia and files into the catalog' },
  {
    short: 'm',
    long: 'update-media',
    help: 'update the media records (VolJobs, VolBlocks, VolBytes, dates)',
  },
  { short: 'r', long: 'list-records', help: 'list every record (SessId, SessTim, FileIndex, Stream, len)' },
  { short: 'v', long: 'verbose', repeat: true, help: 'tell what is found and written' },
  {
    short: 'b',
    long: 'bootstrap',
    value: true,
    help: 'bootstrap (.bsr) file selecting volumes, sessions and files',
  },
  { short: 'V', long: 'volume', value: true, help: "volume name(s) to read, several as 'Vol1|Vol2'" },
  { long: 'catalog', value: true, help: 'SQLite catalog file (created when missing); needed for -s and -m' },
  { long: 'write-bsr', value: true, help: 'write a bootstrap file of the jobs found' },
  { long: 'json', help: 'print one JSON object per line' },
  { long: 'strict', help: 'stop at the first problem (the catalog is left unchanged)' },
  { short: 'h', long: 'help', help: 'show this help' },
];

const SYNOPSIS = `usage: sdpipe bscan [-s] [-m] [-v] [-r] [-b bsr] [-V 'Vol1|Vol2'] [--catalog file.db] [--write-bsr out.bsr] <device>
  <device> is a directory of volume files (name volumes with -V) or the path of one volume file.`;

const thousands = (n: number) => n.toLocaleString('en-US');
const json = (o: unknown) =>
  JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** bscan -r's line for a record. */
export const recordLine = (r: {
  volSessionId: number;
  volSessionTime: number;
  fileIndex: number;
  stream: number;
  length: number;
}): string =>
  `Record: SessId=${r.volSessionId} SessTim=${r.volSessionTime} FileIndex=${r.fileIndex} Stream=${r.stream} len=${r.length}`;

const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);

function eventText(e: BscanEvent): string {
  switch (e.kind) {
    case 'volume':
      if (e.labelType === 'PRE_LABEL')
        return `Volume "${e.volumeName}" is prelabeled: never written, nothing to scan`;
      return `Volume "${e.volumeName}": ${e.labelType || 'no label'}, pool ${e.poolName}, media type ${e.mediaType}`;
    case 'pool':
      return `Created Pool record for Pool: ${e.name} (PoolId ${e.poolId})`;
    case 'media':
      return e.created
        ? `Created Media record for Volume: ${e.volumeName} (MediaId ${e.mediaId})`
        : `Media record for Volume ${e.volumeName} found in the catalog (MediaId ${e.mediaId})`;
    case 'job':
      if (e.how === 'provisional')
        return `Created provisional Job record JobId ${e.jobId} (no SOS label read yet)`;
      return e.how === 'created'
        ? `Created Job record for JobId ${e.jobId}: ${e.job}`
        : `Job record for JobId ${e.jobId} found in the catalog: ${e.job}`;
    case 'jobRenumbered':
      return `Job ${e.job}: JobId ${e.from} is now JobId ${e.to}`;
    case 'jobMedia':
      return (
        `JobMedia for JobId ${e.jobId} on ${e.volumeName}: FileIndex=${range(e.firstIndex, e.lastIndex)} ` +
        `VolAddr=${e.startAddress}-${e.endAddress}`
      );
    case 'mediaUpdated':
      return (
        `Updated Media record for ${e.volumeName}: VolJobs=${e.volJobs} VolBlocks=${e.volBlocks} ` +
        `VolBytes=${thousands(e.volBytes)} VolStatus=${e.volStatus}`
      );
  }
}

function jobText(j: BscanJob): string {
  return (
    `Job: JobId=${j.catalogJobId} Job=${j.job || '?'} Level=${j.level || '?'} Files=${thousands(j.jobFiles)} ` +
    `Bytes=${thousands(j.jobBytes)} Status=${j.jobStatus} SessId=${j.volSessionId} SessTime=${j.volSessionTime} ` +
    `Volumes=${j.segments.map((g) => g.volumeName).join('|')}`
  );
}

function jobJson(j: BscanJob) {
  return {
    kind: 'job',
    jobId: j.catalogJobId,
    labelJobId: j.jobId,
    job: j.job,
    name: j.jobName,
    client: j.clientName,
    fileSet: j.fileSetName,
    pool: j.poolName,
    type: j.type,
    level: j.level,
    jobFiles: j.jobFiles,
    jobBytes: j.jobBytes,
    jobErrors: j.jobErrors,
    jobStatus: j.jobStatus,
    volSessionId: j.volSessionId,
    volSessionTime: j.volSessionTime,
    complete: j.complete,
    files: j.files,
    volumes: j.segments.map((g) => ({
      volume: g.volumeName,
      mediaType: g.mediaType,
      firstIndex: g.firstIndex,
      lastIndex: g.lastIndex,
      startAddress: g.startAddress,
      endAddress: g.endAddress,
      bytes: g.dataBytes,
    })),
  };
}

/** Fails early when the bootstrap output's folder cannot be written. */
async function checkWritable(path: string): Promise<void> {
  try {
    await access(dirname(path), constants.W_OK);
  } catch (e) {
    throw new SdpipeError('SDP_BSR_WRITE', `cannot write the bootstrap file: ${(e as Error).message}`, {
      file: path,
    });
  }
}

/** The `bscan` command. */
export const bscan: CommandDescriptor = defineCommand({
  name: 'bscan',
  summary: 'rebuild catalog records (SQLite file) from volumes; list records; write bootstraps',
  synopsis: SYNOPSIS,
  flags: FLAGS,
  positionals: ['device'],
  async run({ args, positionals: [devicePath = ''], io, defer }) {
    const store = count(args, 'store') > 0;
    const updateMedia = count(args, 'update-media') > 0;
    const listRecords = count(args, 'list-records') > 0;
    const catalogPath = value(args, 'catalog');
    const bsrPath = value(args, 'write-bsr');
    if ((store || updateMedia) && catalogPath === undefined) {
      throw new UsageError('-s and -m need --catalog <file>', { field: 'catalog' });
    }
    let catalog: Catalog | undefined;
    try {
      const selection = await openSelection(args);
      const job = await openReadJob(args, devicePath, io, selection.volumes, defer);
      if (bsrPath !== undefined) await checkWritable(bsrPath);
      if (catalogPath !== undefined) catalog = Catalog.open(catalogPath);
      const out = (o: unknown, text: string) => io.stdout(`${job.json ? json(o) : text}\n`);
      const printRecord = (r: DeviceRecord) => {
        const rec = {
          volSessionId: r.volSessionId,
          volSessionTime: r.volSessionTime,
          fileIndex: r.fileIndex,
          stream: r.stream,
          length: r.data.length,
        };
        out(
          {
            kind: 'record',
            volume: r.position.volume,
            offset: r.position.offset,
            ...rec,
            ...(r.partial ? { partial: true } : {}),
          },
          recordLine(rec),
        );
      };
      const result = await scanVolumes(job.volumes, job.device.openVolume, {
        catalog,
        store,
        updateMedia,
        strict: job.strict,
        onWarning: job.onWarning,
        ...(listRecords ? { onRecord: printRecord } : {}),
        ...(job.verbose
          ? { onEvent: (e: BscanEvent) => out({ ...e, kind: 'event', event: e.kind }, eventText(e)) }
          : {}),
        readOptions: selection.readOptions,
        wantRecord: (r) => selection.wantRecord(r),
      });
      // bscan ends its record list with the end-of-tape record it makes up (spec §3.4, EOT_LABEL).
      // A prelabeled volume is not scanned at all (like bscan), so it gets no end-of-tape record.
      if (listRecords && result.volumes.some((v) => v.labelType !== 'PRE_LABEL')) {
        const eot = { volSessionId: 0, volSessionTime: 0, fileIndex: -6, stream: 0, length: 0 };
        out({ kind: 'record', ...eot }, recordLine(eot));
      }
      for (const j of result.jobs) out(jobJson(j), jobText(j));
      let bootstrapJobs = 0;
      if (bsrPath !== undefined) {
        const jobs = bootstrapOf(result);
        bootstrapJobs = jobs.length;
        try {
          await writeFile(bsrPath, formatBootstrap(jobs));
        } catch (e) {
          throw new SdpipeError('SDP_BSR_WRITE', `cannot write the bootstrap file: ${(e as Error).message}`, {
            file: bsrPath,
          });
        }
      }
      const c = result.counts;
      out(
        {
          kind: 'summary',
          written: result.written,
          ...c,
          ...(bsrPath !== undefined ? { bootstrap: bsrPath, bootstrapJobs } : {}),
        },
        [
          result.written
            ? 'Records added or updated in the catalog:'
            : 'Records would have been added or updated in the catalog:',
          `${String(c.media).padStart(7)} Media`,
          `${String(c.pool).padStart(7)} Pool`,
          `${String(c.job).padStart(7)} Job`,
          `${String(c.file).padStart(7)} File`,
          ...(bsrPath !== undefined ? [`Bootstrap of ${bootstrapJobs} job(s) written to ${bsrPath}`] : []),
        ].join('\n'),
      );
      return job.warnings.length ? EXIT.ERRORS : EXIT.OK;
    } finally {
      catalog?.close();
    }
  },
});
