/**
 * Job-log lines as a storage daemon writes them: `23-Nov 00:04 sdpipe-sd JobId 2: <message>` (the format
 * of the Bareos and Bacula job logs), or JSON lines `{"kind":"log","jobId":2,"message":…}` with --json.
 */
import type { CliIo } from './command.js';

/** Name the daemon signs its job-log lines with. */
export const DAEMON_NAME = 'sdpipe-sd';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** `23-Nov 00:04` in local time, as job logs date their lines. */
export const logDate = (d: Date): string =>
  `${p2(d.getDate())}-${MONTHS[d.getMonth()] ?? ''} ${p2(d.getHours())}:${p2(d.getMinutes())}`;

/** The unique job name: `<name>.<YYYY-MM-DD_HH.MM.SS>_<jobid, 2 digits at least>`. */
export function uniqueJobName(name: string, jobId: number, d: Date): string {
  const date = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
  const time = `${p2(d.getHours())}.${p2(d.getMinutes())}.${p2(d.getSeconds())}`;
  return `${name}.${date}_${time}_${p2(jobId)}`;
}

/** A function that writes one job-log line for `jobId`. */
export function jobLogger(io: CliIo, jobId: number, json: boolean, now: () => Date = () => new Date()) {
  return (message: string): void => {
    io.stdout(
      json
        ? `${JSON.stringify({ kind: 'log', jobId, message })}\n`
        : `${logDate(now())} ${DAEMON_NAME} JobId ${jobId}: ${message}\n`,
    );
  };
}
