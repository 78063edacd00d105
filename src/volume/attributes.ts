/**
 * The UNIX_ATTRIBUTES record (stream 1): "<FileIndex> <Type> <fname>\0<stat>\0<link>\0<attrEx>\0<delta>\0"
 * with the encoded stat (LStat). See spec volume-format.md §7.
 */

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
}
