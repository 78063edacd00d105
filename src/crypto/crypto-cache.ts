/**
 * The storage daemon's crypto cache (`<WorkingDirectory>/bareos-sd.<port>.cryptoc`, spec crypto.md §5):
 * the volume keys the SD received from its director, kept so that volumes can be read without one.
 * Byte layout (x86_64, little-endian, as Bareos writes it): a 32-byte header, then fixed 280-byte records.
 * Pure functions only; file I/O is in `crypto-cache-file.ts`.
 */
import { CryptoError, SdpipeError, type Where } from '../errors.js';
import { bytes, field, layout, type FieldType, type ValueOf } from '../layout.js';
import { cStringLength } from './key-file.js';
import { secretCopy, wipe } from './key-material.js';

/** CRYPTO_CACHE_MAX_AGE: an entry not refreshed for 60 days is dropped at the next update. */
export const CRYPTO_CACHE_MAX_AGE_SECONDS = 60 * 60 * 24 * 60;
/** `id` of the header; Bareos compares its first 20 bytes (the NUL at byte 20 is not checked). */
export const CRYPTO_CACHE_ID = 'BAREOS Crypto Cache\n';
/** The only header version there is. */
export const CRYPTO_CACHE_VERSION = 1;
/** MAX_NAME_LENGTH: VolumeName and EncryptionKey are char[128], so at most 127 bytes and a NUL. */
export const CRYPTO_CACHE_STRING_BYTES = 128;
/** The storage daemon's default port, part of the default file name. */
export const DEFAULT_SD_PORT = 9103;
/**
 * Largest |added| accepted: JavaScript dates reach ±8.64e15 ms, and the expiry must fit too. A file with
 * a time beyond that is not one Bareos wrote.
 */
export const MAX_ADDED_SECONDS = 8_640_000_000_000 - CRYPTO_CACHE_MAX_AGE_SECONDS;

const fixedLe = <T>(
  size: number,
  read: (v: DataView, at: number) => T,
  write: (v: DataView, at: number, x: T) => void,
): FieldType<T> => ({
  size,
  read: (view, b, at) => [read(view, b.byteOffset + at), at + size],
  sizeOf: () => size,
  write: (view, b, at, x) => {
    write(view, b.byteOffset + at, x);
    return at + size;
  },
});
/** int32_t in the writer's (x86_64: little-endian) byte order. */
const i32le = fixedLe<number>(
  4,
  (v, at) => v.getInt32(at, true),
  (v, at, x) => v.setInt32(at, x, true),
);
/** int64_t (`utime_t`) little-endian, as a bigint so that any 8 bytes decode. */
const i64le = fixedLe<bigint>(
  8,
  (v, at) => v.getBigInt64(at, true),
  (v, at, x) => v.setBigInt64(at, x, true),
);

/** `struct s_crypto_cache_hdr`: char id[21], 3 bytes of alignment padding, int32 version, int32 count. */
export const CRYPTO_CACHE_HEADER = layout('CryptoCacheHeader', [
  field('id', bytes(21)),
  field('padding', bytes(3)),
  field('version', i32le),
  field('entryCount', i32le),
]);

/**
 * `crypto_cache_entry_t`: the two in-memory list pointers Bareos writes as they are (heap addresses,
 * meaningless on disk: sdpipe writes zeros and ignores them), two char[128] strings, `added` (Unix seconds).
 */
export const CRYPTO_CACHE_RECORD = layout('CryptoCacheRecord', [
  field('next', bytes(8)),
  field('prev', bytes(8)),
  field('volumeName', bytes(CRYPTO_CACHE_STRING_BYTES)),
  field('encryptionKey', bytes(CRYPTO_CACHE_STRING_BYTES)),
  field('added', i64le),
]);

/** Header bytes. */
export const CRYPTO_CACHE_HEADER_BYTES = CRYPTO_CACHE_HEADER.size!;
/** Record bytes. */
export const CRYPTO_CACHE_RECORD_BYTES = CRYPTO_CACHE_RECORD.size!;

/** The raw header values (for debug dumps of a file). */
export type CryptoCacheHeaderFields = ValueOf<typeof CRYPTO_CACHE_HEADER>;
/** The raw record values, pointers included (for debug dumps of a file). */
export type CryptoCacheRecordFields = ValueOf<typeof CRYPTO_CACHE_RECORD>;

/** One cache entry. */
export interface CryptoCacheEntry {
  readonly volumeName: string;
  /** The key as stored (the catalog's base64 form, wrapped or not), without its NUL. Never printed. */
  encryptionKey: Buffer;
  /** When the entry was added or last refreshed (Unix seconds). */
  added: number;
}

/** A crypto cache: its entries in file order. `undefined` stands for "no cache" (no file). */
export interface CryptoCache {
  entries: CryptoCacheEntry[];
}

/** The default cache file of a storage daemon: `<workingDirectory>/bareos-sd.<port>.cryptoc`. */
export const cryptoCachePath = (
  workingDirectory: string,
  port = DEFAULT_SD_PORT,
  daemon = 'bareos-sd',
): string => `${workingDirectory.replace(/\/+$/, '')}/${daemon}.${port}.cryptoc`;

/** An empty cache. */
export const emptyCryptoCache = (): CryptoCache => ({ entries: [] });

/** Overwrites every key of a cache with zeros. */
export function wipeCryptoCache(cache: CryptoCache | undefined): void {
  for (const e of cache?.entries ?? []) wipe(e.encryptionKey);
}

const utf8 = new TextDecoder('utf-8');

/** Bareos' bstrncpy into char[128]: at most 127 bytes, cut at a NUL; sdpipe also keeps UTF-8 whole. */
function truncatedName(name: string): Buffer {
  const b = Buffer.from(name, 'utf8');
  let n = cStringLength(b, CRYPTO_CACHE_STRING_BYTES - 1);
  // Never end inside a UTF-8 sequence: step back over continuation bytes of a cut character.
  if (n < b.length) while (n > 0 && (b[n]! & 0xc0) === 0x80) n--;
  return b.subarray(0, n);
}

/** A stored key as Bareos keeps it: at most 127 bytes, cut at a NUL. */
const truncatedKey = (key: Uint8Array): Buffer =>
  secretCopy(key, 0, cStringLength(key, CRYPTO_CACHE_STRING_BYTES - 1));

const formatError = (message: string, where: Where, extra: Where) =>
  new CryptoError('SDP_CRYPTO_CACHE_FORMAT', message, { ...where, ...extra });

/**
 * Decodes a crypto cache file. Stricter than Bareos in one way: bytes after the last record (Bareos
 * ignores a partial one) are an error, so a damaged file is never taken for a good one.
 *
 * @throws CryptoError `SDP_CRYPTO_CACHE_TRUNCATED` (shorter than header + count × 280) or
 *   `SDP_CRYPTO_CACHE_FORMAT` (id, version, negative count, trailing bytes, unterminated string,
 *   impossible time); `context.offset` names the place.
 */
export function decodeCryptoCache(input: Uint8Array, where: Where = {}): CryptoCache {
  // A plain Uint8Array view: layout's `bytes` fields copy with `slice`, which for a Buffer would alias
  // the input instead, and the raw key fields are wiped below.
  const file = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (file.length < CRYPTO_CACHE_HEADER_BYTES) {
    throw new CryptoError('SDP_CRYPTO_CACHE_TRUNCATED', 'crypto cache file is shorter than its header', {
      ...where,
      need: CRYPTO_CACHE_HEADER_BYTES,
      have: file.length,
    });
  }
  const header = CRYPTO_CACHE_HEADER.decode(file, 0, where);
  if (Buffer.from(header.id.subarray(0, CRYPTO_CACHE_ID.length)).toString('latin1') !== CRYPTO_CACHE_ID) {
    throw formatError('not a Bareos crypto cache (header id)', where, { offset: 0, field: 'id' });
  }
  if (header.version !== CRYPTO_CACHE_VERSION) {
    throw formatError('unsupported crypto cache version', where, {
      offset: CRYPTO_CACHE_HEADER.offsets.version,
      field: 'version',
      expected: CRYPTO_CACHE_VERSION,
      actual: header.version,
    });
  }
  if (header.entryCount < 0) {
    throw formatError('negative crypto cache entry count', where, {
      offset: CRYPTO_CACHE_HEADER.offsets.entryCount,
      field: 'entryCount',
      actual: header.entryCount,
    });
  }
  const expected = CRYPTO_CACHE_HEADER_BYTES + header.entryCount * CRYPTO_CACHE_RECORD_BYTES;
  if (file.length < expected) {
    throw new CryptoError(
      'SDP_CRYPTO_CACHE_TRUNCATED',
      'crypto cache file holds fewer entries than its header says',
      {
        ...where,
        expected: header.entryCount,
        actual: Math.floor((file.length - CRYPTO_CACHE_HEADER_BYTES) / CRYPTO_CACHE_RECORD_BYTES),
        need: expected,
        have: file.length,
      },
    );
  }
  if (file.length > expected) {
    throw formatError('bytes after the last crypto cache entry', where, {
      offset: expected,
      have: file.length,
    });
  }
  const cache = emptyCryptoCache();
  try {
    for (let i = 0; i < header.entryCount; i++) {
      cache.entries.push(
        decodeRecord(file, CRYPTO_CACHE_HEADER_BYTES + i * CRYPTO_CACHE_RECORD_BYTES, where, i),
      );
    }
  } catch (e) {
    wipeCryptoCache(cache);
    throw e;
  }
  return cache;
}

function decodeRecord(file: Uint8Array, at: number, where: Where, recordIndex: number): CryptoCacheEntry {
  const r = CRYPTO_CACHE_RECORD.decode(file, at, { ...where, recordIndex });
  try {
    const string = (name: 'volumeName' | 'encryptionKey') => {
      const raw = r[name];
      const n = raw.indexOf(0);
      if (n < 0) {
        throw formatError(`${name} has no NUL in its 128 bytes`, where, {
          offset: at + CRYPTO_CACHE_RECORD.offsets[name]!,
          recordIndex,
          field: name,
        });
      }
      return raw.subarray(0, n);
    };
    const volumeName = utf8.decode(string('volumeName'));
    const encryptionKey = secretCopy(string('encryptionKey'));
    if (r.added > BigInt(MAX_ADDED_SECONDS) || r.added < -BigInt(MAX_ADDED_SECONDS)) {
      wipe(encryptionKey);
      throw formatError('impossible time in a crypto cache entry', where, {
        offset: at + CRYPTO_CACHE_RECORD.offsets.added!,
        recordIndex,
        field: 'added',
        actual: r.added,
      });
    }
    return { volumeName, encryptionKey, added: Number(r.added) };
  } finally {
    wipe(r.encryptionKey);
  }
}

/**
 * Encodes a cache as Bareos lays it out: header with the entry count, records in list order, list
 * pointers and the bytes after each string's NUL as zeros. Strings longer than 127 bytes are cut, as
 * Bareos' bstrncpy does (names at a UTF-8 character boundary).
 */
export function encodeCryptoCache(cache: CryptoCache): Buffer {
  const out = Buffer.alloc(CRYPTO_CACHE_HEADER_BYTES + cache.entries.length * CRYPTO_CACHE_RECORD_BYTES);
  const id = new Uint8Array(21);
  id.set(Buffer.from(CRYPTO_CACHE_ID, 'latin1'));
  out.set(
    CRYPTO_CACHE_HEADER.encode({
      id,
      padding: new Uint8Array(3),
      version: CRYPTO_CACHE_VERSION,
      entryCount: cache.entries.length,
    }),
  );
  cache.entries.forEach((e, i) => {
    const volumeName = new Uint8Array(CRYPTO_CACHE_STRING_BYTES);
    volumeName.set(truncatedName(e.volumeName));
    const encryptionKey = new Uint8Array(CRYPTO_CACHE_STRING_BYTES);
    const key = truncatedKey(e.encryptionKey);
    encryptionKey.set(key);
    const record = CRYPTO_CACHE_RECORD.encode({
      next: new Uint8Array(8),
      prev: new Uint8Array(8),
      volumeName,
      encryptionKey,
      added: BigInt(Math.trunc(e.added)),
    });
    out.set(record, CRYPTO_CACHE_HEADER_BYTES + i * CRYPTO_CACHE_RECORD_BYTES);
    wipe(key, encryptionKey, record);
  });
  return out;
}

/** When an entry expires: 60 days after it was added or last refreshed. */
export const cryptoCacheExpiry = (entry: Pick<CryptoCacheEntry, 'added'>): number =>
  entry.added + CRYPTO_CACHE_MAX_AGE_SECONDS;

/** True when an update at `now` drops the entry (Bareos: `added + MAX_AGE < now`). */
export const isCryptoCacheEntryExpired = (entry: Pick<CryptoCacheEntry, 'added'>, now: number): boolean =>
  cryptoCacheExpiry(entry) < now;

/**
 * Adds or refreshes the key of a volume, as the storage daemon does each time its director sends
 * volume information (UpdateCryptoCache): a matching entry keeps its place, takes the key when it
 * differs and is stamped `now`; every other entry older than 60 days is dropped; an unknown volume is
 * appended. Expiry happens only here, never on reading or dumping. Mutates `cache`; wipes the keys it
 * replaces or drops.
 *
 * @returns whether the cache changed (a new or different key, or an expired entry dropped); a refresh
 *   of the time alone does not count, as in Bareos.
 */
export function updateCryptoCache(
  cache: CryptoCache,
  volumeName: string,
  key: Uint8Array,
  now: number,
): boolean {
  const name = utf8.decode(truncatedName(volumeName));
  const stored = truncatedKey(key);
  let changed = false;
  let found = false;
  const kept: CryptoCacheEntry[] = [];
  for (const e of cache.entries) {
    if (e.volumeName === name) {
      found = true;
      if (!e.encryptionKey.equals(stored)) {
        wipe(e.encryptionKey);
        e.encryptionKey = secretCopy(stored);
        changed = true;
      }
      e.added = now;
      kept.push(e);
    } else if (isCryptoCacheEntryExpired(e, now)) {
      wipe(e.encryptionKey);
      changed = true;
    } else {
      kept.push(e);
    }
  }
  if (!found) {
    kept.push({ volumeName: name, encryptionKey: secretCopy(stored), added: now });
    changed = true;
  }
  wipe(stored);
  cache.entries = kept;
  return changed;
}

/** Sets every entry's time to `now` (bscrypto `-r`). */
export function resetCryptoCache(cache: CryptoCache, now: number): void {
  for (const e of cache.entries) e.added = now;
}

/** The stored key of the first entry with this exact volume name (no expiry check), as a copy. */
export function lookupCryptoCache(cache: CryptoCache | undefined, volumeName: string): Buffer | undefined {
  const e = cache?.entries.find((x) => x.volumeName === volumeName);
  return e ? secretCopy(e.encryptionKey) : undefined;
}

/** Options of {@link formatCryptoCacheDump}. */
export interface CryptoCacheDumpOptions {
  /** IANA time zone for the dates; default: the process's local time zone (`TZ`), as in C. */
  readonly timeZone?: string | undefined;
}

/** `YYYY-MM-DD HH:MM:SS` of Unix seconds in a time zone (Bareos bstrutime, local time). */
export function formatCacheTime(seconds: number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    ...(timeZone === undefined ? {} : { timeZone }),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(seconds * 1000));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

/** C's `%-*s`: left-justified, padded with spaces to `width` bytes (strlen counts bytes). */
const padBytes = (s: string, width: number): string =>
  s + ' '.repeat(Math.max(0, width - Buffer.byteLength(s)));

/**
 * The text of `bscrypto -D` (DumpCryptoCache): nothing for no cache; else a header line and one line per
 * entry, `%-*s %-*s %-20s %-20s\n` with the name and key columns as wide as their longest value (at least
 * `Volumename` and `EncryptionKey`), added and expiry times in local time. This prints the stored keys:
 * it is the command's purpose.
 */
export function formatCryptoCacheDump(
  cache: CryptoCache | undefined,
  options: CryptoCacheDumpOptions = {},
): string {
  if (!cache) return '';
  const keys = cache.entries.map((e) => e.encryptionKey.toString('utf8'));
  const nameWidth = Math.max(
    Buffer.byteLength('Volumename'),
    ...cache.entries.map((e) => Buffer.byteLength(e.volumeName)),
  );
  const keyWidth = Math.max(Buffer.byteLength('EncryptionKey'), ...keys.map((k) => Buffer.byteLength(k)));
  const line = (a: string, b: string, c: string, d: string) =>
    `${padBytes(a, nameWidth)} ${padBytes(b, keyWidth)} ${padBytes(c, 20)} ${padBytes(d, 20)}\n`;
  let out = line('Volumename', 'EncryptionKey', 'Added', 'Expires');
  cache.entries.forEach((e, i) => {
    out += line(
      e.volumeName,
      keys[i]!,
      formatCacheTime(e.added, options.timeZone),
      formatCacheTime(cryptoCacheExpiry(e), options.timeZone),
    );
  });
  return out;
}

/** True when `e` is one of the crypto cache decoding errors. */
export const isCryptoCacheFormatError = (e: unknown): e is SdpipeError =>
  e instanceof SdpipeError &&
  (e.code === 'SDP_CRYPTO_CACHE_FORMAT' || e.code === 'SDP_CRYPTO_CACHE_TRUNCATED');
