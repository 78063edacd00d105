/**
 * Follows the session labels in a record stream (spec volume-format.md §3.4, §3.6): which JobId a
 * session belongs to, and each session's summary once its EOS label (or the end of the read) is seen.
 * A job spanning volumes is one session: its SOS is on the first volume and its EOS on the last.
 */
import { SdpipeError } from '../errors.js';
import {
  codeChar,
  decodeEndSessionLabel,
  labelTimeError,
  decodeSessionLabel,
  type EndSessionLabel,
  type SessionLabel,
} from './label.js';
import { LABEL_TYPE } from './record-header.js';
import type { DeviceRecord } from './record.js';

/** One session (job) as read from the volumes. */
export interface SessionSummary {
  readonly jobId: number;
  readonly volSessionId: number;
  readonly volSessionTime: number;
  readonly job: string;
  readonly jobName: string;
  readonly clientName: string;
  readonly fileSetName: string;
  readonly poolName: string;
  /** Job level letter: F, I, D … */
  readonly level: string;
  /** Job type letter: B (backup) … */
  readonly type: string;
  /** Volumes the session's records were read from, in order. */
  readonly volumes: readonly string[];
  readonly start?: SessionLabel | undefined;
  readonly end?: EndSessionLabel | undefined;
  /** From the EOS label when present, else counted while reading. */
  readonly files: number;
  readonly bytes: number;
  readonly errors: number;
  readonly status: string;
  /** True when the EOS label was read. */
  readonly complete: boolean;
}

interface Running {
  jobId: number;
  volSessionId: number;
  volSessionTime: number;
  start?: SessionLabel;
  volumes: string[];
  lastFileIndex: number;
  bytes: number;
}

const key = (r: { volSessionId: number; volSessionTime: number }) => `${r.volSessionId}/${r.volSessionTime}`;

/** Tracks sessions; feed every record in order with {@link observe}. */
export class SessionTracker {
  private readonly running = new Map<string, Running>();

  constructor(private readonly onWarning: (e: SdpipeError) => void = () => undefined) {}

  /** The JobId of a record's session (0 when its SOS label was not read). */
  jobIdOf(r: { volSessionId: number; volSessionTime: number }): number {
    return this.running.get(key(r))?.jobId ?? 0;
  }

  /** Feeds one record; returns a summary when it is an EOS label. */
  observe(r: DeviceRecord): SessionSummary | undefined {
    const k = key(r);
    const where = {
      volume: r.position.volume,
      blockNumber: r.position.blockNumber,
      offset: r.position.offset,
    };
    if (r.fileIndex === LABEL_TYPE.SOS_LABEL) {
      try {
        const start = decodeSessionLabel(r.data, where);
        const badTime = labelTimeError(start.writeBtime, 'writeBtime', where);
        if (badTime) this.onWarning(badTime);
        this.running.set(k, {
          jobId: start.jobId,
          volSessionId: r.volSessionId,
          volSessionTime: r.volSessionTime,
          start,
          volumes: [r.position.volume],
          lastFileIndex: 0,
          bytes: 0,
        });
      } catch (e) {
        if (!(e instanceof SdpipeError)) throw e;
        this.onWarning(e);
      }
      return undefined;
    }
    let run = this.running.get(k);
    if (!run) {
      // A session whose SOS was not read (continuation volume read alone, or a bootstrap range).
      run = {
        jobId: r.fileIndex < 0 ? r.stream : 0,
        volSessionId: r.volSessionId,
        volSessionTime: r.volSessionTime,
        volumes: [],
        lastFileIndex: 0,
        bytes: 0,
      };
      if (r.fileIndex === LABEL_TYPE.EOS_LABEL || r.fileIndex > 0) this.running.set(k, run);
    }
    if (!run.volumes.includes(r.position.volume) && r.fileIndex !== LABEL_TYPE.VOL_LABEL)
      run.volumes.push(r.position.volume);
    if (r.fileIndex > 0) {
      run.lastFileIndex = Math.max(run.lastFileIndex, r.fileIndex);
      run.bytes += r.data.length;
      return undefined;
    }
    if (r.fileIndex !== LABEL_TYPE.EOS_LABEL) return undefined;
    this.running.delete(k);
    try {
      const end = decodeEndSessionLabel(r.data, where);
      const badTime = labelTimeError(end.writeBtime, 'writeBtime', where);
      if (badTime) this.onWarning(badTime);
      if (!run.jobId) run.jobId = end.jobId;
      return summarize(run, end);
    } catch (e) {
      if (!(e instanceof SdpipeError)) throw e;
      this.onWarning(e);
      return summarize(run, undefined);
    }
  }

  /** Sessions still open at the end of the read (no EOS label seen), summarized from what was read. */
  finish(): SessionSummary[] {
    const out = [...this.running.values()].map((r) => summarize(r, undefined));
    this.running.clear();
    return out;
  }
}

function summarize(run: Running, end: EndSessionLabel | undefined): SessionSummary {
  const label = end ?? run.start;
  return {
    jobId: run.jobId,
    volSessionId: run.volSessionId,
    volSessionTime: run.volSessionTime,
    job: label?.job ?? '',
    jobName: label?.jobName ?? '',
    clientName: label?.clientName ?? '',
    fileSetName: label?.fileSetName ?? '',
    poolName: label?.poolName ?? '',
    level: label ? codeChar(label.jobLevel) : '',
    type: label ? codeChar(label.jobType) : '',
    volumes: run.volumes,
    start: run.start,
    end,
    files: end ? end.jobFiles : run.lastFileIndex,
    bytes: end ? end.jobBytes : run.bytes,
    errors: end ? end.jobErrors : 0,
    status: end ? codeChar(end.jobStatus) : '',
    complete: end !== undefined,
  };
}
