/**
 * Child process for the kill-during-write tests (run through tsx). Two known caches, OLD and NEW:
 *   loop  <file>         flips the file between OLD and NEW forever (the parent kills it at random times);
 *   crash <file> <step>  writes NEW over OLD and SIGKILLs itself just before the atomic-write `step`.
 */
import { writeCryptoCacheFile, updateCryptoCacheFile } from '../../src/crypto/crypto-cache-file.js';
import { encodeCryptoCache } from '../../src/crypto/crypto-cache.js';
import { newCache, oldCache } from './crypto-cache-states.js';

const [mode, file, step] = process.argv.slice(2);
if (mode === 'loop' && file) {
  const oldBytes = encodeCryptoCache(oldCache());
  let first = true;
  for (;;) {
    await updateCryptoCacheFile(file, (cache) => {
      const isOld = cache !== undefined && encodeCryptoCache(cache).equals(oldBytes);
      return isOld ? newCache() : oldCache();
    });
    if (first) {
      process.stdout.write('ready\n');
      first = false;
    }
  }
} else if (mode === 'crash' && file && step) {
  await writeCryptoCacheFile(file, newCache(), {
    beforeStep: (s) => {
      if (s === step) process.kill(process.pid, 'SIGKILL');
    },
  });
  process.stdout.write('completed\n');
}
