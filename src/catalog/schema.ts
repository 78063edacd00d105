/**
 * The catalog schema, stated once as tables of columns: the DDL, the row types and the row mapping all
 * come from these tables. The shape follows the Bareos/Bacula catalog (table and column names as in
 * their SQL schemas) with the columns a storage-daemon-side scan can fill, so tools that know that
 * catalog find their way around.
 *
 * Choices:
 * - File names are stored Bareos-style in `File.Name` (no separate Filename table); `File.PathId` points
 *   to `Path`. A directory is stored as Path = `/its/path/` with an empty Name (as both catalogs do).
 *   One File row per JobId and FileIndex.
 * - `File.MD5` holds the file's digest record (MD5, SHA-1, SHA-256, SHA-512 or XXH128) as unpadded base64,
 *   `0` when the file has none (spec volume-format.md §7.3).
 * - Dates are `YYYY-MM-DD HH:MM:SS` in UTC, NULL when unknown. JobTDate is seconds since the epoch.
 * - JobMedia addresses are byte addresses on file volumes (spec §4): StartFile/StartBlock are the high and
 *   low 32 bits of the first byte of the first block, EndFile/EndBlock those of the last byte of the last
 *   block. One JobMedia row per job and volume (Bacula may write several per volume; one covers the same
 *   blocks for a restore, since the bootstrap also selects the session).
 */

/** Version of this schema, kept in the `Version` table; a file with another version is refused. */
export const CATALOG_SCHEMA_VERSION = 1;

/** How a column's value looks in TypeScript: an integer, a text, or a text that may be NULL (dates). */
export type ColumnKind = 'int' | 'text' | 'optionalText';

/** One column: its SQL name, the property name rows use, its kind and its SQL type and constraints. */
export interface ColumnDef<K extends string = string, T extends ColumnKind = ColumnKind> {
  readonly name: string;
  readonly key: K;
  readonly kind: T;
  readonly sql: string;
}

/** One table: name, columns, table constraints and indexes (as SQL fragments). */
export interface TableDef<C extends readonly ColumnDef[] = readonly ColumnDef[]> {
  readonly name: string;
  readonly columns: C;
  readonly constraints: readonly string[];
  readonly indexes: readonly string[];
}

type KindValue<T extends ColumnKind> = T extends 'int' ? number : T extends 'text' ? string : string | null;

/** The row type of a table: one property per column, named by its `key`. */
export type RowOf<T extends TableDef> = {
  -readonly [C in T['columns'][number] as C['key']]: KindValue<C['kind']>;
};

/** An INTEGER column (NOT NULL, default 0 unless `sql` says otherwise). */
const int = <K extends string>(name: string, key: K, sql = 'INTEGER NOT NULL DEFAULT 0') =>
  ({ name, key, kind: 'int', sql }) as const satisfies ColumnDef<K, 'int'>;
/** A TEXT column (NOT NULL, default empty unless `sql` says otherwise). */
const text = <K extends string>(name: string, key: K, sql = "TEXT NOT NULL DEFAULT ''") =>
  ({ name, key, kind: 'text', sql }) as const satisfies ColumnDef<K, 'text'>;
/** A DATETIME column: `YYYY-MM-DD HH:MM:SS` (UTC) or NULL. */
const date = <K extends string>(name: string, key: K) =>
  ({ name, key, kind: 'optionalText', sql: 'DATETIME' }) as const satisfies ColumnDef<K, 'optionalText'>;
/** A TEXT column that may be NULL. */
const optionalText = <K extends string>(name: string, key: K) =>
  ({ name, key, kind: 'optionalText', sql: 'TEXT' }) as const satisfies ColumnDef<K, 'optionalText'>;

const table = <const C extends readonly ColumnDef[]>(
  name: string,
  columns: C,
  constraints: readonly string[] = [],
  indexes: readonly string[] = [],
): TableDef<C> => ({ name, columns, constraints, indexes });

/** Schema version of the file. */
export const VERSION_TABLE = table('Version', [int('VersionId', 'versionId', 'INTEGER NOT NULL')]);

/** Pools, from the volume and session labels (PoolName, PoolType). */
export const POOL_TABLE = table('Pool', [
  int('PoolId', 'poolId', 'INTEGER PRIMARY KEY AUTOINCREMENT'),
  text('Name', 'name', 'TEXT NOT NULL UNIQUE'),
  text('PoolType', 'poolType', "TEXT NOT NULL DEFAULT 'Backup'"),
  int('NumVols', 'numVols'),
  text('LabelFormat', 'labelFormat', "TEXT NOT NULL DEFAULT '*'"),
  int('Enabled', 'enabled', 'INTEGER NOT NULL DEFAULT 1'),
]);

/** Clients, from the session labels (ClientName). */
export const CLIENT_TABLE = table('Client', [
  int('ClientId', 'clientId', 'INTEGER PRIMARY KEY AUTOINCREMENT'),
  text('Name', 'name', 'TEXT NOT NULL UNIQUE'),
  text('Uname', 'uname'),
]);

/** FileSets, from the session labels (FileSetName, FileSetMD5). */
export const FILESET_TABLE = table(
  'FileSet',
  [
    int('FileSetId', 'fileSetId', 'INTEGER PRIMARY KEY AUTOINCREMENT'),
    text('FileSet', 'fileSet'),
    text('MD5', 'md5'),
    date('CreateTime', 'createTime'),
  ],
  ['UNIQUE (FileSet, MD5)'],
);

/** Volumes. `EncryptionKey` is kept for the volume-encryption work (wrapped key, never printed). */
export const MEDIA_TABLE = table('Media', [
  int('MediaId', 'mediaId', 'INTEGER PRIMARY KEY AUTOINCREMENT'),
  text('VolumeName', 'volumeName', 'TEXT NOT NULL UNIQUE'),
  text('MediaType', 'mediaType'),
  int('PoolId', 'poolId'),
  int('LabelType', 'labelType'),
  date('FirstWritten', 'firstWritten'),
  date('LastWritten', 'lastWritten'),
  date('LabelDate', 'labelDate'),
  int('VolJobs', 'volJobs'),
  int('VolFiles', 'volFiles'),
  int('VolBlocks', 'volBlocks'),
  int('VolBytes', 'volBytes'),
  int('VolErrors', 'volErrors'),
  text('VolStatus', 'volStatus', "TEXT NOT NULL DEFAULT 'Append'"),
  int('EndFile', 'endFile'),
  int('EndBlock', 'endBlock'),
  int('MinBlockSize', 'minBlockSize'),
  int('MaxBlockSize', 'maxBlockSize'),
  optionalText('EncryptionKey', 'encryptionKey'),
  text('Comment', 'comment'),
]);

/** Jobs, from the session labels and what the scan counted. */
export const JOB_TABLE = table(
  'Job',
  [
    int('JobId', 'jobId', 'INTEGER PRIMARY KEY'),
    text('Job', 'job'),
    text('Name', 'name'),
    text('Type', 'type'),
    text('Level', 'level'),
    int('ClientId', 'clientId'),
    text('JobStatus', 'jobStatus'),
    date('SchedTime', 'schedTime'),
    date('StartTime', 'startTime'),
    date('EndTime', 'endTime'),
    date('RealEndTime', 'realEndTime'),
    int('JobTDate', 'jobTDate'),
    int('VolSessionId', 'volSessionId'),
    int('VolSessionTime', 'volSessionTime'),
    int('JobFiles', 'jobFiles'),
    int('JobBytes', 'jobBytes'),
    int('ReadBytes', 'readBytes'),
    int('JobErrors', 'jobErrors'),
    int('JobMissingFiles', 'jobMissingFiles'),
    int('PoolId', 'poolId'),
    int('FileSetId', 'fileSetId'),
    int('PriorJobId', 'priorJobId'),
    int('PurgedFiles', 'purgedFiles'),
    int('HasBase', 'hasBase'),
    text('Comment', 'comment'),
  ],
  [],
  [
    'CREATE INDEX IF NOT EXISTS Job_Job ON Job (Job)',
    'CREATE INDEX IF NOT EXISTS Job_VolSession ON Job (VolSessionId, VolSessionTime)',
  ],
);

/** Where a job's records lie on a volume: one row per job and volume. */
export const JOBMEDIA_TABLE = table(
  'JobMedia',
  [
    int('JobMediaId', 'jobMediaId', 'INTEGER PRIMARY KEY AUTOINCREMENT'),
    int('JobId', 'jobId', 'INTEGER NOT NULL'),
    int('MediaId', 'mediaId', 'INTEGER NOT NULL'),
    int('FirstIndex', 'firstIndex'),
    int('LastIndex', 'lastIndex'),
    int('StartFile', 'startFile'),
    int('EndFile', 'endFile'),
    int('StartBlock', 'startBlock'),
    int('EndBlock', 'endBlock'),
    int('JobBytes', 'jobBytes'),
    int('VolIndex', 'volIndex'),
  ],
  ['UNIQUE (JobId, MediaId)'],
  ['CREATE INDEX IF NOT EXISTS JobMedia_MediaId ON JobMedia (MediaId)'],
);

/** Directory paths of files (ending in `/`). */
export const PATH_TABLE = table('Path', [
  int('PathId', 'pathId', 'INTEGER PRIMARY KEY AUTOINCREMENT'),
  text('Path', 'path', 'TEXT NOT NULL UNIQUE'),
]);

/** One row per file of a job (FileIndex), Bareos-style with the file name in `Name`. */
export const FILE_TABLE = table(
  'File',
  [
    int('FileId', 'fileId', 'INTEGER PRIMARY KEY AUTOINCREMENT'),
    int('FileIndex', 'fileIndex'),
    int('JobId', 'jobId', 'INTEGER NOT NULL'),
    int('PathId', 'pathId', 'INTEGER NOT NULL'),
    text('Name', 'name'),
    int('DeltaSeq', 'deltaSeq'),
    int('MarkId', 'markId'),
    text('LStat', 'lstat'),
    text('MD5', 'md5', "TEXT NOT NULL DEFAULT '0'"),
  ],
  ['UNIQUE (JobId, FileIndex)'],
  ['CREATE INDEX IF NOT EXISTS File_PathId ON File (PathId)'],
);

/** Every table, in creation order. */
export const CATALOG_TABLES = [
  VERSION_TABLE,
  POOL_TABLE,
  CLIENT_TABLE,
  FILESET_TABLE,
  MEDIA_TABLE,
  JOB_TABLE,
  JOBMEDIA_TABLE,
  PATH_TABLE,
  FILE_TABLE,
] as const;

/** A Pool row. */
export type PoolRow = RowOf<typeof POOL_TABLE>;
/** A Client row. */
export type ClientRow = RowOf<typeof CLIENT_TABLE>;
/** A FileSet row. */
export type FileSetRow = RowOf<typeof FILESET_TABLE>;
/** A Media row. */
export type MediaRow = RowOf<typeof MEDIA_TABLE>;
/** A Job row. */
export type JobRow = RowOf<typeof JOB_TABLE>;
/** A JobMedia row (byte addresses split into file and block, spec volume-format.md §4). */
export type JobMediaRow = RowOf<typeof JOBMEDIA_TABLE>;
/** A Path row. */
export type PathRow = RowOf<typeof PATH_TABLE>;
/** A File row (Bareos style: the file name in `Name`). */
export type FileRow = RowOf<typeof FILE_TABLE>;

/** The `CREATE TABLE` and `CREATE INDEX` statements of a table. */
export function tableDdl(t: TableDef): string[] {
  const body = [...t.columns.map((c) => `${c.name} ${c.sql}`), ...t.constraints].join(',\n  ');
  return [`CREATE TABLE IF NOT EXISTS ${t.name} (\n  ${body}\n)`, ...t.indexes];
}

/** The whole schema as SQL statements. */
export const catalogDdl = (): string[] => CATALOG_TABLES.flatMap((t) => tableDdl(t));

/** `YYYY-MM-DD HH:MM:SS` (UTC) of a time in seconds since the epoch, as the catalog stores dates. */
export function catalogDate(epochSeconds: number): string {
  return new Date(Math.floor(epochSeconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Seconds since the epoch of a catalog date (UTC); undefined for NULL or an unreadable date. */
export function catalogDateSeconds(date: string | null): number | undefined {
  if (date === null) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(date);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}
