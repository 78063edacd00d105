/**
 * fast-check generators for the SCSI layer, derived from the same field tables the code uses: every
 * named field of a flat layout gets values over its whole range (bit fields over their width).
 */
import fc from 'fast-check';
import {
  i24be,
  u16be,
  u24be,
  u32be,
  u64be,
  u64beBig,
  u8,
  type FieldType,
  type FlatLayout,
} from '../../src/layout.js';
import type { Kad } from '../../src/devices/scsi/pages/kad.js';
import type { SenseInit } from '../../src/devices/scsi/sense.js';
import { ASC_CODES } from '../../src/devices/scsi/asc-names.js';

type AnyFlat = FlatLayout<readonly { name: string; type: FieldType<never> }[]>;

const NUMBER_ARBITRARIES = new Map<unknown, fc.Arbitrary<unknown>>([
  [u8, fc.integer({ min: 0, max: 0xff })],
  [u16be, fc.integer({ min: 0, max: 0xffff })],
  [u24be, fc.integer({ min: 0, max: 0xffffff })],
  [i24be, fc.integer({ min: -0x800000, max: 0x7fffff })],
  [u32be, fc.integer({ min: 0, max: 0xffffffff })],
  [u64be, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })],
  [u64beBig, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })],
]);

/** Printable ASCII of exactly `size` characters (what an `ascii(size)` field decodes to). */
export const asciiOf = (size: number): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.constantFrom(...' ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789-_.'.split('')),
    minLength: size,
    maxLength: size,
  });

/**
 * A value for every named field of `layout` (reserved bytes are left out, as the layout does). `overrides`
 * replaces the generator of a field by name (e.g. ASCII fields, or a field fixed to a page code).
 */
export function flatValue<L>(
  layout: L,
  overrides: Readonly<Record<string, fc.Arbitrary<unknown>>> = {},
  omit: readonly string[] = [],
): fc.Arbitrary<Record<string, unknown>> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of (layout as unknown as AnyFlat).fields) {
    const table = (f.type as { bitTable?: { fields: readonly { name: string; width: number }[] } }).bitTable;
    if (table) {
      for (const b of table.fields)
        shape[b.name] = b.width === 1 ? fc.boolean() : fc.integer({ min: 0, max: (1 << b.width) - 1 });
      continue;
    }
    const arb = NUMBER_ARBITRARIES.get(f.type);
    if (arb) shape[f.name] = arb;
  }
  for (const [k, v] of Object.entries(overrides)) shape[k] = v;
  for (const k of omit) delete shape[k];
  return fc.record(shape);
}

/** KAD descriptors. */
export const kadArb: fc.Arbitrary<Kad> = fc.record({
  keyDescriptorType: fc.integer({ min: 0, max: 0xff }),
  authenticated: fc.integer({ min: 0, max: 7 }),
  keyDescriptor: fc.uint8Array({ maxLength: 40 }),
});
export const kadsArb = fc.array(kadArb, { maxLength: 3 });

/** Structured sense data over every field, in both formats (what a drive or the simulator sends). */
export const senseInitArb: fc.Arbitrary<SenseInit> = fc
  .record({
    format: fc.constantFrom('fixed' as const, 'descriptor' as const),
    deferred: fc.boolean(),
    senseKey: fc.integer({ min: 0, max: 15 }),
    code: fc.oneof(
      fc.constantFrom(...ASC_CODES.map((c) => [c.asc, c.ascq] as const)),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
    ),
    filemark: fc.boolean(),
    eom: fc.boolean(),
    ili: fc.boolean(),
    sdatOvfl: fc.boolean(),
    information: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: undefined }),
    fieldReplaceableUnitCode: fc.integer({ min: 0, max: 255 }),
    sksv: fc.boolean(),
    senseKeySpecific: fc.integer({ min: 0, max: 0x7fffff }),
    commandSpecificInformation: fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: undefined }),
    vendorBytes: fc.uint8Array({ maxLength: 80 }),
  })
  .map(({ code: [asc, ascq], information, commandSpecificInformation, vendorBytes, ...rest }) => ({
    ...rest,
    asc,
    ascq,
    ...(information !== undefined ? { information } : {}),
    ...(commandSpecificInformation !== undefined ? { commandSpecificInformation } : {}),
    ...(rest.format === 'fixed' ? { vendorBytes } : {}),
  }));
