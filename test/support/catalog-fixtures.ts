/** The Bacula 9 Director catalog dumps (`catalog/*.tsv`) and the bootstrap files, for catalog tests. */
import { join } from 'node:path';
import { BACULA9, readFixtureText } from './fixtures.js';

/** Rows of a TSV dump: the header line names the columns. */
export function readTsv(...parts: string[]): Record<string, string>[] {
  const [header = '', ...lines] = readFixtureText(...parts)
    .split('\n')
    .filter((l) => l.length > 0);
  const cols = header.split('\t');
  return lines.map((l) => {
    const cells = l.split('\t');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}

const catalogTsv = (name: string) => readTsv('bacula-9', 'catalog', name);

/** `catalog-jobs.tsv`: the Director's Job table. */
export const baculaJobs = () => catalogTsv('catalog-jobs.tsv');
/** `catalog-files.tsv`: JobId, FileIndex, Path, Filename, LStat, MD5. */
export const baculaFiles = () => catalogTsv('catalog-files.tsv');
/** `catalog-jobmedia.tsv`: JobMedia rows with their VolumeName. */
export const baculaJobMedia = () => catalogTsv('catalog-jobmedia.tsv');
/** `catalog-media.tsv`: Media rows with their Pool name. */
export const baculaMedia = () => catalogTsv('catalog-media.tsv');
/** `catalog-filesets.tsv`. */
export const baculaFileSets = () => catalogTsv('catalog-filesets.tsv');

/** The bootstrap file the Director wrote for a job (`job-plain.bsr` …). */
export const baculaBootstrapPath = (name: string) => join(BACULA9, 'bootstrap', name);
export const baculaBootstrap = (name: string) => readFixtureText('bacula-9', 'bootstrap', name);
/** The bootstrap file the Bareos Director wrote (`backup-plain.bsr` …). */
export const bareosBootstrap = (name: string) => readFixtureText('bareos-25', 'jobs', 'bootstrap', name);

/** The scans of the Bacula 9 fixtures: volumes read together, the JobId on them, and their bootstrap. */
export const BACULA9_SCANS = [
  { volumes: ['Vol-plain'], jobId: 1, bsr: 'job-plain.bsr' },
  { volumes: ['Vol-gzip'], jobId: 2, bsr: 'job-gzip.bsr' },
  { volumes: ['Vol-lzo'], jobId: 3, bsr: 'job-lzo.bsr' },
  { volumes: ['Vol-sparse'], jobId: 4, bsr: 'job-sparse.bsr' },
  { volumes: ['Vol-span-1', 'Vol-span-2'], jobId: 7, bsr: 'job-span.bsr' },
] as const;

/** The Bareos 25 volumes and their bootstrap files. */
export const BAREOS25_SCANS = [
  { volume: 'Vol-plain', jobId: 1, bsr: 'backup-plain.bsr' },
  { volume: 'Vol-gzip', jobId: 2, bsr: 'backup-gzip.bsr' },
  { volume: 'Vol-lz4', jobId: 4, bsr: 'backup-lz4.bsr' },
  { volume: 'Vol-fdlz4', jobId: 7, bsr: 'backup-fdlz4.bsr' },
] as const;
