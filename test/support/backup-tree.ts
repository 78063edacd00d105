/**
 * Source trees for the backup walker tests: a small description of a tree, made on disk with fixed
 * modes and mtimes, a fast-check arbitrary of such trees, and a snapshot of what is on disk to compare a
 * source tree with its restore.
 */
import { createHash } from 'node:crypto';
import {
  chmod,
  link,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readFile,
  readlink,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';

/** How a file's bytes are made (from its seed), so the arbitrary stays small and shrinks fast. */
export type ContentKind = 'random' | 'zeros' | 'holes' | 'text';

export interface FileSpec {
  readonly kind: 'file';
  readonly size: number;
  readonly content: ContentKind;
  readonly seed: number;
  readonly mode: number;
  readonly mtime: number;
}
export interface SymlinkSpec {
  readonly kind: 'symlink';
  readonly target: string;
  readonly mtime: number;
}
export interface DirSpec {
  readonly kind: 'dir';
  readonly mode: number;
  readonly mtime: number;
  readonly children: readonly (readonly [string, NodeSpec])[];
}
export type NodeSpec = FileSpec | SymlinkSpec | DirSpec;

/** A tree and where its hard link goes: a second name for one of its files (if it has any). */
export interface TreeSpec {
  readonly root: DirSpec;
  /** Picks the file (modulo the number of files) and the folder (modulo the number of folders). */
  readonly hardLink: { readonly file: number; readonly dir: number };
}

/** Deterministic bytes: xorshift32 from `seed`. */
function randomBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The bytes of a file spec. `holes` has 64 KiB-scale zero runs at seed-dependent places, some aligned. */
export function fileBytes(spec: Pick<FileSpec, 'size' | 'content' | 'seed'>): Uint8Array {
  const { size, seed } = spec;
  switch (spec.content) {
    case 'random':
      return randomBytes(size, seed);
    case 'zeros':
      return new Uint8Array(size);
    case 'text': {
      const line = `line ${seed} of some compressible text, repeated\n`;
      return new TextEncoder().encode(line.repeat(Math.ceil(size / line.length) + 1).slice(0, size));
    }
    case 'holes': {
      const out = randomBytes(size, seed);
      const run = 65_528 + (seed % 3) * 1000;
      for (let at = (seed % 2) * 65_528; at < size; at += 2 * run) out.fill(0, at, Math.min(size, at + run));
      return out;
    }
  }
}

/** Makes `spec` under `dir` (which must not exist yet), with its modes and mtimes. */
export async function makeTree(dir: string, spec: TreeSpec): Promise<void> {
  const files: string[] = [];
  const dirs: string[] = [];
  const make = async (path: string, node: NodeSpec): Promise<void> => {
    if (node.kind === 'file') {
      await writeFile(path, fileBytes(node));
      files.push(path);
    } else if (node.kind === 'symlink') {
      await symlink(node.target, path);
    } else {
      await mkdir(path);
      dirs.push(path);
      for (const [name, child] of node.children) await make(join(path, name), child);
    }
  };
  await make(dir, spec.root);
  const target = files[spec.hardLink.file % Math.max(1, files.length)];
  if (target !== undefined) {
    await link(target, join(dirs[spec.hardLink.dir % dirs.length]!, HARD_LINK_NAME));
  }
  // Modes, then times, contents before their folder: creating an entry changes its folder's mtime, and
  // chmod (not subject to the umask, unlike creation) sets setuid/setgid/sticky bits too.
  const fix = async (path: string, node: NodeSpec): Promise<void> => {
    if (node.kind === 'dir') {
      for (const [name, child] of node.children) await fix(join(path, name), child);
    }
    if (node.kind === 'symlink') {
      await lutimes(path, node.mtime, node.mtime);
      return;
    }
    await chmod(path, node.mode);
    await utimes(path, node.mtime, node.mtime);
  };
  await fix(dir, spec.root);
}

/** Name of the hard link {@link makeTree} adds; the name arbitrary never makes it. */
export const HARD_LINK_NAME = 'hardlink-second-name';

/** What is compared between a source tree and its restore, per relative path. */
export interface EntrySnapshot {
  readonly type: 'file' | 'dir' | 'symlink' | 'other';
  readonly mode: number;
  readonly mtime: number;
  readonly nlink: number;
  readonly size?: number;
  readonly sha256?: string;
  readonly target?: string;
}

/** Every entry under `dir` (not `dir` itself), by path relative to it. */
export async function snapshotTree(dir: string): Promise<Map<string, EntrySnapshot>> {
  const out = new Map<string, EntrySnapshot>();
  const visit = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      const path = join(dir, relPath);
      const st = await lstat(path);
      const base = { mode: st.mode, mtime: Math.floor(st.mtimeMs / 1000), nlink: st.nlink };
      if (st.isDirectory()) {
        out.set(relPath, { ...base, type: 'dir', nlink: 0 });
        await visit(relPath);
      } else if (st.isSymbolicLink()) {
        out.set(relPath, { ...base, type: 'symlink', target: await readlink(path) });
      } else if (st.isFile()) {
        const sha256 = createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
        out.set(relPath, { ...base, type: 'file', size: st.size, sha256 });
      } else {
        out.set(relPath, { ...base, type: 'other' });
      }
    }
  };
  await visit('');
  return out;
}

const NAME_POOL = ['a', 'b', 'data', 'Grüße-ñandú', '日本語', 'emoji-🙂', "space name 'q'", 'x.txt', 'Z'];
/** File sizes around the record sizes (65528, 65536, 262144) and anything up to 300 KiB. */
const SIZE_ARB = fc.oneof(
  fc.constantFrom(0, 1, 8, 65_527, 65_528, 65_536, 131_056, 131_072, 262_144, 262_145),
  fc.integer({ min: 0, max: 300 * 1024 }),
);
const MTIME_ARB = fc.integer({ min: 1_000_000_000, max: 2_000_000_000 });

const fileArb: fc.Arbitrary<FileSpec> = fc.record({
  kind: fc.constant('file' as const),
  size: SIZE_ARB,
  content: fc.constantFrom<ContentKind>('random', 'zeros', 'holes', 'text'),
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
  mode: fc.constantFrom(0o644, 0o600, 0o755, 0o444, 0o4755, 0o2640),
  mtime: MTIME_ARB,
});
const symlinkArb: fc.Arbitrary<SymlinkSpec> = fc.record({
  kind: fc.constant('symlink' as const),
  target: fc.constantFrom('a', '../b', '/nonexistent/target', 'Grüße-ñandú', '.'),
  mtime: MTIME_ARB,
});

/** Children with unique names; a folder may be empty. */
const childrenArb = (node: fc.Arbitrary<NodeSpec>) =>
  fc.uniqueArray(
    fc.tuple(fc.oneof(fc.constantFrom(...NAME_POOL), fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,11}$/)), node),
    { maxLength: 4, selector: ([name]) => name },
  );

/** Nested folders of files, symlinks and empty folders, with at least one file and one hard link added. */
export const treeArb: fc.Arbitrary<TreeSpec> = fc
  .record({
    root: fc.letrec<{ node: NodeSpec; dir: DirSpec }>((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fileArb, symlinkArb, tie('dir')),
      dir: fc.record({
        kind: fc.constant('dir' as const),
        mode: fc.constantFrom(0o755, 0o700, 0o750, 0o1777),
        mtime: MTIME_ARB,
        children: childrenArb(tie('node')),
      }),
    })).dir,
    file: fileArb,
    hardLink: fc.record({ file: fc.nat(), dir: fc.nat() }),
  })
  .map(({ root, file, hardLink }) => {
    const reserved = new Set(['emptydir', 'a-file']);
    const emptydir: DirSpec = { kind: 'dir', mode: 0o755, mtime: 1_700_000_000, children: [] };
    const children: (readonly [string, NodeSpec])[] = [
      ...root.children.filter(([name]) => !reserved.has(name)),
      ['emptydir', emptydir],
      ['a-file', file],
    ];
    return { root: { ...root, children }, hardLink };
  });
