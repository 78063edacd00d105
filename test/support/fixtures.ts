/** Paths of the shared fixtures and parsers for the real tools' outputs (ground truth). */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const BACULA9 = join(SHARED, 'fixtures/bacula-9');
export const BAREOS25 = join(SHARED, 'fixtures/bareos-25');
export const BACULA9_VOLUMES = join(BACULA9, 'volumes');
export const BAREOS25_VOLUMES = join(BAREOS25, 'volumes');

export const BACULA9_VOLUME_NAMES = [
  'Vol-plain',
  'Vol-gzip',
  'Vol-lzo',
  'Vol-sparse',
  'Vol-span-1',
  'Vol-span-2',
  'Vol-span-3',
] as const;
export const BAREOS25_VOLUME_NAMES = ['Vol-plain', 'Vol-gzip', 'Vol-lz4', 'Vol-fdlz4'] as const;

export const readFixture = (...parts: string[]): Buffer => readFileSync(join(SHARED, 'fixtures', ...parts));
export const readFixtureText = (...parts: string[]): string => readFixture(...parts).toString('utf8');

/** sha256 of a fixture volume and the one its folder publishes, so a changed fixture fails loudly. */
export function fixtureSha256(
  family: 'bacula-9' | 'bareos-25',
  volume: string,
): { expected: string; actual: string } {
  const sums =
    family === 'bacula-9'
      ? readFileSync(join(BACULA9, 'volumes.sha256'), 'utf8')
      : readFileSync(join(BAREOS25_VOLUMES, 'SHA256SUMS'), 'utf8');
  const line = sums.split('\n').find((l) => l.trim().endsWith(` ${volume}`));
  const expected = line?.split(/\s+/)[0] ?? '';
  const dir = family === 'bacula-9' ? BACULA9_VOLUMES : BAREOS25_VOLUMES;
  const actual = createHash('sha256')
    .update(readFileSync(join(dir, volume)))
    .digest('hex');
  return { expected, actual };
}

/** One `Record:` line of `bscan -r`: the joined records of a volume. */
export interface BscanRecord {
  sessId: number;
  sessTime: number;
  fileIndex: number;
  stream: number;
  len: number;
}
export function parseBscanRecords(text: string): BscanRecord[] {
  const out: BscanRecord[] = [];
  for (const m of text.matchAll(
    /Record: SessId=(\d+) SessTim=(\d+) FileIndex=(-?\d+) Stream=(-?\d+) len=(\d+)/g,
  )) {
    out.push({
      sessId: Number(m[1]),
      sessTime: Number(m[2]),
      fileIndex: Number(m[3]),
      stream: Number(m[4]),
      len: Number(m[5]),
    });
  }
  return out;
}

/** Blocks from Bacula `bls -k -v` (`Addr=… blk_num=… blen=…`) or Bareos `bls -k` (`Block: n size=…`). */
export interface ToolBlock {
  blockNumber: number;
  length: number;
  /** Offset just after the block (Bacula only). */
  endAddr?: number;
}
export function parseBlsBlocks(text: string): ToolBlock[] {
  const out: ToolBlock[] = [];
  for (const m of text.matchAll(/Addr=(\d+) blk_num=(\d+) blen=(\d+)/g)) {
    out.push({ endAddr: Number(m[1]), blockNumber: Number(m[2]), length: Number(m[3]) });
  }
  if (out.length) return out;
  for (const m of text.matchAll(/Block: (\d+) size=(\d+)/g))
    out.push({ blockNumber: Number(m[1]), length: Number(m[2]) });
  return out;
}

/** Sessions from `bls -j`: Begin/End Job Session Records. */
export interface ToolSession {
  kind: 'begin' | 'end';
  sessId: number;
  sessTime: number;
  jobId: number;
  job?: string;
  level?: string;
  type?: string;
  files?: number;
  bytes?: number;
  errors?: number;
  status?: string;
}
export function parseBlsJobs(text: string): ToolSession[] {
  const out: ToolSession[] = [];
  const re =
    /(Begin|End) Job Session Record: File:blk=\d+:\d+ SessId=(\d+) SessTime=(\d+) JobId=(\d+)\n\s+(?:Job=(\S+) )?Date=[^\n]*? Level=(\w) Type=(\w)(?: Files=([\d,]+) Bytes=([\d,]+) Errors=(\d+) Status=(\w))?/g;
  for (const m of text.matchAll(re)) {
    const s: ToolSession = {
      kind: m[1] === 'Begin' ? 'begin' : 'end',
      sessId: Number(m[2]),
      sessTime: Number(m[3]),
      jobId: Number(m[4]),
      level: m[6] ?? '',
      type: m[7] ?? '',
    };
    if (m[5]) s.job = m[5];
    if (m[8]) {
      s.files = Number(m[8].replaceAll(',', ''));
      s.bytes = Number((m[9] ?? '').replaceAll(',', ''));
      s.errors = Number(m[10]);
      s.status = m[11] ?? '';
    }
    out.push(s);
  }
  return out;
}
