import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bitTable,
  bits,
  field,
  flag,
  flatLayout,
  i24be,
  packed,
  reserved,
  u16be,
  u24be,
  u64beBig,
  u8,
} from '../../../src/layout.js';
import { SdpipeError } from '../../../src/errors.js';
import { toHex } from '../../support/scsi-samples.js';

// The layout helpers the SCSI tables are written with (bit tables, packed groups, flat values).
const SAMPLE = flatLayout('Sample', [
  field('code', u8),
  field(
    'byte1',
    packed(bitTable('SampleByte1', 1, 2, [bits('scope', 1, 7, 5), flag('lock', 1, 0), flag('ckod', 2, 2)])),
  ),
  field('reserved3', reserved(1)),
  field('count', i24be),
  field('length', u24be),
  field('big', u64beBig),
]);

describe('flat layouts with bit tables', () => {
  it('spread packed bit fields into the value and leave reserved bytes out', () => {
    const b = Uint8Array.from([
      0x10, 0x41, 0x04, 0xff, 0xff, 0xff, 0xfe, 0x12, 0x34, 0x56, 0, 0, 0, 0, 0, 0, 0, 7,
    ]);
    expect(SAMPLE.decode(b)).toEqual({
      code: 0x10,
      scope: 2,
      lock: true,
      ckod: true,
      count: -2,
      length: 0x123456,
      big: 7n,
    });
    expect(toHex(SAMPLE.encode(SAMPLE.decode(b)))).toBe('10410400fffffe1234560000000000000007');
    expect(SAMPLE.offsets).toMatchObject({ code: 0, byte1: 1, reserved3: 3, count: 4, length: 7, big: 10 });
    expect(SAMPLE.reservedMasks).toEqual([0, 0x1e, 0xfb, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('cut numbers to their width and write reserved bits as zero', () => {
    const b = SAMPLE.encode({
      code: 1,
      scope: 9,
      lock: false,
      ckod: false,
      count: 0x7fffff,
      length: 0,
      big: 2n ** 64n - 1n,
    });
    expect(b[1]).toBe(0x20);
    expect(SAMPLE.decode(b)).toMatchObject({ scope: 1, count: 0x7fffff, big: 2n ** 64n - 1n });
  });

  it('refuse tables whose fields overlap, leave their group, or sit at another byte than the spec says', () => {
    expect(() => bitTable('Bad', 0, 1, [bits('a', 0, 7, 4), flag('b', 0, 4)])).toThrow();
    expect(() => bitTable('Bad', 0, 1, [flag('a', 1, 0)])).toThrow();
    expect(() =>
      flatLayout('Bad', [field('x', u16be), field('y', packed(bitTable('Y', 3, 1, [flag('f', 3, 0)])))]),
    ).toThrow();
  });

  it('decode(encode(v)) = v; short input is an SdpipeError', () => {
    fc.assert(
      fc.property(
        fc.record({
          code: fc.integer({ min: 0, max: 255 }),
          scope: fc.integer({ min: 0, max: 7 }),
          lock: fc.boolean(),
          ckod: fc.boolean(),
          count: fc.integer({ min: -0x800000, max: 0x7fffff }),
          length: fc.integer({ min: 0, max: 0xffffff }),
          big: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        }),
        (v) => {
          expect(SAMPLE.decode(SAMPLE.encode(v))).toEqual(v);
        },
      ),
    );
    expect(() => SAMPLE.decode(new Uint8Array(5))).toThrow(SdpipeError);
  });
});
