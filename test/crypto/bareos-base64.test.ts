import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeKeyBase64,
  encodeKeyBase64,
  isKeyBase64Of,
  keyBase64Length,
} from '../../src/crypto/bareos-base64.js';
import { SdpipeError } from '../../src/errors.js';
import { base64Pairs, bscryptoFiles, bscryptoText } from '../support/crypto-fixtures.js';

const enc = (b: Uint8Array | string) => encodeKeyBase64(Buffer.from(b)).toString('latin1');

describe('Bareos key base64', () => {
  it('is RFC 4648 base64 without padding (independent: Node Buffer)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        expect(enc(bytes)).toBe(Buffer.from(bytes).toString('base64').replace(/=+$/, ''));
        expect(enc(bytes)).toHaveLength(keyBase64Length(bytes.length));
      }),
    );
  });

  it('decode(encode(x)) = x and encode(decode(t)) = t (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const text = encodeKeyBase64(bytes);
        expect(decodeKeyBase64(text)).toEqual(Buffer.from(bytes));
        expect(encodeKeyBase64(decodeKeyBase64(text))).toEqual(text);
      }),
    );
  });

  it('has the lengths of the spec: 32 bytes → 43 characters, 40 → 54', () => {
    expect(keyBase64Length(32)).toBe(43);
    expect(keyBase64Length(40)).toBe(54);
  });

  it('encodes the spec example of a key stored without KEK', () => {
    expect(enc('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345')).toBe('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU');
  });

  it("decodes like Base64ToBin: stops at a space, '=' and unknown characters are 0, leftover bits dropped", () => {
    const text = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU';
    expect(decodeKeyBase64(text).toString('latin1')).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345');
    expect(decodeKeyBase64(`${text} trailing words`).toString('latin1')).toBe(
      'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345',
    );
    // '=' padding decodes as zero bits: one more (zero) byte for "==" on 43 → 44 characters.
    expect(decodeKeyBase64(`${text}=`)).toHaveLength(33);
    expect(decodeKeyBase64('QQ').toString('latin1')).toBe('A');
    expect(decodeKeyBase64('Q')).toHaveLength(0);
    expect(decodeKeyBase64('!!!!')).toEqual(Buffer.alloc(3));
  });

  it('refuses text too long for the buffer Bareos decodes into', () => {
    expect(decodeKeyBase64('A'.repeat(56), { destinationBytes: 44 })).toHaveLength(42);
    try {
      decodeKeyBase64('A'.repeat(57), { destinationBytes: 44 });
      expect.unreachable();
    } catch (e) {
      expect((e as SdpipeError).code).toBe('SDP_KEY_BASE64');
    }
  });

  it('tells the shape of a wrapped key', () => {
    const wrapped = encodeKeyBase64(Buffer.alloc(40, 7));
    expect(isKeyBase64Of(wrapped, 40)).toBe(true);
    expect(isKeyBase64Of(Buffer.concat([wrapped, Buffer.from('==')]), 40)).toBe(true);
    expect(isKeyBase64Of(encodeKeyBase64(Buffer.alloc(32, 7)), 40)).toBe(false);
    expect(isKeyBase64Of(Buffer.from('T(_dmKCMNk!q2!U)[rn0D]W@Z4f_FLq6'), 40)).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 40, maxLength: 40 }), (b) => {
        expect(isKeyBase64Of(encodeKeyBase64(b), 40)).toBe(true);
      }),
    );
  });

  it.each(base64Pairs())('fixture $source: the base64 of the passphrase is the printed key', (p) => {
    expect(enc(p.plaintext)).toBe(p.base64);
    expect(decodeKeyBase64(p.base64).toString('latin1')).toBe(p.plaintext);
    expect(
      bscryptoText('keys', p.source).startsWith(` (10): tools/bscrypto.cc:403-0 Generated passphrase = `),
    ).toBe(true);
  });

  it.each(
    [...bscryptoFiles('keys', /^gen_b64_/), 'gen_b64_file_1.key'].filter((f, i, a) => a.indexOf(f) === i),
  )('fixture %s holds 43-character base64 of a 32-byte key', (f) => {
    const text = bscryptoText('keys', f);
    const key = f.includes('debug') ? /Keydata = (\S+)/.exec(text)![1]! : text.replace(/\n$/, '');
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}$/);
    expect(decodeKeyBase64(key)).toHaveLength(32);
    expect(enc(decodeKeyBase64(key))).toBe(key);
  });
});
