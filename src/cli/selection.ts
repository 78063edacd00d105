/**
 * What to read and keep, from `-b bootstrap`, `-i include-list` and `-e exclude-list`: volumes, byte
 * ranges and sessions to read (bootstrap), records to keep (bootstrap FileIndex/Stream/Count), and paths
 * to keep (lists).
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { BsrSelector, parseBsr } from '../volume/bsr.js';
import { FileSelection } from '../volume/file-selection.js';
import type { DeviceRecord } from '../volume/record.js';
import type { ReadRange, VolumeReadOptions } from '../volume/volume-reader.js';
import { value, type ParsedArgs } from './args.js';
import { readListFile } from './read-job.js';
import { tapeAddress } from '../devices/tape-device.js';

/** Highest block number a tape address holds (the low 32 bits). */
const TAPE_BLOCK_MAX = 0xffffffff;

export interface Selection {
  /** Volumes named by the bootstrap, if one was given. */
  readonly volumes: string[] | undefined;
  /** Read options narrowing what is read (ranges, sessions). */
  readonly readOptions: Pick<VolumeReadOptions, 'ranges' | 'wantSession'>;
  /** Keeps a file record (FileIndex > 0)? Labels are always kept. Call once per record, in order. */
  wantRecord(r: DeviceRecord): boolean;
  /** Keeps a path (include/exclude lists)? */
  wantPath(path: string): boolean;
}

export async function openSelection(args: ParsedArgs): Promise<Selection> {
  const bsrPath = value(args, 'bootstrap');
  const includePath = value(args, 'include');
  const excludePath = value(args, 'exclude');
  const files =
    includePath !== undefined || excludePath !== undefined
      ? new FileSelection(
          includePath !== undefined ? await readListFile(includePath) : [],
          excludePath !== undefined ? await readListFile(excludePath) : [],
        )
      : undefined;
  const wantPath = (path: string) => (files ? files.matches(path) : true);
  if (bsrPath === undefined) {
    return { volumes: undefined, readOptions: {}, wantRecord: () => true, wantPath };
  }
  let text: string;
  try {
    text = await readFile(bsrPath, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read bootstrap file: ${(e as Error).message}`, { file: bsrPath });
  }
  const selector = new BsrSelector(parseBsr(text, bsrPath));
  // FileRegex (§9): a path must match one of the bootstrap's file-name patterns, when it has any.
  const regexes = selector.bsr.entries.flatMap((e) => e.fileRegexes).map((r) => new RegExp(r));
  const wantBsrPath = (path: string) => regexes.length === 0 || regexes.some((r) => r.test(path));
  const ranges = (volume: string): ReadRange[] | undefined => {
    const entries = selector.bsr.entries.filter((e) => e.volumes.includes(volume));
    if (entries.length === 0) return undefined;
    const out: ReadRange[] = [];
    for (const e of entries) {
      if (e.volAddrs.length > 0) {
        // VolAddr ends are the last byte of the last block; ranges here end just after it.
        for (const r of e.volAddrs) out.push({ start: r.from, end: r.to + 1 });
      } else if (e.volFiles.length > 0) {
        // Tape positions (§9): VolFile (and VolBlock) become `file << 32 | block` addresses.
        const blocks = e.volBlocks.length > 0 ? e.volBlocks : [{ from: 0, to: TAPE_BLOCK_MAX }];
        for (const f of e.volFiles) {
          for (const b of blocks) {
            out.push({
              start: tapeAddress(f.from, b.from),
              end: tapeAddress(f.to, Math.min(b.to, TAPE_BLOCK_MAX)) + 1,
            });
          }
        }
      } else {
        return undefined; // an entry without positions: read the whole volume
      }
    }
    return out.sort((a, b) => a.start - b.start);
  };
  return {
    volumes: selector.volumes(),
    readOptions: {
      ranges,
      wantSession: (volume, id, time) => selector.matchSession(volume, id, time),
    },
    wantRecord: (r) =>
      r.fileIndex < 0 ||
      selector.matchRecord(r.position.volume, {
        volSessionId: r.volSessionId,
        volSessionTime: r.volSessionTime,
        fileIndex: r.fileIndex,
        stream: r.stream,
      }),
    wantPath: (path) => wantPath(path) && wantBsrPath(path),
  };
}
