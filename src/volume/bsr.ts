/**
 * Bootstrap (BSR) files: which volumes to read and which sessions, files and streams to select
 * (spec volume-format.md §9). `Keyword=value` lines, keywords case-insensitive, `#` comments, quoted
 * strings, lists with commas and ranges `a-b`; each `Volume=` after the first starts a new entry.
 */
import { VolumeFormatError, type Where } from '../errors.js';

/** An inclusive range of integers; a single value `n` is `{ from: n, to: n }`. */
export interface BsrRange {
  from: number;
  to: number;
}

/** One entry of a bootstrap file: everything from one `Volume=` up to the next. */
export interface BsrEntry {
  /** Line of the entry's `Volume=` (1-based), or of its first keyword. */
  line: number;
  /** The volumes of `Volume="v1|v2"`, in order. */
  volumes: string[];
  mediaType?: string;
  /** Ignored by the tools; kept for listings. */
  storage?: string;
  device?: string;
  slot?: number;
  /** Empty = any session id. Several lines add up. */
  volSessionIds: BsrRange[];
  /** Empty = any session time. */
  volSessionTimes: number[];
  /** Byte ranges on a file volume: first byte of the first block to the last byte of the last block. */
  volAddrs: BsrRange[];
  /** Tape file numbers. */
  volFiles: BsrRange[];
  /** Tape block numbers. */
  volBlocks: BsrRange[];
  /** Empty = any file. */
  fileIndexes: BsrRange[];
  /** Stop after this many files were found (see {@link BsrSelector}). */
  count?: number;
  jobIds: BsrRange[];
  jobs: string[];
  clients: string[];
  /** Empty = any stream. */
  streams: number[];
  /** File name filters, as written (POSIX extended regular expressions in the tools). */
  fileRegexes: string[];
  /** Parsed and kept, not used for selection — Bareos ignores this keyword too (§9). */
  includes: string[];
  /** Parsed and kept, not used for selection — Bareos ignores this keyword too (§9). */
  excludes: string[];
  /** Parsed and kept, not used for selection — Bareos ignores this keyword too (§9). */
  jobTypes: string[];
  /** Parsed and kept, not used for selection — Bareos ignores this keyword too (§9). */
  jobLevels: string[];
}

/** A parsed bootstrap file. */
export interface Bsr {
  /** Where the text came from (a file name), for error context. */
  source?: string;
  entries: BsrEntry[];
}

/** A record as {@link matchRecord} sees it; `stream` without the continuation sign. */
export interface BsrRecordKey {
  volSessionId: number;
  volSessionTime: number;
  fileIndex: number;
  stream: number;
  /** Byte offset of the record's block on a file volume; checked against VolAddr when given. */
  address?: number;
}

const MAX_U32 = 0xffffffff;
const MAX_I32 = 0x7fffffff;

/** How a keyword's value is read and stored. Keys are lower-case (keywords are case-insensitive). */
type KeywordHandler = (entry: BsrEntry, value: string, at: ValueContext) => void;

interface ValueContext {
  line: number;
  keyword: string;
  where: Where;
}

function syntaxError(message: string, at: ValueContext | { line: number; where: Where }, keyword?: string) {
  const field = keyword ?? ('keyword' in at ? at.keyword : undefined);
  return new VolumeFormatError('SDP_BSR_SYNTAX', message, { ...at.where, line: at.line, field });
}

function integer(text: string, min: number, max: number, at: ValueContext): number {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) throw syntaxError(`${at.keyword}: ${JSON.stringify(t)} is not an integer`, at);
  const n = Number(t);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw syntaxError(`${at.keyword}: ${t} is out of range ${min}..${max}`, at);
  }
  return n;
}

/** `a`, `a-b`, or a comma list of those; bounds are non-negative. */
function ranges(text: string, max: number, at: ValueContext): BsrRange[] {
  return text.split(',').map((item) => {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(item);
    if (m === null)
      throw syntaxError(`${at.keyword}: ${JSON.stringify(item.trim())} is not a number or range`, at);
    const from = integer(m[1] ?? '', 0, max, at);
    const to = m[2] === undefined ? from : integer(m[2], 0, max, at);
    if (to < from) throw syntaxError(`${at.keyword}: range ${from}-${to} runs backwards`, at);
    return { from, to };
  });
}

/** A comma list of single integers (no ranges: a `-` is a sign here). */
function integers(text: string, min: number, max: number, at: ValueContext): number[] {
  return text.split(',').map((item) => integer(item, min, max, at));
}

function nonEmpty(text: string, at: ValueContext): string {
  if (text === '') throw syntaxError(`${at.keyword} needs a value`, at);
  return text;
}

/** Entry fields that collect values over several lines. */
type ListField = {
  [K in keyof BsrEntry]-?: BsrEntry[K] extends unknown[] ? (K extends 'volumes' ? never : K) : never;
}[keyof BsrEntry];
/** Entry fields set once (a later line overrides). */
type ScalarField = 'mediaType' | 'storage' | 'device' | 'slot' | 'count';

/** A keyword whose values are appended to a list field. */
const appendTo =
  <K extends ListField>(key: K, parse: (value: string, at: ValueContext) => BsrEntry[K]): KeywordHandler =>
  (entry, value, at) => {
    (entry[key] as unknown[]).push(...parse(value, at));
  };

/** A keyword whose value sets a scalar field. */
const setField =
  <K extends ScalarField>(
    key: K,
    parse: (value: string, at: ValueContext) => Required<BsrEntry>[K],
  ): KeywordHandler =>
  (entry, value, at) => {
    entry[key] = parse(value, at);
  };

const text = (value: string, at: ValueContext): string => nonEmpty(value, at);
const texts = (value: string, at: ValueContext): string[] => [nonEmpty(value, at)];

/** A FileRegex must compile; JavaScript syntax stands in for the tools' POSIX regular expressions. */
function regex(value: string, at: ValueContext): string[] {
  try {
    new RegExp(nonEmpty(value, at));
  } catch (cause) {
    throw new VolumeFormatError(
      'SDP_BSR_SYNTAX',
      `${at.keyword}: not a regular expression`,
      { ...at.where, line: at.line, field: at.keyword },
      { cause },
    );
  }
  return [value];
}

/** The keyword table of §9: lower-case keyword → how its value is read and stored. */
const KEYWORDS: ReadonlyMap<string, KeywordHandler> = new Map<string, KeywordHandler>([
  [
    'volume',
    (entry, value, at) => {
      const names = value.split('|');
      if (names.some((n) => n === '')) throw syntaxError(`${at.keyword}: empty volume name`, at);
      entry.volumes.push(...names);
    },
  ],
  ['mediatype', setField('mediaType', text)],
  ['storage', setField('storage', text)],
  ['device', setField('device', text)],
  ['slot', setField('slot', (v, at) => integer(v, 0, MAX_I32, at))],
  ['volsessionid', appendTo('volSessionIds', (v, at) => ranges(v, MAX_U32, at))],
  ['volsessiontime', appendTo('volSessionTimes', (v, at) => integers(v, 0, MAX_U32, at))],
  ['voladdr', appendTo('volAddrs', (v, at) => ranges(v, Number.MAX_SAFE_INTEGER, at))],
  ['volfile', appendTo('volFiles', (v, at) => ranges(v, MAX_U32, at))],
  ['volblock', appendTo('volBlocks', (v, at) => ranges(v, MAX_U32, at))],
  ['fileindex', appendTo('fileIndexes', (v, at) => ranges(v, MAX_I32, at))],
  ['count', setField('count', (v, at) => integer(v, 0, MAX_U32, at))],
  ['jobid', appendTo('jobIds', (v, at) => ranges(v, MAX_U32, at))],
  ['job', appendTo('jobs', texts)],
  ['client', appendTo('clients', texts)],
  ['stream', appendTo('streams', (v, at) => integers(v, -MAX_I32 - 1, MAX_I32, at))],
  ['fileregex', appendTo('fileRegexes', regex)],
  ['include', appendTo('includes', (v) => [v])],
  ['exclude', appendTo('excludes', (v) => [v])],
  ['jobtype', appendTo('jobTypes', texts)],
  ['joblevel', appendTo('jobLevels', texts)],
]);

/** Keywords that may stand alone without `=value` (they take none in the tools' grammar). */
const VALUELESS_KEYWORDS: ReadonlySet<string> = new Set(['include', 'exclude']);

function newEntry(line: number): BsrEntry {
  return {
    line,
    volumes: [],
    volSessionIds: [],
    volSessionTimes: [],
    volAddrs: [],
    volFiles: [],
    volBlocks: [],
    fileIndexes: [],
    jobIds: [],
    jobs: [],
    clients: [],
    streams: [],
    fileRegexes: [],
    includes: [],
    excludes: [],
    jobTypes: [],
    jobLevels: [],
  };
}

/**
 * Reads the value part of a line: a quoted string (with `\"` and `\\` escapes) or bare text up to a `#`.
 */
function readValue(rest: string, at: ValueContext): string {
  const text = rest.trimStart();
  if (!text.startsWith('"')) {
    const hash = text.indexOf('#');
    return (hash < 0 ? text : text.slice(0, hash)).trim();
  }
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text.charAt(i);
    // Only \" and \\ are escapes: other backslashes stay, so a FileRegex like "\.txt$" reads as written.
    if (c === '\\' && (text.charAt(i + 1) === '"' || text.charAt(i + 1) === '\\')) {
      value += text.charAt(++i);
    } else if (c === '"') {
      const after = text.slice(i + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        throw syntaxError(`${at.keyword}: unexpected text after the quoted value`, at);
      }
      return value;
    } else {
      value += c;
    }
  }
  throw syntaxError(`${at.keyword}: unterminated quoted string`, at);
}

/**
 * Parses a bootstrap file (§9). One `Keyword=value` per line; keywords before the first `Volume=` belong
 * to the first entry.
 *
 * @param source a file name for error context.
 * @throws VolumeFormatError `SDP_BSR_SYNTAX` with `line` (1-based) and `field` (the keyword) for an unknown
 *   keyword, a missing `=`, a bad value, or an entry without a Volume.
 */
export function parseBsr(text: string, source?: string): Bsr {
  const where: Where = source === undefined ? {} : { file: source };
  const entries: BsrEntry[] = [];
  let current: BsrEntry | undefined;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const raw = lines[index] ?? '';
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = /^([A-Za-z]+)\s*(=?)(.*)$/.exec(trimmed);
    if (m === null) throw syntaxError(`expected Keyword=value`, { line, where });
    const [, word = '', equals, rest = ''] = m;
    const keyword = word.toLowerCase();
    const handler = KEYWORDS.get(keyword);
    if (handler === undefined)
      throw syntaxError(`unknown keyword ${JSON.stringify(word)}`, { line, where }, word);
    const at: ValueContext = { line, keyword: word, where };
    if (equals === '') {
      const tail = rest.trim();
      if (!VALUELESS_KEYWORDS.has(keyword) || (tail !== '' && !tail.startsWith('#'))) {
        throw syntaxError(`${word}: expected "="`, at);
      }
    }
    const value = equals === '' ? '' : readValue(rest, at);
    // A second Volume= closes the entry: the tools read a BSR as a chain of entries (§9).
    if (current === undefined || (keyword === 'volume' && current.volumes.length > 0)) {
      current = newEntry(line);
      entries.push(current);
    }
    if (keyword === 'volume' && current.volumes.length === 0) current.line = line;
    handler(current, value, at);
  }
  for (const entry of entries) {
    if (entry.volumes.length === 0)
      throw syntaxError('entry has no Volume', { line: entry.line, where }, 'Volume');
  }
  return source === undefined ? { entries } : { source, entries };
}

const inRanges = (list: readonly BsrRange[], n: number): boolean =>
  list.length === 0 || list.some((r) => n >= r.from && n <= r.to);
const inList = (list: readonly number[], n: number): boolean => list.length === 0 || list.includes(n);

/** The volume names to read, in first-mention order, each once. */
export function bsrVolumes(bsr: Bsr): string[] {
  return [...new Set(bsr.entries.flatMap((e) => e.volumes))];
}

function entryMatchesSession(e: BsrEntry, volume: string, id: number, time: number): boolean {
  return e.volumes.includes(volume) && inRanges(e.volSessionIds, id) && inList(e.volSessionTimes, time);
}

function entryMatchesRecord(e: BsrEntry, volume: string, r: BsrRecordKey): boolean {
  return (
    entryMatchesSession(e, volume, r.volSessionId, r.volSessionTime) &&
    inRanges(e.fileIndexes, r.fileIndex) &&
    inList(e.streams, r.stream) &&
    (r.address === undefined || inRanges(e.volAddrs, r.address))
  );
}

/**
 * True when some entry for `volume` selects this session (VolSessionId **and** VolSessionTime, §9). A block
 * whose header session matches no entry can be skipped.
 */
export function matchSession(
  bsr: Bsr,
  volume: string,
  volSessionId: number,
  volSessionTime: number,
): boolean {
  return bsr.entries.some((e) => entryMatchesSession(e, volume, volSessionId, volSessionTime));
}

/**
 * True when some entry for `volume` selects this record: its session, FileIndex and (if the entry names
 * any) Stream, and VolAddr when `record.address` is given (§9). Count is not applied here: use
 * {@link BsrSelector}. Labels (FileIndex < 0) are the caller's concern.
 */
export function matchRecord(bsr: Bsr, volume: string, record: BsrRecordKey): boolean {
  return bsr.entries.some((e) => entryMatchesRecord(e, volume, record));
}

/**
 * The byte range of `volume` to read: the lowest VolAddr start and highest end over its entries, or
 * `undefined` when the volume is not in the BSR or one of its entries has no VolAddr (read it all).
 */
export function bsrAddressRange(bsr: Bsr, volume: string): { start: number; end: number } | undefined {
  const entries = bsr.entries.filter((e) => e.volumes.includes(volume));
  if (entries.length === 0 || entries.some((e) => e.volAddrs.length === 0)) return undefined;
  const all = entries.flatMap((e) => e.volAddrs);
  return {
    start: Math.min(...all.map((r) => r.from)),
    end: Math.max(...all.map((r) => r.to)),
  };
}

/**
 * A record selector that applies Count: an entry with `Count=n` selects at most n distinct files (the
 * records of a file it took keep matching). The entry is done when a further file comes along, since the
 * records of one file are contiguous within a session. Entries are tried in order; the first that takes a
 * record counts it.
 */
export class BsrSelector {
  /** Per entry with a Count (index into `bsr.entries`): files taken, keyed by session and FileIndex. */
  private readonly taken: (Set<string> | undefined)[];
  private readonly done: boolean[];

  /** @param bsr the parsed bootstrap file; not modified. */
  constructor(readonly bsr: Bsr) {
    this.taken = bsr.entries.map((e) => (e.count === undefined ? undefined : new Set<string>()));
    this.done = bsr.entries.map((e) => e.count === 0);
  }

  /** The volume names to read, in order. */
  volumes(): string[] {
    return bsrVolumes(this.bsr);
  }

  /** Like {@link matchSession}, but an entry that is done selects nothing more. */
  matchSession(volume: string, volSessionId: number, volSessionTime: number): boolean {
    return this.bsr.entries.some(
      (e, i) => this.done[i] !== true && entryMatchesSession(e, volume, volSessionId, volSessionTime),
    );
  }

  /** Like {@link matchRecord}, applying and advancing Count. */
  matchRecord(volume: string, record: BsrRecordKey): boolean {
    const key = `${record.volSessionId}/${record.volSessionTime}/${record.fileIndex}`;
    for (const [i, e] of this.bsr.entries.entries()) {
      if (this.done[i] === true || !entryMatchesRecord(e, volume, record)) continue;
      const taken = this.taken[i];
      if (taken === undefined || taken.has(key)) return true;
      if (e.count !== undefined && taken.size >= e.count) {
        this.done[i] = true;
        continue;
      }
      taken.add(key);
      return true;
    }
    return false;
  }

  /** True when every entry is done (each has a Count and a file past it was seen): reading can stop. */
  isDone(): boolean {
    return this.done.length > 0 && this.done.every(Boolean);
  }
}
