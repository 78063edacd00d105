/**
 * KEK rotation: re-wraps every stored volume key of several stores (crypto cache files, a catalog)
 * from an old KEK to a new one, all-or-nothing. Every key of every store is unwrapped and re-wrapped in
 * memory first; a key that opens with neither KEK (a wrong old KEK) aborts everything before anything
 * is written. Then each store commits atomically on its own (a catalog transaction, a cache file
 * rename). Keys already wrapped under the new KEK count as done, so a run cut off between two stores'
 * commits is completed by running it again with the same KEKs.
 */
import { CryptoError, SdpipeError, type Where } from '../errors.js';
import { readCryptoCacheFile, writeCryptoCacheFile } from './crypto-cache-file.js';
import { wipeCryptoCache, type CryptoCache } from './crypto-cache.js';
import { secretCopy, wipe } from './key-material.js';
import { KEK_BYTES } from './key-wrap.js';
import { rewrapCatalogKey } from './volume-key.js';

/** One stored key of a store, with the store's handle for it. */
export interface StoredVolumeKey {
  readonly volumeName: string;
  /** The stored (catalog) form; the store wipes it when the rotation is over. */
  readonly catalogKey: Buffer;
  /** Which value of the store this is (a row, a record). */
  readonly ref: number;
  /** What the value is, for reports (`current` key, `previous` key kept after a volume-key rotation). */
  readonly role?: 'current' | 'previous';
}

/** A place volume keys are stored in, able to replace them all-or-nothing. */
export interface VolumeKeyStore {
  /** `cache` or `catalog`, for reports. */
  readonly kind: string;
  /** The file. */
  readonly path: string;
  /** Reads every stored key, taking whatever lock or transaction the store needs until commit/abort. */
  load(): Promise<StoredVolumeKey[]>;
  /** Replaces the values named by `ref` at once (nothing when `changes` is empty), and releases the store. */
  commit(changes: ReadonlyMap<number, Buffer>): Promise<void>;
  /** Releases the store without changing it. */
  abort(): Promise<void>;
}

/** What a rotation did to one store: volume names per outcome (never keys). */
export interface StoreRewrapReport {
  readonly kind: string;
  readonly path: string;
  /** Re-wrapped under the new KEK. */
  readonly rewrapped: string[];
  /** Already wrapped under the new KEK. */
  readonly current: string[];
  /** Not wrapped (empty or stored without KEK): left alone. */
  readonly notWrapped: string[];
}

/** Options of {@link rewrapVolumeKeyStores}. */
export interface RewrapOptions {
  /** Test hook: runs before each store commits (index in `stores`); a throw there simulates a crash. */
  readonly beforeCommit?: (index: number) => void | Promise<void>;
}

function checkKek(kek: Uint8Array, name: string): void {
  if (kek.length !== KEK_BYTES) {
    throw new CryptoError('SDP_KEK_SHORT', `the ${name} KEK must be 16 bytes`, {
      kekBytes: kek.length,
      kek: name,
    });
  }
}

/**
 * Re-wraps the volume keys of every store from `oldKek` to `newKek` (16 bytes each; see the module
 * comment for the all-or-nothing rules).
 *
 * @throws CryptoError `SDP_KEY_UNWRAP` naming the store and volume of a key that opens with neither KEK
 *   (nothing was written), or the error of a store that failed to load or commit (`context.committed`:
 *   how many stores had committed before; run again to finish).
 */
export async function rewrapVolumeKeyStores(
  stores: readonly VolumeKeyStore[],
  oldKek: Uint8Array,
  newKek: Uint8Array,
  options: RewrapOptions = {},
): Promise<StoreRewrapReport[]> {
  checkKek(oldKek, 'old');
  checkKek(newKek, 'new');
  const loaded: { store: VolumeKeyStore; keys: StoredVolumeKey[] }[] = [];
  const plans: Map<number, Buffer>[] = [];
  const reports: StoreRewrapReport[] = [];
  const wipeAll = () => {
    for (const l of loaded) for (const k of l.keys) wipe(k.catalogKey);
    for (const p of plans) for (const v of p.values()) wipe(v);
  };
  // Stores from this index on still hold their lock or transaction and must be released on failure
  // (a store whose commit was attempted releases itself).
  let unreleased = 0;
  try {
    for (const store of stores) {
      loaded.push({ store, keys: [] });
      loaded[loaded.length - 1]!.keys.push(...(await store.load()));
    }
    for (const { store, keys } of loaded) {
      const plan = new Map<number, Buffer>();
      plans.push(plan);
      const report: StoreRewrapReport = {
        kind: store.kind,
        path: store.path,
        rewrapped: [],
        current: [],
        notWrapped: [],
      };
      reports.push(report);
      for (const k of keys) {
        const where: Where = { store: store.kind, file: store.path, volume: k.volumeName, role: k.role };
        const r = rewrapCatalogKey(k.catalogKey, oldKek, newKek, where);
        switch (r.outcome) {
          case 'rewrapped':
            plan.set(k.ref, r.value);
            report.rewrapped.push(k.volumeName);
            break;
          case 'current':
            report.current.push(k.volumeName);
            break;
          case 'not-wrapped':
            report.notWrapped.push(k.volumeName);
            break;
        }
      }
    }
    for (let i = 0; i < loaded.length; i++) {
      try {
        await options.beforeCommit?.(i);
        unreleased = i + 1;
        await loaded[i]!.store.commit(plans[i]!);
      } catch (e) {
        const error =
          e instanceof SdpipeError
            ? e
            : new SdpipeError('SDP_INTERNAL', (e as Error).message, {}, { cause: e });
        error.context.committed ??= i;
        throw error;
      }
    }
    return reports;
  } catch (e) {
    for (const l of loaded.slice(unreleased)) await l.store.abort().catch(() => undefined);
    throw e;
  } finally {
    wipeAll();
  }
}

/**
 * A crypto cache file as a {@link VolumeKeyStore}. A missing file has no keys; the commit rewrites the
 * file atomically only when something changed and only if it still holds the bytes that were read.
 */
export function cryptoCacheKeyStore(path: string): VolumeKeyStore {
  let read: { cache: CryptoCache; bytes: Buffer } | undefined;
  const release = () => {
    wipeCryptoCache(read?.cache);
    wipe(read?.bytes);
    read = undefined;
  };
  return {
    kind: 'cache',
    path,
    async load() {
      read = await readCryptoCacheFile(path);
      return (read?.cache.entries ?? []).map((e, ref) => ({
        volumeName: e.volumeName,
        catalogKey: secretCopy(e.encryptionKey),
        ref,
      }));
    },
    async commit(changes) {
      try {
        if (!read || changes.size === 0) return;
        const cache: CryptoCache = {
          entries: read.cache.entries.map((e, ref) => {
            const v = changes.get(ref);
            return v ? { ...e, encryptionKey: secretCopy(v) } : e;
          }),
        };
        try {
          await writeCryptoCacheFile(path, cache, { expected: read.bytes });
        } finally {
          cache.entries.forEach((e, ref) => {
            if (changes.has(ref)) wipe(e.encryptionKey);
          });
        }
      } finally {
        release();
      }
    },
    abort() {
      release();
      return Promise.resolve();
    },
  };
}
