import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCryptoCache } from '../../src/crypto/crypto-cache.js';
import { jsonLines, runCli, tempDir } from '../support/cli.js';
import { runCliWithStdin } from '../support/crypto-cli.js';
import {
  catalogKeyTexts,
  fixtureKek,
  makeCatalog,
  newKek,
  NEW_KEK_TEXT,
  plaintextOf,
} from '../support/crypto-catalog.js';
import { CACHE_FILE, KEK_FILE, wrapPairs } from '../support/crypto-fixtures.js';

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

const PAIRS = wrapPairs();

function setUp() {
  const t = tempDir('sdpipe-keys-');
  cleanup = t.cleanup;
  const dir = t.dir;
  const catalog = makeCatalog(dir, [
    { volumeName: 'Full-0001', encryptionKey: PAIRS[0]!.wrapped, volStatus: 'Full' },
    { volumeName: 'Full-0002', encryptionKey: PAIRS[1]!.wrapped, volStatus: 'Purged' },
    { volumeName: 'NoKey-0003', encryptionKey: null },
  ]);
  const cache = join(dir, 'bareos-sd.9103.cryptoc');
  copyFileSync(CACHE_FILE, cache);
  const newKekFile = join(dir, 'new.kek');
  writeFileSync(newKekFile, NEW_KEK_TEXT);
  return { dir, catalog, cache, newKekFile };
}

describe('sdpipe keys rewrap', () => {
  it('re-wraps a catalog and a cache, and a second run finds everything done', async () => {
    const { catalog, cache, newKekFile } = setUp();
    const args = [
      'keys',
      'rewrap',
      '--old-kek',
      KEK_FILE,
      '--new-kek',
      newKekFile,
      '--catalog',
      catalog,
      '--cache',
      cache,
    ];
    const r = await runCli(...args);
    expect(r).toEqual({
      code: 0,
      stdout:
        `catalog ${catalog}: 2 re-wrapped, 0 already under the new KEK, 0 not wrapped\n` +
        `cache ${cache}: 2 re-wrapped, 0 already under the new KEK, 1 not wrapped (TestVol-0001)\n`,
      stderr: '',
    });
    const keys = catalogKeyTexts(catalog);
    expect(keys.map((k) => plaintextOf(k.key, newKek()))).toEqual([PAIRS[0]!.plaintext, PAIRS[1]!.plaintext]);
    const again = await runCli(...args, '--json');
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout)).toEqual([
      {
        kind: 'rewrap',
        store: 'catalog',
        file: catalog,
        rewrapped: [],
        current: ['Full-0001', 'Full-0002'],
        notWrapped: [],
      },
      {
        kind: 'rewrap',
        store: 'cache',
        file: cache,
        rewrapped: [],
        current: ['TestVol-0002', 'Full-0003'],
        notWrapped: ['TestVol-0001'],
      },
    ]);
    expect(decodeCryptoCache(readFileSync(cache)).entries).toHaveLength(3);
  });

  it('a wrong old KEK exits 1, names the store and volume, and changes nothing', async () => {
    const { dir, catalog, cache, newKekFile } = setUp();
    const before = [readFileSync(catalog), readFileSync(cache)];
    const wrong = join(dir, 'wrong.kek');
    writeFileSync(wrong, 'definitely-wrong-kek');
    const r = await runCli(
      'keys',
      'rewrap',
      '--old-kek',
      wrong,
      '--new-kek',
      newKekFile,
      '--catalog',
      catalog,
      '--cache',
      cache,
      '--json',
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(jsonLines(r.stderr)[0]).toMatchObject({
      error: 'SDP_KEY_UNWRAP',
      store: 'catalog',
      volume: 'Full-0001',
      file: catalog,
    });
    expect([readFileSync(catalog), readFileSync(cache)]).toEqual(before);
  });

  it('usage errors: no store, same KEKs, short KEK', async () => {
    const { dir, cache } = setUp();
    expect((await runCli('keys', 'rewrap', '--old-kek', KEK_FILE, '--new-kek', KEK_FILE)).code).toBe(2);
    expect(
      (await runCli('keys', 'rewrap', '--old-kek', KEK_FILE, '--new-kek', KEK_FILE, '--cache', cache)).code,
    ).toBe(2);
    const short = join(dir, 'short.kek');
    writeFileSync(short, 'short\n');
    const r = await runCli('keys', 'rewrap', '--old-kek', KEK_FILE, '--new-kek', short, '--cache', cache);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SDP_KEK_SHORT');
    expect((await runCli('keys')).code).toBe(2);
    expect((await runCli('keys', 'frobnicate')).code).toBe(2);
  });
});

describe('sdpipe keys rotate / retire / list / export', () => {
  it('rotates a purged volume, keeps the old key for export --previous, retires it', async () => {
    const { catalog } = setUp();
    const rot = await runCli(
      'keys',
      'rotate',
      '--catalog',
      catalog,
      '--volume',
      'Full-0002',
      '--kek',
      KEK_FILE,
    );
    expect(rot).toEqual({
      code: 0,
      stdout:
        "If the volume is currently mounted, remount before use!\nGenerated new encryption key for volume 'Full-0002' in catalog.\n",
      stderr: '',
    });
    const list = await runCli('keys', 'list', '--catalog', catalog, '--json');
    expect(jsonLines(list.stdout).map((o) => [o.volume, o.role, o.wrapped])).toEqual([
      ['Full-0001', 'current', true],
      ['Full-0002', 'current', true],
      ['Full-0002', 'previous', true],
    ]);
    const previous = await runCli('keys', 'export', '--catalog', catalog, '--previous');
    expect(previous.stdout).toBe(`Full-0002\t${PAIRS[1]!.wrapped}\n`);
    const current = await runCli('keys', 'export', '--catalog', catalog);
    const lines = current.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(lines.map((l) => l[0])).toEqual(['Full-0001', 'Full-0002']);
    expect(plaintextOf(lines[1]![1]!, fixtureKek())).toMatch(/^.{32}$/);
    expect(lines[1]![1]).not.toBe(PAIRS[1]!.wrapped);
    const retire = await runCli('keys', 'retire', '--catalog', catalog, '--volume', 'Full-0002', '--json');
    expect(jsonLines(retire.stdout)).toEqual([{ kind: 'retire', volume: 'Full-0002', retired: 1 }]);
    expect((await runCli('keys', 'export', '--catalog', catalog, '--previous')).stdout).toBe('');
  });

  it('refuses to rotate a volume that is not purged, or with the wrong KEK', async () => {
    const { catalog, newKekFile } = setUp();
    const full = await runCli(
      'keys',
      'rotate',
      '--catalog',
      catalog,
      '--volume',
      'Full-0001',
      '--kek',
      KEK_FILE,
    );
    expect(full.code).toBe(1);
    expect(full.stderr).toContain(
      "SDP_KEY_ROTATE: Rotating encryption key for volume 'Full-0001' requires volstatus=Purged or Recycle",
    );
    const wrong = await runCli(
      'keys',
      'rotate',
      '--catalog',
      catalog,
      '--volume',
      'Full-0002',
      '--kek',
      newKekFile,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('SDP_KEY_UNWRAP');
  });

  it('export output rebuilds a crypto cache with bscrypto -p', async () => {
    const { dir, catalog } = setUp();
    const exported = await runCli('keys', 'export', '--catalog', catalog);
    const file = join(dir, 'rebuilt.cryptoc');
    const p = await runCliWithStdin(exported.stdout, 'bscrypto', '-p', file);
    expect(p.code).toBe(0);
    const entries = decodeCryptoCache(readFileSync(file)).entries;
    expect(entries.map((e) => [e.volumeName, e.encryptionKey.toString('latin1')])).toEqual([
      ['Full-0001', PAIRS[0]!.wrapped],
      ['Full-0002', PAIRS[1]!.wrapped],
    ]);
  });
});
