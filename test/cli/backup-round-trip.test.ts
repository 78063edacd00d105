import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync, linkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CODEC_NAMES } from '../../src/transforms/codecs/index.js';
import { FileDevice } from '../../src/devices/file-device.js';
import { readRecords } from '../../src/volume/volume-reader.js';
import { VolumeWriter } from '../../src/volume/volume-writer.js';
import type { RecordToWrite } from '../../src/volume/block-writer.js';
import { makeTree, snapshotTree, treeArb } from '../support/backup-tree.js';
import { jsonLines, runCli, tempDir } from '../support/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function dirs() {
  const t = tempDir('sdpipe-rt-');
  cleanups.push(t.cleanup);
  const src = join(t.dir, 'src');
  const dev = join(t.dir, 'dev');
  const out = join(t.dir, 'out');
  for (const d of [src, dev, out]) mkdirSync(d);
  return { src, dev, out };
}

/** Everything the write path must carry: sparse, hard link, symlink, empty, unicode, > 1 MiB block. */
function richTree(src: string): void {
  mkdirSync(join(src, 'docs/日本語'), { recursive: true });
  mkdirSync(join(src, 'empty-dir'));
  writeFileSync(join(src, 'hello.txt'), 'hello world\n');
  writeFileSync(join(src, 'empty.dat'), '');
  writeFileSync(join(src, 'docs/日本語/Grüße.txt'), 'grüße\n'.repeat(1000));
  let x = 99;
  const big = new Uint8Array(2_500_000).map((_, i) =>
    i % 3 ? ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24) : 65,
  );
  writeFileSync(join(src, 'docs/bigger-than-a-block.bin'), big);
  const sparse = Buffer.alloc(1 << 20);
  sparse.write('start', 0);
  sparse.write('middle', 500_000);
  writeFileSync(join(src, 'sparse.img'), sparse);
  symlinkSync('hello.txt', join(src, 'link-to-hello'));
  linkSync(join(src, 'hello.txt'), join(src, 'hardlink.txt'));
}

async function roundTrip(src: string, dev: string, out: string, flags: string[], volume = 'Vol-0001') {
  const b = await runCli('backup', '--json', ...flags, src, dev, '-V', volume);
  expect(b.stderr).toBe('');
  expect(b.code).toBe(0);
  const summary = jsonLines(b.stdout).find((o) => o.kind === 'summary');
  const volumes = (summary?.volumes as string[] | undefined) ?? [];
  const x = await runCli('bextract', '-V', volumes.join('|'), dev, out);
  expect(x.stderr).toBe('');
  expect(x.code).toBe(0);
  return volumes;
}

describe('backup → bextract gives back the tree byte for byte', () => {
  it.each(CODEC_NAMES.flatMap((a) => (['bareos', 'bacula'] as const).map((f) => [a, f] as const)))(
    'autoxflate %s, %s format',
    async (algorithm, format) => {
      const { src, dev, out } = dirs();
      richTree(src);
      await roundTrip(src, dev, out, ['--format', format, '--algorithm', algorithm, '--sparse']);
      expect(await snapshotTree(join(out, src))).toEqual(await snapshotTree(src));
    },
  );

  it('plain records, spanning 3+ volumes with --max-volume-bytes, read back as one job', async () => {
    const { src, dev, out } = dirs();
    richTree(src);
    const volumes = await roundTrip(src, dev, out, ['--format', 'bacula', '--max-volume-bytes', '800000']);
    expect(volumes.length).toBeGreaterThanOrEqual(3);
    expect(readdirSync(dev).sort()).toEqual([...volumes].sort());
    for (const v of volumes) expect(statSync(join(dev, v)).size).toBeLessThanOrEqual(800_000);
    expect(await snapshotTree(join(out, src))).toEqual(await snapshotTree(src));
  });

  it('two sessions appended to one volume: both list, the later one restores over the earlier', async () => {
    const { src, dev, out } = dirs();
    writeFileSync(join(src, 'a.txt'), 'first\n');
    await roundTrip(src, dev, out, ['--jobid', '1']);
    writeFileSync(join(src, 'a.txt'), 'second version\n');
    const b = await runCli('backup', '--jobid', '2', '--job-level', 'I', src, dev, '-V', 'Vol-0001');
    expect(b.code).toBe(0);
    const j = await runCli('bls', '-j', '--json', '-V', 'Vol-0001', dev);
    expect(
      jsonLines(j.stdout)
        .filter((o) => o.kind === 'session')
        .map((o) => [o.jobId, o.level]),
    ).toEqual([
      [1, 'F'],
      [2, 'I'],
    ]);
    const x = await runCli('bextract', '-V', 'Vol-0001', dev, join(out, 'again'));
    expect(x.code).toBe(0);
    expect(await snapshotTree(join(out, 'again', src))).toEqual(await snapshotTree(src));
  });

  it('property: arbitrary trees survive backup → bextract (both formats, with and without autoxflate)', async () => {
    await fc.assert(
      fc.asyncProperty(
        treeArb,
        fc.constantFrom('bareos', 'bacula'),
        fc.constantFrom(undefined, 'gzip', 'lz4', 'lzo'),
        async (tree, format, algorithm) => {
          const { src, dev, out } = dirs();
          rmSync(src, { recursive: true }); // makeTree creates it
          await makeTree(src, tree);
          await roundTrip(src, dev, out, [
            '--format',
            format,
            ...(algorithm ? ['--algorithm', algorithm] : []),
          ]);
          expect(await snapshotTree(join(out, src))).toEqual(await snapshotTree(src));
          for (const c of cleanups.splice(0)) c();
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('volume writer property', () => {
  it('arbitrary record sequences (sizes 0..3 MiB) and block sizes: write → read returns the same records', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            stream: fc.integer({ min: 1, max: 2047 }),
            size: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 3 << 20 })),
            fill: fc.integer({ min: 0, max: 255 }),
          }),
          { maxLength: 8 },
        ),
        fc.integer({ min: 1024, max: 1 << 20 }),
        fc.constantFrom('bareos', 'bacula'),
        fc.option(fc.integer({ min: 4 << 20, max: 16 << 20 }), { nil: undefined }),
        async (specs, blockBytes, flavour, maxVolumeBytes) => {
          const t = tempDir('sdpipe-vw-');
          cleanups.push(t.cleanup);
          const device = await FileDevice.open(t.dir);
          const records: RecordToWrite[] = specs.map((s, i) => ({
            fileIndex: i + 1,
            stream: s.stream,
            data: new Uint8Array(s.size).fill(s.fill),
          }));
          const w = new VolumeWriter({
            flavour,
            blockBytes,
            ...(maxVolumeBytes !== undefined
              ? { maxVolumeBytes: Math.max(maxVolumeBytes, 3 * blockBytes) }
              : {}),
            volumes: ['P-0001'],
            open: device.openVolumeForWrite,
            volSessionId: 1,
            volSessionTime: 2,
            job: {
              jobId: 1,
              job: 'j',
              jobName: 'j',
              clientName: 'c',
              fileSetName: 'f',
              level: 'F',
              type: 'B',
            },
          });
          await w.open();
          for (const r of records) await w.write(r);
          const written = await w.close();
          const back: RecordToWrite[] = [];
          for await (const r of readRecords(
            written.parts.map((p) => p.volume),
            device.openVolume,
            { strict: true },
          )) {
            if (r.fileIndex > 0) back.push({ fileIndex: r.fileIndex, stream: r.stream, data: r.data });
          }
          expect(back.map((r) => [r.fileIndex, r.stream, r.data.length])).toEqual(
            records.map((r) => [r.fileIndex, r.stream, r.data.length]),
          );
          back.forEach((r, i) =>
            expect(Buffer.from(r.data).equals(Buffer.from(records[i]?.data ?? []))).toBe(true),
          );
          for (const c of cleanups.splice(0)) c();
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('backup options', () => {
  it('--max-volume-bytes takes K/M/G suffixes; nonsense is a usage error naming the flag', async () => {
    const { src, dev } = dirs();
    writeFileSync(join(src, 'a.txt'), 'x\n');
    const ok = await runCli('backup', '--max-volume-bytes', '2M', src, dev, '-V', 'Vol-0001');
    expect(ok.code).toBe(0);
    const bad = await runCli('backup', '--json', '--max-volume-bytes', 'lots', src, dev, '-V', 'Vol-0002');
    expect(bad.code).toBe(2);
    expect(jsonLines(bad.stderr)[0]).toMatchObject({ error: 'SDP_USAGE', field: 'max-volume-bytes' });
  });
});
