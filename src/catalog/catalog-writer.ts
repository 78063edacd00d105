/**
 * Writes what a scan learns into the catalog, as Bareos bscan does with `-s` (store Pool, Client,
 * FileSet, Media, Job, JobMedia and File rows) and `-m` (update the Media rows' volume counters).
 *
 * JobIds: a job keeps the JobId of its session labels when the catalog has no other job with it (Bacula's
 * bscan always numbers anew); a job already in the catalog under its unique Job name (or, for a session
 * whose SOS label was not read, under its VolSessionId/VolSessionTime) is updated, not duplicated. A
 * session first seen without its SOS label gets a provisional JobId that is settled at its EOS label.
 */
import type { Catalog } from './catalog.js';
import { splitAddress } from './catalog.js';
import { catalogDate, catalogDateSeconds, type JobRow, type MediaRow } from './schema.js';
import {
  sessionFacts,
  volumeDates,
  volumeStatus,
  type ScannedFile,
  type ScannedSession,
  type ScannedVolume,
} from './volume-scan.js';
import { encodeDigestBase64 } from '../volume/bacula-base64.js';

/** What the writer did, for `-v` listings. */
export type CatalogEvent =
  | { readonly kind: 'pool'; readonly name: string; readonly poolId: number; readonly created: boolean }
  | {
      readonly kind: 'media';
      readonly volumeName: string;
      readonly mediaId: number;
      readonly created: boolean;
    }
  | {
      readonly kind: 'job';
      readonly jobId: number;
      readonly job: string;
      /** `created`, `found` (already in the catalog) or `provisional` (no SOS label read yet). */
      readonly how: 'created' | 'found' | 'provisional';
    }
  | { readonly kind: 'jobRenumbered'; readonly from: number; readonly to: number; readonly job: string }
  | {
      readonly kind: 'jobMedia';
      readonly jobId: number;
      readonly volumeName: string;
      readonly firstIndex: number;
      readonly lastIndex: number;
      readonly startAddress: number;
      readonly endAddress: number;
    }
  | {
      readonly kind: 'mediaUpdated';
      readonly volumeName: string;
      readonly volJobs: number;
      readonly volBlocks: number;
      readonly volBytes: number;
      readonly volStatus: string;
    };

/** What the writer stores (bscan `-s` / `-m`) and where it tells what it did. */
export interface CatalogWriterOptions {
  /** `-s`: store pools, clients, filesets, media, jobs, JobMedia and files. */
  readonly store: boolean;
  /** `-m`: update the Media rows' counters (VolJobs, VolBlocks, VolBytes, dates, VolStatus). */
  readonly updateMedia: boolean;
  readonly onEvent?: (e: CatalogEvent) => void;
}

interface JobState {
  jobId: number;
  /** The row was made by this scan (else it was found in the catalog). */
  created: boolean;
  /** Made without an SOS label: its JobId is settled at the EOS label. */
  provisional: boolean;
}

const dateOf = (t: number | undefined) => (t === undefined ? null : catalogDate(t));
/** Digest bytes as the catalog stores them; `0` for a file without a digest record. */
const digestText = (f: ScannedFile) => (f.digest ? encodeDigestBase64(f.digest) : '0');

/** Applies scan events to a catalog (call inside a transaction). */
export class CatalogWriter {
  private readonly jobs = new Map<string, JobState>();
  private readonly mediaIds = new Map<string, number>();

  constructor(
    private readonly catalog: Catalog,
    private readonly options: CatalogWriterOptions,
  ) {}

  private get writes(): boolean {
    return this.options.store || this.options.updateMedia;
  }

  private event(e: CatalogEvent): void {
    this.options.onEvent?.(e);
  }

  /** The catalog JobId given to a session (undefined when nothing is stored). */
  jobIdOf(s: ScannedSession): number | undefined {
    return this.jobs.get(s.key)?.jobId;
  }

  /** A volume label was read: its Pool and Media rows are found or made. */
  volume(v: ScannedVolume): void {
    // A prelabeled volume was never written: bscan leaves it alone.
    if (this.writes && v.label && v.labelType === 'VOL_LABEL') this.mediaId(v);
  }

  private poolId(name: string, poolType: string): number {
    const { row, created } = this.catalog.ensurePool(name, poolType);
    if (created) this.event({ kind: 'pool', name, poolId: row.poolId, created });
    return row.poolId;
  }

  private mediaId(v: ScannedVolume): number {
    const known = this.mediaIds.get(v.volumeName);
    if (known !== undefined) return known;
    let row = this.catalog.findMedia(v.volumeName);
    const created = row === undefined;
    if (!row) {
      const label = v.label;
      row = this.catalog.createMedia({
        volumeName: v.volumeName,
        mediaType: label?.mediaType ?? '',
        poolId: label ? this.poolId(label.poolName, label.poolType) : 0,
        labelDate: v.labelType === 'VOL_LABEL' ? dateOf(v.labelWritten) : null,
      });
    }
    this.event({ kind: 'media', volumeName: v.volumeName, mediaId: row.mediaId, created });
    this.mediaIds.set(v.volumeName, row.mediaId);
    return row.mediaId;
  }

  /** A session began: its Job row is found or made (with `-s`). */
  sessionStart(s: ScannedSession): void {
    if (!this.options.store) return;
    const facts = sessionFacts(s);
    if (!s.start && !s.end) {
      // No label yet: the catalog may know the session from an earlier scan of its first volume.
      const known = this.catalog.findJobsBySession(s.volSessionId, s.volSessionTime)[0];
      if (known) {
        this.jobs.set(s.key, { jobId: known.jobId, created: false, provisional: false });
        this.event({ kind: 'job', jobId: known.jobId, job: known.job, how: 'found' });
        return;
      }
      const jobId = this.catalog.nextJobId();
      this.catalog.createJob({
        jobId,
        volSessionId: s.volSessionId,
        volSessionTime: s.volSessionTime,
        jobStatus: 'I',
      });
      this.jobs.set(s.key, { jobId, created: true, provisional: true });
      this.event({ kind: 'job', jobId, job: '', how: 'provisional' });
      return;
    }
    const known =
      this.catalog.findJobByName(facts.job) ??
      this.catalog
        .findJobsBySession(s.volSessionId, s.volSessionTime)
        .find((j) => j.job === '' || j.job === facts.job);
    if (known) {
      this.jobs.set(s.key, { jobId: known.jobId, created: false, provisional: false });
      this.event({ kind: 'job', jobId: known.jobId, job: facts.job, how: 'found' });
      this.catalog.updateJob(known.jobId, this.labelColumns(s));
      return;
    }
    const jobId = this.freeJobId(facts.jobId);
    this.catalog.createJob({ jobId, ...this.labelColumns(s), jobStatus: 'I' });
    this.jobs.set(s.key, { jobId, created: true, provisional: false });
    this.event({ kind: 'job', jobId, job: facts.job, how: 'created' });
  }

  /** The label's JobId when no job has it, else the next free one. */
  private freeJobId(labelJobId: number): number {
    return labelJobId > 0 && !this.catalog.getJob(labelJobId) ? labelJobId : this.catalog.nextJobId();
  }

  /** Job columns the session labels give. */
  private labelColumns(s: ScannedSession): Partial<JobRow> {
    const f = sessionFacts(s);
    const startTime = dateOf(f.startTime);
    return {
      job: f.job,
      name: f.jobName,
      type: f.type,
      level: f.level,
      volSessionId: s.volSessionId,
      volSessionTime: s.volSessionTime,
      clientId: f.clientName ? this.catalog.ensureClient(f.clientName).row.clientId : 0,
      poolId: f.poolName ? this.poolId(f.poolName, f.poolType) : 0,
      fileSetId: f.fileSetName
        ? this.catalog.ensureFileSet(f.fileSetName, f.fileSetMd5, startTime).row.fileSetId
        : 0,
      ...(startTime !== null ? { startTime, schedTime: startTime } : {}),
    };
  }

  /** A file is complete: its File row is written (with `-s`). */
  file(s: ScannedSession, f: ScannedFile): void {
    const job = this.jobs.get(s.key);
    if (!this.options.store || !job) return;
    this.catalog.putFile({
      jobId: job.jobId,
      fileIndex: f.fileIndex,
      path: f.path,
      name: f.name,
      lstat: f.lstat,
      md5: digestText(f),
      deltaSeq: f.deltaSeq,
    });
  }

  /** A digest whose file's attributes were not read in this scan (they lie on an earlier volume). */
  digest(s: ScannedSession, fileIndex: number, digest: Uint8Array): void {
    const job = this.jobs.get(s.key);
    if (!this.options.store || !job) return;
    this.catalog.putFileDigest(job.jobId, fileIndex, encodeDigestBase64(digest));
  }

  /** A session's EOS label was read: a provisional job gets its JobId and label columns. */
  sessionEnd(s: ScannedSession): void {
    const job = this.jobs.get(s.key);
    if (!this.options.store || !job || !job.provisional) return;
    const facts = sessionFacts(s);
    const other = this.catalog.findJobByName(facts.job);
    const labelIdFree =
      facts.jobId > 0 && (facts.jobId === job.jobId || this.catalog.getJob(facts.jobId) === undefined);
    const to = other && other.jobId !== job.jobId ? other.jobId : labelIdFree ? facts.jobId : job.jobId;
    if (to !== job.jobId) {
      this.catalog.moveJob(job.jobId, to);
      this.event({ kind: 'jobRenumbered', from: job.jobId, to, job: facts.job });
      job.jobId = to;
      job.created = other === undefined;
    }
    job.provisional = false;
    this.catalog.updateJob(job.jobId, this.labelColumns(s));
  }

  /** The end of the scan: JobMedia rows and job totals (with `-s`), Media counters (with `-m`). */
  finish(volumes: readonly ScannedVolume[], sessions: readonly ScannedSession[]): void {
    const byName = new Map(volumes.map((v) => [v.volumeName, v]));
    if (this.options.store) for (const s of sessions) this.finishJob(s, byName);
    if (this.options.updateMedia) {
      for (const v of volumes) if (v.labelType === 'VOL_LABEL') this.updateMediaCounters(v);
    }
  }

  private finishJob(s: ScannedSession, volumes: ReadonlyMap<string, ScannedVolume>): void {
    const job = this.jobs.get(s.key);
    if (!job) return;
    let volIndex = 0;
    for (const seg of s.segments) {
      const v = volumes.get(seg.volumeName);
      if (!v) continue;
      // A continuation volume's label says which volume of the job it is (spec §3.4).
      volIndex =
        volIndex === 0 && !v.startedHere.has(s.key) && v.labelStream > 0 ? v.labelStream : volIndex + 1;
      const start = splitAddress(seg.startAddress);
      const end = splitAddress(seg.endAddress);
      this.catalog.putJobMedia({
        jobId: job.jobId,
        mediaId: this.mediaId(v),
        firstIndex: seg.firstIndex,
        lastIndex: seg.lastIndex,
        startFile: start.file,
        startBlock: start.block,
        endFile: end.file,
        endBlock: end.block,
        jobBytes: seg.dataBytes,
        volIndex,
      });
      this.event({
        kind: 'jobMedia',
        jobId: job.jobId,
        volumeName: seg.volumeName,
        firstIndex: seg.firstIndex,
        lastIndex: seg.lastIndex,
        startAddress: seg.startAddress,
        endAddress: seg.endAddress,
      });
    }
    const row = this.catalog.getJob(job.jobId);
    if (!row) return;
    const facts = sessionFacts(s);
    const media = this.catalog.jobMedia(job.jobId);
    // Totals over every volume the catalog knows for the job, so scans of single volumes add up.
    const jobBytes = media.reduce((n, m) => n + m.jobBytes, 0);
    const lastIndex = media.reduce((n, m) => Math.max(n, m.lastIndex), 0);
    const endTime = s.end ? dateOf(facts.endTime) : row.endTime;
    const startTime = row.startTime;
    const tDate = catalogDateSeconds(endTime) ?? catalogDateSeconds(startTime);
    const settled = !job.created && row.jobStatus !== '' && row.jobStatus !== 'I';
    this.catalog.updateJob(job.jobId, {
      jobFiles: s.end ? facts.jobFiles : Math.max(row.jobFiles, lastIndex),
      jobBytes,
      jobErrors: s.end ? facts.jobErrors : row.jobErrors,
      jobStatus: s.end ? facts.jobStatus : settled ? row.jobStatus : 'I',
      endTime,
      realEndTime: endTime,
      ...(tDate !== undefined ? { jobTDate: tDate } : {}),
    });
  }

  private updateMediaCounters(v: ScannedVolume): void {
    const mediaId = this.mediaId(v);
    const end = splitAddress(v.endAddress);
    const dates = volumeDates(v);
    const patch: Partial<MediaRow> = {
      volJobs: v.sessions.length,
      volFiles: end.file,
      volBlocks: v.blocks,
      volBytes: v.bytes,
      volStatus: volumeStatus(v),
      endFile: end.file,
      endBlock: end.block,
      firstWritten: dateOf(dates.firstWritten),
      lastWritten: dateOf(dates.lastWritten),
      labelDate: v.labelType === 'VOL_LABEL' ? dateOf(v.labelWritten) : null,
    };
    this.catalog.updateMedia(mediaId, patch);
    this.event({
      kind: 'mediaUpdated',
      volumeName: v.volumeName,
      volJobs: v.sessions.length,
      volBlocks: v.blocks,
      volBytes: v.bytes,
      volStatus: volumeStatus(v),
    });
  }
}
