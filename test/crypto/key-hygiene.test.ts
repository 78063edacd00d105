/**
 * Key hygiene: every key command is run with real keys and KEKs, and everything it prints is scanned.
 * A key may appear only where printing it is the command's purpose (`bscrypto -g -`, `-k`, `-D`,
 * `keys export`), exactly as often as that output needs; KEKs never; errors and `--json` never.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCryptoCache } from '../../src/crypto/crypto-cache.js';
import { encodeKeyBase64 } from '../../src/crypto/bareos-base64.js';
import { tempDir } from '../support/cli.js';
import { runCliWithStdin } from '../support/crypto-cli.js';
import { catalogKeyTexts, makeCatalog, NEW_KEK_TEXT } from '../support/crypto-catalog.js';
import { CACHE_FILE, KEK_FILE, wrapPairs } from '../support/crypto-fixtures.js';

const PAIRS = wrapPairs();
const KEK_TEXT = readFileSync(KEK_FILE, 'latin1');

let dir = '';
let cleanup: () => void = () => undefined;
const secrets = new Set<string>();
const addSecret = (s: string) => {
  if (s.length >= 12) secrets.add(s);
};

beforeAll(() => {
  ({ dir, cleanup } = tempDir('sdpipe-hygiene-'));
  for (const p of PAIRS) {
    addSecret(p.plaintext);
    addSecret(p.wrapped);
    addSecret(encodeKeyBase64(Buffer.from(p.plaintext)).toString('latin1'));
  }
  for (const e of decodeCryptoCache(readFileSync(CACHE_FILE)).entries)
    addSecret(e.encryptionKey.toString('latin1'));
  addSecret(KEK_TEXT);
  addSecret(KEK_TEXT.slice(0, 16));
  addSecret(NEW_KEK_TEXT.trim());
  addSecret(NEW_KEK_TEXT.slice(0, 16));
});
afterAll(() => cleanup());

/** Occurrences of `needle` in `hay`. */
const occurrences = (hay: string, needle: string) => hay.split(needle).length - 1;

interface Scenario {
  readonly name: string;
  readonly argv: (f: Files) => string[];
  readonly stdin?: (f: Files) => string;
  /** Secrets the command prints on purpose, with how often (stdout only). */
  readonly allowed?: (f: Files, stdout: string) => Record<string, number>;
  /** A key the command generates: found in its output or file afterwards, treated as a secret. */
  readonly generated?: (stdout: string, f: Files) => string[];
}

interface Files {
  readonly wrapped: string;
  readonly plain: string;
  readonly cache: string;
  readonly catalog: string;
  readonly newKek: string;
  readonly wrongKek: string;
  readonly genFile: string;
}

function files(): Files {
  const wrapped = join(dir, 'wrapped.key');
  writeFileSync(wrapped, `${PAIRS[0]!.wrapped}\n`);
  const plain = join(dir, 'plain.key');
  writeFileSync(plain, PAIRS[1]!.plaintext);
  const cache = join(dir, `cache-${Math.random().toString(36).slice(2)}.cryptoc`);
  copyFileSync(CACHE_FILE, cache);
  const newKek = join(dir, 'new.kek');
  writeFileSync(newKek, NEW_KEK_TEXT);
  const wrongKek = join(dir, 'wrong.kek');
  writeFileSync(wrongKek, 'WRONG-WRONG-WRONG-KEK');
  const catalog = makeCatalog(
    dir,
    [
      { volumeName: 'V1', encryptionKey: PAIRS[2]!.wrapped, volStatus: 'Purged' },
      { volumeName: 'V2', encryptionKey: PAIRS[3]!.wrapped },
    ],
    `catalog-${Math.random().toString(36).slice(2)}.db`,
  );
  return {
    wrapped,
    plain,
    cache,
    catalog,
    newKek,
    wrongKek,
    genFile: join(dir, `gen-${Math.random().toString(36).slice(2)}.key`),
  };
}

const firstLine = (s: string) => s.split('\n')[0]!;
/** The key `-g - -d 10` prints: the start of its second line, before the debug line glued to it. */
const printedKey = (stdout: string) => stdout.split('\n')[1]!.split(' (')[0]!;
const cacheKeys = (f: Files) =>
  Object.fromEntries(
    decodeCryptoCache(readFileSync(f.cache)).entries.map((e) => [e.encryptionKey.toString('latin1'), 1]),
  );

const SCENARIOS: Scenario[] = [
  {
    name: 'bscrypto -g FILE -d 10',
    argv: (f) => ['bscrypto', '-d', '10', '-g', f.genFile],
    generated: (_o, f) => [readFileSync(f.genFile, 'latin1')],
  },
  {
    name: 'bscrypto -b -g FILE -d 10',
    argv: (f) => ['bscrypto', '-d', '10', '-b', '-g', f.genFile],
    generated: (_o, f) => [readFileSync(f.genFile, 'latin1')],
  },
  {
    name: 'bscrypto -g FILE -w KEK -d 10',
    argv: (f) => ['bscrypto', '-d', '10', '-g', f.genFile, '-w', KEK_FILE],
    generated: (_o, f) => [readFileSync(f.genFile, 'latin1')],
  },
  {
    name: 'bscrypto -g - -d 10',
    argv: () => ['bscrypto', '-d', '10', '-g', '-'],
    generated: (o) => [printedKey(o)],
    allowed: (_f, o) => ({ [printedKey(o)]: 1 }),
  },
  {
    name: 'bscrypto -k WRAPPED -w KEK -d 10',
    argv: (f) => ['bscrypto', '-d', '10', '-k', f.wrapped, '-w', KEK_FILE],
    allowed: () => ({ [PAIRS[0]!.plaintext]: 1 }),
  },
  {
    name: 'bscrypto -k WRAPPED -w WRONG -d 10',
    argv: (f) => ['bscrypto', '-d', '10', '-k', f.wrapped, '-w', f.wrongKek],
  },
  {
    name: 'bscrypto -k PLAIN -d 10',
    argv: (f) => ['bscrypto', '-d', '10', '-k', f.plain],
    allowed: () => ({ [PAIRS[1]!.plaintext]: 1 }),
  },
  {
    name: 'bscrypto -k - -w - -d 10 (keys on stdin)',
    argv: () => ['bscrypto', '-d', '10', '-k', '-', '-w', '-'],
    stdin: () => `${PAIRS[0]!.wrapped}\n`,
  },
  {
    name: 'bscrypto -s WRAPPED -w KEK dev -d 10',
    argv: (f) => ['bscrypto', '-d', '10', '-s', f.wrapped, '-w', KEK_FILE, '/dev/nst0'],
  },
  {
    name: 'bscrypto -p CACHE -d 10',
    argv: (f) => ['bscrypto', '-d', '10', '-p', f.cache],
    stdin: () => `New-1\t${PAIRS[0]!.wrapped}\nNew-2\t${PAIRS[1]!.plaintext}\n`,
  },
  { name: 'bscrypto -r CACHE -d 10', argv: (f) => ['bscrypto', '-d', '10', '-r', f.cache] },
  {
    name: 'bscrypto -D CACHE -d 10',
    argv: (f) => ['bscrypto', '-d', '10', '-D', f.cache],
    allowed: cacheKeys,
  },
  { name: 'bscrypto parse error', argv: (f) => ['bscrypto', '-k', f.wrapped, '-w', KEK_FILE, 'a', 'b'] },
  {
    name: 'keys rewrap (text)',
    argv: (f) => [
      'keys',
      'rewrap',
      '--old-kek',
      KEK_FILE,
      '--new-kek',
      f.newKek,
      '--catalog',
      f.catalog,
      '--cache',
      f.cache,
    ],
    generated: (_o, f) => catalogKeyTexts(f.catalog).map((k) => k.key),
  },
  {
    name: 'keys rewrap --json',
    argv: (f) => [
      'keys',
      'rewrap',
      '--json',
      '--old-kek',
      KEK_FILE,
      '--new-kek',
      f.newKek,
      '--catalog',
      f.catalog,
      '--cache',
      f.cache,
    ],
    generated: (_o, f) => [...catalogKeyTexts(f.catalog).map((k) => k.key), ...Object.keys(cacheKeys(f))],
  },
  {
    name: 'keys rewrap --json with a wrong old KEK',
    argv: (f) => [
      'keys',
      'rewrap',
      '--json',
      '--old-kek',
      f.wrongKek,
      '--new-kek',
      f.newKek,
      '--catalog',
      f.catalog,
    ],
  },
  {
    name: 'keys rotate --json',
    argv: (f) => ['keys', 'rotate', '--json', '--catalog', f.catalog, '--volume', 'V1', '--kek', KEK_FILE],
    generated: (_o, f) => catalogKeyTexts(f.catalog).map((k) => k.key),
  },
  {
    name: 'keys rotate with a wrong KEK',
    argv: (f) => ['keys', 'rotate', '--catalog', f.catalog, '--volume', 'V1', '--kek', f.newKek],
  },
  { name: 'keys list --json', argv: (f) => ['keys', 'list', '--json', '--catalog', f.catalog] },
  { name: 'keys list', argv: (f) => ['keys', 'list', '--catalog', f.catalog] },
  {
    name: 'keys export',
    argv: (f) => ['keys', 'export', '--catalog', f.catalog],
    allowed: () => ({ [PAIRS[2]!.wrapped]: 1, [PAIRS[3]!.wrapped]: 1 }),
  },
];

describe('no key or KEK in any output but the one a command exists to print', () => {
  it.each(SCENARIOS)('$name', async (s) => {
    const f = files();
    const r = await runCliWithStdin(s.stdin?.(f) ?? '', ...s.argv(f));
    const all = new Set(secrets);
    for (const g of s.generated?.(r.stdout, f) ?? []) if (g.length >= 12) all.add(g);
    const allowed = s.allowed?.(f, r.stdout) ?? {};
    for (const secret of all) {
      expect(occurrences(r.stderr, secret), `${secret} in stderr`).toBe(0);
      const expected = allowed[secret] ?? 0;
      expect(occurrences(r.stdout, secret), `${secret} in stdout`).toBeLessThanOrEqual(expected);
    }
    if (s.argv(f).includes('--json')) {
      for (const line of [...r.stdout.split('\n'), ...r.stderr.split('\n')].filter(Boolean)) {
        const text = JSON.stringify(JSON.parse(line));
        for (const secret of all) expect(text.includes(secret), `${secret} in JSON`).toBe(false);
      }
    }
  });

  it('bscrypto -g - prints its key exactly once, on its result line', async () => {
    const r = await runCliWithStdin('', 'bscrypto', '-d', '10', '-g', '-', '-w', KEK_FILE);
    const key = firstLine(r.stdout.split('\n').find((l) => /^[A-Za-z0-9+/]{54} \(10\)/.test(l))!).split(
      ' ',
    )[0]!;
    expect(occurrences(r.stdout, key)).toBe(1);
    expect(r.stdout).not.toContain(KEK_TEXT.slice(0, 16));
  });
});
