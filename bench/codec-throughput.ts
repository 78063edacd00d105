/**
 * Codec throughput: compress and decompress MB/s of every registry codec on 256 KiB records (the
 * largest record Bareos's autoxflate writes) of mixed text and random bytes. Each row is measured in the
 * same run as the baseline, node:zlib deflate/inflate at level 6, and also shown as a ratio to it.
 * Median of 5 runs, with the spread. Run: `npx tsx bench/codec-throughput.ts [--records N] [--runs N]`.
 * Raw results go to bench/results/codec-throughput-<timestamp>.json (git-ignored).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { deflateSync, inflateSync } from 'node:zlib';
import { CODECS } from '../src/transforms/codecs/index.js';

const RECORD_BYTES = 256 * 1024;
const MIB = 1024 * 1024;

const argValue = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const RECORDS = argValue('--records', 32);
const RUNS = argValue('--runs', 5);

/** Deterministic record: about 70% log-like text, 30% random bytes (xorshift32), in 1–3 KiB segments. */
function mixedRecord(seed: number): Uint8Array {
  const out = new Uint8Array(RECORD_BYTES);
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const words = ['backup', 'volume', 'record', 'block', 'session', 'stream', 'restore', 'label', 'drive'];
  let p = 0;
  // Segments of 1–3 KiB: 70% of them (and so of the bytes) text lines, 30% random bytes.
  while (p < RECORD_BYTES) {
    const end = Math.min(RECORD_BYTES, p + 1024 + (next() % 2048));
    if (next() % 10 < 7) {
      while (p < end) {
        const line = Buffer.from(
          `${new Date(1_700_000_000_000 + (next() % 1e9)).toISOString()} ${words[next() % words.length]} ` +
            `${next() % 100000} ${words[next() % words.length]} ok\n`,
        );
        out.set(line.subarray(0, end - p), p);
        p += Math.min(line.length, end - p);
      }
    } else {
      while (p < end) out[p++] = next() & 0xff;
    }
  }
  return out;
}

interface Sample {
  readonly compressMBps: number;
  readonly decompressMBps: number;
  readonly ratio: number;
}

/** One timed pass: compress every record, then decompress every payload, checking the round trip. */
function pass(
  records: readonly Uint8Array[],
  compress: (r: Uint8Array) => Uint8Array,
  decompress: (p: Uint8Array, n: number) => Uint8Array,
): Sample {
  const t0 = process.hrtime.bigint();
  const payloads = records.map(compress);
  const t1 = process.hrtime.bigint();
  const decoded = payloads.map((p, i) => decompress(p, records[i]!.length));
  const t2 = process.hrtime.bigint();
  decoded.forEach((d, i) => {
    if (Buffer.compare(Buffer.from(d.buffer, d.byteOffset, d.length), Buffer.from(records[i]!)) !== 0) {
      throw new Error('round trip failed');
    }
  });
  const bytes = records.length * RECORD_BYTES;
  const stored = payloads.reduce((n, p) => n + p.length, 0);
  return {
    compressMBps: bytes / MIB / (Number(t1 - t0) / 1e9),
    decompressMBps: bytes / MIB / (Number(t2 - t1) / 1e9),
    ratio: stored / bytes,
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Row {
  readonly codec: string;
  readonly backend: string;
  readonly compress: { median: number; min: number; max: number; vsBaseline: number };
  readonly decompress: { median: number; min: number; max: number; vsBaseline: number };
  readonly sizeRatio: number;
}

function main(): void {
  const records = Array.from({ length: RECORDS }, (_, i) => mixedRecord(0x9e3779b9 + i));
  const baseline = {
    name: 'node:zlib level 6 (baseline)',
    compress: (r: Uint8Array) => deflateSync(r, { level: 6 }),
    decompress: (p: Uint8Array, n: number) => inflateSync(p, { maxOutputLength: n }),
  };
  const subjects = [
    baseline,
    ...CODECS.map((c) => ({
      name: c.name,
      compress: (r: Uint8Array) => c.compress(r, c.defaultLevel),
      decompress: (p: Uint8Array, n: number) => c.decompress(p, n),
    })),
  ];
  // Warm-up: JIT, lazy library loading, page faults.
  for (const s of subjects) pass(records.slice(0, 4), s.compress, s.decompress);

  const samples = new Map<string, Sample[]>(subjects.map((s) => [s.name, []]));
  for (let run = 0; run < RUNS; run++) {
    // Interleave subjects in every run so that drift (thermal, other load) hits all rows alike.
    for (const s of subjects) samples.get(s.name)!.push(pass(records, s.compress, s.decompress));
  }

  const base = samples.get(baseline.name)!;
  const baseCompress = median(base.map((s) => s.compressMBps));
  const baseDecompress = median(base.map((s) => s.decompressMBps));
  const rows: Row[] = subjects.map((s) => {
    const xs = samples.get(s.name)!;
    const c = xs.map((x) => x.compressMBps);
    const d = xs.map((x) => x.decompressMBps);
    const codec = CODECS.find((k) => k.name === s.name);
    return {
      codec: s.name,
      backend: codec ? codec.backend() : 'node:zlib',
      compress: {
        median: median(c),
        min: Math.min(...c),
        max: Math.max(...c),
        vsBaseline: median(c) / baseCompress,
      },
      decompress: {
        median: median(d),
        min: Math.min(...d),
        max: Math.max(...d),
        vsBaseline: median(d) / baseDecompress,
      },
      sizeRatio: median(xs.map((x) => x.ratio)),
    };
  });

  const f = (n: number, w: number, digits = 1) => n.toFixed(digits).padStart(w);
  console.log(
    `codec throughput: ${RECORDS} records × 256 KiB mixed text+random, median of ${RUNS} runs (spread min–max)`,
  );
  console.log(
    `${'codec'.padEnd(30)} ${'compress MB/s'.padStart(24)} ${'×base'.padStart(6)} ${'decompress MB/s'.padStart(26)} ${'×base'.padStart(6)} ${'size'.padStart(6)}  backend`,
  );
  for (const r of rows) {
    console.log(
      `${r.codec.padEnd(30)} ${f(r.compress.median, 8)} (${f(r.compress.min, 6)}–${f(r.compress.max, 6)}) ${f(r.compress.vsBaseline, 6, 2)} ` +
        `${f(r.decompress.median, 10)} (${f(r.decompress.min, 6)}–${f(r.decompress.max, 6)}) ${f(r.decompress.vsBaseline, 6, 2)} ` +
        `${f(r.sizeRatio * 100, 5)}%  ${r.backend}`,
    );
  }

  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`codec-throughput-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, dir);
  const result = {
    scenario: 'codec-throughput',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    recordBytes: RECORD_BYTES,
    records: RECORDS,
    runs: RUNS,
    baseline: baseline.name,
    rows,
    samples: Object.fromEntries(samples),
  };
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`results: ${file.pathname}`);
}

main();
