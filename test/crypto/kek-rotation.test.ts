import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  catalogKeyStore,
  catalogVolumeKeys,
  retirePreviousVolumeKeys,
  rotateVolumeKey,
} from '../../src/catalog/encryption-keys.js';
import { cryptoCacheKeyStore, rewrapVolumeKeyStores } from '../../src/crypto/kek-rotation.js';
import { decodeCryptoCache } from '../../src/crypto/crypto-cache.js';
import { catalogKeyFor } from '../../src/crypto/volume-key.js';
import { SdpipeError } from '../../src/errors.js';
import { tempDir } from '../support/cli.js';
import { catalogKeyTexts, fixtureKek, makeCatalog, newKek, plaintextOf } from '../support/crypto-catalog.js';
import { CACHE_FILE, wrapPairs } from '../support/crypto-fixtures.js';

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});
const scratch = () => {
  const t = tempDir('sdpipe-rewrap-');
  cleanup = t.cleanup;
  return t.dir;
};

const PAIRS = wrapPairs();
const PLAIN_B64 = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU'; // stored without KEK (spec §2)

/** A catalog with wrapped keys, a key stored without KEK, and a volume without key. */
function setUp(dir: string) {
  const catalog = makeCatalog(dir, [
    { volumeName: 'Full-0001', encryptionKey: PAIRS[0]!.wrapped },
    { volumeName: 'Full-0002', encryptionKey: PAIRS[1]!.wrapped, volStatus: 'Purged' },
    { volumeName: 'Plain-0003', encryptionKey: PLAIN_B64 },
    { volumeName: 'NoKey-0004', encryptionKey: null },
    { volumeName: 'Empty-0005', encryptionKey: '' },
  ]);
  const cache = join(dir, 'bareos-sd.9103.cryptoc');
  copyFileSync(CACHE_FILE, cache);
  return { catalog, cache };
}

const cacheKeys = (file: string) =>
  decodeCryptoCache(readFileSync(file)).entries.map((e) => [
    e.volumeName,
    e.encryptionKey.toString('latin1'),
  ]);

const codeOf = async (p: Promise<unknown> | (() => unknown)): Promise<string | undefined> => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof SdpipeError) return e.code;
    throw e;
  }
  return undefined;
};

describe('KEK rotation (rewrap)', () => {
  it('re-wraps every wrapped key of a catalog and a cache under the new KEK, the rest untouched', async () => {
    const { catalog, cache } = setUp(scratch());
    const before = catalogKeyTexts(catalog);
    const reports = await rewrapVolumeKeyStores(
      [catalogKeyStore(catalog), cryptoCacheKeyStore(cache)],
      fixtureKek(),
      newKek(),
    );
    expect(reports.map((r) => [r.kind, r.rewrapped, r.current, r.notWrapped])).toEqual([
      ['catalog', ['Full-0001', 'Full-0002'], [], ['Plain-0003']],
      ['cache', ['TestVol-0002', 'Full-0003'], [], ['TestVol-0001']],
    ]);
    const after = catalogKeyTexts(catalog);
    expect(after.map((k) => k.volume)).toEqual(before.map((k) => k.volume));
    expect(after[2]!.key).toBe(PLAIN_B64);
    for (const i of [0, 1]) {
      expect(after[i]!.key).toHaveLength(54);
      expect(after[i]!.key).not.toBe(before[i]!.key);
      expect(plaintextOf(after[i]!.key, newKek())).toBe(PAIRS[i]!.plaintext);
      // Deterministic: the same as wrapping the plaintext under the new KEK directly.
      expect(after[i]!.key).toBe(
        catalogKeyFor(Buffer.from(PAIRS[i]!.plaintext), newKek()).toString('latin1'),
      );
    }
    const keys = cacheKeys(cache);
    expect(keys[0]).toEqual(['TestVol-0001', 'T(_dmKCMNk!q2!U)[rn0D]W@Z4f_FLq6']);
    expect(plaintextOf(keys[1]![1]!, newKek())).toBe(
      plaintextOf('ZX2IwL8TD4fI4Yawo1tMs1KaIsFxkb/O4YdtPeFNg3FIcXHjmzL6XQ', fixtureKek()),
    );
    expect(plaintextOf(keys[2]![1]!, newKek())).toBe(
      plaintextOf('5hyMN6ziTcX/YDzvaZudQFcnjdMxm8qPLYyiNUrhV4k/zVmNebw/gA', fixtureKek()),
    );
    // The cache keeps its entries' times; only keys change.
    expect(decodeCryptoCache(readFileSync(cache)).entries.map((e) => e.added)).toEqual(
      decodeCryptoCache(readFileSync(CACHE_FILE)).entries.map((e) => e.added),
    );
  });

  it('a wrong old KEK changes nothing anywhere', async () => {
    const { catalog, cache } = setUp(scratch());
    const catalogBefore = readFileSync(catalog);
    const cacheBefore = readFileSync(cache);
    const wrong = Buffer.from('WRONG-KEK-16byte');
    // Every wrapped key fails its integrity check under the wrong KEK: nothing is written anywhere.
    expect(
      await codeOf(
        rewrapVolumeKeyStores([catalogKeyStore(catalog), cryptoCacheKeyStore(cache)], wrong, newKek()),
      ),
    ).toBe('SDP_KEY_UNWRAP');
    expect(readFileSync(catalog)).toEqual(catalogBefore);
    expect(readFileSync(cache)).toEqual(cacheBefore);
  });

  it('one bad key in the last store stops the whole rotation before anything is written', async () => {
    const dir = scratch();
    const { catalog, cache } = setUp(dir);
    const other = makeCatalog(
      dir,
      [
        {
          volumeName: 'Alien',
          encryptionKey: catalogKeyFor(Buffer.alloc(32, 65), Buffer.from('some-other-kek!!')).toString(
            'latin1',
          ),
        },
      ],
      'other.db',
    );
    const before = [readFileSync(catalog), readFileSync(cache), readFileSync(other)];
    let error: unknown;
    try {
      await rewrapVolumeKeyStores(
        [catalogKeyStore(catalog), cryptoCacheKeyStore(cache), catalogKeyStore(other)],
        fixtureKek(),
        newKek(),
      );
    } catch (e) {
      error = e;
    }
    expect((error as SdpipeError).code).toBe('SDP_KEY_UNWRAP');
    expect((error as SdpipeError).context).toMatchObject({ store: 'catalog', file: other, volume: 'Alien' });
    expect([readFileSync(catalog), readFileSync(cache), readFileSync(other)]).toEqual(before);
  });

  it('a run cut off between two stores is completed by running it again', async () => {
    const { catalog, cache } = setUp(scratch());
    const cacheBefore = readFileSync(cache);
    const crash = new Error('simulated crash');
    await expect(
      rewrapVolumeKeyStores([catalogKeyStore(catalog), cryptoCacheKeyStore(cache)], fixtureKek(), newKek(), {
        beforeCommit: (i) => {
          if (i === 1) throw crash;
        },
      }),
    ).rejects.toMatchObject({ code: 'SDP_INTERNAL', context: { committed: 1 } });
    // The catalog committed, the cache did not.
    expect(plaintextOf(catalogKeyTexts(catalog)[0]!.key, newKek())).toBe(PAIRS[0]!.plaintext);
    expect(readFileSync(cache)).toEqual(cacheBefore);
    const again = await rewrapVolumeKeyStores(
      [catalogKeyStore(catalog), cryptoCacheKeyStore(cache)],
      fixtureKek(),
      newKek(),
    );
    expect(again[0]!.current).toEqual(['Full-0001', 'Full-0002']);
    expect(again[0]!.rewrapped).toEqual([]);
    expect(again[1]!.rewrapped).toEqual(['TestVol-0002', 'Full-0003']);
    expect(plaintextOf(cacheKeys(cache)[2]![1]!, newKek())).toBe(
      PAIRS.find((p) => p.wrapped.startsWith('5hyM'))!.plaintext,
    );
  });

  it('a missing cache file has no keys and is not created', async () => {
    const dir = scratch();
    const reports = await rewrapVolumeKeyStores(
      [cryptoCacheKeyStore(join(dir, 'none.cryptoc'))],
      fixtureKek(),
      newKek(),
    );
    expect(reports[0]).toMatchObject({ rewrapped: [], current: [], notWrapped: [] });
  });
});

describe('volume-key rotation in the catalog', () => {
  it('gives a purged volume a fresh wrapped key and keeps the old one until it is rewritten', () => {
    const { catalog } = setUp(scratch());
    const old = catalogKeyTexts(catalog)[1]!;
    const r = rotateVolumeKey(catalog, 'Full-0002', { kek: fixtureKek(), now: 1_795_392_493 });
    expect(r).toMatchObject({ volumeName: 'Full-0002', wrapped: true, previousKeys: 1 });
    expect(r.messages).toEqual([
      'If the volume is currently mounted, remount before use!',
      "Generated new encryption key for volume 'Full-0002' in catalog.",
    ]);
    const keys = catalogVolumeKeys(catalog, { volume: 'Full-0002' });
    const current = keys.find((k) => k.role === 'current')!;
    const previous = keys.find((k) => k.role === 'previous')!;
    expect(previous.catalogKey.toString('latin1')).toBe(old.key);
    expect(previous.retiredTime).toBe('2026-11-23 00:08:13');
    expect(current.catalogKey.toString('latin1')).not.toBe(old.key);
    expect(plaintextOf(current.catalogKey.toString('latin1'), fixtureKek())).toMatch(/^.{32}$/);
    expect(plaintextOf(previous.catalogKey.toString('latin1'), fixtureKek())).toBe(PAIRS[1]!.plaintext);
    expect(retirePreviousVolumeKeys(catalog, 'Full-0002')).toBe(1);
    expect(catalogVolumeKeys(catalog, { volume: 'Full-0002' }).map((k) => k.role)).toEqual(['current']);
  });

  it('a KEK rotation also re-wraps the kept previous keys', async () => {
    const { catalog } = setUp(scratch());
    rotateVolumeKey(catalog, 'Full-0002', { kek: fixtureKek() });
    const reports = await rewrapVolumeKeyStores([catalogKeyStore(catalog)], fixtureKek(), newKek());
    expect(reports[0]!.rewrapped).toEqual(['Full-0001', 'Full-0002', 'Full-0002']);
    const previous = catalogKeyTexts(catalog).find((k) => k.role === 'previous')!;
    expect(plaintextOf(previous.key, newKek())).toBe(PAIRS[1]!.plaintext);
  });

  it('refuses what Bareos refuses, and a wrong KEK, changing nothing', async () => {
    const { catalog } = setUp(scratch());
    const before = catalogKeyTexts(catalog);
    const reasonOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return [(e as SdpipeError).code, (e as SdpipeError).context.reason];
      }
      return undefined;
    };
    expect(reasonOf(() => rotateVolumeKey(catalog, 'Full-0001', { kek: fixtureKek() }))).toEqual([
      'SDP_KEY_ROTATE',
      'status',
    ]);
    expect(reasonOf(() => rotateVolumeKey(catalog, 'NoKey-0004', { kek: fixtureKek() }))).toEqual([
      'SDP_KEY_ROTATE',
      'no-key',
    ]);
    expect(reasonOf(() => rotateVolumeKey(catalog, 'Nope', {}))).toEqual([
      'SDP_KEY_ROTATE',
      'unknown-volume',
    ]);
    expect(reasonOf(() => rotateVolumeKey(catalog, 'Full-0002', {}))).toEqual([
      'SDP_KEY_ROTATE',
      'kek-needed',
    ]);
    expect(reasonOf(() => rotateVolumeKey(catalog, 'Full-0002', { kek: newKek() }))).toEqual([
      'SDP_KEY_UNWRAP',
      'integrity',
    ]);
    expect(catalogKeyTexts(catalog)).toEqual(before);
    expect(await codeOf(() => rotateVolumeKey(join(scratch(), 'missing.db'), 'V'))).toBe('SDP_CATALOG_OPEN');
  });

  it('rotates a key stored without KEK into another unwrapped key', () => {
    const dir = scratch();
    const catalog = makeCatalog(dir, [{ volumeName: 'P', encryptionKey: PLAIN_B64, volStatus: 'Recycle' }]);
    const r = rotateVolumeKey(catalog, 'P');
    expect(r.wrapped).toBe(false);
    const current = catalogKeyTexts(catalog).find((k) => k.role === 'current')!;
    expect(current.key).toMatch(/^[A-Za-z0-9+/]{43}$/);
    expect(current.key).not.toBe(PLAIN_B64);
  });
});
