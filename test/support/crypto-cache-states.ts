/** The two caches the kill-during-write tests flip a file between (no side effects on import). */
import type { CryptoCache } from '../../src/crypto/crypto-cache.js';

const entry = (volumeName: string, fill: string, added: number) => ({
  volumeName,
  encryptionKey: Buffer.from(fill.repeat(54).slice(0, 54), 'latin1'),
  added,
});

/** The cache the file starts with. */
export const oldCache = (): CryptoCache => ({ entries: [entry('Vol-0001', 'A', 1_795_392_493)] });
/** The cache a write puts there (different size, so a torn write could not pass for either). */
export const newCache = (): CryptoCache => ({
  entries: [entry('Vol-0001', 'B', 1_795_392_494), entry('Vol-0002', 'C', 1_795_392_495)],
});
