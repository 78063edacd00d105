import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CryptoError, SdpipeError } from '../../src/errors.js';
import {
  aesKeyUnwrap,
  aesKeyWrap,
  kekFromDirective,
  unwrapVolumeKey,
  wrapVolumeKey,
  WRAP_IV,
} from '../../src/crypto/key-wrap.js';
import { kekFromKeyFile, keyFileBits } from '../../src/crypto/key-file.js';
import { decodeKeyBase64, encodeKeyBase64 } from '../../src/crypto/bareos-base64.js';
import { catalogKeyFor, volumeKeyFromCatalogKey } from '../../src/crypto/volume-key.js';
import { forgeKeyUnwrap, forgeKeyWrap } from '../support/crypto-forge.js';
import { bscryptoFixture, wrapPairs } from '../support/crypto-fixtures.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const range = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => i));

/** RFC 3394 §4 and the spec's 128-bit-KEK / 256-bit-data vectors (crypto.md §1). */
const VECTORS = [
  {
    name: 'RFC 3394 §4.1 (128-bit KEK, 128-bit data)',
    kek: range(16),
    data: hex('00112233445566778899AABBCCDDEEFF'),
    wrapped: hex('1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5'),
  },
  {
    name: 'RFC 3394 §4.2 (192-bit KEK, 128-bit data)',
    kek: range(24),
    data: hex('00112233445566778899AABBCCDDEEFF'),
    wrapped: hex('96778B25AE6CA435 F92B5B97C050AED2 468AB8A17AD84E5D'),
  },
  {
    name: 'RFC 3394 §4.6 (256-bit KEK, 256-bit data)',
    kek: range(32),
    data: hex('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F'),
    wrapped: hex('28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21'),
  },
  {
    name: 'spec: 128-bit KEK, 256-bit data',
    kek: range(16),
    data: hex('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F'),
    wrapped: hex('11826840774D993F F9C2FA02CCA3CEA0 E93B1E1CF96361F9 3EA6DC2F345194E7 B30F964C79F9E61D'),
  },
  {
    name: 'spec: ASCII KEK and passphrase',
    kek: Buffer.from('TestKEK-16bytes!'),
    data: Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'),
    wrapped: hex('F7AB081011220950 403BC2217E05CD8D 8C336C6470711A46 EED0B6D5DEB767A3 EAEE19DC26798041'),
  },
];

describe('RFC 3394 key wrap', () => {
  it.each(VECTORS)('$name: wrap, unwrap, and the independent forge implementation agree', (v) => {
    expect(aesKeyWrap(v.kek, v.data)).toEqual(v.wrapped);
    expect(aesKeyUnwrap(v.kek, v.wrapped)).toEqual(v.data);
    expect(forgeKeyWrap(v.kek, v.data)).toEqual(v.wrapped);
    expect(forgeKeyUnwrap(v.kek, v.wrapped)).toEqual(v.data);
  });

  it('the spec vector gives the documented unpadded base64', () => {
    const v = VECTORS[4]!;
    expect(encodeKeyBase64(v.wrapped).toString('latin1')).toBe(
      '96sIEBEiCVBAO8IhfgXNjYwzbGRwcRpG7tC21d63Z6Pq7hncJnmAQQ',
    );
    expect(catalogKeyFor(v.data, v.kek).toString('latin1')).toBe(
      '96sIEBEiCVBAO8IhfgXNjYwzbGRwcRpG7tC21d63Z6Pq7hncJnmAQQ',
    );
  });

  it('uses the RFC 3394 default IV', () => {
    expect(WRAP_IV.toString('hex')).toBe('a6a6a6a6a6a6a6a6');
  });

  it('a wrong KEK fails the integrity check with a typed error and no bytes', () => {
    const v = VECTORS[3]!;
    const wrong = Buffer.from(v.kek);
    wrong[0]! ^= 1;
    let thrown: unknown;
    let result: unknown;
    try {
      result = aesKeyUnwrap(wrong, v.wrapped, { volume: 'Vol-1' });
    } catch (e) {
      thrown = e;
    }
    expect(result).toBeUndefined();
    expect(thrown).toBeInstanceOf(CryptoError);
    expect((thrown as CryptoError).code).toBe('SDP_KEY_UNWRAP');
    expect((thrown as CryptoError).context).toMatchObject({ volume: 'Vol-1', reason: 'integrity' });
    expect(forgeKeyUnwrap(wrong, v.wrapped)).toBeUndefined();
  });

  it('a damaged wrapped key fails the integrity check', () => {
    fc.assert(
      fc.property(fc.nat({ max: 39 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const v = VECTORS[3]!;
        const damaged = Buffer.from(v.wrapped);
        damaged[at]! ^= flip;
        expect(() => aesKeyUnwrap(v.kek, damaged)).toThrow(CryptoError);
      }),
    );
  });

  it('bad lengths are typed errors', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as SdpipeError).code;
      }
      return undefined;
    };
    expect(codeOf(() => aesKeyWrap(range(15), range(16)))).toBe('SDP_KEY_WRAP');
    expect(codeOf(() => aesKeyWrap(range(16), range(12)))).toBe('SDP_KEY_WRAP');
    expect(codeOf(() => aesKeyWrap(range(16), range(8)))).toBe('SDP_KEY_WRAP');
    expect(codeOf(() => aesKeyUnwrap(range(16), range(20)))).toBe('SDP_KEY_UNWRAP');
    expect(codeOf(() => wrapVolumeKey(range(24), range(32)))).toBe('SDP_KEY_WRAP');
    expect(codeOf(() => unwrapVolumeKey(range(16), range(48)))).toBe('SDP_KEY_UNWRAP');
    expect(codeOf(() => kekFromDirective('short'))).toBe('SDP_KEK_SHORT');
  });

  it('wrap/unwrap identity and agreement with forge for arbitrary keys and KEKs (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(16, 24, 32),
        fc.integer({ min: 2, max: 8 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (kekBytes, semiblocks, kekSeed, dataSeed) => {
          const kek = kekSeed.subarray(0, kekBytes);
          const data = dataSeed.subarray(0, semiblocks * 8);
          const wrapped = aesKeyWrap(kek, data);
          expect(wrapped.length).toBe(data.length + 8);
          expect(wrapped).toEqual(forgeKeyWrap(kek, data));
          expect(aesKeyUnwrap(kek, wrapped)).toEqual(Buffer.from(data));
          expect(forgeKeyUnwrap(kek, wrapped)).toEqual(Buffer.from(data));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('Bareos volume keys (fixtures wrapped under wrap/kek_fixed.key)', () => {
  const kek = kekFromKeyFile(bscryptoFixture('wrap', 'kek_fixed.key'));
  const pairs = wrapPairs();

  it('the fixtures hold wrapped keys to check', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(4);
    expect(kek.toString('latin1')).toBe('0123456789abcdef');
  });

  it.each(pairs)('$source unwraps to its plaintext, and the plaintext wraps to it', (p) => {
    expect(p.wrapped).toHaveLength(54);
    const wrappedBytes = decodeKeyBase64(p.wrapped);
    expect(wrappedBytes).toHaveLength(40);
    expect(unwrapVolumeKey(kek, wrappedBytes).toString('latin1')).toBe(p.plaintext);
    expect(volumeKeyFromCatalogKey(Buffer.from(p.wrapped), kek).toString('latin1')).toBe(p.plaintext);
    expect(forgeKeyUnwrap(kek, wrappedBytes)?.toString('latin1')).toBe(p.plaintext);
    // RFC 3394 is deterministic: wrapping the plaintext gives the fixture's text.
    expect(catalogKeyFor(Buffer.from(p.plaintext), kek).toString('latin1')).toBe(p.wrapped);
    expect(encodeKeyBase64(forgeKeyWrap(kek, Buffer.from(p.plaintext))).toString('latin1')).toBe(p.wrapped);
  });

  it('only the first 16 bytes of the KEK file count, trailing newline/CR/spaces are stripped', () => {
    const base = Buffer.from('0123456789abcdef');
    for (const file of [
      '0123456789abcdef',
      '0123456789abcdefXYZ\n',
      '0123456789abcdef  \r\n',
      '0123456789abcdef'.repeat(5),
    ]) {
      expect(kekFromKeyFile(Buffer.from(file))).toEqual(base);
    }
    // Shorter files are zero-padded after their junk is stripped (bscrypto reads into a zeroed buffer).
    expect(kekFromKeyFile(Buffer.from('short-kek\n'))).toEqual(Buffer.from('short-kek\0\0\0\0\0\0\0'));
    expect(kekFromKeyFile(Buffer.from('0123456789abcde\n'))).toEqual(Buffer.from('0123456789abcde\0'));
    expect(kekFromKeyFile(Buffer.from('0123456789abcd \n'))).toEqual(Buffer.from('0123456789abcd\0\0'));
    expect(keyFileBits(Buffer.alloc(100, 0x41))).toHaveLength(64);
  });

  it('KEK files with any trailing whitespace wrap and unwrap the same (fast-check)', () => {
    const printable = fc.integer({ min: 0x21, max: 0x7e });
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 60 }).map((a) => Uint8Array.from(a, (b) => 0x21 + (b % 94))),
        fc.array(fc.constantFrom(0x0a, 0x0d, 0x20), { maxLength: 4 }),
        fc.array(printable, { minLength: 32, maxLength: 32 }),
        (text, junk, passphrase) => {
          const plain = Buffer.from(passphrase);
          const bare = kekFromKeyFile(text);
          const withJunk = kekFromKeyFile(Buffer.concat([text, Buffer.from(junk)]));
          expect(withJunk).toEqual(bare);
          const wrapped = wrapVolumeKey(withJunk, plain);
          expect(wrapped).toEqual(forgeKeyWrap(bare, plain));
          expect(unwrapVolumeKey(bare, wrapped)).toEqual(plain);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("the director's KEK directive uses its first 16 bytes", () => {
    expect(kekFromDirective('0123456789abcdef0123456789abcdef')).toEqual(kek);
  });
});
