import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CRYPTO_CACHE_HEADER,
  CRYPTO_CACHE_HEADER_BYTES,
  CRYPTO_CACHE_MAX_AGE_SECONDS,
  CRYPTO_CACHE_RECORD,
  CRYPTO_CACHE_RECORD_BYTES,
  cryptoCachePath,
  decodeCryptoCache,
  encodeCryptoCache,
  formatCacheTime,
  formatCryptoCacheDump,
  lookupCryptoCache,
  resetCryptoCache,
  updateCryptoCache,
  type CryptoCache,
} from '../../src/crypto/crypto-cache.js';
import { SdpipeError } from '../../src/errors.js';
import { bscryptoFixture, bscryptoText } from '../support/crypto-fixtures.js';

const fixture = bscryptoFixture('cache', 'cache_after_populate_1.cryptoc');
const key = (s: string) => Buffer.from(s, 'latin1');

/** The record byte ranges Bareos fills with heap pointers (ignored on read, zeros on write). */
function pointerRanges(entries: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < entries; i++) {
    const at = CRYPTO_CACHE_HEADER_BYTES + i * CRYPTO_CACHE_RECORD_BYTES;
    out.push([at + CRYPTO_CACHE_RECORD.offsets.next!, at + CRYPTO_CACHE_RECORD.offsets.volumeName!]);
  }
  return out;
}
const zeroPointers = (b: Uint8Array, entries: number): Buffer => {
  const out = Buffer.from(b);
  for (const [s, e] of pointerRanges(entries)) out.fill(0, s, e);
  return out;
};

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof SdpipeError) return e.code;
    throw e;
  }
  return undefined;
};

describe('crypto cache layout', () => {
  it('is the layout of the spec: 32-byte header, 280-byte records, fields at their offsets', () => {
    expect(CRYPTO_CACHE_HEADER_BYTES).toBe(32);
    expect(CRYPTO_CACHE_RECORD_BYTES).toBe(280);
    expect(CRYPTO_CACHE_HEADER.offsets).toEqual({ id: 0, padding: 21, version: 24, entryCount: 28 });
    expect(CRYPTO_CACHE_RECORD.offsets).toEqual({
      next: 0,
      prev: 8,
      volumeName: 16,
      encryptionKey: 144,
      added: 272,
    });
  });

  it('decodes the fixture written by bscrypto -p', () => {
    const cache = decodeCryptoCache(fixture);
    expect(cache.entries.map((e) => [e.volumeName, e.encryptionKey.toString('latin1'), e.added])).toEqual([
      ['TestVol-0001', 'T(_dmKCMNk!q2!U)[rn0D]W@Z4f_FLq6', 1_795_391_981],
      ['TestVol-0002', 'ZX2IwL8TD4fI4Yawo1tMs1KaIsFxkb/O4YdtPeFNg3FIcXHjmzL6XQ', 1_795_391_982],
      ['Full-0003', '5hyMN6ziTcX/YDzvaZudQFcnjdMxm8qPLYyiNUrhV4k/zVmNebw/gA', 1_795_391_982],
    ]);
    expect(formatCacheTime(cache.entries[0]!.added, 'UTC')).toBe('2026-11-22 23:59:41');
  });

  it('encode(decode(fixture)) is the fixture, except the pointer bytes Bareos leaves (zeros here)', () => {
    const again = encodeCryptoCache(decodeCryptoCache(fixture));
    expect(again).toHaveLength(fixture.length);
    expect(again).toEqual(zeroPointers(fixture, 3));
    for (const [s, e] of pointerRanges(3)) expect(again.subarray(s, e)).toEqual(Buffer.alloc(e - s));
    // The fixture's pointers are not all zero, so this proves they are ignored on read.
    expect(pointerRanges(3).some(([s, e]) => fixture.subarray(s, e).some((b) => b !== 0))).toBe(true);
  });

  it('prints exactly the bscrypto -D dump of the fixture, in UTC and in Europe/Berlin', () => {
    const cache = decodeCryptoCache(fixture);
    expect(formatCryptoCacheDump(cache, { timeZone: 'UTC' })).toBe(
      bscryptoText('cache', 'dump_after_populate_1.txt'),
    );
    expect(formatCryptoCacheDump(cache, { timeZone: 'Europe/Berlin' })).toBe(
      bscryptoText('cache', 'dump_after_populate_1_TZ_Europe_Berlin.txt'),
    );
  });

  it('dumps nothing without a cache and only the header for an empty one', () => {
    expect(formatCryptoCacheDump(undefined)).toBe('');
    expect(formatCryptoCacheDump({ entries: [] })).toBe(
      `Volumename EncryptionKey Added                Expires             \n`,
    );
  });

  it('refuses truncated and foreign files with typed errors', () => {
    for (let n = 0; n < fixture.length; n += 7) {
      expect(codeOf(() => decodeCryptoCache(fixture.subarray(0, n)))).toBe('SDP_CRYPTO_CACHE_TRUNCATED');
    }
    const foreign = Buffer.from(fixture);
    foreign.write('BACULA', 0, 'latin1');
    expect(codeOf(() => decodeCryptoCache(foreign))).toBe('SDP_CRYPTO_CACHE_FORMAT');
    const version = Buffer.from(fixture);
    version.writeInt32LE(2, 24);
    expect(codeOf(() => decodeCryptoCache(version))).toBe('SDP_CRYPTO_CACHE_FORMAT');
    const bigEndian = Buffer.from(fixture);
    bigEndian.writeInt32BE(1, 24);
    expect(codeOf(() => decodeCryptoCache(bigEndian))).toBe('SDP_CRYPTO_CACHE_FORMAT');
    const trailing = Buffer.concat([fixture, Buffer.alloc(5)]);
    expect(codeOf(() => decodeCryptoCache(trailing))).toBe('SDP_CRYPTO_CACHE_FORMAT');
    const unterminated = Buffer.from(fixture);
    unterminated.fill(0x41, 48, 48 + 128);
    expect(codeOf(() => decodeCryptoCache(unterminated))).toBe('SDP_CRYPTO_CACHE_FORMAT');
    expect(codeOf(() => decodeCryptoCache(Buffer.from('hello world, no cache here, really not')))).toBe(
      'SDP_CRYPTO_CACHE_FORMAT',
    );
  });

  it('arbitrary bytes give a cache or a typed error, never another exception (fast-check)', () => {
    const header = fixture.subarray(0, CRYPTO_CACHE_HEADER_BYTES);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 900 }), fc.boolean(), (tail, withHeader) => {
        const bytes = withHeader ? Buffer.concat([header, tail]) : Buffer.from(tail);
        try {
          decodeCryptoCache(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(SdpipeError);
        }
      }),
    );
  });

  it('write/read identity for arbitrary entry lists (fast-check)', () => {
    const name = fc
      .string({ minLength: 0, maxLength: 40, unit: 'grapheme' })
      .filter((s) => !s.includes('\0') && Buffer.byteLength(s) <= 127);
    const storedKey = fc
      .uint8Array({ minLength: 0, maxLength: 127 })
      .map((a) => Buffer.from(Uint8Array.from(a, (b) => 1 + (b % 255))));
    const entry = fc.record({
      volumeName: name,
      encryptionKey: storedKey,
      added: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (entries) => {
        const cache: CryptoCache = { entries };
        const bytes = encodeCryptoCache(cache);
        expect(bytes).toHaveLength(32 + 280 * entries.length);
        expect(decodeCryptoCache(bytes)).toEqual(cache);
        expect(encodeCryptoCache(decodeCryptoCache(bytes))).toEqual(bytes);
      }),
    );
  });

  it('cuts strings to 127 bytes as bstrncpy does (names at a character boundary)', () => {
    const cache: CryptoCache = { entries: [] };
    updateCryptoCache(cache, 'V'.repeat(200), Buffer.alloc(300, 0x4b), 1000);
    updateCryptoCache(cache, `${'x'.repeat(126)}é`, key('k'), 1000);
    const back = decodeCryptoCache(encodeCryptoCache(cache));
    expect(back.entries[0]!.volumeName).toBe('V'.repeat(127));
    expect(back.entries[0]!.encryptionKey).toEqual(Buffer.alloc(127, 0x4b));
    expect(back.entries[1]!.volumeName).toBe('x'.repeat(126));
  });

  it('names the default file like the storage daemon', () => {
    expect(cryptoCachePath('/var/lib/bareos')).toBe('/var/lib/bareos/bareos-sd.9103.cryptoc');
    expect(cryptoCachePath('/var/lib/bareos/', 9200)).toBe('/var/lib/bareos/bareos-sd.9200.cryptoc');
  });
});

describe('crypto cache updates (UpdateCryptoCache)', () => {
  const day = 86_400;
  const t0 = 1_795_391_981;

  it('appends new volumes, refreshes known ones in place, and reports changes like Bareos', () => {
    const cache: CryptoCache = { entries: [] };
    expect(updateCryptoCache(cache, 'A', key('ka'), t0)).toBe(true);
    expect(updateCryptoCache(cache, 'B', key('kb'), t0 + 1)).toBe(true);
    expect(updateCryptoCache(cache, 'C', key('kc'), t0 + 2)).toBe(true);
    // Same key: only the time changes, which Bareos does not count as a change.
    expect(updateCryptoCache(cache, 'A', key('ka'), t0 + 10)).toBe(false);
    // New key: replaced where it is.
    expect(updateCryptoCache(cache, 'B', key('kb2'), t0 + 20)).toBe(true);
    expect(cache.entries.map((e) => [e.volumeName, e.encryptionKey.toString('latin1'), e.added])).toEqual([
      ['A', 'ka', t0 + 10],
      ['B', 'kb2', t0 + 20],
      ['C', 'kc', t0 + 2],
    ]);
    expect(lookupCryptoCache(cache, 'B')?.toString('latin1')).toBe('kb2');
    expect(lookupCryptoCache(cache, 'Z')).toBeUndefined();
  });

  it('drops entries 60 days after they were added, only during an update', () => {
    expect(CRYPTO_CACHE_MAX_AGE_SECONDS).toBe(5_184_000);
    const cache: CryptoCache = { entries: [] };
    updateCryptoCache(cache, 'Old', key('k1'), t0);
    updateCryptoCache(cache, 'Young', key('k2'), t0 + 30 * day);
    // Exactly 60 days: not yet (Bareos drops when added + MAX_AGE < now).
    expect(updateCryptoCache(cache, 'Young', key('k2'), t0 + 60 * day)).toBe(false);
    expect(cache.entries.map((e) => e.volumeName)).toEqual(['Old', 'Young']);
    expect(updateCryptoCache(cache, 'Young', key('k2'), t0 + 60 * day + 1)).toBe(true);
    expect(cache.entries.map((e) => e.volumeName)).toEqual(['Young']);
    // Refreshing an old entry itself keeps it.
    const c2: CryptoCache = { entries: [] };
    updateCryptoCache(c2, 'Old', key('k1'), t0);
    updateCryptoCache(c2, 'Old', key('k1'), t0 + 100 * day);
    expect(c2.entries).toHaveLength(1);
  });

  it('reset sets every time to now', () => {
    const cache = decodeCryptoCache(fixture);
    resetCryptoCache(cache, 2_000_000_000);
    expect(cache.entries.map((e) => e.added)).toEqual([2_000_000_000, 2_000_000_000, 2_000_000_000]);
  });
});
