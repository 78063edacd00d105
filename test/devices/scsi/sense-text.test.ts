import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ASC_CODES, describeAsc } from '../../../src/devices/scsi/asc-names.js';
import { decodeSense, encodeSense } from '../../../src/devices/scsi/sense.js';
import { formatSense, formatSenseBytes } from '../../../src/devices/scsi/sense-text.js';
import { senseInitArb } from '../../support/scsi-arbitraries.js';
import { SENSE_SAMPLES } from '../../support/scsi-samples.js';
import { sgutils, sgutilsLibrary } from '../../support/scsi-sgutils.js';

const lib = sgutilsLibrary;

describe('formatSense', () => {
  it('prints the stenc PR #28 sense as sg_decode_sense does', () => {
    expect(formatSense(decodeSense(SENSE_SAMPLES.stencPr28))).toBe(
      'Fixed format, current; Sense key: Illegal Request\n' +
        'Additional sense: Invalid field in parameter list\n' +
        '  Sense Key Specific: Error in Data parameters: byte 8 bit 7\n',
    );
    expect(formatSense(decodeSense(SENSE_SAMPLES.tgtFilemark))).toBe(
      'Fixed format, current; Sense key: No Sense\nAdditional sense: Filemark detected\n  Info fld=0x10000 [65536]  FMK\n',
    );
    expect(formatSenseBytes(new Uint8Array(0))).toBe(' >>> sense buffer empty\n');
    expect(formatSenseBytes(Uint8Array.of(0x7f, 1, 2, 3, 4, 5, 6, 7))).toMatch(/^Not sense data/);
  });

  it.skipIf(lib.skip).each(Object.entries(SENSE_SAMPLES))(
    `%s: the same text as libsgutils2's sg_get_sense_str${lib.skipNote}`,
    (_name, bytes) => {
      expect(formatSense(decodeSense(bytes))).toBe(sgutils().senseText(bytes));
    },
  );

  it.skipIf(lib.skip)(`the same text as libsgutils2 for any well-formed sense data${lib.skipNote}`, () => {
    const sg = sgutils();
    // Codes outside sdpipe's table are printed as "ASC=.., ASCQ=.." where sg3_utils may know a name.
    const named = senseInitArb.filter(
      (s) => describeAsc(s.asc ?? 0, s.ascq ?? 0) === sg.ascText(s.asc ?? 0, s.ascq ?? 0),
    );
    fc.assert(
      fc.property(named, (init) => {
        const b = encodeSense(init);
        expect(formatSense(decodeSense(b))).toBe(sg.senseText(b));
      }),
      { numRuns: 2000 },
    );
  });

  it.skipIf(lib.skip)(`every ASC/ASCQ name equals libsgutils2's${lib.skipNote}`, () => {
    const sg = sgutils();
    for (const { asc, ascq } of ASC_CODES) expect(describeAsc(asc, ascq)).toBe(sg.ascText(asc, ascq));
    // Vendor-specific ASC, vendor-specific ASCQ and unnamed codes are written the same way too.
    for (const [asc, ascq] of [
      [0xef, 0x10],
      [0x74, 0x99],
      [0x7f, 0x00],
      [0x40, 0x85],
      [0x40, 0x01],
      [0x4d, 0x12],
      [0x70, 0x05],
    ] as const)
      expect(describeAsc(asc, ascq)).toBe(sg.ascText(asc, ascq));
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom(0x70, 0x71, 0x72, 0x73, 0x05),
        (b, rc) => {
          if (b.length) b[0] = rc;
          expect(typeof formatSenseBytes(b)).toBe('string');
        },
      ),
    );
  });
});
