import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMPUTABLE_DIGESTS,
  ContentDigest,
  DIGEST_ALGORITHMS,
  digestAlgorithmForStream,
  sameDigest,
  toHex,
} from '../../src/restore/digest.js';

describe('digest registry', () => {
  it('knows the digest streams of spec §8 and which node can compute', () => {
    expect(DIGEST_ALGORITHMS.map((a) => [a.stream, a.name, a.bytes])).toEqual([
      [3, 'MD5', 16],
      [10, 'SHA1', 20],
      [17, 'SHA256', 32],
      [18, 'SHA512', 64],
      [40, 'XXH128', 16],
    ]);
    expect(COMPUTABLE_DIGESTS.map((a) => a.stream)).toEqual([3, 10, 17, 18]);
    expect(digestAlgorithmForStream(2)).toBeUndefined();
    for (const a of COMPUTABLE_DIGESTS) expect(createHash(a.hash ?? '').digest().length).toBe(a.bytes);
  });
});

describe('ContentDigest', () => {
  it('computes every requested algorithm side by side, independent of chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(300), { maxLength: 5 }),
        (data, cuts) => {
          const d = new ContentDigest(COMPUTABLE_DIGESTS);
          let at = 0;
          for (const c of [...cuts].sort((x, y) => x - y)) {
            const end = Math.min(c, data.length);
            if (end > at) d.update(data.subarray(at, end));
            at = Math.max(at, end);
          }
          d.update(data.subarray(at));
          const r = d.result();
          for (const a of COMPUTABLE_DIGESTS) {
            expect(toHex(r.get(a.stream) ?? new Uint8Array())).toBe(
              createHash(a.hash ?? '')
                .update(data)
                .digest('hex'),
            );
          }
        },
      ),
      { seed: 20_261_123 },
    );
  });

  it('computes only what was asked and nothing for XXH128', () => {
    const r = new ContentDigest(DIGEST_ALGORITHMS.filter((a) => a.stream === 10 || a.stream === 40)).result();
    expect([...r.keys()]).toEqual([10]);
  });

  it('returns the same values twice, and none once content arrives after the result', () => {
    const d = new ContentDigest(COMPUTABLE_DIGESTS);
    d.update(Buffer.from('abc'));
    expect(d.result()).toBe(d.result());
    d.update(Buffer.from('more'));
    expect(d.result().size).toBe(0);
  });
});

describe('sameDigest / toHex', () => {
  it('compares bytes and lengths', () => {
    expect(sameDigest(Buffer.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(sameDigest(Buffer.of(1, 2), Uint8Array.of(1, 2, 3))).toBe(false);
    expect(toHex(Buffer.from('ab').subarray(1))).toBe('62');
  });
});
