import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { walkTree, type WalkOptions } from '../../src/backup/file-walker.js';
import type { RecordToWrite } from '../../src/volume/block-writer.js';
import { restoreVolume, walkVolume, WALK_VOLUME } from '../support/backup-restore.js';
import { makeTree, snapshotTree, treeArb, type TreeSpec } from '../support/backup-tree.js';
import { runCli, tempDir } from '../support/cli.js';

async function collect(root: string, options: WalkOptions): Promise<RecordToWrite[]> {
  const out: RecordToWrite[] = [];
  // No onWarning: any problem fails the walk, and so the test.
  for await (const r of walkTree(root, options)) out.push(r);
  return out;
}

const DIGESTS = ['md5', 'sha1', 'sha256', 'sha512', 'none'] as const;
const optionsArb: fc.Arbitrary<WalkOptions> = fc
  .record({
    flavour: fc.constantFrom('bareos' as const, 'bacula' as const),
    digest: fc.constantFrom(...DIGESTS),
    sparse: fc.boolean(),
    compress: fc.boolean(),
    bareosAlgorithm: fc.constantFrom('gzip', 'lzo', 'lzfast', 'lz4', 'lz4hc', 'zstd', 'snappy'),
    baculaAlgorithm: fc.constantFrom('gzip', 'lzo'),
  })
  .map(({ flavour, digest, sparse, compress, bareosAlgorithm, baculaAlgorithm }) => ({
    flavour,
    digest,
    sparse,
    ...(compress
      ? { fdCompression: { algorithm: flavour === 'bareos' ? bareosAlgorithm : baculaAlgorithm } }
      : {}),
  }));

describe('walk → volume → read → restore gives the source tree back', () => {
  it('for generated trees (nested folders, sizes around the record sizes, symlinks, a hard link, unicode names)', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, optionsArb, async (tree: TreeSpec, options: WalkOptions) => {
        const { dir, cleanup } = tempDir('sdpipe-walk-rt-');
        try {
          const source = join(dir, 'src');
          await makeTree(source, tree);
          const records = await collect(source, options);
          const { summary, warnings } = await restoreVolume(
            walkVolume(records, options.flavour),
            join(dir, 'out'),
          );
          expect(warnings).toEqual([]);
          expect(summary.hardlinks).toBe(1);
          const restored = await snapshotTree(join(dir, 'out', source));
          expect(restored).toEqual(await snapshotTree(source));
        } finally {
          cleanup();
        }
      }),
      { numRuns: 40 },
    );
  });

  for (const options of [
    { flavour: 'bareos', digest: 'sha256', fdCompression: { algorithm: 'lz4' } },
    { flavour: 'bacula', digest: 'md5', sparse: true, fdCompression: { algorithm: 'gzip' } },
  ] satisfies WalkOptions[]) {
    it(`through bextract: ${JSON.stringify(options)}`, async () => {
      const { dir, cleanup } = tempDir('sdpipe-walk-bx-');
      try {
        const source = join(dir, 'src');
        await makeTree(source, {
          root: {
            kind: 'dir',
            mode: 0o755,
            mtime: 1_700_000_000,
            children: [
              [
                'big.bin',
                { kind: 'file', size: 600_000, content: 'holes', seed: 9, mode: 0o640, mtime: 1_600_000_000 },
              ],
              [
                'empty.dat',
                { kind: 'file', size: 0, content: 'random', seed: 1, mode: 0o644, mtime: 1_600_000_001 },
              ],
              [
                'Grüße-日本語.txt',
                { kind: 'file', size: 100, content: 'text', seed: 2, mode: 0o600, mtime: 1_600_000_002 },
              ],
              ['link', { kind: 'symlink', target: 'big.bin', mtime: 1_600_000_003 }],
              ['emptydir', { kind: 'dir', mode: 0o700, mtime: 1_600_000_004, children: [] }],
            ],
          },
          hardLink: { file: 0, dir: 1 },
        });
        execFileSync('mkfifo', [join(source, 'fifo')]);
        const volumes = join(dir, 'volumes');
        await mkdir(volumes);
        const records = await collect(source, options);
        await writeFile(join(volumes, WALK_VOLUME), walkVolume(records, options.flavour));
        const out = join(dir, 'out');
        const result = await runCli('bextract', '-V', WALK_VOLUME, volumes, out);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(await snapshotTree(join(out, source))).toEqual(await snapshotTree(source));
      } finally {
        cleanup();
      }
    });
  }
});
