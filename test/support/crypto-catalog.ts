/** Catalogs and key material for the key-rotation tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../src/catalog/catalog.js';
import { catalogVolumeKeys } from '../../src/catalog/encryption-keys.js';
import { kekFromKeyFile } from '../../src/crypto/key-file.js';
import { volumeKeyFromCatalogKey } from '../../src/crypto/volume-key.js';
import { KEK_FILE } from './crypto-fixtures.js';

/** The fixtures' KEK (`wrap/kek_fixed.key` → `0123456789abcdef`). */
export const fixtureKek = (): Buffer => kekFromKeyFile(readFileSync(KEK_FILE));
/** Another KEK. */
export const NEW_KEK_TEXT = 'fedcba9876543210-rotated\n';
export const newKek = (): Buffer => kekFromKeyFile(Buffer.from(NEW_KEK_TEXT));

/** One volume of a test catalog. */
export interface TestVolume {
  readonly volumeName: string;
  readonly encryptionKey: string | null;
  readonly volStatus?: string;
}

/** Creates a catalog file with these Media rows. */
export function makeCatalog(dir: string, volumes: readonly TestVolume[], name = 'catalog.db'): string {
  const file = join(dir, name);
  const c = Catalog.open(file);
  try {
    for (const v of volumes) {
      c.createMedia({
        volumeName: v.volumeName,
        mediaType: 'File',
        encryptionKey: v.encryptionKey,
        volStatus: v.volStatus ?? 'Full',
      });
    }
  } finally {
    c.close();
  }
  return file;
}

/** The catalog's stored keys as text, by role and volume. */
export function catalogKeyTexts(file: string): { volume: string; role: string; key: string }[] {
  return catalogVolumeKeys(file).map((k) => ({
    volume: k.volumeName,
    role: k.role,
    key: k.catalogKey.toString('latin1'),
  }));
}

/** The plaintext passphrase of a stored wrapped key under `kek`. */
export const plaintextOf = (stored: string, kek: Buffer): string =>
  volumeKeyFromCatalogKey(Buffer.from(stored, 'latin1'), kek).toString('latin1');
