import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CDB_DEFINITIONS,
  decodeCdb,
  encodeCdb,
  inquiry,
  loadUnload,
  logSense,
  modeSelect6,
  modeSense6,
  read6,
  readBlockLimits,
  readPosition,
  requestSense,
  rewind,
  securityProtocolIn,
  securityProtocolOut,
  space6,
  SPACE_CODE,
  testUnitReady,
  write6,
  writeFilemarks6,
  BAREOS_SPIN_ALLOCATION_BYTES,
  BAREOS_LOG_SENSE_ALLOCATION_BYTES,
  SECURITY_PROTOCOL,
  type CdbKey,
} from '../../../src/devices/scsi/cdb.js';
import { SdpipeError } from '../../../src/errors.js';
import { thrown } from '../../support/scsi-expect.js';
import { flatValue } from '../../support/scsi-arbitraries.js';
import { hex, toHex } from '../../support/scsi-samples.js';

const KEYS = Object.keys(CDB_DEFINITIONS) as CdbKey[];

describe('CDB builders', () => {
  it('build the CDBs Bareos sends (spec §1, §5)', () => {
    expect(
      toHex(
        securityProtocolIn({
          securityProtocol: SECURITY_PROTOCOL.TAPE_DATA_ENCRYPTION,
          securityProtocolSpecific: 0x0020,
          allocationLength: BAREOS_SPIN_ALLOCATION_BYTES,
        }),
      ),
    ).toBe('a22000200000000020040000');
    expect(
      toHex(
        securityProtocolOut({ securityProtocol: 0x20, securityProtocolSpecific: 0x0010, transferLength: 52 }),
      ),
    ).toBe('b52000100000000000340000');
    expect(toHex(logSense({ pageCode: 0x2e, allocationLength: BAREOS_LOG_SENSE_ALLOCATION_BYTES }))).toBe(
      '4d002e00000000080000',
    );
    // sg_logs asks for PC = 1 (cumulative): byte 2 = 0x6E.
    expect(logSense({ pc: 1, pageCode: 0x2e, allocationLength: 2048 })[2]).toBe(0x6e);
  });

  it('build the SSC commands of spec §7 with their bits where the spec puts them', () => {
    expect(toHex(testUnitReady())).toBe('000000000000');
    expect(toHex(rewind({ immed: true }))).toBe('010100000000');
    expect(toHex(readBlockLimits())).toBe('050000000000');
    expect(toHex(read6({ transferLength: 0x040000, sili: true }))).toBe('080204000000');
    expect(toHex(read6({ transferLength: 6, fixed: true }))).toBe('080100000600');
    expect(toHex(write6({ transferLength: 65536 }))).toBe('0a0001000000');
    expect(toHex(writeFilemarks6({ transferLength: 2, immed: true }))).toBe('100100000200');
    expect(toHex(space6({ code: SPACE_CODE.FILEMARKS, count: -1 }))).toBe('1101ffffff00');
    expect(toHex(space6({ code: SPACE_CODE.END_OF_DATA, count: 0 }))).toBe('110300000000');
    expect(toHex(inquiry({ evpd: true, pageCode: 0x80, allocationLength: 255 }))).toBe('12018000ff00');
    expect(toHex(modeSelect6({ pf: true, parameterListLength: 12 }))).toBe('151000000c00');
    expect(toHex(modeSense6({ dbd: false, pc: 0, pageCode: 0x3f, allocationLength: 255 }))).toBe(
      '1a003f00ff00',
    );
    expect(toHex(loadUnload({ load: true, immed: true }))).toBe('1b0100000100');
    expect(toHex(loadUnload({ load: false, eot: true }))).toBe('1b0000000400');
    expect(toHex(readPosition())).toBe('34000000000000000000');
    expect(toHex(requestSense({ desc: true, allocationLength: 252 }))).toBe('03010000fc00');
  });
});

describe('decodeCdb', () => {
  it('names the command and its fields', () => {
    const d = decodeCdb(hex('08 02 04 00 00 00'));
    expect(d).toEqual({
      opcode: 0x08,
      name: 'READ(6)',
      key: 'read6',
      fields: { sili: true, fixed: false, transferLength: 0x040000, control: 0 },
      reservedBitSet: undefined,
    });
    expect(decodeCdb(hex('11 01 ff ff fe 00')).fields).toEqual({ code: 1, count: -2, control: 0 });
    expect(decodeCdb(hex('a2 20 00 21 00 00 00 00 20 04 00 00')).fields).toMatchObject({
      securityProtocol: 0x20,
      securityProtocolSpecific: 0x21,
      inc512: false,
      allocationLength: 8196,
    });
  });

  it('points at the first reserved bit that is set (a drive answers 24/00 there)', () => {
    expect(decodeCdb(hex('00 00 00 00 01 00')).reservedBitSet).toEqual({ byte: 4, bit: 0 });
    expect(decodeCdb(hex('08 80 00 00 00 00')).reservedBitSet).toEqual({ byte: 1, bit: 7 });
    expect(decodeCdb(hex('b5 20 00 10 40 00 00 00 00 34 00 00')).reservedBitSet).toEqual({ byte: 4, bit: 6 });
    expect(decodeCdb(hex('b5 20 00 10 80 00 00 00 00 34 00 00')).reservedBitSet).toBeUndefined();
  });

  it('ignores bytes a transport padded on, and refuses unknown or short CDBs with SDP_SCSI_CDB_FORMAT', () => {
    expect(decodeCdb(hex('00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00')).name).toBe('TEST UNIT READY');
    for (const bad of ['', '2b 00 00 00 00 00 00 00 00 00', '08 00 00']) {
      expect(thrown(() => decodeCdb(hex(bad), { device: 'sim:x' }))).toMatchObject({
        code: 'SDP_SCSI_CDB_FORMAT',
        context: { device: 'sim:x' },
      });
    }
  });

  it.each(KEYS)('%s: decode(encode(fields)) = fields, and the CDB has its table length', (key) => {
    const d = CDB_DEFINITIONS[key];
    fc.assert(
      fc.property(flatValue(d.layout, {}, ['operationCode']), (fields) => {
        const cdb = encodeCdb(key, fields as never);
        expect(cdb.length).toBe(d.layout.size);
        expect(cdb[0]).toBe(d.opcode);
        const back = decodeCdb(cdb);
        expect(back).toEqual({ opcode: d.opcode, name: d.name, key, fields, reservedBitSet: undefined });
      }),
    );
  });

  it('arbitrary bytes give a decoded CDB or an SdpipeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), (b) => {
        try {
          const d = decodeCdb(b);
          expect(d.opcode).toBe(b[0]);
          // Bytes the table names round-trip; reserved bits are reported, not kept.
          if (!d.reservedBitSet)
            expect(toHex(encodeCdb(d.key, d.fields as never))).toBe(
              toHex(b.subarray(0, encodeCdb(d.key).length)),
            );
        } catch (e) {
          expect(e).toBeInstanceOf(SdpipeError);
        }
      }),
    );
  });
});
