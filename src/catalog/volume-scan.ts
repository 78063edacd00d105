/**
 * What a scan of volumes learns for the catalog, with no database: the volumes (label, blocks, bytes,
 * dates), the sessions (jobs) with their extent on each volume (byte addresses and FileIndex range, the
 * JobMedia facts of spec volume-format.md §4 and §6) and every file (attributes and digest).
 *
 * Feed it the reader's blocks ({@link VolumeScan.block}) and records ({@link VolumeScan.record}) in read
 * order; listeners hear about volumes, sessions and files as they complete, so files are never held in
 * memory beyond the one pending per session.
 */
import { SdpipeError } from '../errors.js';
import { decodeAttributes } from '../volume/attributes.js';
import type { Block } from '../volume/block-reader.js';
import {
  codeChar,
  decodeEndSessionLabel,
  decodeSessionLabel,
  decodeVolumeLabel,
  btimeDate,
  labelTimeError,
  type EndSessionLabel,
  type SessionLabel,
  type VolumeLabel,
} from '../volume/label.js';
import { splitBlock } from '../volume/record-assembler.js';
import { LABEL_TYPE, STREAM_TYPE_MASK } from '../volume/record-header.js';
import type { DeviceRecord } from '../volume/record.js';

/** Streams whose bytes are file data: the FD counts them in JobBytes (spec compression.md §1). */
export const FILE_DATA_STREAMS: ReadonlySet<number> = new Set([
  2, 4, 6, 7, 11, 12, 13, 20, 21, 23, 24, 25, 27, 29, 30, 31, 32, 33,
]);
/** Digest streams: MD5, SHA-1, SHA-256, SHA-512, XXH128 (their bytes go to the catalog's MD5 column). */
export const DIGEST_STREAMS: ReadonlySet<number> = new Set([3, 10, 17, 18, 40]);
const ATTRIBUTES_STREAM = 1;

/** Microseconds (btime) to whole seconds; undefined for a time no date can hold (reported by the scan). */
const seconds = (btimeMicros: number): number | undefined =>
  btimeDate(btimeMicros) ? Math.floor(btimeMicros / 1_000_000) : undefined;

/** Where one session's records lie on one volume (a JobMedia row). */
export interface SessionSegment {
  readonly volumeName: string;
  /** Byte address of the first byte of the session's first block on the volume. */
  startAddress: number;
  /** Byte address of the last byte of the session's last block on the volume. */
  endAddress: number;
  /** Lowest and highest FileIndex of the session's record pieces on the volume (0 when none). */
  firstIndex: number;
  lastIndex: number;
  /** File-data bytes of the session's pieces on the volume. */
  dataBytes: number;
  blocks: number;
}

/** One session (a job) as read. */
export interface ScannedSession {
  readonly key: string;
  readonly volSessionId: number;
  readonly volSessionTime: number;
  /** The SOS label, when it was read. */
  start?: SessionLabel | undefined;
  /** The EOS label, when it was read. */
  end?: EndSessionLabel | undefined;
  /** Its extent on each volume, in read order. */
  readonly segments: SessionSegment[];
  /** Attribute records read (files). */
  files: number;
  /** Highest FileIndex read. */
  lastFileIndex: number;
}

/** One volume as read. */
export interface ScannedVolume {
  readonly volumeName: string;
  label?: VolumeLabel | undefined;
  /** `VOL_LABEL` or `PRE_LABEL`; undefined when the label could not be read. */
  labelType?: 'VOL_LABEL' | 'PRE_LABEL' | undefined;
  /** The label record's Stream: 0, or the job's volume count on a continuation volume (spec §3.4). */
  labelStream: number;
  /** Blocks holding session records (the label block is not counted, as VolBlocks). */
  blocks: number;
  /** Bytes of every block read, the label block included (VolBytes). */
  bytes: number;
  /** Byte address of the last byte of the last block read. */
  endAddress: number;
  /** Session keys in the order they first appear on the volume. */
  readonly sessions: string[];
  /** Sessions whose EOS label is on this volume. */
  readonly endedHere: Set<string>;
  /** Sessions whose SOS label is on this volume. */
  readonly startedHere: Set<string>;
  /** Label and session label times on this volume, seconds since the epoch. */
  labelWritten?: number | undefined;
  firstSessionStart?: number | undefined;
  lastSessionLabel?: number | undefined;
}

/** A file of a session: its attributes and digest. */
export interface ScannedFile {
  readonly fileIndex: number;
  /** The full path as stored (directories end with `/`). */
  readonly fname: string;
  /** Directory part, ending in `/` (the whole path for a directory). */
  readonly path: string;
  /** File name part (empty for a directory). */
  readonly name: string;
  readonly lstat: string;
  readonly deltaSeq: number;
  /** The FT_* type of the attribute record. */
  readonly type: number;
  /** The digest record's bytes and stream, when one followed the file. */
  digest?: Uint8Array | undefined;
  digestStream?: number | undefined;
}

/** What a scan tells as it goes. */
export interface ScanListener {
  /** A volume label was read. */
  volume?(v: ScannedVolume): void;
  /** A session began: its SOS label, or the first record of a session whose SOS was not read. */
  sessionStart?(s: ScannedSession): void;
  /** A file is complete (its next file, its EOS or the end of the scan came). */
  file?(s: ScannedSession, f: ScannedFile): void;
  /**
   * A digest record came whose attributes were not read in this scan (they are on an earlier volume of
   * the job that was scanned on its own).
   */
  digest?(s: ScannedSession, fileIndex: number, digest: Uint8Array, stream: number): void;
  /** A session's EOS label was read (after its last file). */
  sessionEnd?(s: ScannedSession): void;
}

/** Splits a stored path into the catalog's Path (ending in `/`) and Name; a directory has an empty Name. */
export function splitPath(fname: string): { path: string; name: string } {
  if (fname.endsWith('/')) return { path: fname, name: '' };
  const slash = fname.lastIndexOf('/');
  return slash < 0
    ? { path: '', name: fname }
    : { path: fname.slice(0, slash + 1), name: fname.slice(slash + 1) };
}

/** The facts of a session for a job row and listings: labels first, counts from the scan otherwise. */
export interface SessionFacts {
  /** JobId as the labels give it (0 when neither label was read). */
  readonly jobId: number;
  readonly job: string;
  readonly jobName: string;
  readonly clientName: string;
  readonly fileSetName: string;
  readonly fileSetMd5: string;
  readonly poolName: string;
  readonly poolType: string;
  readonly type: string;
  readonly level: string;
  /** EOS JobFiles, else the highest FileIndex read. */
  readonly jobFiles: number;
  /** File-data bytes of the session on every volume read (the FD's JobBytes). */
  readonly jobBytes: number;
  readonly jobErrors: number;
  /** EOS JobStatus, else `I` (incomplete: no EOS was read). */
  readonly jobStatus: string;
  /** SOS and EOS write times, seconds since the epoch. */
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
}

/** The job facts of a scanned session. */
export function sessionFacts(s: ScannedSession): SessionFacts {
  const label = s.end ?? s.start;
  return {
    jobId: label?.jobId ?? 0,
    job: label?.job ?? '',
    jobName: label?.jobName ?? '',
    clientName: label?.clientName ?? '',
    fileSetName: label?.fileSetName ?? '',
    fileSetMd5: label?.fileSetMd5 ?? '',
    poolName: label?.poolName ?? '',
    poolType: label?.poolType ?? '',
    type: label ? codeChar(label.jobType) : '',
    level: label ? codeChar(label.jobLevel) : '',
    jobFiles: s.end ? s.end.jobFiles : s.lastFileIndex,
    jobBytes: s.segments.reduce((n, g) => n + g.dataBytes, 0),
    jobErrors: s.end?.jobErrors ?? 0,
    jobStatus: s.end ? codeChar(s.end.jobStatus) : 'I',
    startTime: s.start ? seconds(s.start.writeBtime) : undefined,
    endTime: s.end ? seconds(s.end.writeBtime) : undefined,
  };
}

/** The catalog VolStatus of a scanned volume: `Full` when its last session goes on elsewhere (no EOS). */
export function volumeStatus(v: ScannedVolume): 'Full' | 'Append' {
  const last = v.sessions.at(-1);
  return last !== undefined && !v.endedHere.has(last) ? 'Full' : 'Append';
}

/** First and last write dates of a volume (Media.FirstWritten/LastWritten), seconds; none when unused. */
export function volumeDates(v: ScannedVolume): { firstWritten?: number; lastWritten?: number } {
  if (v.sessions.length === 0) return {};
  const firstWritten = v.firstSessionStart ?? v.labelWritten;
  const times = [v.labelWritten, v.lastSessionLabel].filter((t): t is number => t !== undefined);
  const lastWritten = times.length ? Math.max(...times) : undefined;
  return {
    ...(firstWritten !== undefined ? { firstWritten } : {}),
    ...(lastWritten !== undefined ? { lastWritten } : {}),
  };
}

const sessionKey = (id: number, time: number) => `${id}/${time}`;

/** Which sessions a {@link VolumeScan} accounts, and where it reports undecodable records. */
export interface VolumeScanOptions {
  /** Sessions to account (the bootstrap's session filter); others are left out. */
  readonly wantSession?: (volume: string, volSessionId: number, volSessionTime: number) => boolean;
  /** Session labels and attribute records that cannot be decoded are reported here and skipped. */
  readonly onWarning?: (e: SdpipeError) => void;
}

/** Collects volumes, sessions and files from a read. */
export class VolumeScan {
  private readonly volumesByName = new Map<string, ScannedVolume>();
  private readonly sessionsByKey = new Map<string, ScannedSession>();
  private readonly announced = new Set<string>();
  private readonly pending = new Map<string, ScannedFile>();

  private readonly wantSession: (volume: string, id: number, time: number) => boolean;
  private readonly onWarning: (e: SdpipeError) => void;

  constructor(
    private readonly listener: ScanListener = {},
    options: VolumeScanOptions = {},
  ) {
    this.wantSession = options.wantSession ?? (() => true);
    this.onWarning = options.onWarning ?? (() => undefined);
  }

  /** Volumes in read order. */
  get volumes(): ScannedVolume[] {
    return [...this.volumesByName.values()];
  }
  /** Sessions in the order they were first seen. */
  get sessions(): ScannedSession[] {
    return [...this.sessionsByKey.values()];
  }

  private volume(name: string): ScannedVolume {
    let v = this.volumesByName.get(name);
    if (!v) {
      v = {
        volumeName: name,
        labelStream: 0,
        blocks: 0,
        bytes: 0,
        endAddress: 0,
        sessions: [],
        endedHere: new Set(),
        startedHere: new Set(),
      };
      this.volumesByName.set(name, v);
    }
    return v;
  }

  private session(id: number, time: number): ScannedSession {
    const key = sessionKey(id, time);
    let s = this.sessionsByKey.get(key);
    if (!s) {
      s = { key, volSessionId: id, volSessionTime: time, segments: [], files: 0, lastFileIndex: 0 };
      this.sessionsByKey.set(key, s);
    }
    return s;
  }

  /**
   * Accounts one verified block: its bytes for the volume, and for each session with pieces in it the
   * block's address range, FileIndex range and file-data bytes. Pieces are taken from the block itself,
   * so a record split across volumes counts on each volume it lies on.
   */
  block(block: Block): void {
    const v = this.volume(block.volume);
    v.bytes += block.header.length;
    const last = block.offset + block.header.length - 1;
    v.endAddress = Math.max(v.endAddress, last);
    let counted = false;
    const touched = new Set<SessionSegment>();
    // Damage is reported by the reader's own split of the same block; this one stays quiet.
    for (const piece of splitBlock(block, () => undefined)) {
      if (piece.fileIndex === LABEL_TYPE.VOL_LABEL || piece.fileIndex === LABEL_TYPE.PRE_LABEL) continue;
      if (!this.wantSession(block.volume, piece.volSessionId, piece.volSessionTime)) continue;
      counted = true;
      const s = this.session(piece.volSessionId, piece.volSessionTime);
      if (!v.sessions.includes(s.key)) v.sessions.push(s.key);
      let seg = s.segments.find((g) => g.volumeName === block.volume);
      if (!seg) {
        seg = {
          volumeName: block.volume,
          startAddress: block.offset,
          endAddress: last,
          firstIndex: 0,
          lastIndex: 0,
          dataBytes: 0,
          blocks: 0,
        };
        s.segments.push(seg);
      }
      if (!touched.has(seg)) {
        touched.add(seg);
        seg.blocks++;
        seg.startAddress = Math.min(seg.startAddress, block.offset);
        seg.endAddress = Math.max(seg.endAddress, last);
      }
      if (piece.fileIndex > 0) {
        if (seg.firstIndex === 0 || piece.fileIndex < seg.firstIndex) seg.firstIndex = piece.fileIndex;
        seg.lastIndex = Math.max(seg.lastIndex, piece.fileIndex);
        if (FILE_DATA_STREAMS.has(Math.abs(piece.stream) & STREAM_TYPE_MASK))
          seg.dataBytes += piece.data.length;
      }
    }
    if (counted) v.blocks++;
  }

  /** Accounts one record (in read order, after the block it starts in). */
  record(r: DeviceRecord): void {
    const where = {
      volume: r.position.volume,
      blockNumber: r.position.blockNumber,
      offset: r.position.offset,
    };
    if (r.fileIndex === LABEL_TYPE.VOL_LABEL || r.fileIndex === LABEL_TYPE.PRE_LABEL) {
      const v = this.volume(r.position.volume);
      v.labelType = r.fileIndex === LABEL_TYPE.VOL_LABEL ? 'VOL_LABEL' : 'PRE_LABEL';
      v.labelStream = r.stream;
      try {
        v.label = decodeVolumeLabel(r.data, where);
        v.labelWritten = seconds(v.label.writeBtime);
        const badTime = labelTimeError(v.label.writeBtime, 'writeBtime', where);
        if (badTime) this.onWarning(badTime);
      } catch (e) {
        // The reader has reported this label already; the volume is scanned without it.
        if (!(e instanceof SdpipeError)) throw e;
      }
      this.listener.volume?.(v);
      return;
    }
    if (r.fileIndex === LABEL_TYPE.SOS_LABEL) return this.startOfSession(r, where);
    if (r.fileIndex === LABEL_TYPE.EOS_LABEL) return this.endOfSession(r, where);
    if (r.fileIndex <= 0) return;
    const s = this.session(r.volSessionId, r.volSessionTime);
    this.announce(s);
    s.lastFileIndex = Math.max(s.lastFileIndex, r.fileIndex);
    const type = r.stream & STREAM_TYPE_MASK;
    if (type === ATTRIBUTES_STREAM) {
      this.flush(s);
      if (r.partial) return; // reported by the reader; a cut attribute record cannot be decoded
      let attr;
      try {
        attr = decodeAttributes(r.data, { ...where, fileIndex: r.fileIndex, stream: r.stream });
      } catch (e) {
        if (!(e instanceof SdpipeError)) throw e;
        this.onWarning(e);
        return;
      }
      s.files++;
      this.pending.set(s.key, {
        fileIndex: r.fileIndex,
        fname: attr.fname,
        ...splitPath(attr.fname),
        lstat: attr.lstat,
        deltaSeq: attr.deltaSeq,
        type: attr.type,
      });
      return;
    }
    if (DIGEST_STREAMS.has(type) && !r.partial) {
      const f = this.pending.get(s.key);
      if (f && f.fileIndex === r.fileIndex) {
        f.digest = r.data.slice();
        f.digestStream = type;
      } else {
        this.listener.digest?.(s, r.fileIndex, r.data, type);
      }
    }
  }

  /** Ends the scan: files still pending are handed out. */
  finish(): void {
    for (const s of this.sessionsByKey.values()) this.flush(s);
  }

  private startOfSession(r: DeviceRecord, where: { volume: string }): void {
    const s = this.session(r.volSessionId, r.volSessionTime);
    const v = this.volume(r.position.volume);
    try {
      s.start = decodeSessionLabel(r.data, where);
    } catch (e) {
      if (!(e instanceof SdpipeError)) throw e;
      this.onWarning(e); // the session is still accounted, from its records
    }
    v.startedHere.add(s.key);
    if (!v.sessions.includes(s.key)) v.sessions.push(s.key);
    const badStart = s.start && labelTimeError(s.start.writeBtime, 'writeBtime', where);
    if (badStart) this.onWarning(badStart);
    const t = s.start && seconds(s.start.writeBtime);
    if (t !== undefined) {
      v.firstSessionStart = Math.min(v.firstSessionStart ?? t, t);
      v.lastSessionLabel = Math.max(v.lastSessionLabel ?? t, t);
    }
    this.announce(s);
  }

  private endOfSession(r: DeviceRecord, where: { volume: string }): void {
    const s = this.session(r.volSessionId, r.volSessionTime);
    const v = this.volume(r.position.volume);
    try {
      s.end = decodeEndSessionLabel(r.data, where);
    } catch (e) {
      if (!(e instanceof SdpipeError)) throw e;
      this.onWarning(e);
    }
    this.announce(s);
    this.flush(s);
    v.endedHere.add(s.key);
    if (!v.sessions.includes(s.key)) v.sessions.push(s.key);
    const badEnd = s.end && labelTimeError(s.end.writeBtime, 'writeBtime', where);
    if (badEnd) this.onWarning(badEnd);
    const t = s.end && seconds(s.end.writeBtime);
    if (t !== undefined) {
      v.lastSessionLabel = Math.max(v.lastSessionLabel ?? t, t);
    }
    this.listener.sessionEnd?.(s);
  }

  private announce(s: ScannedSession): void {
    if (this.announced.has(s.key)) return;
    this.announced.add(s.key);
    this.listener.sessionStart?.(s);
  }

  private flush(s: ScannedSession): void {
    const f = this.pending.get(s.key);
    if (!f) return;
    this.pending.delete(s.key);
    this.listener.file?.(s, f);
  }
}
