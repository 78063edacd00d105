import { describe, expect, it } from 'vitest';
import { generatePassphrase, isPassphraseText, PASSPHRASE_ALPHABET } from '../../src/crypto/passphrase.js';
import { bscryptoFiles, bscryptoText, generatedPassphrase } from '../support/crypto-fixtures.js';

describe('passphrases', () => {
  it("use Bareos' 90 characters, in its order", () => {
    expect(PASSPHRASE_ALPHABET).toHaveLength(90);
    expect(new Set(PASSPHRASE_ALPHABET).size).toBe(90);
    expect(
      PASSPHRASE_ALPHABET.startsWith('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#'),
    ).toBe(true);
    expect(PASSPHRASE_ALPHABET).not.toMatch(/["'`\\ ]/);
  });

  it('are 32 characters of the set, different every time, and use the whole set', () => {
    const seen = new Set<string>();
    const chars = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const p = generatePassphrase();
      expect(p).toHaveLength(32);
      expect(isPassphraseText(p)).toBe(true);
      seen.add(p.toString('latin1'));
      for (const c of p.toString('latin1')) chars.add(c);
    }
    expect(seen.size).toBe(400);
    expect(chars.size).toBe(90);
  });

  it('have the shape of every passphrase in the fixtures', () => {
    const fromFixtures = [
      ...bscryptoFiles('keys', /^gen_stdout_\d+\.txt$/).map((f) =>
        bscryptoText('keys', f).replace(/\n$/, ''),
      ),
      ...bscryptoFiles('keys', /^gen_file_\d+\.key$/).map((f) => bscryptoText('keys', f)),
      ...bscryptoFiles('keys', /^gen_b64_debug_stdout_\d+\.txt$/).map((f) =>
        generatedPassphrase(bscryptoText('keys', f)),
      ),
    ];
    expect(fromFixtures.length).toBeGreaterThanOrEqual(9);
    for (const p of fromFixtures) {
      expect(p).toHaveLength(32);
      expect(isPassphraseText(Buffer.from(p, 'latin1'))).toBe(true);
    }
  });
});
