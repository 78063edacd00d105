import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeInquiry,
  decodeModeParameters6,
  decodeReadBlockLimits,
  decodeReadPositionShort,
  encodeInquiry,
  encodeModeParameters6,
  encodeReadBlockLimits,
  encodeReadPositionShort,
  INQUIRY_DATA,
  MODE_BLOCK_DESCRIPTOR,
  MODE_PARAMETER_HEADER_6,
  READ_BLOCK_LIMITS_DATA,
  READ_POSITION_SHORT,
  type InquiryData,
  type ModeParameters6,
} from '../../../src/devices/scsi/replies.js';
import { SdpipeError } from '../../../src/errors.js';
import { asciiOf, flatValue } from '../../support/scsi-arbitraries.js';
import { hex, toHex } from '../../support/scsi-samples.js';

/** tgt's standard INQUIRY data (test-environment.md §2): 66 bytes, PDT 1, RMB, SPC-3, IET / VIRTUAL-TAPE / 0001. */
const TGT_INQUIRY = hex(
  '01 80 05 02 3d 00 00 02' +
    Buffer.from('IET     VIRTUAL-TAPE    0001').toString('hex') +
    ' 00'.repeat(22) +
    ' 03 40 09 60 03 00' +
    ' 00'.repeat(2),
);

const bothWays = <T>(decode: (b: Uint8Array) => T, encode: (v: T) => Uint8Array, arb: fc.Arbitrary<T>) =>
  fc.assert(
    fc.property(arb, (v) => {
      expect(decode(encode(v))).toEqual(v);
    }),
  );
const total = (decode: (b: Uint8Array) => unknown) =>
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      try {
        decode(b);
      } catch (e) {
        expect(e).toBeInstanceOf(SdpipeError);
      }
    }),
  );

describe('READ BLOCK LIMITS', () => {
  it("decodes tgt's reply 09 10 00 00 00 04", () => {
    expect(decodeReadBlockLimits(hex('09 10 00 00 00 04'))).toEqual({
      granularity: 9,
      maximumBlockLength: 1048576,
      minimumBlockLength: 4,
    });
  });
  it('round-trips and survives arbitrary bytes', () => {
    bothWays(decodeReadBlockLimits, encodeReadBlockLimits, flatValue(READ_BLOCK_LIMITS_DATA) as never);
    total(decodeReadBlockLimits);
  });
});

describe('standard INQUIRY data', () => {
  it("decodes tgt's 66-byte reply", () => {
    const v = decodeInquiry(TGT_INQUIRY);
    expect(v).toMatchObject({
      peripheralQualifier: 0,
      peripheralDeviceType: 1,
      rmb: true,
      version: 5,
      responseDataFormat: 2,
      additionalLength: 61,
      cmdque: true,
      vendorIdentification: 'IET     ',
      productIdentification: 'VIRTUAL-TAPE    ',
      productRevisionLevel: '0001',
    });
    expect(v.additionalBytes.length).toBe(30);
    expect(toHex(encodeInquiry(v))).toBe(toHex(TGT_INQUIRY));
  });
  it('round-trips and survives arbitrary bytes', () => {
    const arb = fc
      .tuple(
        flatValue(
          INQUIRY_DATA,
          {
            vendorIdentification: asciiOf(8),
            productIdentification: asciiOf(16),
            productRevisionLevel: asciiOf(4),
          },
          ['additionalLength'],
        ),
        fc.uint8Array({ maxLength: 60 }),
      )
      .map(
        ([f, additionalBytes]) =>
          ({ ...f, additionalBytes, additionalLength: 31 + additionalBytes.length }) as InquiryData,
      );
    bothWays(decodeInquiry, encodeInquiry, arb);
    total(decodeInquiry);
  });
});

describe('MODE SENSE(6) / MODE SELECT(6) parameters', () => {
  it("decodes tgt's MODE SENSE page 0 cut short at 12 bytes: buffered mode 1, variable blocks", () => {
    const v = decodeModeParameters6(hex('0d 00 10 08 00 00 00 00 00 00 00 00'));
    expect(v).toEqual({
      modeDataLength: 13,
      mediumType: 0,
      wp: false,
      bufferedMode: 1,
      speed: 0,
      blockDescriptorLength: 8,
      blockDescriptors: [{ densityCode: 0, numberOfBlocks: 0, blockLength: 0 }],
      pages: new Uint8Array(0),
    });
    expect(toHex(encodeModeParameters6(v))).toBe('0d0010080000000000000000');
  });
  it('encodes the MODE SELECT list that switches to fixed 512-byte blocks', () => {
    const list = encodeModeParameters6({
      modeDataLength: 0,
      mediumType: 0,
      wp: false,
      bufferedMode: 1,
      speed: 0,
      blockDescriptors: [{ densityCode: 0, numberOfBlocks: 0, blockLength: 512 }],
      pages: new Uint8Array(0),
    });
    expect(toHex(list)).toBe('000010080000000000000200');
    expect(decodeModeParameters6(list, {}, { select: true }).blockDescriptors[0]?.blockLength).toBe(512);
  });
  it('round-trips and survives arbitrary bytes', () => {
    const arb = fc
      .tuple(
        flatValue(MODE_PARAMETER_HEADER_6, {}, ['modeDataLength', 'blockDescriptorLength']),
        fc.array(flatValue(MODE_BLOCK_DESCRIPTOR), { maxLength: 3 }),
        fc.uint8Array({ maxLength: 40 }),
      )
      .map(
        ([h, d, pages]) =>
          ({
            ...h,
            modeDataLength: 3 + 8 * d.length + pages.length,
            blockDescriptorLength: 8 * d.length,
            blockDescriptors: d,
            pages,
          }) as unknown as ModeParameters6,
      );
    bothWays(decodeModeParameters6, encodeModeParameters6, arb);
    total(decodeModeParameters6);
    total((b) => decodeModeParameters6(b, {}, { select: true }));
  });
  it('refuses a block descriptor length that is not a multiple of 8', () => {
    expect(() => decodeModeParameters6(hex('0b 00 00 07 00 00 00 00 00 00 00 00'))).toThrow(
      expect.objectContaining({ code: 'SDP_SCSI_PAGE_FORMAT' }),
    );
  });
});

describe('READ POSITION short form', () => {
  it("decodes tgt's stub (byte 0 = 0x14) and a position at BOP", () => {
    expect(decodeReadPositionShort(hex('14' + ' 00'.repeat(19)))).toMatchObject({
      bop: false,
      bycu: true,
      bpu: true,
    });
    const v = decodeReadPositionShort(hex('80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00'));
    expect(v).toMatchObject({ bop: true, eop: false, firstLogicalObjectLocation: 0 });
  });
  it('round-trips and survives arbitrary bytes', () => {
    bothWays(decodeReadPositionShort, encodeReadPositionShort, flatValue(READ_POSITION_SHORT) as never);
    total(decodeReadPositionShort);
  });
});
