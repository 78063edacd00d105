import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  activeTapeAlerts,
  decodeLogPage,
  decodeTapeAlertPage,
  encodeLogPage,
  encodeTapeAlertPage,
  LOG_PAGE_HEADER,
  LOG_PARAMETER_HEADER,
  type LogPage,
} from '../../../src/devices/scsi/pages/log-tapealert.js';
import { TAPE_ALERT_FLAGS, tapeAlertFlag } from '../../../src/devices/scsi/pages/tapealert-flags.js';
import { SdpipeError } from '../../../src/errors.js';
import { thrown } from '../../support/scsi-expect.js';
import { flatValue } from '../../support/scsi-arbitraries.js';
import { hex, tapeAlertPageHex, toHex } from '../../support/scsi-samples.js';

describe('TapeAlert flags (spec §5 table)', () => {
  it('has all 64 with number, name and Bareos severity', () => {
    expect(TAPE_ALERT_FLAGS).toHaveLength(64);
    expect(TAPE_ALERT_FLAGS.map((f) => f.number)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    expect(tapeAlertFlag(3)).toMatchObject({ name: 'Hard Error', severity: 'warning', bareos: 'yes' });
    expect(tapeAlertFlag(4)).toMatchObject({ name: 'Media', severity: 'critical' });
    expect(tapeAlertFlag(10)).toMatchObject({ name: 'No Removal', severity: 'information' });
    expect(tapeAlertFlag(20)).toMatchObject({
      name: 'Clean Now',
      sscName: 'Cleaning required',
      severity: 'critical',
    });
    expect(tapeAlertFlag(44)).toMatchObject({ name: 'Loader Hardware C', bareos: 'plugin-only' });
    expect(tapeAlertFlag(47)).toMatchObject({ severity: undefined, severityVerified: false, bareos: 'no' });
    expect(tapeAlertFlag(49)).toMatchObject({
      name: 'Diminished Native Capacity',
      severity: 'information',
      severityVerified: false,
    });
    expect(tapeAlertFlag(55)).toMatchObject({ severity: 'critical', bareos: 'low-level-only' });
    expect(tapeAlertFlag(64)).toMatchObject({ name: 'Reserved', severity: undefined });
    expect(tapeAlertFlag(0)).toBeUndefined();
    expect(tapeAlertFlag(65)).toBeUndefined();
  });
});

describe('LOG SENSE page 0x2E', () => {
  it('encodes the page a real drive returns: 64 parameters, page length 0x0140, control 0x40', () => {
    const b = encodeTapeAlertPage([3, 20]);
    expect(b.length).toBe(4 + 64 * 5);
    expect(toHex(b)).toBe(toHex(tapeAlertPageHex([3, 20])));
    expect(toHex(b.subarray(0, 9))).toBe('2e000140000140' + '0100');
  });

  it('decodes flags with number, name, severity and set', () => {
    const p = decodeTapeAlertPage(tapeAlertPageHex([3, 20, 64]));
    expect(p).toMatchObject({ pageCode: 0x2e, subpageCode: 0, pageLength: 0x140 });
    expect(p.flags).toHaveLength(64);
    expect(p.parameters[0]).toEqual({
      parameterCode: 1,
      du: false,
      ds: true,
      tsd: false,
      etc: false,
      tmc: 0,
      formatAndLinking: 0,
      value: hex('00'),
    });
    expect(activeTapeAlerts(p).map((f) => [f.number, f.name, f.severity])).toEqual([
      [3, 'Hard Error', 'warning'],
      [20, 'Clean Now', 'critical'],
      [64, 'Reserved', undefined],
    ]);
    // mhVTL's control byte 0xC0 (DU as well) decodes the same flags.
    expect(activeTapeAlerts(decodeTapeAlertPage(tapeAlertPageHex([5], 0xc0))).map((f) => f.number)).toEqual([
      5,
    ]);
  });

  it("treats any non-zero value byte as set (Bareos' rule), walks parameters by their own length", () => {
    const p = decodeTapeAlertPage(hex('2e 00 00 0b 00 07 40 01 02 00 09 40 02 00 00'));
    expect(p.flags.map((f) => [f.number, f.set])).toEqual([
      [7, true],
      [9, false],
    ]);
  });

  it('refuses another page code, and parameters running past the page', () => {
    expect(() => decodeTapeAlertPage(hex('0c 00 00 00'))).toThrow(
      expect.objectContaining({ code: 'SDP_SCSI_PAGE_FORMAT' }),
    );
    expect(thrown(() => decodeTapeAlertPage(hex('2e 00 00 05 00 01 40 02 01')))).toMatchObject({
      code: 'SDP_SCSI_PAGE_FORMAT',
      context: { offset: 7 },
    });
  });

  it('decode(encode(page)) = page, and arbitrary bytes give a page or an SdpipeError', () => {
    const arb = fc
      .tuple(
        flatValue(LOG_PAGE_HEADER, {}, ['pageLength']),
        fc.array(
          fc.tuple(flatValue(LOG_PARAMETER_HEADER, {}, ['parameterLength']), fc.uint8Array({ maxLength: 6 })),
          { maxLength: 8 },
        ),
      )
      .map(
        ([h, ps]) => ({ ...h, parameters: ps.map(([q, value]) => ({ ...q, value })) }) as unknown as LogPage,
      );
    fc.assert(
      fc.property(arb, (v) => {
        const b = encodeLogPage(v);
        expect(decodeLogPage(b)).toEqual({ ...v, pageLength: b.length - 4 });
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (b) => {
        if (b.length) b[0] = 0x2e;
        try {
          decodeTapeAlertPage(b);
        } catch (e) {
          expect(e).toBeInstanceOf(SdpipeError);
        }
      }),
    );
  });
});
