/**
 * The `ls -l` style listing line bls and bextract print for an attribute record (spec volume-format.md
 * §7): mode string, link count, owner, group, size, st_ctime and the path.
 */
import { isSymlink, S_IFDIR, S_IFLNK, S_IFMT, type FileAttributes } from './attributes.js';

/**
 * First character of a listing's mode string by st_mode type. A FIFO is `f`, not ls's `p`: that is
 * what bls prints (bacula-9 Vol-plain `special-fifo`).
 */
const MODE_TYPE_CHAR: ReadonlyMap<number, string> = new Map([
  [0o140000, 's'],
  [S_IFLNK, 'l'],
  [0o100000, '-'],
  [0o060000, 'b'],
  [S_IFDIR, 'd'],
  [0o020000, 'c'],
  [0o010000, 'f'],
]);

/** Permission bits, most significant first, with the letter shown when set. */
const PERMISSION_BITS = [
  [0o400, 'r'],
  [0o200, 'w'],
  [0o100, 'x'],
  [0o040, 'r'],
  [0o020, 'w'],
  [0o010, 'x'],
  [0o004, 'r'],
  [0o002, 'w'],
  [0o001, 'x'],
] as const;

/** setuid, setgid and sticky bits: which execute column they mark, and the letters (exec set / unset). */
const SPECIAL_BITS = [
  { bit: 0o4000, column: 2, set: 's', unset: 'S' },
  { bit: 0o2000, column: 5, set: 's', unset: 'S' },
  { bit: 0o1000, column: 8, set: 't', unset: 'T' },
] as const;

/** The 10-character `ls -l` mode string as bls prints it (`drwxr-xr-x`, `frw-r--r--` for a FIFO). */
export function modeString(mode: number): string {
  const chars: string[] = PERMISSION_BITS.map(([bit, letter]) => ((mode & bit) !== 0 ? letter : '-'));
  for (const { bit, column, set, unset } of SPECIAL_BITS) {
    if ((mode & bit) !== 0) chars[column] = chars[column] === '-' ? unset : set;
  }
  return (MODE_TYPE_CHAR.get(mode & S_IFMT) ?? '-') + chars.join('');
}

/** Column layout of the listing being imitated: the size column is 18 wide in Bacula 9, 11 in Bareos 25. */
export type LsFlavor = 'bacula' | 'bareos';

const SIZE_WIDTH: Record<LsFlavor, number> = { bacula: 18, bareos: 11 };
const NLINK_WIDTH = 3;
const OWNER_WIDTH = 8;

/** Options of {@link formatLsLine}. */
export interface LsLineOptions {
  /** Default `bareos`. */
  flavor?: LsFlavor;
  /** uid → owner column; default `root` for 0, else the number (the volume has no user names). */
  userName?: (uid: number) => string;
  /** gid → group column; default `root` for 0, else the number. */
  groupName?: (gid: number) => string;
}

const rootOrNumber = (id: number): string => (id === 0 ? 'root' : String(id));

/** `YYYY-MM-DD HH:MM:SS` in UTC; bls prints local time, and every fixture was made on a UTC machine. */
function formatUtc(seconds: number): string {
  const date = new Date(seconds * 1000);
  // Out of Date's range, or a year without 4 digits: damage, shown as the raw number.
  const iso = Number.isNaN(date.getTime()) ? '' : date.toISOString();
  if (!/^\d{4}-/.test(iso)) return String(seconds);
  return iso.slice(0, 19).replace('T', ' ');
}

/**
 * One `ls -l` style line as bls lists a file, without bls's `bls JobId N: ` prefix:
 * mode, nlink, owner, group, size, st_ctime (UTC), two spaces, the path, and ` -> target` for a symlink.
 * Matches the bacula-9 `bls-files.txt` and the bareos-25 `bls.txt` listings.
 */
export function formatLsLine(attr: FileAttributes, options: LsLineOptions = {}): string {
  const { stat } = attr;
  const user = (options.userName ?? rootOrNumber)(stat.uid);
  const group = (options.groupName ?? rootOrNumber)(stat.gid);
  const size = String(stat.size).padStart(SIZE_WIDTH[options.flavor ?? 'bareos']);
  const path = isSymlink(attr) ? `${attr.fname} -> ${attr.link}` : attr.fname;
  return (
    `${modeString(stat.mode)} ${String(stat.nlink).padStart(NLINK_WIDTH)} ` +
    `${user.padEnd(OWNER_WIDTH)} ${group.padEnd(OWNER_WIDTH)} ${size} ${formatUtc(stat.ctime)}  ${path}`
  );
}
