import { describe, expect, it } from 'vitest';
import { decodeKeyBase64, encodeKeyBase64 } from '../../src/crypto/bareos-base64.js';
import {
  cacheEntryLines,
  generatedKeyText,
  shownKeyText,
  unwrapKeyText,
} from '../../src/crypto/bscrypto-keys.js';
import { SdpipeError } from '../../src/errors.js';
import { fixtureKek } from '../support/crypto-catalog.js';
import { bscryptoText, wrapPairs } from '../support/crypto-fixtures.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const s = (x: Buffer) => x.toString('latin1');

describe('what bscrypto does to key text', () => {
  const pair = wrapPairs()[0]!;

  it('-g: the passphrase, its base64, or the base64 of its wrap', () => {
    const plain = b(pair.plaintext);
    expect(generatedKeyText(plain, { base64: false })).toEqual({ text: plain, keydata: Buffer.alloc(0) });
    const b64 = generatedKeyText(plain, { base64: true });
    expect(s(b64.text)).toBe(s(encodeKeyBase64(plain)));
    expect(b64.keydata).toEqual(b64.text);
    for (const base64 of [false, true]) {
      expect(s(generatedKeyText(plain, { base64, kek: fixtureKek() }).text)).toBe(pair.wrapped);
    }
  });

  it('-k: the first 32 bytes; -b decodes first, and shows nothing for text too long for 36 bytes', () => {
    expect(s(shownKeyText(b('0123456789012345678901234567890123456789'), false))).toBe(
      '01234567890123456789012345678901',
    );
    expect(s(shownKeyText(b(`${pair.plaintext}`), false))).toBe(pair.plaintext);
    const b64 = bscryptoText('keys', 'gen_b64_file_1.key');
    expect(s(shownKeyText(b(b64), true))).toBe(s(decodeKeyBase64(b64)));
    // A 54-character wrapped key with -b but without -w: Bareos' decoder refuses it (observed shape).
    expect(shownKeyText(b(pair.wrapped), true)).toHaveLength(0);
    // Decoded bytes are printed as a C string.
    expect(s(shownKeyText(encodeKeyBase64(b('ab\0cd')), true))).toBe('ab');
  });

  it('-k -w: unwraps the base64 text; "=" padding and trailing bytes beyond 40 are tolerated', () => {
    expect(s(unwrapKeyText(b(pair.wrapped), fixtureKek()))).toBe(pair.plaintext);
    expect(s(unwrapKeyText(b(`${pair.wrapped}==`), fixtureKek()))).toBe(pair.plaintext);
    // Decoding stops at a space, but the length check counts the whole text (as Bareos' does).
    expect(s(unwrapKeyText(b(`${pair.wrapped} x`), fixtureKek()))).toBe(pair.plaintext);
    expect(() => unwrapKeyText(b(`${pair.wrapped} comment`), fixtureKek())).toThrow(SdpipeError);
    const codeOf = (text: string) => {
      try {
        unwrapKeyText(b(text), fixtureKek());
      } catch (e) {
        return (e as SdpipeError).code;
      }
      return undefined;
    };
    expect(codeOf('')).toBe('SDP_KEY_BASE64');
    expect(codeOf('A'.repeat(57))).toBe('SDP_KEY_BASE64');
    expect(codeOf(pair.plaintext)).toBe('SDP_KEY_UNWRAP');
    expect(codeOf(pair.wrapped.slice(0, 40))).toBe('SDP_KEY_UNWRAP');
  });

  it('-p: VolumeName<TAB>Key lines, trailing junk removed, a line without TAB ends the input', () => {
    const entries = cacheEntryLines(b('Vol 1\tkey one  \r\nVol-2\tk\t2\n\nVol-3\tk3\n'));
    expect(entries.map((e) => [e.volumeName, s(e.key)])).toEqual([
      ['Vol 1', 'key one'],
      ['Vol-2', 'k\t2'],
    ]);
    expect(cacheEntryLines(b('no tab here\nV\tK\n'))).toEqual([]);
    expect(cacheEntryLines(b('V\tK'))).toHaveLength(1);
    expect(cacheEntryLines(b(bscryptoText('cache', 'entries_1.tsv'))).map((e) => e.volumeName)).toEqual([
      'TestVol-0001',
      'TestVol-0002',
      'Full-0003',
    ]);
  });
});
