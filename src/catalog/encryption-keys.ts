/**
 * Volume keys in the catalog: `Media.EncryptionKey` (the director's stored form, spec crypto.md §2) and
 * the sdpipe table `MediaKeyHistory`, which keeps a volume's previous key after a volume-key rotation
 * until the volume is rewritten (the data of a purged volume stays readable until then). Every change
 * runs in one SQLite transaction on its own connection (BEGIN IMMEDIATE … COMMIT, ROLLBACK on any
 * failure), with `secure_delete` on so that replaced keys do not linger in free pages. The schema check
 * is `Catalog.open`'s; nothing here changes the `Catalog` class.
 */
import sqlite from 'node-sqlite3-wasm';
import { CryptoError, SdpipeError, type Where } from '../errors.js';
import type { StoredVolumeKey, VolumeKeyStore } from '../crypto/kek-rotation.js';
import { secretFromText, wipe } from '../crypto/key-material.js';
import { generateVolumeKey, isWrappedCatalogKey, volumeKeyFromCatalogKey } from '../crypto/volume-key.js';
import { Catalog } from './catalog.js';
import { catalogDate, MEDIA_TABLE, tableDdl, type TableDef } from './schema.js';

/** Previous keys of volumes whose key was rotated, kept until the volume is rewritten (sdpipe extension). */
export const MEDIA_KEY_HISTORY_TABLE = {
  name: 'MediaKeyHistory',
  columns: [
    {
      name: 'MediaKeyHistoryId',
      key: 'mediaKeyHistoryId',
      kind: 'int',
      sql: 'INTEGER PRIMARY KEY AUTOINCREMENT',
    },
    { name: 'MediaId', key: 'mediaId', kind: 'int', sql: 'INTEGER NOT NULL' },
    { name: 'VolumeName', key: 'volumeName', kind: 'text', sql: 'TEXT NOT NULL' },
    { name: 'EncryptionKey', key: 'encryptionKey', kind: 'text', sql: 'TEXT NOT NULL' },
    { name: 'RetiredTime', key: 'retiredTime', kind: 'optionalText', sql: 'DATETIME' },
  ],
  constraints: [],
  indexes: ['CREATE INDEX IF NOT EXISTS MediaKeyHistory_MediaId ON MediaKeyHistory (MediaId)'],
} as const satisfies TableDef;

/** Volume statuses in which a volume's key may be rotated (its data is no longer wanted). */
export const KEY_ROTATION_STATUSES = ['Purged', 'Recycle'] as const;

type Row = Record<string, unknown>;

/** A connection for one transaction over a catalog file that `Catalog.open` accepts. */
function openKeyDb(path: string): sqlite.Database {
  // Validates the file (exists, SQLite, sdpipe schema version) without ever creating it.
  Catalog.open(path, { readOnly: true }).close();
  let db: sqlite.Database;
  try {
    db = new sqlite.Database(path, { fileMustExist: true });
  } catch (e) {
    throw new SdpipeError('SDP_CATALOG_OPEN', `cannot open catalog: ${(e as Error).message}`, { file: path });
  }
  try {
    db.exec('PRAGMA secure_delete = ON');
  } catch (e) {
    db.close();
    throw queryError(e, path, 'PRAGMA');
  }
  return db;
}

const queryError = (e: unknown, path: string, query: string): SdpipeError =>
  e instanceof SdpipeError
    ? e
    : new SdpipeError('SDP_CATALOG_QUERY', `catalog query failed: ${(e as Error).message}`, {
        file: path,
        query,
      });

/** Runs `fn` in one write transaction on its own connection; rolled back and closed on any failure. */
function inTransaction<T>(path: string, fn: (db: sqlite.Database) => T): T {
  const db = openKeyDb(path);
  try {
    db.exec('BEGIN IMMEDIATE');
    const out = fn(db);
    db.exec('COMMIT');
    return out;
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw queryError(e, path, 'transaction');
  } finally {
    db.close();
  }
}

const hasHistoryTable = (db: sqlite.Database): boolean =>
  db.get("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [
    MEDIA_KEY_HISTORY_TABLE.name,
  ]) !== null;

function ensureHistoryTable(db: sqlite.Database): void {
  for (const sql of tableDdl(MEDIA_KEY_HISTORY_TABLE)) db.exec(sql);
}

/**
 * The catalog as a {@link VolumeKeyStore} for a KEK rotation: every non-empty `Media.EncryptionKey` and
 * every kept previous key. `load` opens a write transaction that `commit` (UPDATEs, COMMIT) or `abort`
 * (ROLLBACK) ends, so the catalog is re-wrapped all-or-nothing.
 */
export function catalogKeyStore(path: string): VolumeKeyStore {
  let db: sqlite.Database | undefined;
  const targets: { table: string; idColumn: string; id: number }[] = [];
  const close = () => {
    if (db?.inTransaction) db.exec('ROLLBACK');
    if (db?.isOpen) db.close();
    db = undefined;
  };
  return {
    kind: 'catalog',
    path,
    load() {
      try {
        db = openKeyDb(path);
        db.exec('BEGIN IMMEDIATE');
        const keys: StoredVolumeKey[] = [];
        const add = (table: string, idColumn: string, r: Row, role: 'current' | 'previous') => {
          keys.push({
            volumeName: String(r.VolumeName),
            catalogKey: secretFromText(String(r.EncryptionKey)),
            ref: targets.length,
            role,
          });
          targets.push({ table, idColumn, id: Number(r.Id) });
        };
        const media = db.all(
          `SELECT MediaId AS Id, VolumeName, EncryptionKey FROM ${MEDIA_TABLE.name} ` +
            "WHERE EncryptionKey IS NOT NULL AND EncryptionKey <> '' ORDER BY MediaId",
        ) as Row[];
        for (const r of media) add(MEDIA_TABLE.name, 'MediaId', r, 'current');
        if (hasHistoryTable(db)) {
          const previous = db.all(
            `SELECT MediaKeyHistoryId AS Id, VolumeName, EncryptionKey FROM ${MEDIA_KEY_HISTORY_TABLE.name} ` +
              'ORDER BY MediaKeyHistoryId',
          ) as Row[];
          for (const r of previous) add(MEDIA_KEY_HISTORY_TABLE.name, 'MediaKeyHistoryId', r, 'previous');
        }
        return Promise.resolve(keys);
      } catch (e) {
        close();
        return Promise.reject(queryError(e, path, 'load keys'));
      }
    },
    commit(changes) {
      try {
        if (!db) throw new SdpipeError('SDP_INTERNAL', 'catalog key store committed before it was loaded');
        for (const [ref, value] of changes) {
          const t = targets[ref]!;
          db.run(`UPDATE ${t.table} SET EncryptionKey = ? WHERE ${t.idColumn} = ?`, [
            value.toString('latin1'),
            t.id,
          ]);
        }
        db.exec('COMMIT');
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(queryError(e, path, 'UPDATE EncryptionKey'));
      } finally {
        close();
      }
    },
    abort() {
      close();
      return Promise.resolve();
    },
  };
}

/** What {@link rotateVolumeKey} did (no key material). */
export interface VolumeKeyRotation {
  readonly volumeName: string;
  readonly mediaId: number;
  /** The new key is stored wrapped (a KEK was given). */
  readonly wrapped: boolean;
  /** Previous keys now kept for the volume, the one just replaced included. */
  readonly previousKeys: number;
  /** Bareos' messages for `update volume encrypt=rotate`, in order. */
  readonly messages: readonly string[];
}

/** Options of {@link rotateVolumeKey}. */
export interface RotateOptions {
  /** The director's KEK (16 bytes): the stored keys are wrapped with it. Without it they are not. */
  readonly kek?: Uint8Array | undefined;
  /** Unix seconds of the rotation (default: now). */
  readonly now?: number;
  /** Volume statuses that allow a rotation (default {@link KEY_ROTATION_STATUSES}). */
  readonly statuses?: readonly string[];
}

/**
 * Gives a volume a fresh key (Bareos `update volume=… encrypt=rotate`, for a volume being relabelled or
 * recycled) and keeps the key it had in `MediaKeyHistory`, retrievable until the volume is rewritten
 * ({@link retirePreviousVolumeKeys}). The new key is wrapped with `kek` when given, and the old one must
 * open with it, so that a wrong KEK never produces a key the director cannot unwrap.
 *
 * @throws CryptoError `SDP_KEY_ROTATE` (`reason`: `unknown-volume`, `no-key`, `status`, `kek-needed`,
 *   `not-wrapped`) or `SDP_KEY_UNWRAP` (the current key does not open with `kek`); nothing is changed.
 */
export function rotateVolumeKey(
  path: string,
  volumeName: string,
  options: RotateOptions = {},
): VolumeKeyRotation {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const statuses = options.statuses ?? KEY_ROTATION_STATUSES;
  const where: Where = { file: path, volume: volumeName };
  return inTransaction(path, (db) => {
    const row = db.get(
      `SELECT MediaId, VolStatus, EncryptionKey FROM ${MEDIA_TABLE.name} WHERE VolumeName = ?`,
      [volumeName],
    ) as Row | null;
    if (!row)
      throw new CryptoError('SDP_KEY_ROTATE', 'no such volume in the catalog', {
        ...where,
        reason: 'unknown-volume',
      });
    const current = secretFromText(typeof row.EncryptionKey === 'string' ? row.EncryptionKey : '');
    try {
      if (current.length === 0) {
        throw new CryptoError('SDP_KEY_ROTATE', `No encryption key for volume '${volumeName}' configured.`, {
          ...where,
          reason: 'no-key',
        });
      }
      const volStatus = String(row.VolStatus);
      if (!statuses.includes(volStatus)) {
        throw new CryptoError(
          'SDP_KEY_ROTATE',
          `Rotating encryption key for volume '${volumeName}' requires volstatus=${statuses.join(' or ')}`,
          { ...where, reason: 'status', volStatus },
        );
      }
      const wrapped = isWrappedCatalogKey(current);
      if (wrapped && !options.kek) {
        throw new CryptoError(
          'SDP_KEY_ROTATE',
          "the volume's key is wrapped: the KEK is needed to rotate it",
          {
            ...where,
            reason: 'kek-needed',
          },
        );
      }
      if (options.kek) {
        if (!wrapped) {
          throw new CryptoError('SDP_KEY_ROTATE', "the volume's key is not wrapped, but a KEK was given", {
            ...where,
            reason: 'not-wrapped',
          });
        }
        wipe(volumeKeyFromCatalogKey(current, options.kek, where));
      }
      const mediaId = Number(row.MediaId);
      ensureHistoryTable(db);
      db.run(
        `INSERT INTO ${MEDIA_KEY_HISTORY_TABLE.name} (MediaId, VolumeName, EncryptionKey, RetiredTime) VALUES (?, ?, ?, ?)`,
        [mediaId, volumeName, current.toString('latin1'), catalogDate(now)],
      );
      const fresh = generateVolumeKey(options.kek, where);
      try {
        db.run(`UPDATE ${MEDIA_TABLE.name} SET EncryptionKey = ? WHERE MediaId = ?`, [
          fresh.catalogKey.toString('latin1'),
          mediaId,
        ]);
      } finally {
        wipe(fresh.volumeKey, fresh.catalogKey);
      }
      const previousKeys = Number(
        (
          db.get(`SELECT COUNT(*) AS n FROM ${MEDIA_KEY_HISTORY_TABLE.name} WHERE MediaId = ?`, [
            mediaId,
          ]) as Row
        ).n,
      );
      return {
        volumeName,
        mediaId,
        wrapped: options.kek !== undefined,
        previousKeys,
        messages: [
          'If the volume is currently mounted, remount before use!',
          `Generated new encryption key for volume '${volumeName}' in catalog.`,
        ],
      };
    } finally {
      wipe(current);
    }
  });
}

/**
 * Forgets a volume's previous keys: call it once the volume has been rewritten (its old data is gone).
 *
 * @returns how many previous keys were deleted.
 */
export function retirePreviousVolumeKeys(path: string, volumeName: string): number {
  return inTransaction(path, (db) => {
    if (!hasHistoryTable(db)) return 0;
    return db.run(`DELETE FROM ${MEDIA_KEY_HISTORY_TABLE.name} WHERE VolumeName = ?`, [volumeName]).changes;
  });
}

/** One stored key as {@link catalogVolumeKeys} returns it. */
export interface CatalogVolumeKey {
  readonly volumeName: string;
  /** The stored form (wipe it when done). */
  readonly catalogKey: Buffer;
  /** `current` (Media.EncryptionKey) or `previous` (kept after a rotation). */
  readonly role: 'current' | 'previous';
  /** When a previous key was replaced (`YYYY-MM-DD HH:MM:SS` UTC). */
  readonly retiredTime?: string;
}

/**
 * The stored keys of the catalog (current keys by MediaId, then previous keys oldest first), for
 * rebuilding a crypto cache with `bscrypto -p`. Read in one transaction.
 */
export function catalogVolumeKeys(
  path: string,
  options: { readonly volume?: string } = {},
): CatalogVolumeKey[] {
  return inTransaction(path, (db) => {
    const filter = options.volume === undefined ? '' : ' AND VolumeName = ?';
    const values = options.volume === undefined ? [] : [options.volume];
    const out: CatalogVolumeKey[] = (
      db.all(
        `SELECT VolumeName, EncryptionKey FROM ${MEDIA_TABLE.name} ` +
          `WHERE EncryptionKey IS NOT NULL AND EncryptionKey <> ''${filter} ORDER BY MediaId`,
        values,
      ) as Row[]
    ).map((r) => ({
      volumeName: String(r.VolumeName),
      catalogKey: secretFromText(String(r.EncryptionKey)),
      role: 'current',
    }));
    if (hasHistoryTable(db)) {
      const rows = db.all(
        `SELECT VolumeName, EncryptionKey, RetiredTime FROM ${MEDIA_KEY_HISTORY_TABLE.name} ` +
          `WHERE 1 = 1${filter} ORDER BY MediaKeyHistoryId`,
        values,
      ) as Row[];
      for (const r of rows) {
        out.push({
          volumeName: String(r.VolumeName),
          catalogKey: secretFromText(String(r.EncryptionKey)),
          role: 'previous',
          ...(typeof r.RetiredTime === 'string' ? { retiredTime: r.RetiredTime } : {}),
        });
      }
    }
    return out;
  });
}
