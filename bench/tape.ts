/**
 * Tape benchmark: `sdpipe backup` of a generated tree (default 256 MiB, no compression) to
 *   - the simulated LTO drive (`sim:<image>`) with a volume key loaded (AES-256-GCM per block) vs without,
 *   - a tgt SSC tape LUN over iSCSI on 127.0.0.1 vs a File device on the same disk,
 * each pair measured in the same run and reported as a ratio (median of N runs, spread shown). The tgt
 * rows are left out, with the install command, when tgtd or libiscsi is missing.
 *
 * Usage: npx tsx bench/tape.ts [--mib 256] [--runs 3]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { startTgt, tgtEnvironment, TGT_INSTALL } from '../test/support/tgt.js';
import { makeChunk, RECORD_BYTES } from './support/generate-volume.js';
import { formatRate, saveResults, summarize, type Sample } from './support/stats.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MIB = 1 << 20;
const FILE_BYTES = 32 * MIB;
const mib = arg('mib', 256);
const runs = arg('runs', 3);
const bytes = mib * MIB;
const root = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'sdpipe-tbench-'));

/** A tree of 32 MiB files made of the bench chunks. */
function makeTree(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const chunks = Array.from({ length: 16 }, (_, i) => makeChunk(i + 1));
  const file = Buffer.concat(
    Array.from({ length: FILE_BYTES / RECORD_BYTES }, (_, i) => chunks[i % chunks.length]!),
  );
  for (let i = 0; i * FILE_BYTES < bytes; i++) writeFileSync(join(dir, `file-${i}.bin`), file);
}

/** One backup run in this process; resolves with its MB/s. */
async function backup(tree: string, device: string, flags: string[] = []): Promise<number> {
  let err = '';
  const t0 = process.hrtime.bigint();
  const code = await main(['backup', ...flags, tree, device, '-V', 'Bench-0001'], {
    stdout: () => {},
    stderr: (s) => void (err += s),
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`backup to ${device} failed: ${err}`);
  return bytes / 1e6 / seconds;
}

/** `runs` backups, each to a fresh device from `fresh()`. */
async function measure(tree: string, fresh: () => Promise<string>, flags: string[] = []): Promise<Sample> {
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) rates.push(await backup(tree, await fresh(), flags));
  return summarize(rates);
}

const results: Record<string, unknown> = {};
const lines: string[] = [];
let n = 0;
try {
  const tree = join(root, 'tree');
  makeTree(tree);
  const keyFile = join(root, 'volume.key');
  writeFileSync(keyFile, 'bench volume key passphrase\n');
  const simImage = () => {
    const image = join(root, `sim-${n++}.img`);
    rmSync(image, { force: true });
    return Promise.resolve(`sim:${image}?capacity=8G`);
  };
  const plain = await measure(tree, simImage);
  const encrypted = await measure(tree, simImage, ['--volume-key-file', keyFile]);
  results.sim = { plain, encrypted, ratio: encrypted.median / plain.median };
  lines.push(
    `sim drive    plain ${formatRate(plain)}; encrypted ${formatRate(encrypted)} → ${(encrypted.median / plain.median).toFixed(2)}×`,
  );
  const fileDevice = () => {
    const dir = join(root, `dev-${n++}`);
    mkdirSync(dir);
    return Promise.resolve(dir);
  };
  const file = await measure(tree, fileDevice);
  if (tgtEnvironment.skip) {
    lines.push(`File device  ${formatRate(file)}; tgt over iSCSI: skipped (needs ${TGT_INSTALL})`);
    results.file = file;
  } else {
    const tgt = await startTgt({ tapes: 0 });
    try {
      const iscsi = await measure(tree, () => tgt.addTape({ sizeMb: 2 * mib + 64 }));
      results.tgt = { iscsi, file, ratio: iscsi.median / file.median };
      lines.push(
        `tgt iSCSI    ${formatRate(iscsi)}; File device ${formatRate(file)} → ${(iscsi.median / file.median).toFixed(2)}×`,
      );
    } finally {
      await tgt.stop();
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(`tape backup of ${mib} MiB (n=${runs})`);
console.log(lines.join('\n'));
console.log(`raw results: ${saveResults('tape', results)}`);
