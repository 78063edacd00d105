import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSense, encodeSense, type Sense } from '../../../src/devices/scsi/sense.js';
import { ascName, SENSE_KEY } from '../../../src/devices/scsi/asc-names.js';
import { classifyReadSense, senseToError } from '../../../src/devices/scsi/sense-conditions.js';
import { ScsiError } from '../../../src/devices/scsi/scsi-error.js';
import { DeviceError, SdpipeError } from '../../../src/errors.js';
import { thrown } from '../../support/scsi-expect.js';
import { senseInitArb } from '../../support/scsi-arbitraries.js';
import { SENSE_SAMPLES as S, toHex } from '../../support/scsi-samples.js';

describe('decodeSense: the spec samples', () => {
  it('stenc PR #28: ILLEGAL REQUEST 26/00, SKSV, C/D=0, BPV, bit pointer 7, field pointer 8, 24 bytes', () => {
    const s = decodeSense(S.stencPr28);
    expect(s).toMatchObject({
      format: 'fixed',
      responseCode: 0x70,
      deferred: false,
      valid: false,
      senseKey: 5,
      senseKeyName: 'ILLEGAL REQUEST',
      asc: 0x26,
      ascq: 0x00,
      ascName: 'Invalid field in parameter list',
      sksv: true,
      cd: false,
      bpv: true,
      bitPointer: 7,
      fieldPointer: 8,
      additionalSenseLength: 0x10,
      length: 24,
    });
    expect(toHex(s.vendorBytes)).toBe('000000000000');
  });

  it('sg3_utils issue #71: the same shape for a MODE SELECT parameter byte 3 bit 3', () => {
    expect(decodeSense(S.sg3Issue71)).toMatchObject({ cd: false, bpv: true, bitPointer: 3, fieldPointer: 3 });
  });

  it('IBM 96-byte sense: ADDITIONAL SENSE LENGTH 0x58, vendor bytes 18-95 kept raw', () => {
    const s = decodeSense(S.ibmTd8Spin);
    expect(s).toMatchObject({
      senseKey: 5,
      asc: 0x24,
      ascq: 0,
      sksv: false,
      additionalSenseLength: 0x58,
      length: 96,
    });
    expect(s.vendorBytes.length).toBe(78);
    // bytes 22-28 volume label, byte 35 frame/drive, then the failing opcode.
    expect(Buffer.from(s.vendorBytes.subarray(22 - 18, 29 - 18)).toString('latin1')).toBe('TAPE01L');
    expect(s.vendorBytes[35 - 18]).toBe(0x21);
    expect(s.vendorBytes[36 - 18]).toBe(0xa2);
    expect(s.fieldPointer).toBeUndefined();
  });

  it('tgt rows: ILI residues are signed, filemark info = requested length, EOD with EOM', () => {
    expect(decodeSense(S.tgtShortBlock)).toMatchObject({ valid: true, ili: true, information: 3096 });
    expect(decodeSense(S.tgtLongBlock)).toMatchObject({ valid: true, ili: true, information: -983040 });
    expect(decodeSense(S.tgtFilemark)).toMatchObject({
      valid: true,
      filemark: true,
      asc: 0,
      ascq: 1,
      information: 65536,
    });
    expect(decodeSense(S.tgtEndOfData)).toMatchObject({
      valid: false,
      eom: true,
      senseKey: 8,
      asc: 0,
      ascq: 0,
    });
  });

  it('names every ASC/ASCQ the spec lists', () => {
    const codes: [number, number][] = [
      [0x74, 0x00],
      [0x74, 0x01],
      [0x74, 0x02],
      [0x74, 0x03],
      [0x74, 0x04],
      [0x74, 0x05],
      [0x74, 0x06],
      [0x74, 0x07],
      [0x74, 0x08],
      [0x74, 0x09],
      [0x74, 0x0a],
      [0x74, 0x0b],
      [0x74, 0x0c],
      [0x74, 0x0d],
      [0x74, 0x10],
      [0x74, 0x11],
      [0x74, 0x12],
      [0x74, 0x30],
      [0x74, 0x21],
      [0x74, 0x40],
      [0x74, 0x61],
      [0x74, 0x62],
      [0x74, 0x63],
      [0x74, 0x64],
      [0x74, 0x6e],
      [0x74, 0x6f],
      [0x74, 0x71],
      [0x74, 0x79],
      [0x24, 0x00],
      [0x24, 0x01],
      [0x26, 0x00],
      [0x26, 0x01],
      [0x26, 0x02],
      [0x26, 0x10],
      [0x26, 0x11],
      [0x26, 0x12],
      [0x2c, 0x00],
      [0x2a, 0x0d],
      [0x2a, 0x11],
      [0x2a, 0x12],
      [0x2a, 0x13],
      [0x00, 0x01],
      [0x00, 0x02],
      [0x00, 0x04],
      [0x00, 0x05],
      [0x3a, 0x00],
      [0x04, 0x00],
      [0x04, 0x01],
      [0x28, 0x00],
      [0x29, 0x00],
      [0x20, 0x00],
      [0x27, 0x00],
      [0x11, 0x00],
      [0x0c, 0x00],
      [0x30, 0x00],
      [0x30, 0x02],
      [0x3b, 0x00],
      [0x3b, 0x01],
    ];
    for (const [asc, ascq] of codes) expect(ascName(asc, ascq), `${asc}/${ascq}`).toBeTypeOf('string');
  });

  it('descriptor format: information, sense-key specific, stream-commands descriptors', () => {
    expect(decodeSense(S.descriptorUnableToDecrypt)).toMatchObject({
      format: 'descriptor',
      senseKey: 7,
      asc: 0x74,
      ascq: 0x01,
      valid: true,
      information: 5,
    });
    expect(decodeSense(S.descriptorFieldPointer)).toMatchObject({
      sksv: true,
      cd: false,
      bitPointer: 7,
      fieldPointer: 8,
    });
    expect(decodeSense(S.descriptorFilemark)).toMatchObject({
      filemark: true,
      information: 0x10000,
      valid: true,
    });
    expect(decodeSense(S.descriptorEndOfData)).toMatchObject({ senseKey: 8, ascq: 5, eom: true });
  });

  it('fields beyond ADDITIONAL SENSE LENGTH read as 0 (no assumed 18 bytes)', () => {
    const b = S.stencPr28.slice();
    b[7] = 6; // only bytes 8-13: ASC/ASCQ present, FRU and sense-key specific not
    const s = decodeSense(b);
    expect(s).toMatchObject({ asc: 0x26, sksv: false });
    expect(s.fieldPointer).toBeUndefined();
    expect(decodeSense(S.stencPr28.subarray(0, 14))).toMatchObject({ asc: 0x26, sksv: false, length: 14 });
  });

  it('refuses non-sense bytes with SDP_SCSI_SENSE_FORMAT', () => {
    for (const b of [new Uint8Array(0), S.stencPr28.subarray(0, 7), Uint8Array.of(0x7f, 0, 5, 0, 0, 0, 0, 0)])
      expect(thrown(() => decodeSense(b, { device: '/dev/nst0' }))).toMatchObject({
        code: 'SDP_SCSI_SENSE_FORMAT',
        context: { device: '/dev/nst0' },
      });
  });
});

describe('encodeSense', () => {
  it('encodes every sample back to its bytes', () => {
    for (const [name, b] of Object.entries(S))
      expect(toHex(encodeSense(decodeSense(b))), name).toBe(toHex(b));
  });

  it('builds what a drive sends from a few fields (HP 24-byte shape of stenc PR #28)', () => {
    const b = encodeSense({
      senseKey: 5,
      asc: 0x26,
      ascq: 0,
      cd: false,
      bitPointer: 7,
      fieldPointer: 8,
      length: 24,
    });
    expect(toHex(b)).toBe(toHex(S.stencPr28));
    expect(toHex(encodeSense({ senseKey: 0, ili: true, information: -983040 }))).toBe(toHex(S.tgtLongBlock));
    expect(toHex(encodeSense({ senseKey: 2, asc: 4, ascq: 1, progress: 0x4000 }))).toBe(
      toHex(S.becomingReady),
    );
    const d = decodeSense(
      encodeSense({ format: 'descriptor', senseKey: 8, asc: 0, ascq: 5, eom: true, information: -5 }),
    );
    expect(d).toMatchObject({ format: 'descriptor', eom: true, valid: true, information: -5, ascq: 5 });
  });

  it('bytes → decode → encode gives the bytes back, in both formats', () => {
    fc.assert(
      fc.property(senseInitArb, (init) => {
        const b = encodeSense(init);
        const s = decodeSense(b);
        expect(toHex(encodeSense(s))).toBe(toHex(b));
        expect(decodeSense(encodeSense(s))).toEqual(s);
        expect(s).toMatchObject({
          senseKey: init.senseKey,
          asc: init.asc,
          ascq: init.ascq,
          filemark: init.filemark,
        });
        if (init.information !== undefined)
          expect(s).toMatchObject({ valid: true, information: init.information });
      }),
    );
  });

  it('arbitrary bytes give sense data or an SdpipeError, never another exception', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.constantFrom(0x70, 0x71, 0x72, 0x73, 0xf0, 0x00, 0x7f),
        (b, rc) => {
          if (b.length) b[0] = rc;
          try {
            const s = decodeSense(b);
            expect(s.length).toBe(b.length);
          } catch (e) {
            expect(e).toBeInstanceOf(SdpipeError);
          }
        },
      ),
    );
  });
});

describe('senseToError', () => {
  const code = (b: Uint8Array) => senseToError(decodeSense(b)).code;
  it('gives a code per condition', () => {
    expect(code(S.mediumNotPresent)).toBe('SDP_SCSI_NOT_READY');
    expect(code(S.unrecoveredRead)).toBe('SDP_SCSI_MEDIUM_ERROR');
    expect(code(S.stencPr28)).toBe('SDP_SCSI_ILLEGAL_REQUEST');
    expect(code(S.mediumChanged)).toBe('SDP_SCSI_UNIT_ATTENTION');
    expect(code(S.writeProtected)).toBe('SDP_SCSI_DATA_PROTECT');
    expect(code(S.endOfData)).toBe('SDP_SCSI_BLANK_CHECK');
    expect(code(S.volumeOverflow)).toBe('SDP_SCSI_VOLUME_OVERFLOW');
    expect(code(S.unableToDecrypt)).toBe('SDP_SCSI_ENCRYPTION');
    expect(code(S.configurationPrevented)).toBe('SDP_SCSI_ENCRYPTION');
    expect(code(S.tgtNoSense)).toBe('SDP_SCSI_CHECK');
    expect(code(S.ibmKeyRequired)).toBe('SDP_SCSI_DATA_PROTECT');
  });

  it('is a ScsiError (a DeviceError) carrying sense key, ASC, ASCQ and the field pointer in its context', () => {
    const e = senseToError(decodeSense(S.stencPr28), { device: 'sim:lto', command: 'SECURITY PROTOCOL OUT' });
    expect(e).toBeInstanceOf(ScsiError);
    expect(e).toBeInstanceOf(DeviceError);
    expect(e.name).toBe('ScsiError');
    expect([e.senseKey, e.asc, e.ascq]).toEqual([5, 0x26, 0]);
    expect(e.context).toEqual({
      device: 'sim:lto',
      command: 'SECURITY PROTOCOL OUT',
      senseKey: 5,
      asc: 0x26,
      ascq: 0,
      fieldPointer: 8,
      cd: false,
      bitPointer: 7,
    });
    expect(senseToError(decodeSense(S.deferredWriteError)).context).toMatchObject({ deferred: true });
    expect(senseToError(decodeSense(S.volumeOverflow)).context).toMatchObject({ information: 1 });
  });
});

describe('classifyReadSense', () => {
  const kind = (b: Uint8Array): ReturnType<typeof classifyReadSense> => classifyReadSense(decodeSense(b));
  it('filemark with the residue (variable: requested bytes; fixed: blocks not read)', () => {
    expect(kind(S.tgtFilemark)).toEqual({ kind: 'filemark', residue: 65536, eom: false });
    expect(kind(S.tgtFixedFilemark)).toEqual({ kind: 'filemark', residue: 2, eom: false });
    expect(kind(S.descriptorFilemark)).toMatchObject({ kind: 'filemark', residue: 0x10000 });
  });
  it('end of data: BLANK CHECK 00/05 (real drives) and 00/00 + EOM (tgt)', () => {
    expect(kind(S.endOfData)).toEqual({ kind: 'endOfData', eom: false });
    expect(kind(S.tgtEndOfData)).toEqual({ kind: 'endOfData', eom: true });
    expect(kind(S.descriptorEndOfData)).toEqual({ kind: 'endOfData', eom: true });
    expect(kind(S.tgtSpaceEndOfData)).toEqual({ kind: 'endOfData', eom: false });
  });
  it('incorrect length: positive residue = short block, negative = longer block', () => {
    expect(kind(S.tgtShortBlock)).toEqual({ kind: 'incorrectLength', residue: 3096, eom: false });
    expect(kind(S.tgtLongBlock)).toEqual({ kind: 'incorrectLength', residue: -983040, eom: false });
  });
  it('early warning, recovered, and errors', () => {
    expect(kind(S.tgtEarlyWarning)).toEqual({ kind: 'endOfMedium', residue: undefined });
    expect(kind(encodeSense({ senseKey: SENSE_KEY.RECOVERED_ERROR, asc: 0x17, ascq: 1 }))).toEqual({
      kind: 'recovered',
      eom: false,
    });
    const e = kind(S.unableToDecrypt);
    expect(e.kind).toBe('error');
    if (e.kind === 'error') expect(e.error.code).toBe('SDP_SCSI_ENCRYPTION');
    expect(kind(S.volumeOverflow).kind).toBe('error');
    expect(kind(encodeSense({ senseKey: 8, asc: 0x14, ascq: 3 })).kind).toBe('error');
  });
  it('classifies any sense data without throwing', () => {
    fc.assert(
      fc.property(senseInitArb, (init) => {
        const s: Sense = decodeSense(encodeSense(init));
        expect(['filemark', 'endOfData', 'incorrectLength', 'endOfMedium', 'recovered', 'error']).toContain(
          classifyReadSense(s).kind,
        );
      }),
    );
  });
});
