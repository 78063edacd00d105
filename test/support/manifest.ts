/** Fixture manifests (source trees) and the same description of a restored tree, to compare restores. */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BACULA9, BAREOS25 } from './fixtures.js';

export interface ManifestEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size?: number;
  mtime: number;
  sha256?: string;
  target?: string;
}

const TYPE: Record<string, ManifestEntry['type']> = { f: 'file', d: 'dir', l: 'symlink', p: 'fifo' };

/** `manifest-initial.tsv` / `manifest-after-modification.tsv` of the Bacula 9 fixtures. */
export function baculaManifest(
  name: 'manifest-initial.tsv' | 'manifest-after-modification.tsv',
): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (const line of readFileSync(join(BACULA9, 'manifest', name), 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const c = line.split('\t');
    const type = TYPE[c[0] ?? ''];
    if (!type) throw new Error(`manifest line type ${c[0]}`);
    const e: ManifestEntry = {
      path: c[14] ?? '',
      type,
      mode: parseInt(c[1] ?? '0', 8),
      uid: Number(c[2]),
      gid: Number(c[3]),
      nlink: Number(c[4]),
      mtime: Number(c[7]),
    };
    if (type === 'file') {
      e.size = Number(c[5]);
      e.sha256 = c[10] ?? '';
    }
    if (type === 'symlink') e.target = c[13] ?? '';
    out.push(e);
  }
  return out;
}

/** `data/manifest.jsonl` of the Bareos 25 fixtures. */
export function bareosManifest(): ManifestEntry[] {
  return readFileSync(join(BAREOS25, 'data', 'manifest.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const j = JSON.parse(l) as Record<string, string | number>;
      const e: ManifestEntry = {
        path: String(j.path),
        type: j.type as ManifestEntry['type'],
        mode: parseInt(String(j.mode), 8),
        uid: Number(j.uid),
        gid: Number(j.gid),
        nlink: Number(j.nlink),
        mtime: Number(j.mtime),
      };
      if (e.type === 'file') {
        e.size = Number(j.size);
        e.sha256 = String(j.sha256);
      }
      if (e.type === 'symlink') e.target = String(j.target);
      return e;
    });
}

/** Describes a restored tree rooted at `root` the way the manifests describe the source. */
export function describeTree(root: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const visit = (rel: string) => {
    const abs = rel === '.' ? root : join(root, rel);
    const st = lstatSync(abs);
    const base = {
      path: rel,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      nlink: st.nlink,
      mtime: Math.floor(st.mtimeMs / 1000),
    };
    if (st.isDirectory()) {
      out.push({ ...base, type: 'dir' });
      for (const name of readdirSync(abs).sort()) visit(rel === '.' ? name : `${rel}/${name}`);
    } else if (st.isSymbolicLink()) {
      out.push({ ...base, type: 'symlink', target: readlinkSync(abs) });
    } else if (st.isFIFO()) {
      out.push({ ...base, type: 'fifo' });
    } else {
      const sha256 = createHash('sha256').update(readFileSync(abs)).digest('hex');
      out.push({ ...base, type: 'file', size: st.size, sha256 });
    }
  };
  visit('.');
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Symlink modes are not restorable on Linux (always 0777); compare the rest. */
export function comparable(entries: ManifestEntry[]): ManifestEntry[] {
  return entries
    .map((e) => (e.type === 'symlink' ? { ...e, mode: 0o777 } : e))
    .sort((a, b) => a.path.localeCompare(b.path));
}
