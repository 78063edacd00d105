/**
 * Write-path benchmark (issue 4): `sdpipe backup` of a generated tree to a File device with LZ4 and
 * GZIP-1/6 (256 KiB records), against baselines measured in the same run:
 *   - the raw codec compressing the same 256 KiB buffers in a loop (goal ≥ 0.9×),
 *   - `tar | lz4 -1` and `tar | gzip -1/-6` of the same tree, written to a file,
 * and peak RSS for a tree of N GiB vs 2N GiB (must stay flat).
 *
 * Usage: npx tsx bench/write-path.ts [--gib 1] [--runs 3]   (needs `npm run build` first)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codecByName } from '../src/transforms/codecs/index.js';
import { makeChunk, RECORD_BYTES } from './support/generate-volume.js';
import { formatRate, measureRate, saveResults, summarize } from './support/stats.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const GIB = 1 << 30;
const FILE_BYTES = 64 << 20;
const gib = arg('gib', 1);
const runs = arg('runs', 3);
const root = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'sdpipe-wbench-'));
const launcher = join(import.meta.dirname, '..', 'bin', 'sdpipe.js');
const chunks = Array.from({ length: 16 }, (_, i) => makeChunk(i + 1));

/** A tree of 64 MiB files made of the bench chunks. */
function makeTree(dir: string, bytes: number): void {
  mkdirSync(dir, { recursive: true });
  const file = Buffer.concat(
    Array.from(
      { length: FILE_BYTES / RECORD_BYTES },
      (_, i) => chunks[i % chunks.length] ?? new Uint8Array(),
    ),
  );
  for (let i = 0; i * FILE_BYTES < bytes; i++) writeFileSync(join(dir, `file-${i}.bin`), file);
}

function backup(tree: string, flags: string[], digest = 'md5'): { seconds: number; maxRssKiB: number } {
  const dev = join(root, 'dev');
  rmSync(dev, { recursive: true, force: true });
  mkdirSync(dev);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%M',
      process.execPath,
      launcher,
      'backup',
      '--digest',
      digest,
      ...flags,
      tree,
      dev,
      '-V',
      'Bench-0001',
    ],
    { encoding: 'utf8' },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`backup failed: ${r.stdout}\n${r.stderr}`);
  rmSync(dev, { recursive: true, force: true });
  return { seconds, maxRssKiB: Number(r.stderr.trim().split('\n').at(-1)) };
}

function timeShell(cmd: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', cmd]);
  if (r.status !== 0) throw new Error(`${cmd} failed: ${String(r.stderr)}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const results: Record<string, unknown> = {};
const lines: string[] = [];
try {
  const bytes = gib * GIB;
  const tree = join(root, 'tree');
  makeTree(tree, bytes);
  const cases = [
    { name: 'lz4', algorithm: 'lz4', level: 6, cli: `lz4 -1 -q` },
    // The same without digest records: what framing and writing cost on top of the codec alone.
    { name: 'lz4-nodigest', algorithm: 'lz4', level: 6, cli: `lz4 -1 -q`, digest: 'none' },
    { name: 'gzip-1', algorithm: 'gzip', level: 1, cli: 'gzip -1' },
    { name: 'gzip-6', algorithm: 'gzip', level: 6, cli: 'gzip -6' },
  ];
  let rssSmall = 0;
  for (const c of cases) {
    const rates: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = backup(tree, ['--algorithm', c.algorithm, '--level', String(c.level)], c.digest ?? 'md5');
      rates.push(bytes / 1e6 / r.seconds);
      rss.push(r.maxRssKiB);
    }
    const engine = summarize(rates);
    const codec = codecByName(c.algorithm);
    const loops = Math.ceil(bytes / RECORD_BYTES / chunks.length);
    const raw = await measureRate(loops * chunks.length * RECORD_BYTES, runs, () => {
      for (let l = 0; l < loops; l++) for (const ch of chunks) codec.compress(ch, c.level);
    });
    const tarOut = join(root, 'tar.out');
    const cliRates: number[] = [];
    for (let i = 0; i < runs; i++) {
      cliRates.push(bytes / 1e6 / timeShell(`tar -C '${tree}' -cf - . | ${c.cli} > '${tarOut}'`));
      rmSync(tarOut, { force: true });
    }
    const cli = summarize(cliRates);
    const rssMedian = summarize(rss).median;
    if (c.name === 'lz4') rssSmall = rssMedian;
    results[c.name] = {
      engine,
      raw,
      cli,
      ratioRaw: engine.median / raw.median,
      ratioCli: engine.median / cli.median,
      peakRssKiB: rssMedian,
    };
    lines.push(
      `${c.name.padEnd(12)} backup ${formatRate(engine)}; raw ${c.algorithm} compress loop ${formatRate(raw)} → ${(engine.median / raw.median).toFixed(2)}×; ` +
        `tar | ${c.cli} ${formatRate(cli)} → ${(engine.median / cli.median).toFixed(2)}×; peak RSS ${(rssMedian / 1024).toFixed(0)} MiB`,
    );
  }
  // RSS flat in data size: twice the tree.
  makeTree(join(tree, 'more'), bytes);
  const big = backup(tree, ['--algorithm', 'lz4']);
  results.rssFlat = { smallKiB: rssSmall, bigKiB: big.maxRssKiB, ratio: big.maxRssKiB / rssSmall };
  lines.push(
    `peak RSS lz4 ${gib} GiB ${(rssSmall / 1024).toFixed(0)} MiB vs ${2 * gib} GiB ${(big.maxRssKiB / 1024).toFixed(0)} MiB (ratio ${(big.maxRssKiB / rssSmall).toFixed(2)})`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(lines.join('\n'));
console.log(`raw results: ${saveResults('write-path', results)}`);
