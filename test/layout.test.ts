import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ascii, cstring, field, i32be, layout, u16le, u32be, u64be } from '../src/layout.js';
import { SdpipeError } from '../src/errors.js';

const SAMPLE = layout('Sample', [
  field('a', u32be),
  field('id', ascii(4)),
  field('n', i32be),
  field('le', u16le),
  field('big', u64be),
  field('s', cstring),
]);

describe('layout', () => {
  it('computes fixed offsets from the table', () => {
    expect(SAMPLE.offsets).toEqual({ a: 0, id: 4, n: 8, le: 12, big: 14, s: 22 });
    expect(SAMPLE.size).toBeUndefined();
  });

  it('decodes at an offset inside a larger buffer (subarray views)', () => {
    const v = { a: 0xdeadbeef, id: 'BB02', n: -2, le: 0x1234, big: 2 ** 40 + 5, s: 'grüße' };
    const enc = SAMPLE.encode(v);
    const host = new Uint8Array(enc.length + 10);
    host.set(enc, 7);
    const sub = host.subarray(3);
    expect(SAMPLE.decode(sub, 4)).toEqual(v);
    expect(enc[12]).toBe(0x34); // little-endian field
  });

  it('decode(encode(x)) = x for arbitrary values', () => {
    fc.assert(
      fc.property(
        fc.record({
          a: fc.nat({ max: 0xffffffff }),
          id: fc.constantFrom('BB01', 'BB02', 'ABCD'),
          n: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          le: fc.nat({ max: 0xffff }),
          big: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
          s: fc.string().filter((x) => !x.includes('\0')),
        }),
        (v) => {
          expect(SAMPLE.decode(SAMPLE.encode(v))).toEqual(v);
        },
      ),
    );
  });

  it('short input and unterminated strings give typed errors', () => {
    expect(() => SAMPLE.decode(new Uint8Array(10), 0, { volume: 'V' })).toThrow(SdpipeError);
    try {
      SAMPLE.decode(new Uint8Array(10), 0, { volume: 'V' });
    } catch (e) {
      expect((e as SdpipeError).code).toBe('SDP_LAYOUT_SHORT');
      expect((e as SdpipeError).context.volume).toBe('V');
    }
    const noNul = new Uint8Array(30).fill(65);
    try {
      SAMPLE.decode(noNul);
      expect.unreachable();
    } catch (e) {
      expect((e as SdpipeError).code).toBe('SDP_LAYOUT_STRING');
    }
  });
});

describe('bytes() fields', () => {
  it('decode to a copy even from a Buffer, so wiping the value never touches the input', async () => {
    const { bytes } = await import('../src/layout.js');
    const L = layout('K', [field('key', bytes(4))]);
    const input = Buffer.from([1, 2, 3, 4]);
    const { key } = L.decode(input);
    key.fill(0);
    expect([...input]).toEqual([1, 2, 3, 4]);
  });
});
