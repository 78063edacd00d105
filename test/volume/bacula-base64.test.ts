import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeBase64BigInt,
  decodeBase64Int,
  decodeDigestBase64,
  encodeBase64Int,
  encodeDigestBase64,
} from '../../src/volume/bacula-base64.js';
import { SdpipeError, VolumeFormatError } from '../../src/errors.js';

/** Runs `f` and returns the VolumeFormatError it throws (fails the test otherwise). */
function thrown(f: () => unknown): VolumeFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(VolumeFormatError);
    return e as VolumeFormatError;
  }
  return expect.unreachable('expected a VolumeFormatError');
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('Bacula base64 integers (spec §7.3)', () => {
  const EXAMPLES: [number, string][] = [
    [0, 'A'],
    [1, 'B'],
    [63, '/'],
    [64, 'BA'],
    [1000, 'Po'],
    [0o100644, 'IGk'],
    [0o40755, 'EHt'],
    [1700000000, 'BlU/EA'],
    [-1, '-B'],
    // The spec's "P4A = 64512 (blksize)" is off: P4A is 15·4096 + 56·64 = 65024 = 0xFE00, and it is LStat
    // field 1 (st_dev, device 254:0) on every Vol-plain entry; blksize (field 9) is BAA = 4096.
    [65024, 'P4A'],
    [64512, 'PwA'],
    [4096, 'BAA'],
  ];

  it.each(EXAMPLES)('%d ↔ %s', (n, text) => {
    expect(encodeBase64Int(n)).toBe(text);
    expect(decodeBase64Int(text)).toEqual({ value: n, end: text.length });
  });

  it('decodes from an index and stops at a space or a NUL', () => {
    const lstat = 'P4A IeDR EHt C';
    expect(decodeBase64Int(lstat, 4)).toEqual({ value: decodeBase64Int('IeDR').value, end: 8 });
    expect(decodeBase64Int('Po\0junk')).toEqual({ value: 1000, end: 2 });
    expect(decodeBase64Int('-B rest')).toEqual({ value: -1, end: 2 });
  });

  it('reads -A as 0, never -0', () => {
    expect(Object.is(decodeBase64Int('-A').value, 0)).toBe(true);
    expect(encodeBase64Int(-0)).toBe('A');
  });

  it('rejects characters outside the alphabet with their position', () => {
    const e = thrown(() => decodeBase64Int('IG=k', 0, { volume: 'Vol-plain', field: 'mode' }));
    expect(e.code).toBe('SDP_BASE64_FORMAT');
    expect(e.context).toMatchObject({ volume: 'Vol-plain', field: 'mode', position: 2 });
    expect(thrown(() => decodeBase64Int('é')).code).toBe('SDP_BASE64_FORMAT');
    expect(thrown(() => decodeBase64BigInt('A\tB')).code).toBe('SDP_BASE64_FORMAT');
  });

  it('rejects an empty number (zero is written A)', () => {
    for (const text of ['', ' A', '-', '- B', '\0']) {
      expect(thrown(() => decodeBase64Int(text)).code).toBe('SDP_BASE64_FORMAT');
    }
  });

  it('refuses values past 2^53 as numbers and decodes them as bigint', () => {
    const big = 2n ** 63n - 1n;
    const text = encodeBase64Int(big);
    expect(text).toBe('H//////////');
    expect(decodeBase64BigInt(text)).toEqual({ value: big, end: text.length });
    expect(thrown(() => decodeBase64Int(text)).code).toBe('SDP_BASE64_FORMAT');
    expect(decodeBase64Int(encodeBase64Int(Number.MAX_SAFE_INTEGER)).value).toBe(Number.MAX_SAFE_INTEGER);
    expect(thrown(() => decodeBase64Int(encodeBase64Int(2n ** 53n))).code).toBe('SDP_BASE64_FORMAT');
    // An integral float beyond 2^53 is encoded at its exact value.
    expect(encodeBase64Int(2 ** 60)).toBe(encodeBase64Int(2n ** 60n));
  });

  it('refuses to encode what is not an integer', () => {
    for (const n of [0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(thrown(() => encodeBase64Int(n)).code).toBe('SDP_BASE64_FORMAT');
    }
  });

  it('decode(encode(x)) = x for safe integers', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const text = encodeBase64Int(n);
        expect(decodeBase64Int(text)).toEqual({ value: n, end: text.length });
      }),
    );
  });

  it('decode(encode(x)) = x for 64-bit and larger bigints', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), (n) => {
        const text = encodeBase64Int(n);
        expect(decodeBase64BigInt(text).value).toBe(n);
        expect(encodeBase64Int(n)).toBe(text);
      }),
    );
  });

  it('encodings are shortest: no leading A except zero itself', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(encodeBase64Int(n)).toMatch(/^(A|-?[B-Za-z0-9+/][A-Za-z0-9+/]*)$/);
      }),
    );
  });

  it('arbitrary text decodes to a number or a VolumeFormatError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.nat({ max: 20 }), (text, at) => {
        try {
          const r = decodeBase64Int(text, at);
          expect(Number.isSafeInteger(r.value)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(SdpipeError);
        }
      }),
    );
  });
});

describe('digest base64 (catalog byte strings, spec §7.3)', () => {
  it('encodes the hello.txt MD5 like the catalog', () => {
    const md5 = Uint8Array.from(Buffer.from('6f5902ac237024bdd0c176cb93063dc4', 'hex'));
    expect(encodeDigestBase64(md5)).toBe('b1kCrCNwJL3QwXbLkwY9xA');
    expect(hex(decodeDigestBase64('b1kCrCNwJL3QwXbLkwY9xA'))).toBe('6f5902ac237024bdd0c176cb93063dc4');
  });

  it('encodes subarray views by their own bytes only', () => {
    const host = Uint8Array.of(9, 1, 2, 3, 9);
    expect(encodeDigestBase64(host.subarray(1, 4))).toBe('AQID');
  });

  it('decode(encode(x)) = x for byte strings, with no padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const text = encodeDigestBase64(bytes);
        expect(text).not.toContain('=');
        expect(decodeDigestBase64(text)).toEqual(bytes);
      }),
    );
  });

  it('rejects padding, foreign characters, impossible lengths and non-zero unused bits', () => {
    for (const text of [
      'b1kCrCNwJL3QwXbLkwY9xA==',
      'b1kC rCNw',
      'b1kC-CNw',
      'AQIDB',
      'b1kCrCNwJL3QwXbLkwY9xB',
    ]) {
      expect(thrown(() => decodeDigestBase64(text, { file: 'catalog-files.tsv' })).context).toMatchObject({
        file: 'catalog-files.tsv',
      });
      expect(thrown(() => decodeDigestBase64(text)).code).toBe('SDP_BASE64_FORMAT');
    }
  });

  it('arbitrary text decodes to bytes or a VolumeFormatError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        try {
          expect(encodeDigestBase64(decodeDigestBase64(text))).toBe(text);
        } catch (e) {
          expect(e).toBeInstanceOf(SdpipeError);
        }
      }),
    );
  });
});
