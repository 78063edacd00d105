/**
 * bscan: rebuild catalog rows from volumes (Bareos/Bacula `bscan`). Reads the volumes as one job would
 * (spec volume-format.md §4–6), learns volumes, sessions and files ({@link VolumeScan}) and, with `store`
 * (`-s`) and/or `updateMedia` (`-m`), writes them into a {@link Catalog} in one transaction. Without
 * either it only reports what it would add, like bscan. Damage is reported and skipped, as in every
 * reader; `strict` stops at the first problem and rolls the catalog back.
 */
import { SdpipeError, UsageError } from '../errors.js';
import type { Block } from '../volume/block-reader.js';
import type { DeviceRecord } from '../volume/record.js';
import { readRecords, type VolumeOpener, type VolumeReadOptions } from '../volume/volume-reader.js';
import type { BootstrapJob } from './bootstrap-writer.js';
import type { Catalog } from './catalog.js';
import { CatalogWriter, type CatalogEvent } from './catalog-writer.js';
import {
  sessionFacts,
  VolumeScan,
  type ScannedSession,
  type ScannedVolume,
  type SessionFacts,
  type SessionSegment,
} from './volume-scan.js';

/** What a scan reports as it goes (`-v`): a volume label was read, or the catalog writer did something. */
export type BscanEvent =
  | {
      readonly kind: 'volume';
      readonly volumeName: string;
      readonly labelType: string;
      readonly poolName: string;
      readonly mediaType: string;
    }
  | CatalogEvent;

/** How {@link bscan} reads and what it writes. */
export interface BscanOptions {
  /** The catalog to look jobs up in and write to; needed for `store` and `updateMedia`. */
  readonly catalog?: Catalog | undefined;
  /** `-s`: store pools, clients, filesets, media, jobs, JobMedia and files. */
  readonly store?: boolean;
  /** `-m`: update Media rows from what the volumes hold. */
  readonly updateMedia?: boolean;
  /** Stop at the first problem (and roll the catalog back). */
  readonly strict?: boolean;
  readonly onWarning?: (e: SdpipeError) => void;
  /**
   * `-r`: every record read, in order: complete records and orphan continuation pieces (as bscan lists
   * them), not records cut short at the end of the read (those are warnings).
   */
  readonly onRecord?: (r: DeviceRecord) => void;
  readonly onEvent?: (e: BscanEvent) => void;
  /** Byte ranges and sessions to read (a bootstrap). */
  readonly readOptions?: Pick<VolumeReadOptions, 'ranges' | 'wantSession'>;
  /** Records to keep (a bootstrap's FileIndex/Stream selection); labels are always kept. */
  readonly wantRecord?: (r: DeviceRecord) => boolean;
}

/** One job found on the volumes. */
export interface BscanJob extends SessionFacts {
  /** The JobId the catalog has for it (the label's JobId when nothing was stored). */
  readonly catalogJobId: number;
  readonly volSessionId: number;
  readonly volSessionTime: number;
  /** True when both its SOS and EOS labels were read. */
  readonly complete: boolean;
  /** Where it lies on each volume (the JobMedia rows), in read order. */
  readonly segments: readonly (SessionSegment & { readonly mediaType: string })[];
  /** Files (attribute records) read. */
  readonly files: number;
}

/** Rows bscan added or would add, counted as bscan counts them (Media and Pool once per VOL_LABEL read). */
export interface BscanCounts {
  readonly media: number;
  readonly pool: number;
  readonly job: number;
  readonly file: number;
}

/** What a scan found: volumes, jobs, the counts bscan prints, and whether the catalog was written. */
export interface BscanResult {
  readonly volumes: readonly ScannedVolume[];
  readonly jobs: readonly BscanJob[];
  readonly counts: BscanCounts;
  /** True when the catalog was written (`store` or `updateMedia`). */
  readonly written: boolean;
}

/** Scans `volumes` in order (one read, so jobs spanning them are joined) and fills the catalog. */
export async function bscan(
  volumes: readonly string[],
  open: VolumeOpener,
  options: BscanOptions = {},
): Promise<BscanResult> {
  const store = options.store ?? false;
  const updateMedia = options.updateMedia ?? false;
  const catalog = options.catalog;
  const written = store || updateMedia;
  if (written && !catalog) throw new UsageError('storing (-s) or updating media (-m) needs a catalog');
  const writer = catalog
    ? new CatalogWriter(catalog, {
        store,
        updateMedia,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      })
    : undefined;
  let lastWarning: SdpipeError | undefined;
  const onWarning = (e: SdpipeError) => {
    lastWarning = e;
    if (options.strict) throw e;
    options.onWarning?.(e);
  };
  const scan = new VolumeScan(
    {
      volume: (v) => {
        options.onEvent?.({
          kind: 'volume',
          volumeName: v.volumeName,
          labelType: v.labelType ?? '',
          poolName: v.label?.poolName ?? '',
          mediaType: v.label?.mediaType ?? '',
        });
        writer?.volume(v);
      },
      sessionStart: (s) => writer?.sessionStart(s),
      file: (s, f) => writer?.file(s, f),
      digest: (s, fileIndex, digest) => writer?.digest(s, fileIndex, digest),
      sessionEnd: (s) => writer?.sessionEnd(s),
    },
    {
      onWarning,
      ...(options.readOptions?.wantSession ? { wantSession: options.readOptions.wantSession } : {}),
    },
  );
  if (written) catalog?.begin();
  try {
    const records = readRecords(volumes, open, {
      onWarning,
      strict: options.strict ?? false,
      onBlock: (b: Block) => scan.block(b),
      ...options.readOptions,
    });
    for await (const r of records) {
      if (options.wantRecord && !options.wantRecord(r)) continue;
      if (options.onRecord && !cutShort(r, lastWarning)) options.onRecord(r);
      scan.record(r);
    }
    scan.finish();
    writer?.finish(scan.volumes, scan.sessions);
    if (written) catalog?.commit();
  } catch (e) {
    if (written) catalog?.rollback();
    throw e;
  }
  const volumesRead = scan.volumes;
  // Counted as bscan counts: one Media and one Pool per written volume's label (none for a prelabeled one).
  const labelled = volumesRead.filter((v) => v.labelType === 'VOL_LABEL').length;
  const jobs = scan.sessions.map((s) => jobOf(s, writer?.jobIdOf(s), volumesRead));
  return {
    volumes: volumesRead,
    jobs,
    counts: {
      media: labelled,
      pool: labelled,
      job: jobs.length,
      file: jobs.reduce((n, j) => n + j.files, 0),
    },
    written,
  };
}

/** A record the reader cut short (reported just before it as SDP_RECORD_INCOMPLETE): bscan never lists these. */
function cutShort(r: DeviceRecord, lastWarning: SdpipeError | undefined): boolean {
  return (
    r.partial === true &&
    lastWarning?.code === 'SDP_RECORD_INCOMPLETE' &&
    lastWarning.context.offset === r.position.offset &&
    lastWarning.context.volume === r.position.volume
  );
}

function jobOf(
  s: ScannedSession,
  catalogJobId: number | undefined,
  volumes: readonly ScannedVolume[],
): BscanJob {
  const facts = sessionFacts(s);
  const mediaType = (name: string) => volumes.find((v) => v.volumeName === name)?.label?.mediaType ?? '';
  return {
    ...facts,
    catalogJobId: catalogJobId ?? facts.jobId,
    volSessionId: s.volSessionId,
    volSessionTime: s.volSessionTime,
    complete: s.start !== undefined && s.end !== undefined,
    segments: s.segments.map((g) => ({ ...g, mediaType: mediaType(g.volumeName) })),
    files: s.files,
  };
}

/**
 * The bootstrap of the jobs a scan found (as the Director writes one per job): one entry per volume
 * with the session, VolAddr and FileIndex range. Volumes where a job has no file record are left out.
 */
export function bootstrapOf(result: BscanResult): BootstrapJob[] {
  return result.jobs
    .map((j) => ({
      job: j.job,
      level: j.level,
      time: j.endTime ?? j.startTime,
      volumes: j.segments
        .filter((g) => g.firstIndex > 0)
        .map((g) => ({
          volumeName: g.volumeName,
          mediaType: g.mediaType,
          volSessionId: j.volSessionId,
          volSessionTime: j.volSessionTime,
          startAddress: g.startAddress,
          endAddress: g.endAddress,
          firstIndex: g.firstIndex,
          lastIndex: g.lastIndex,
        })),
    }))
    .filter((j) => j.volumes.length > 0);
}
