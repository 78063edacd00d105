/**
 * Writes bootstrap (BSR) files the way the Director writes them for a job (spec volume-format.md §9):
 * a comment naming the job, then one entry per volume with Volume, MediaType, VolSessionId,
 * VolSessionTime, VolAddr (first byte of the first block to the last byte of the last block) and the
 * FileIndex range. `sdpipe bextract -b` reads them back.
 */

/** One volume of a job in a bootstrap file. */
export interface BootstrapVolume {
  readonly volumeName: string;
  readonly mediaType: string;
  readonly volSessionId: number;
  readonly volSessionTime: number;
  /** Byte address of the first byte of the job's first block on this volume. */
  readonly startAddress: number;
  /** Byte address of the last byte of the job's last block on this volume. */
  readonly endAddress: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
}

/** One job: what its comment line says and its volumes in order. */
export interface BootstrapJob {
  /** Unique job name (`job-plain.2026-11-23_00.04.20_04`). */
  readonly job: string;
  /** Level letter (`F`, `I`, `D` …). */
  readonly level: string;
  /** End of the job (else its start), seconds since the epoch; the comment's date. */
  readonly time?: number | undefined;
  readonly volumes: readonly BootstrapVolume[];
}

/** Level letters and the names the Director prints for them. */
export const LEVEL_NAMES: Readonly<Record<string, string>> = {
  F: 'Full',
  I: 'Incremental',
  D: 'Differential',
  S: 'Since',
  f: 'VirtualFull',
  B: 'Base',
  C: 'Catalog',
  V: 'InitCatalog',
  O: 'VolumeToCatalog',
  d: 'DiskToCatalog',
  A: 'Data',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `23-Nov-2026 00:04:23` (UTC), the date form of the Director's bootstrap comment. */
export function formatBootstrapDate(epochSeconds: number): string {
  const d = new Date(Math.floor(epochSeconds) * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()] ?? ''}-${d.getUTCFullYear()} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`
  );
}

/** A BSR string value: quoted, with `"` and `\` escaped. */
const quote = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

const range = (from: number, to: number) => (from === to ? `${from}` : `${from}-${to}`);

/** The text of one job's bootstrap: its comment line and one entry per volume. */
export function formatBootstrapJob(job: BootstrapJob): string {
  const level = LEVEL_NAMES[job.level] ?? job.level;
  const lines = [
    job.time !== undefined
      ? `# ${formatBootstrapDate(job.time)} - ${job.job} - ${level}`
      : `# ${job.job} - ${level}`,
  ];
  for (const v of job.volumes) {
    lines.push(
      `Volume=${quote(v.volumeName)}`,
      `MediaType=${quote(v.mediaType)}`,
      `VolSessionId=${v.volSessionId}`,
      `VolSessionTime=${v.volSessionTime}`,
      `VolAddr=${range(v.startAddress, v.endAddress)}`,
      `FileIndex=${range(v.firstIndex, v.lastIndex)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The bootstrap text of several jobs, one after the other. */
export const formatBootstrap = (jobs: readonly BootstrapJob[]): string =>
  jobs.map((j) => formatBootstrapJob(j)).join('');
