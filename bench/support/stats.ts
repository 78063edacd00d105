/** Small statistics and reporting helpers shared by the bench scenarios. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Sample {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(values: number[]): Sample {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { median, min: s[0] ?? 0, max: s.at(-1) ?? 0, n: s.length };
}

/** `123.4 MB/s (n=5, 120.1–130.2)` */
export const formatRate = (s: Sample): string =>
  `${s.median.toFixed(1)} MB/s (n=${s.n}, ${s.min.toFixed(1)}–${s.max.toFixed(1)})`;

/** Runs `fn` `runs` times and returns MB/s for `bytes` per run. */
export async function measureRate(
  bytes: number,
  runs: number,
  fn: () => Promise<void> | void,
): Promise<Sample> {
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(bytes / 1e6 / s);
  }
  return summarize(rates);
}

/** Writes a scenario's raw results to bench/results/<name>.json (git-ignored). */
export function saveResults(name: string, results: unknown): string {
  const dir = join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ when: new Date().toISOString(), results }, null, 2));
  return path;
}
