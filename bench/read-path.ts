/**
 * Read-path benchmark (issue 3): `sdpipe bextract` of a generated volume — LZ4 and GZIP records and a
 * plain volume, 256 KiB records — against baselines measured in the same run:
 *   - the raw codec decompressing the same payloads in a loop (goal ≥ 0.9×),
 *   - `cat` copying the plain volume file (goal ≥ 0.5×),
 *   - the same work without the engine: codec decompress + MD5 + write to one file, in a loop (shows what
 *     framing, record joining, checksums and the restore itself cost on top of the unavoidable work),
 * and peak RSS of bextract for a 1 GiB vs a 4 GiB volume (must stay flat).
 *
 * Usage: npx tsx bench/read-path.ts [--gib 1] [--big-gib 4] [--runs 3]   (needs `npm run build` first)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codecByName } from '../src/transforms/codecs/index.js';
import { readCompressionHeader } from '../src/transforms/compressed-record.js';
import { generateVolume, RECORD_BYTES } from './support/generate-volume.js';
import { formatRate, measureRate, saveResults, summarize, type Sample } from './support/stats.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const GIB = 1 << 30;
const gib = arg('gib', 1);
const bigGib = arg('big-gib', 4);
const runs = arg('runs', 3);
const root = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'sdpipe-bench-'));
const launcher = join(import.meta.dirname, '..', 'bin', 'sdpipe.js');

/** Runs bextract in a child process; returns seconds and the child's peak RSS (from GNU time). */
function bextract(dir: string, volume: string): { seconds: number; maxRssKiB: number } {
  const out = join(root, 'restore');
  rmSync(out, { recursive: true, force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', process.execPath, launcher, 'bextract', '-V', volume, dir, out],
    {
      encoding: 'utf8',
    },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`bextract failed: ${r.stdout}\n${r.stderr}`);
  const maxRssKiB = Number(r.stderr.trim().split('\n').at(-1));
  rmSync(out, { recursive: true, force: true });
  return { seconds, maxRssKiB };
}

function timeCommand(cmd: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', cmd]);
  if (r.status !== 0) throw new Error(`${cmd} failed`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const results: Record<string, unknown> = {};
const lines: string[] = [];
try {
  const dataBytes = gib * GIB;
  for (const algorithm of ['lz4', 'gzip', undefined] as const) {
    const name = algorithm ?? 'plain';
    const dir = join(root, name);
    spawnSync('mkdir', ['-p', dir]);
    const vol = await generateVolume(join(dir, `Bench-${name}`), `Bench-${name}`, dataBytes, algorithm);
    const times: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = bextract(dir, vol.volumeName);
      times.push(dataBytes / 1e6 / r.seconds);
      rss.push(r.maxRssKiB);
    }
    const engine = summarize(times);
    let baseline: Sample;
    let baselineName: string;
    if (algorithm) {
      const codec = codecByName(algorithm);
      const payloads = vol.samplePayloads.map((p) => {
        const { headerAt } = readCompressionHeader(29, p);
        return p.subarray(headerAt + 12);
      });
      const loops = Math.ceil(dataBytes / RECORD_BYTES / payloads.length);
      baseline = await measureRate(loops * payloads.length * RECORD_BYTES, runs, () => {
        for (let l = 0; l < loops; l++) for (const p of payloads) codec.decompress(p, RECORD_BYTES);
      });
      baselineName = `raw ${algorithm} decompress loop`;
    } else {
      const copies: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = timeCommand(
          `cat '${vol.path}' > '${join(root, 'cat-copy')}'; rm -f '${join(root, 'cat-copy')}'`,
        );
        copies.push(dataBytes / 1e6 / s);
      }
      baseline = summarize(copies);
      baselineName = 'cat volume > file';
    }
    const ratio = engine.median / baseline.median;
    // The unavoidable work in one loop: decode each payload, hash it, write it to a file.
    const codec = algorithm ? codecByName(algorithm) : undefined;
    const raw = vol.samplePayloads.map((p) =>
      algorithm ? p.subarray(readCompressionHeader(29, p).headerAt + 12) : p,
    );
    const loops = Math.ceil(dataBytes / RECORD_BYTES / raw.length);
    const sink = join(root, 'same-work.out');
    const sameWork = await measureRate(loops * raw.length * RECORD_BYTES, runs, () => {
      const fd = openSync(sink, 'w');
      const md5 = createHash('md5');
      for (let l = 0; l < loops; l++) {
        for (const p of raw) {
          const data = codec ? codec.decompress(p, RECORD_BYTES) : p;
          md5.update(data);
          writeSync(fd, data);
        }
      }
      md5.digest();
      closeSync(fd);
      rmSync(sink);
    });
    const sameRatio = engine.median / sameWork.median;
    results[name] = {
      engine,
      baseline,
      baselineName,
      ratio,
      sameWork,
      sameRatio,
      peakRssKiB: summarize(rss),
    };
    lines.push(
      `${name.padEnd(6)} bextract ${formatRate(engine)} vs ${baselineName} ${formatRate(baseline)} → ratio ${ratio.toFixed(2)}×, peak RSS ${(summarize(rss).median / 1024).toFixed(0)} MiB`,
      `${''.padEnd(6)} vs same work without the engine (decode+MD5+write) ${formatRate(sameWork)} → ratio ${sameRatio.toFixed(2)}×`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  // RSS flat in volume size: LZ4 volume of gib vs bigGib.
  const dir = join(root, 'big');
  spawnSync('mkdir', ['-p', dir]);
  const big = await generateVolume(join(dir, 'Bench-big'), 'Bench-big', bigGib * GIB, 'lz4');
  const r = bextract(dir, big.volumeName);
  const small = (results.lz4 as { peakRssKiB: Sample }).peakRssKiB.median;
  results.rssFlat = {
    smallGiB: gib,
    smallKiB: small,
    bigGiB: bigGib,
    bigKiB: r.maxRssKiB,
    ratio: r.maxRssKiB / small,
  };
  lines.push(
    `peak RSS lz4 ${gib} GiB ${(small / 1024).toFixed(0)} MiB vs ${bigGib} GiB ${(r.maxRssKiB / 1024).toFixed(0)} MiB (ratio ${(r.maxRssKiB / small).toFixed(2)})`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(lines.join('\n'));
console.log(`raw results: ${saveResults('read-path', results)}`);
