/**
 * The catalog: one SQLite file shaped like the Bareos/Bacula catalog (tables in `schema.ts`), written by
 * `sdpipe bscan` and read back by tests and by a restore from the catalog. All calls are synchronous.
 * SQLite failures become SdpipeErrors: `SDP_CATALOG_OPEN` (file cannot be opened or created),
 * `SDP_CATALOG_FORMAT` (not SQLite, or another schema), `SDP_CATALOG_QUERY` (a statement).
 */
import { SdpipeError, type Where } from '../errors.js';
import type { BootstrapJob, BootstrapVolume } from './bootstrap-writer.js';
import {
  catalogDateSeconds,
  catalogDdl,
  CATALOG_SCHEMA_VERSION,
  CLIENT_TABLE,
  FILESET_TABLE,
  FILE_TABLE,
  JOBMEDIA_TABLE,
  JOB_TABLE,
  MEDIA_TABLE,
  PATH_TABLE,
  POOL_TABLE,
  VERSION_TABLE,
  type ClientRow,
  type FileSetRow,
  type JobMediaRow,
  type JobRow,
  type MediaRow,
  type PoolRow,
  type TableDef,
} from './schema.js';
import { SqliteStore, textOf, toRow } from './sqlite-store.js';

/** 2^32: a file-volume address is StartFile (high 32 bits) and StartBlock (low 32 bits). */
const ADDRESS_SPLIT = 0x1_0000_0000;

/** Splits a byte address into the catalog's (file, block) pair (spec volume-format.md §4). */
export const splitAddress = (address: number): { file: number; block: number } => ({
  file: Math.floor(address / ADDRESS_SPLIT),
  block: address % ADDRESS_SPLIT,
});
/** Joins the catalog's (file, block) pair into a byte address. */
export const joinAddress = (file: number, block: number): number => file * ADDRESS_SPLIT + block;

/** A file of a job as the read API returns it: the File row with its Path. */
export interface CatalogFile {
  readonly fileId: number;
  readonly jobId: number;
  readonly fileIndex: number;
  /** Directory part, ending in `/` (the whole path for a directory). */
  readonly path: string;
  /** File name part (empty for a directory). */
  readonly name: string;
  readonly lstat: string;
  /** Digest as unpadded base64, `0` when none. */
  readonly md5: string;
  readonly deltaSeq: number;
}

/** A JobMedia row with its volume's name and media type. */
export interface CatalogJobMedia extends JobMediaRow {
  readonly volumeName: string;
  readonly mediaType: string;
}

/** How many rows each table holds. */
export interface CatalogCounts {
  pool: number;
  client: number;
  fileSet: number;
  media: number;
  job: number;
  jobMedia: number;
  path: number;
  file: number;
}

/** What a new File row holds (the Path row is found or made from `path`). */
export interface FileInsert {
  readonly jobId: number;
  readonly fileIndex: number;
  readonly path: string;
  readonly name: string;
  readonly lstat: string;
  readonly md5: string;
  readonly deltaSeq: number;
}

/** How {@link Catalog.open} opens the file. */
export interface CatalogOpenOptions {
  /** Open an existing catalog for reading only (it is never created). */
  readonly readOnly?: boolean;
}

/** An open catalog file. Close it with {@link Catalog.close}. */
export class Catalog {
  private readonly pathIds = new Map<string, number>();

  private constructor(private readonly db: SqliteStore) {}

  /** The catalog file. */
  get path(): string {
    return this.db.path;
  }

  /**
   * Opens a catalog file, creating it (and its schema) when it does not exist yet.
   *
   * @throws SdpipeError `SDP_CATALOG_OPEN` when the file cannot be opened or created (missing directory,
   *   no permission, or missing with `readOnly`); `SDP_CATALOG_FORMAT` when it is not an SQLite file or has
   *   tables but not this schema version.
   */
  static open(path: string, options: CatalogOpenOptions = {}): Catalog {
    const catalog = new Catalog(SqliteStore.open(path, options.readOnly ?? false));
    try {
      catalog.checkSchema(options.readOnly ?? false);
    } catch (e) {
      catalog.close();
      throw e;
    }
    return catalog;
  }

  private checkSchema(readOnly: boolean): void {
    const where: Where = { file: this.path };
    let tables: string[];
    try {
      tables = this.db.all("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => textOf(r.name));
    } catch (e) {
      throw new SdpipeError('SDP_CATALOG_FORMAT', `not an SQLite catalog: ${(e as Error).message}`, where, {
        cause: e,
      });
    }
    const userTables = tables.filter((t) => !t.startsWith('sqlite_'));
    if (userTables.length === 0 && !readOnly) {
      this.transaction(() => {
        for (const sql of catalogDdl()) this.db.exec(sql);
        this.db.insert(VERSION_TABLE, { versionId: CATALOG_SCHEMA_VERSION });
      });
      return;
    }
    if (!userTables.includes(VERSION_TABLE.name)) {
      throw new SdpipeError('SDP_CATALOG_FORMAT', 'the file has no sdpipe catalog schema', where);
    }
    const version = Number(this.db.get('SELECT MAX(VersionId) AS v FROM Version')?.v ?? 0);
    if (version !== CATALOG_SCHEMA_VERSION) {
      throw new SdpipeError(
        'SDP_CATALOG_FORMAT',
        `catalog schema version ${version}, sdpipe reads ${CATALOG_SCHEMA_VERSION}`,
        { ...where, expected: CATALOG_SCHEMA_VERSION, actual: version },
      );
    }
  }

  /** Closes the file. */
  close(): void {
    this.db.close();
  }

  /** Starts a transaction (the scan writes everything in one). */
  begin(): void {
    this.db.exec('BEGIN');
  }
  /** Commits the open transaction. */
  commit(): void {
    this.db.exec('COMMIT');
  }
  /** Rolls the open transaction back (no-op when none is open). */
  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.pathIds.clear();
  }
  /** Runs `fn` in a transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: () => T): T {
    this.begin();
    try {
      const out = fn();
      this.commit();
      return out;
    } catch (e) {
      this.rollback();
      throw e;
    }
  }

  // ---- pools, clients, filesets ----------------------------------------------------------------------

  /** The pool of this name, made when missing. */
  ensurePool(name: string, poolType: string): { row: PoolRow; created: boolean } {
    const found = this.db.select(POOL_TABLE, 'WHERE Name = ?', [name])[0];
    if (found) return { row: found, created: false };
    const poolId = this.db.insert(POOL_TABLE, { name, poolType: poolType || 'Backup' });
    return { row: this.db.select(POOL_TABLE, 'WHERE PoolId = ?', [poolId])[0]!, created: true };
  }

  /** The client of this name, made when missing. */
  ensureClient(name: string): { row: ClientRow; created: boolean } {
    const found = this.db.select(CLIENT_TABLE, 'WHERE Name = ?', [name])[0];
    if (found) return { row: found, created: false };
    const clientId = this.db.insert(CLIENT_TABLE, { name });
    return { row: this.db.select(CLIENT_TABLE, 'WHERE ClientId = ?', [clientId])[0]!, created: true };
  }

  /** The FileSet of this name and MD5, made when missing (with `createTime`). */
  ensureFileSet(
    fileSet: string,
    md5: string,
    createTime: string | null,
  ): { row: FileSetRow; created: boolean } {
    const found = this.db.select(FILESET_TABLE, 'WHERE FileSet = ? AND MD5 = ?', [fileSet, md5])[0];
    if (found) return { row: found, created: false };
    const fileSetId = this.db.insert(FILESET_TABLE, { fileSet, md5, createTime });
    return { row: this.db.select(FILESET_TABLE, 'WHERE FileSetId = ?', [fileSetId])[0]!, created: true };
  }

  // ---- media -----------------------------------------------------------------------------------------

  /** The Media row of a volume. */
  findMedia(volumeName: string): MediaRow | undefined {
    return this.db.select(MEDIA_TABLE, 'WHERE VolumeName = ?', [volumeName])[0];
  }

  /** Adds a Media row; returns it. */
  createMedia(init: Partial<MediaRow> & Pick<MediaRow, 'volumeName'>): MediaRow {
    const mediaId = this.db.insert(MEDIA_TABLE, init);
    if (init.poolId) this.db.run('UPDATE Pool SET NumVols = NumVols + 1 WHERE PoolId = ?', [init.poolId]);
    return this.db.select(MEDIA_TABLE, 'WHERE MediaId = ?', [mediaId])[0]!;
  }

  /** Changes columns of a Media row. */
  updateMedia(mediaId: number, patch: Partial<MediaRow>): void {
    this.db.update(MEDIA_TABLE, 'mediaId', mediaId, patch);
  }

  // ---- jobs ------------------------------------------------------------------------------------------

  /** The Job row with this JobId. */
  getJob(jobId: number): JobRow | undefined {
    return this.db.select(JOB_TABLE, 'WHERE JobId = ?', [jobId])[0];
  }

  /** The Job row with this unique job name (`job-plain.2026-11-23_00.04.20_04`). */
  findJobByName(job: string): JobRow | undefined {
    return this.db.select(JOB_TABLE, 'WHERE Job = ? ORDER BY JobId LIMIT 1', [job])[0];
  }

  /** The Job rows of a storage-daemon session (VolSessionId/VolSessionTime). */
  findJobsBySession(volSessionId: number, volSessionTime: number): JobRow[] {
    return this.db.select(JOB_TABLE, 'WHERE VolSessionId = ? AND VolSessionTime = ? ORDER BY JobId', [
      volSessionId,
      volSessionTime,
    ]);
  }

  /** A JobId no Job row uses yet (one above the highest). */
  nextJobId(): number {
    return Number(this.db.get('SELECT COALESCE(MAX(JobId), 0) + 1 AS id FROM Job')?.id ?? 1);
  }

  /** Adds a Job row with the given JobId. */
  createJob(init: Partial<JobRow> & Pick<JobRow, 'jobId'>): JobRow {
    this.db.insert(JOB_TABLE, init);
    return this.getJob(init.jobId)!;
  }

  /** Changes columns of a Job row. */
  updateJob(jobId: number, patch: Partial<JobRow>): void {
    this.db.update(JOB_TABLE, 'jobId', jobId, patch);
  }

  /**
   * Moves everything of job `from` to job `to`: when `to` exists, its File and JobMedia rows are merged
   * into it (rows of `from` win on the same FileIndex / volume) and `from` is deleted; otherwise `from` is
   * renumbered to `to`.
   */
  moveJob(from: number, to: number): void {
    if (from === to) return;
    if (this.getJob(to)) {
      this.db.run(
        'DELETE FROM File WHERE JobId = ? AND FileIndex IN (SELECT FileIndex FROM File WHERE JobId = ?)',
        [to, from],
      );
      this.db.run(
        'DELETE FROM JobMedia WHERE JobId = ? AND MediaId IN (SELECT MediaId FROM JobMedia WHERE JobId = ?)',
        [to, from],
      );
      this.db.run('DELETE FROM Job WHERE JobId = ?', [from]);
    } else {
      this.db.run('UPDATE Job SET JobId = ? WHERE JobId = ?', [to, from]);
    }
    this.db.run('UPDATE File SET JobId = ? WHERE JobId = ?', [to, from]);
    this.db.run('UPDATE JobMedia SET JobId = ? WHERE JobId = ?', [to, from]);
  }

  /** Adds or replaces the JobMedia row of a job on a volume (one row per job and volume). */
  putJobMedia(row: Omit<JobMediaRow, 'jobMediaId'>): void {
    this.db.run('DELETE FROM JobMedia WHERE JobId = ? AND MediaId = ?', [row.jobId, row.mediaId]);
    this.db.insert(JOBMEDIA_TABLE, row);
  }

  // ---- paths and files -------------------------------------------------------------------------------

  /** The PathId of a directory path, made when missing. */
  pathId(path: string): number {
    const cached = this.pathIds.get(path);
    if (cached !== undefined) return cached;
    const found = this.db.get('SELECT PathId FROM Path WHERE Path = ?', [path]);
    const id = found ? Number(found.PathId) : this.db.insert(PATH_TABLE, { path });
    this.pathIds.set(path, id);
    return id;
  }

  /**
   * Adds the File row of a job's FileIndex, replacing one that is there; a digest already stored is kept
   * when the new row has none (`0`), since a file's digest may lie on a later volume scanned before.
   */
  putFile(f: FileInsert): void {
    this.db.run(
      'INSERT INTO File (FileIndex, JobId, PathId, Name, DeltaSeq, LStat, MD5) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (JobId, FileIndex) DO UPDATE SET PathId = excluded.PathId, Name = excluded.Name, ' +
        "DeltaSeq = excluded.DeltaSeq, LStat = excluded.LStat, MD5 = CASE WHEN excluded.MD5 = '0' " +
        'THEN File.MD5 ELSE excluded.MD5 END',
      [f.fileIndex, f.jobId, this.pathId(f.path), f.name, f.deltaSeq, f.lstat, f.md5],
    );
  }

  /**
   * Stores the digest of a job's FileIndex. When the file has no row yet (its attributes are on a volume
   * not scanned yet) a row with an empty Path, Name and LStat holds the digest until they come.
   */
  putFileDigest(jobId: number, fileIndex: number, md5: string): void {
    this.db.run(
      'INSERT INTO File (FileIndex, JobId, PathId, MD5) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (JobId, FileIndex) DO UPDATE SET MD5 = excluded.MD5',
      [fileIndex, jobId, this.pathId(''), md5],
    );
  }

  // ---- read API --------------------------------------------------------------------------------------

  /** Every Job row, by JobId. */
  jobs(): JobRow[] {
    return this.db.select(JOB_TABLE, 'ORDER BY JobId');
  }
  /** Every Media row, by MediaId. */
  media(): MediaRow[] {
    return this.db.select(MEDIA_TABLE, 'ORDER BY MediaId');
  }
  /** Every Pool row, by PoolId. */
  pools(): PoolRow[] {
    return this.db.select(POOL_TABLE, 'ORDER BY PoolId');
  }
  /** Every Client row, by ClientId. */
  clients(): ClientRow[] {
    return this.db.select(CLIENT_TABLE, 'ORDER BY ClientId');
  }
  /** Every FileSet row, by FileSetId. */
  fileSets(): FileSetRow[] {
    return this.db.select(FILESET_TABLE, 'ORDER BY FileSetId');
  }

  /** JobMedia rows (of one job, or all), with volume names, in job and volume order. */
  jobMedia(jobId?: number): CatalogJobMedia[] {
    const cols = JOBMEDIA_TABLE.columns.map((c) => `JobMedia.${c.name} AS ${c.name}`).join(', ');
    const sql =
      `SELECT ${cols}, Media.VolumeName AS VolumeName, Media.MediaType AS MediaType FROM JobMedia ` +
      `JOIN Media ON Media.MediaId = JobMedia.MediaId ${jobId === undefined ? '' : 'WHERE JobMedia.JobId = ? '}` +
      'ORDER BY JobMedia.JobId, JobMedia.VolIndex, JobMedia.JobMediaId';
    return this.db.all(sql, jobId === undefined ? [] : [jobId]).map((r) => ({
      ...toRow(JOBMEDIA_TABLE, r),
      volumeName: textOf(r.VolumeName),
      mediaType: textOf(r.MediaType),
    }));
  }

  /** The files of a job, by FileIndex. */
  files(jobId: number): CatalogFile[] {
    return [...this.iterateFiles(jobId)];
  }

  /** The files of a job, by FileIndex, one at a time (for jobs with many files). */
  *iterateFiles(jobId: number): Generator<CatalogFile> {
    const sql =
      'SELECT File.FileId AS FileId, File.JobId AS JobId, File.FileIndex AS FileIndex, Path.Path AS Path, ' +
      'File.Name AS Name, File.LStat AS LStat, File.MD5 AS MD5, File.DeltaSeq AS DeltaSeq FROM File ' +
      'JOIN Path ON Path.PathId = File.PathId WHERE File.JobId = ? ORDER BY File.FileIndex';
    for (const r of this.db.iterate(sql, [jobId])) {
      yield {
        fileId: Number(r.FileId),
        jobId: Number(r.JobId),
        fileIndex: Number(r.FileIndex),
        path: textOf(r.Path),
        name: textOf(r.Name),
        lstat: textOf(r.LStat),
        md5: textOf(r.MD5),
        deltaSeq: Number(r.DeltaSeq),
      };
    }
  }

  /** Row counts of the tables. */
  counts(): CatalogCounts {
    const n = (t: TableDef) => Number(this.db.get(`SELECT COUNT(*) AS n FROM ${t.name}`)?.n ?? 0);
    return {
      pool: n(POOL_TABLE),
      client: n(CLIENT_TABLE),
      fileSet: n(FILESET_TABLE),
      media: n(MEDIA_TABLE),
      job: n(JOB_TABLE),
      jobMedia: n(JOBMEDIA_TABLE),
      path: n(PATH_TABLE),
      file: n(FILE_TABLE),
    };
  }

  /**
   * The bootstrap of jobs as the catalog describes them (for `bextract -b` after a scan, or a restore
   * from the catalog): their JobMedia rows in volume order. Jobs without JobMedia rows are left out.
   */
  bootstrapJobs(jobIds?: readonly number[]): BootstrapJob[] {
    const jobs = jobIds === undefined ? this.jobs() : jobIds.flatMap((id) => this.getJob(id) ?? []);
    const out: BootstrapJob[] = [];
    for (const job of jobs) {
      const volumes: BootstrapVolume[] = this.jobMedia(job.jobId).map((jm) => ({
        volumeName: jm.volumeName,
        mediaType: jm.mediaType,
        volSessionId: job.volSessionId,
        volSessionTime: job.volSessionTime,
        startAddress: joinAddress(jm.startFile, jm.startBlock),
        endAddress: joinAddress(jm.endFile, jm.endBlock),
        firstIndex: jm.firstIndex,
        lastIndex: jm.lastIndex,
      }));
      if (volumes.length === 0) continue;
      out.push({
        job: job.job,
        level: job.level,
        time: catalogDateSeconds(job.endTime) ?? catalogDateSeconds(job.startTime),
        volumes,
      });
    }
    return out;
  }
}
