/**
 * The UNIX_ATTRIBUTES record (stream 1): "<FileIndex> <Type> <fname>\0<stat>\0<link>\0<attrEx>\0<delta>\0"
 * with the encoded stat (LStat). See spec volume-format.md §7.
 */
import { VolumeFormatError, type Where } from '../errors.js';
import { decodeBase64Int, encodeBase64Int } from './bacula-base64.js';

/** FT_* file types stored in the attribute record (§7.1). */
export const FILE_TYPE = {
  LNKSAVED: 1,
  REGE: 2,
  REG: 3,
  LNK: 4,
  DIREND: 5,
  SPEC: 6,
  NOACCESS: 7,
  NOFOLLOW: 8,
  NOSTAT: 9,
  NOCHG: 10,
  DIRNOCHG: 11,
  ISARCH: 12,
  NORECURSE: 13,
  NOFSCHG: 14,
  NOOPEN: 15,
  RAW: 16,
  FIFO: 17,
  DIRBEGIN: 18,
  INVALIDFS: 19,
  INVALIDDT: 20,
  REPARSE: 21,
  PLUGIN: 22,
  DELETED: 23,
  BASE: 24,
  RESTORE_FIRST: 25,
  JUNCTION: 26,
  PLUGIN_CONFIG: 27,
  PLUGIN_CONFIG_FILLED: 28,
} as const;

/** The 16 fields of the encoded stat (§7.2); fields 14–16 are optional on decode (default 0). */
export interface UnixStat {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blksize: number;
  blocks: number;
  atime: number;
  mtime: number;
  ctime: number;
  linkFi: number;
  flags: number;
  dataStream: number;
}

/** A decoded attribute record. */
export interface FileAttributes {
  fileIndex: number;
  /** FT_* type, with the AR_DATA_STREAM flag bit removed. */
  type: number;
  /** Full path as stored (directories end with `/`), decoded as UTF-8. */
  fname: string;
  /** The raw bytes of fname (names are stored as raw bytes; restore uses these). */
  fnameBytes: Uint8Array;
  stat: UnixStat;
  /** The LStat text exactly as stored. */
  lstat: string;
  /** Symlink target or, for LNKSAVED, the path of the first name; else empty. */
  link: string;
  linkBytes: Uint8Array;
  attrEx: string;
  deltaSeq: number;
  /**
   * True when the Type field carried the AR_DATA_STREAM flag (0x10000, §7): the stat then ends with the
   * data-stream number. `type` never includes the flag; {@link encodeAttributes} writes it back.
   */
  dataStreamFlag?: boolean;
}

/** The LStat fields in their on-media order (§7.2); encode and decode both walk this table. */
export const UNIX_STAT_FIELDS = [
  'dev',
  'ino',
  'mode',
  'nlink',
  'uid',
  'gid',
  'rdev',
  'size',
  'blksize',
  'blocks',
  'atime',
  'mtime',
  'ctime',
  'linkFi',
  'flags',
  'dataStream',
] as const satisfies readonly (keyof UnixStat)[];

/** Fields every LStat has; LinkFI, flags and data stream (14–16) came later and are optional (§7.2). */
export const UNIX_STAT_MIN_FIELDS = 13;

/** Type flag: the stat carries the data-stream number as its last field (§7). */
export const AR_DATA_STREAM = 0x10000;
/** Mask of the FT_* code inside the Type field. */
const FILE_TYPE_MASK = 0xffff;

const NUL = 0x00;
const SPACE = 0x20;

/**
 * Decodes an LStat string: 13 to 16 Bacula base64 numbers separated by single spaces (§7.2). Missing
 * fields 14–16 decode as 0.
 *
 * @throws VolumeFormatError `SDP_BASE64_FORMAT` for a bad number (context `field` names it),
 *   `SDP_ATTRIBUTES_FORMAT` for too few or too many fields.
 */
export function decodeUnixStat(lstat: string, where: Where = {}): UnixStat {
  const values: number[] = [];
  for (let at = 0; ;) {
    const name = UNIX_STAT_FIELDS[values.length];
    if (name === undefined) {
      throw new VolumeFormatError('SDP_ATTRIBUTES_FORMAT', 'LStat has more than 16 fields', {
        ...where,
        field: 'lstat',
        position: at,
      });
    }
    const { value, end } = decodeBase64Int(lstat, at, { ...where, field: name });
    values.push(value);
    if (end >= lstat.length) break;
    // decodeBase64Int also stops at a NUL; only a single space may separate fields.
    if (lstat.charCodeAt(end) !== SPACE) {
      throw new VolumeFormatError('SDP_ATTRIBUTES_FORMAT', 'LStat fields must be separated by one space', {
        ...where,
        field: name,
        position: end,
      });
    }
    at = end + 1;
  }
  if (values.length < UNIX_STAT_MIN_FIELDS) {
    throw new VolumeFormatError('SDP_ATTRIBUTES_FORMAT', `LStat has ${values.length} fields, needs 13`, {
      ...where,
      field: 'lstat',
    });
  }
  const stat: Record<(typeof UNIX_STAT_FIELDS)[number], number> = Object.fromEntries(
    UNIX_STAT_FIELDS.map((name, i) => [name, values[i] ?? 0]),
  ) as Record<(typeof UNIX_STAT_FIELDS)[number], number>;
  return stat;
}

/** Encodes a stat as the 16-field LStat string (§7.2). */
export function encodeUnixStat(stat: UnixStat): string {
  return UNIX_STAT_FIELDS.map((name) => encodeBase64Int(stat[name])).join(' ');
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** FileIndex and DeltaSeq are 32-bit signed on the media; larger decimal text is damage. */
const MAX_I32 = 0x7fffffff;
const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

function attributesError(message: string, where: Where, field: string, offset: number): VolumeFormatError {
  // `offset` stays the caller's (volume offset); the position inside the record has its own key.
  return new VolumeFormatError('SDP_ATTRIBUTES_FORMAT', message, { ...where, field, recordOffset: offset });
}

/** The value of a field of decimal digits (`bytes` starts at `offset` of the record). */
function decimalValue(bytes: Uint8Array, offset: number, max: number, field: string, where: Where): number {
  if (bytes.length === 0) throw attributesError(`${field} is empty`, where, field, offset);
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] ?? NUL;
    if (c < DIGIT_0 || c > DIGIT_9) {
      throw attributesError(`${field} is not a decimal number`, where, field, offset + i);
    }
    value = value * 10 + (c - DIGIT_0);
    // Checked per digit so that a long run of digits cannot grow past exact float arithmetic.
    if (value > max) throw attributesError(`${field} is out of range`, where, field, offset);
  }
  return value;
}

/** Reads a decimal field that ends at the next space; returns its value and the index of that space. */
function readSpaceTerminated(
  data: Uint8Array,
  at: number,
  max: number,
  field: string,
  where: Where,
): { value: number; end: number } {
  const end = data.indexOf(SPACE, at);
  if (end < 0) throw attributesError(`${field} is not terminated by a space`, where, field, at);
  return { value: decimalValue(data.subarray(at, end), at, max, field, where), end };
}

/**
 * Decodes an attribute record (stream 1, §7):
 * `"<FileIndex> <Type> <fname>\0<stat>\0<link>\0<attrEx>\0<delta>\0"`. fname and link keep their raw bytes.
 *
 * @param where context for errors (volume, block, record …); each error adds `field` and `offset`.
 * @throws VolumeFormatError `SDP_ATTRIBUTES_FORMAT` for a bad number, a missing field or bytes after the
 *   last NUL; `SDP_BASE64_FORMAT` for a bad LStat number.
 */
export function decodeAttributes(data: Uint8Array, where: Where): FileAttributes {
  const fileIndex = readSpaceTerminated(data, 0, MAX_I32, 'fileIndex', where);
  const rawType = readSpaceTerminated(
    data,
    fileIndex.end + 1,
    FILE_TYPE_MASK | AR_DATA_STREAM,
    'type',
    where,
  );
  let at = rawType.end + 1;
  /** The next NUL-terminated field; a record cut short lacks one of them. */
  const next = (name: string): { bytes: Uint8Array; offset: number } => {
    const nul = data.indexOf(NUL, at);
    if (nul < 0) throw attributesError(`attribute record ends before its ${name} field`, where, name, at);
    // Copied: readers reuse block buffers, and the names outlive the record.
    const field = { bytes: data.slice(at, nul), offset: at };
    at = nul + 1;
    return field;
  };
  const fname = next('fname');
  const lstat = utf8.decode(next('lstat').bytes);
  const link = next('link');
  const attrEx = next('attrEx');
  const delta = next('delta');
  if (at !== data.length) throw attributesError('bytes after the last attribute field', where, 'delta', at);
  const attributes: FileAttributes = {
    fileIndex: fileIndex.value,
    type: rawType.value & FILE_TYPE_MASK,
    fname: utf8.decode(fname.bytes),
    fnameBytes: fname.bytes,
    stat: decodeUnixStat(lstat, where),
    lstat,
    link: utf8.decode(link.bytes),
    linkBytes: link.bytes,
    attrEx: utf8.decode(attrEx.bytes),
    deltaSeq: decimalValue(delta.bytes, delta.offset, MAX_I32, 'delta', where),
  };
  if ((rawType.value & AR_DATA_STREAM) !== 0) attributes.dataStreamFlag = true;
  return attributes;
}

/**
 * Encodes an attribute record (§7). The raw `fnameBytes`/`linkBytes` and the stored `lstat` text are
 * written when they still agree with `fname`, `link` and `stat`, so a decoded record re-encodes to its
 * exact bytes; otherwise the strings and the stat are encoded afresh.
 */
export function encodeAttributes(attr: FileAttributes): Uint8Array {
  const fname =
    utf8.decode(attr.fnameBytes) === attr.fname ? attr.fnameBytes : utf8Encoder.encode(attr.fname);
  const link = utf8.decode(attr.linkBytes) === attr.link ? attr.linkBytes : utf8Encoder.encode(attr.link);
  const type = attr.type | (attr.dataStreamFlag === true ? AR_DATA_STREAM : 0);
  const parts: Uint8Array[] = [
    utf8Encoder.encode(`${attr.fileIndex} ${type} `),
    fname,
    Uint8Array.of(NUL),
    utf8Encoder.encode(storedLstatOrFresh(attr)),
    Uint8Array.of(NUL),
    link,
    Uint8Array.of(NUL),
    utf8Encoder.encode(attr.attrEx),
    Uint8Array.of(NUL),
    utf8Encoder.encode(String(attr.deltaSeq)),
    Uint8Array.of(NUL),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The stored LStat text if it still decodes to `attr.stat` (it may have 13 fields), else a fresh one. */
function storedLstatOrFresh(attr: FileAttributes): string {
  if (attr.lstat !== '') {
    try {
      const stored = decodeUnixStat(attr.lstat);
      if (UNIX_STAT_FIELDS.every((name) => stored[name] === attr.stat[name])) return attr.lstat;
    } catch {
      // A stale or damaged lstat is replaced by the encoding of `stat`, which is the authority.
    }
  }
  return encodeUnixStat(attr.stat);
}

/** What a writer knows about a file; {@link buildAttributes} derives the raw forms. */
export interface FileAttributesInit {
  fileIndex: number;
  type: number;
  fname: string;
  stat: UnixStat;
  link?: string;
  attrEx?: string;
  deltaSeq?: number;
}

/** Builds a {@link FileAttributes} with consistent raw bytes and LStat text, for writers and tests. */
export function buildAttributes(init: FileAttributesInit): FileAttributes {
  const link = init.link ?? '';
  return {
    fileIndex: init.fileIndex,
    type: init.type,
    fname: init.fname,
    fnameBytes: utf8Encoder.encode(init.fname),
    stat: { ...init.stat },
    lstat: encodeUnixStat(init.stat),
    link,
    linkBytes: utf8Encoder.encode(link),
    attrEx: init.attrEx ?? '',
    deltaSeq: init.deltaSeq ?? 0,
  };
}

const FILE_TYPE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(FILE_TYPE).map(([name, code]) => [code, name]),
);

/** Name of an FT_* code (`REG`, `DIREND` …), or `UNKNOWN(<n>)` for a code §7.1 does not list. */
export function fileTypeName(type: number): string {
  const name = FILE_TYPE_NAMES.get(type);
  return name ?? `UNKNOWN(${type})`;
}

/** FT_* codes that stand for a directory (saved, not descended, or not saved for a reason). */
const DIRECTORY_TYPES: ReadonlySet<number> = new Set([
  FILE_TYPE.DIREND,
  FILE_TYPE.DIRBEGIN,
  FILE_TYPE.DIRNOCHG,
  FILE_TYPE.NORECURSE,
  FILE_TYPE.NOFSCHG,
  FILE_TYPE.INVALIDFS,
  FILE_TYPE.INVALIDDT,
  FILE_TYPE.REPARSE,
  FILE_TYPE.JUNCTION,
]);

/** POSIX st_mode file-type bits. */
export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

/** True for a directory entry: a directory FT_* code, or a directory st_mode. */
export function isDirectory(attr: FileAttributes): boolean {
  return DIRECTORY_TYPES.has(attr.type) || (attr.stat.mode & S_IFMT) === S_IFDIR;
}

/** True for a symbolic link (FT_LNK); `link` then holds the target. */
export function isSymlink(attr: FileAttributes): boolean {
  return attr.type === FILE_TYPE.LNK;
}

/** True for a hard link to a file saved earlier in the session (FT_LNKSAVED, §10). */
export function isHardLink(attr: FileAttributes): boolean {
  return attr.type === FILE_TYPE.LNKSAVED;
}
