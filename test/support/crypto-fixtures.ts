/**
 * The Bareos 25 bscrypto fixtures (`bareos-25/bscrypto/`, README section "bscrypto"), parsed into the
 * pairs the tests compare against: plaintext passphrases with their wrapped or base64 forms.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BAREOS25, readFixture, readFixtureText } from './fixtures.js';

export const BSCRYPTO = join(BAREOS25, 'bscrypto');
export const KEK_FILE = join(BSCRYPTO, 'wrap/kek_fixed.key');
export const CACHE_FILE = join(BSCRYPTO, 'cache/cache_after_populate_1.cryptoc');
export const ENTRIES_TSV = join(BSCRYPTO, 'cache/entries_1.tsv');

export const bscryptoFixture = (...p: string[]): Buffer => readFixture('bareos-25', 'bscrypto', ...p);
export const bscryptoText = (...p: string[]): string => readFixtureText('bareos-25', 'bscrypto', ...p);
export const bscryptoFiles = (dir: string, pattern: RegExp): string[] =>
  readdirSync(join(BSCRYPTO, dir))
    .filter((f) => pattern.test(f))
    .sort();

/** `Generated passphrase = …` of a debug transcript. */
export function generatedPassphrase(debug: string): string {
  const m = /Generated passphrase = (.{32})\n/.exec(debug);
  if (!m) throw new Error('no "Generated passphrase" line');
  return m[1]!;
}

/** The value after the last `Keydata = ` of a debug transcript. */
export function keydata(debug: string): string {
  const all = [...debug.matchAll(/Keydata = (\S*)\n/g)];
  const last = all.at(-1);
  if (!last) throw new Error('no "Keydata" line');
  return last[1]!;
}

/** A wrapped key of the fixtures with its plaintext; all are wrapped under `wrap/kek_fixed.key`. */
export interface WrapPair {
  readonly source: string;
  readonly plaintext: string;
  readonly wrapped: string;
}

/** Every (plaintext, wrapped) pair the fixtures hold. */
export function wrapPairs(): WrapPair[] {
  const pairs: WrapPair[] = [];
  for (const f of bscryptoFiles('wrap', /^wrapped_kek_fixed_debug_\d+\.txt$/)) {
    const t = bscryptoText('wrap', f);
    pairs.push({ source: f, plaintext: generatedPassphrase(t), wrapped: keydata(t) });
  }
  for (const f of bscryptoFiles('wrap', /^wrapped_kek_fixed_file_\d+\.key$/)) {
    const n = /_(\d+)\.key$/.exec(f)![1]!;
    const wrapped = bscryptoText('wrap', f);
    const plaintext = bscryptoText('wrap', `unwrapped_kek_fixed_file_${n}.txt`).replace(/\n$/, '');
    const debug = bscryptoText('wrap', `wrapped_kek_fixed_file_${n}_debug.txt`);
    if (generatedPassphrase(debug) !== plaintext || keydata(debug) !== wrapped) {
      throw new Error(`fixture ${f}: debug transcript disagrees with the files`);
    }
    pairs.push({ source: f, plaintext, wrapped });
  }
  return pairs;
}

/** `-b -g - -d 10` transcripts: the passphrase and its base64 form. */
export function base64Pairs(): { source: string; plaintext: string; base64: string }[] {
  return bscryptoFiles('keys', /^gen_b64_debug_stdout_\d+\.txt$/).map((f) => {
    const t = bscryptoText('keys', f);
    return { source: f, plaintext: generatedPassphrase(t), base64: keydata(t) };
  });
}
