/**
 * Readers for the Bacula 9 ground truth the attribute tests compare with: the catalog's File table
 * (`catalog/catalog-files.tsv`), the manifests of the backed-up tree, and the bls file listings.
 */
import { readFixtureText } from './fixtures.js';

/** One row of `catalog-files.tsv`. */
export interface CatalogFile {
  jobId: number;
  fileIndex: number;
  /** Path + Filename, as the FD stored it (directories end with `/`). */
  path: string;
  lstat: string;
  /** Base64 digest, or `0` when the entry has none. */
  digest: string;
}

/** One entry of `manifest-*.tsv`. */
export interface ManifestEntry {
  type: 'f' | 'd' | 'l' | 'p';
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  blocks: number;
  mtime: number;
  ctime: number;
  md5: string;
  sha1: string;
  target: string;
  /** Relative to the data directory; `.` for the directory itself. */
  path: string;
}

const rows = (text: string): string[][] =>
  text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t'));

export function readCatalogFiles(): CatalogFile[] {
  return rows(readFixtureText('bacula-9', 'catalog', 'catalog-files.tsv'))
    .slice(1)
    .map(([jobId = '', fileIndex = '', dir = '', name = '', lstat = '', digest = '']) => ({
      jobId: Number(jobId),
      fileIndex: Number(fileIndex),
      path: dir + name,
      lstat,
      digest,
    }));
}

export function readManifest(which: 'initial' | 'after-modification'): Map<string, ManifestEntry> {
  const out = new Map<string, ManifestEntry>();
  for (const r of rows(readFixtureText('bacula-9', 'manifest', `manifest-${which}.tsv`))) {
    const [type, mode, uid, gid, nlink, size, blocks, mtime, , ctime, , md5, sha1, target, path] = r;
    if (path === undefined) continue;
    out.set(path, {
      type: type as ManifestEntry['type'],
      mode: parseInt(mode ?? '', 8),
      uid: Number(uid),
      gid: Number(gid),
      nlink: Number(nlink),
      size: Number(size),
      blocks: Number(blocks),
      mtime: Number(mtime),
      ctime: Number(ctime),
      md5: md5 ?? '',
      sha1: sha1 ?? '',
      target: target ?? '',
      path,
    });
  }
  return out;
}

/** The manifest key of a stored path: the part after `data/` (Bareos: `data/src/`), no trailing `/`. */
export function relativeToData(path: string, marker = '/data/'): string {
  const i = path.indexOf(marker);
  const rel = (i < 0 ? path : path.slice(i + marker.length)).replace(/\/$/, '');
  return rel === '' ? '.' : rel;
}

/**
 * The file lines of a bls listing without the `bls JobId N: ` prefix: only lines that name a file under
 * the lab's data directory (Bacula 9 also lists its SOS/EOS labels as files; those are left out).
 */
export function readBlsFileLines(...parts: string[]): string[] {
  return readFixtureText(...parts)
    .split('\n')
    .filter((l) => /^bls JobId \d+: /.test(l) && l.includes('-lab/data/'))
    .map((l) => l.replace(/^bls JobId \d+: /, ''));
}
