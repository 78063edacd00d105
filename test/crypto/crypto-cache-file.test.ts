import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ATOMIC_WRITE_STEPS } from '../../src/crypto/atomic-file.js';
import {
  readCryptoCacheFile,
  updateCryptoCacheFile,
  writeCryptoCacheFile,
} from '../../src/crypto/crypto-cache-file.js';
import { decodeCryptoCache, encodeCryptoCache, updateCryptoCache } from '../../src/crypto/crypto-cache.js';
import { SdpipeError } from '../../src/errors.js';
import { tempDir } from '../support/cli.js';
import { spawnTsChild } from '../support/crypto-cli.js';
import { CACHE_FILE } from '../support/crypto-fixtures.js';
import { newCache, oldCache } from '../support/crypto-cache-states.js';

const WRITER = fileURLToPath(new URL('../support/crypto-cache-writer.ts', import.meta.url));

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});
const scratch = () => {
  const t = tempDir('sdpipe-cryptoc-');
  cleanup = t.cleanup;
  return t.dir;
};

const rejectCode = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof SdpipeError) return e.code;
    throw e;
  }
  return undefined;
};

describe('crypto cache files', () => {
  it('a missing file is no cache; a written file has mode 0600 and reads back', async () => {
    const dir = scratch();
    const file = join(dir, 'bareos-sd.9103.cryptoc');
    expect(await readCryptoCacheFile(file)).toBeUndefined();
    const cache = decodeCryptoCache(readFileSync(CACHE_FILE));
    await writeCryptoCacheFile(file, cache);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const back = await readCryptoCacheFile(file);
    expect(back?.cache).toEqual(cache);
    expect(readdirSync(dir)).toEqual(['bareos-sd.9103.cryptoc']);
  });

  it('never replaces or deletes a file it cannot parse (Bareos deletes it)', async () => {
    const dir = scratch();
    const truncated = join(dir, 'truncated.cryptoc');
    const foreign = join(dir, 'foreign.cryptoc');
    const bytes = readFileSync(CACHE_FILE);
    writeFileSync(truncated, bytes.subarray(0, 300));
    writeFileSync(foreign, 'not a cache at all, but 32 bytes or more of text\n');
    for (const [file, code] of [
      [truncated, 'SDP_CRYPTO_CACHE_TRUNCATED'],
      [foreign, 'SDP_CRYPTO_CACHE_FORMAT'],
    ] as const) {
      const before = readFileSync(file);
      expect(await rejectCode(readCryptoCacheFile(file))).toBe(code);
      expect(await rejectCode(writeCryptoCacheFile(file, oldCache()))).toBe(code);
      expect(
        await rejectCode(
          updateCryptoCacheFile(file, (c) => {
            updateCryptoCache(c ?? { entries: [] }, 'V', Buffer.from('k'), 1);
            return c;
          }),
        ),
      ).toBe(code);
      expect(readFileSync(file)).toEqual(before);
    }
    expect(readdirSync(dir).sort()).toEqual(['foreign.cryptoc', 'truncated.cryptoc']);
  });

  it('a read-modify-write does not overwrite a concurrent change', async () => {
    const file = join(scratch(), 'c.cryptoc');
    await writeCryptoCacheFile(file, oldCache());
    const code = await rejectCode(
      updateCryptoCacheFile(file, (c) => {
        writeFileSync(file, encodeCryptoCache(newCache()));
        return c;
      }),
    );
    expect(code).toBe('SDP_CRYPTO_CACHE_IO');
    expect(readFileSync(file)).toEqual(encodeCryptoCache(newCache()));
  });

  it('writing no cache creates no file', async () => {
    const file = join(scratch(), 'none.cryptoc');
    expect(await updateCryptoCacheFile(file, (c) => c)).toBeUndefined();
    expect(existsSync(file)).toBe(false);
  });
});

/** Kills a child writer and checks the file is exactly the old or the new cache. */
describe('an interrupted cache update leaves the old or the new file', () => {
  const OLD = encodeCryptoCache(oldCache());
  const NEW = encodeCryptoCache(newCache());

  const runChild = (args: string[]) =>
    new Promise<{ signal: NodeJS.Signals | null; out: string }>((resolve) => {
      const child = spawnTsChild(WRITER, args);
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (_code, signal) => resolve({ signal, out }));
    });

  it.each(ATOMIC_WRITE_STEPS)('killed just before %s', async (step) => {
    const file = join(scratch(), 'bareos-sd.9103.cryptoc');
    writeFileSync(file, OLD);
    const { signal, out } = await runChild(['crash', file, step]);
    expect(signal).toBe('SIGKILL');
    expect(out).toBe('');
    const after = readFileSync(file);
    // Before the rename the old file is there; from the rename on, the new one.
    const renamed = ATOMIC_WRITE_STEPS.indexOf(step) > ATOMIC_WRITE_STEPS.indexOf('rename');
    expect(after).toEqual(renamed ? NEW : OLD);
    expect(decodeCryptoCache(after)).toBeDefined();
  });

  it('killed at random moments while updating in a loop', async () => {
    const dir = scratch();
    const file = join(dir, 'bareos-sd.9103.cryptoc');
    writeFileSync(file, OLD);
    copyFileSync(file, join(dir, 'reference'));
    const seen = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const child = spawnTsChild(WRITER, ['loop', file]);
      await new Promise<void>((resolve) => {
        child.stdout?.once('data', () => resolve());
      });
      // The writer loops as fast as it can; kill it somewhere inside a write.
      await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 60)));
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGKILL');
      await exited;
      const after = readFileSync(file);
      const which = after.equals(OLD) ? 'old' : after.equals(NEW) ? 'new' : 'torn';
      expect(which).not.toBe('torn');
      seen.add(which);
    }
    expect(seen.size).toBeGreaterThan(0);
  });
});
