/**
 * The non-motion commands of the simulated drive (spec scsi.md §4, §5, §7, §8): INQUIRY, READ BLOCK
 * LIMITS, MODE SENSE/SELECT(6), REQUEST SENSE, LOG SENSE (supported pages, TapeAlert once then cleared),
 * unknown operation codes, unit attentions, and the sense shapes of the personalities.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  inquiry,
  logSense,
  modeSelect6,
  modeSense6,
  readBlockLimits,
  requestSense,
} from '../../../src/devices/scsi/cdb.js';
import { activeTapeAlerts, decodeTapeAlertPage } from '../../../src/devices/scsi/pages/log-tapealert.js';
import {
  decodeInquiry,
  decodeModeParameters6,
  decodeReadBlockLimits,
  encodeModeParameters6,
  type ModeParameters6,
} from '../../../src/devices/scsi/replies.js';
import { decodeSense } from '../../../src/devices/scsi/sense.js';
import { SimDrive, patternBlock } from '../../support/sim-drive.js';

const GOOD = 0;
const CHECK = 2;

let d: SimDrive;
beforeEach(async () => {
  d = await SimDrive.open();
});
afterEach(async () => {
  await d.dispose();
});

const modeSense = async (pageCode = 0, allocationLength = 255, extra: { dbd?: boolean; pc?: number } = {}) =>
  d.run(modeSense6({ pageCode, allocationLength, ...extra }), { allocationLength });
const modeSelect = (list: Uint8Array) =>
  d.run(modeSelect6({ parameterListLength: list.length, pf: true }), { dataOut: list });
const selectList = (over: Partial<ModeParameters6> = {}, blockLength = 0) =>
  encodeModeParameters6({
    modeDataLength: 0,
    mediumType: 0,
    wp: false,
    bufferedMode: 1,
    speed: 0,
    blockDescriptors: [{ densityCode: 0, numberOfBlocks: 0, blockLength }],
    pages: new Uint8Array(0),
    ...over,
  });

describe('INQUIRY', () => {
  it('standard data: sequential-access, removable, SPC-4, the personality identity', async () => {
    const r = await d.run(inquiry({ allocationLength: 96 }), { allocationLength: 96 });
    expect(r.status).toBe(GOOD);
    expect(r.data.length).toBe(36);
    expect(decodeInquiry(r.data)).toMatchObject({
      peripheralQualifier: 0,
      peripheralDeviceType: 1,
      rmb: true,
      version: 6,
      responseDataFormat: 2,
      additionalLength: 31,
      vendorIdentification: 'HP      ',
      productIdentification: 'Ultrium 6-SCSI  ',
    });
    await d.reopen('personality=ibm');
    const ibm = decodeInquiry(
      (await d.run(inquiry({ allocationLength: 36 }), { allocationLength: 36 })).data,
    );
    expect(ibm.vendorIdentification).toBe('IBM     ');
  });

  it('VPD 0x00 lists 0x00 and 0x80; 0x80 gives the serial number; other pages → 24/00 at byte 2', async () => {
    const vpd = (pageCode: number) =>
      d.run(inquiry({ evpd: true, pageCode, allocationLength: 255 }), { allocationLength: 255 });
    expect(Array.from((await vpd(0x00)).data)).toEqual([0x01, 0x00, 0, 2, 0x00, 0x80]);
    await d.reopen('serial=HU12345678');
    const serial = await vpd(0x80);
    expect(Buffer.from(serial.data.subarray(4)).toString()).toBe('HU12345678');
    expect((await vpd(0x83)).sense).toMatchObject({ senseKey: 5, asc: 0x24, cd: true, fieldPointer: 2 });
    const noEvpd = await d.run(inquiry({ pageCode: 0x80, allocationLength: 255 }), { allocationLength: 255 });
    expect(noEvpd.sense).toMatchObject({ senseKey: 5, asc: 0x24, fieldPointer: 2 });
  });

  it('the CDB ALLOCATION LENGTH bounds the reply as well as the host buffer', async () => {
    const r = await d.run(inquiry({ allocationLength: 8 }), { allocationLength: 96 });
    expect(r.data.length).toBe(8);
    expect(r.residual).toBe(88);
  });

  it('answers while a unit attention is pending, without clearing it', async () => {
    await d.unload();
    await d.load();
    expect((await d.run(inquiry({ allocationLength: 36 }), { allocationLength: 36 })).status).toBe(GOOD);
    expect((await d.testUnitReady()).sense).toMatchObject({ senseKey: 6, asc: 0x28 });
  });
});

describe('READ BLOCK LIMITS', () => {
  it('granularity 0, the personality maximum, minimum 1', async () => {
    const hp = decodeReadBlockLimits((await d.run(readBlockLimits(), { allocationLength: 6 })).data);
    expect(hp).toEqual({ granularity: 0, maximumBlockLength: 0xffffff, minimumBlockLength: 1 });
    await d.reopen('personality=ibm');
    const ibm = decodeReadBlockLimits((await d.run(readBlockLimits(), { allocationLength: 6 })).data);
    expect(ibm.maximumBlockLength).toBe(0x800000);
  });
});

describe('MODE SENSE(6) / MODE SELECT(6)', () => {
  it('header + block descriptor: buffered mode 1, density of the LTO generation, block length 0 (variable)', async () => {
    const r = await modeSense(0, 12);
    expect(Array.from(r.data)).toEqual([11, 0, 0x10, 8, 0x5a, 0, 0, 0, 0, 0, 0, 0]);
    const m = decodeModeParameters6(r.data);
    expect(m).toMatchObject({ wp: false, bufferedMode: 1, blockDescriptorLength: 8 });
    expect(m.blockDescriptors[0]).toEqual({ densityCode: 0x5a, numberOfBlocks: 0, blockLength: 0 });
  });

  it('DBD leaves the descriptor out; page 0x0F reports no compression; 0x3F all pages; unknown page → 24/00', async () => {
    expect((await modeSense(0, 255, { dbd: true })).data.length).toBe(4);
    const compression = decodeModeParameters6((await modeSense(0x0f)).data);
    expect(Array.from(compression.pages)).toEqual([0x0f, 0x0e, ...new Array<number>(14).fill(0)]);
    expect(decodeModeParameters6((await modeSense(0x3f)).data).pages.length).toBe(16);
    expect((await modeSense(0x11)).sense).toMatchObject({
      senseKey: 5,
      asc: 0x24,
      cd: true,
      fieldPointer: 2,
      bitPointer: 5,
    });
    expect((await modeSense(0, 255, { pc: 3 })).sense).toMatchObject({ senseKey: 5, asc: 0x39, ascq: 0 });
  });

  it('WP follows the write-protect tab; a write is then DATA PROTECT 27/00', async () => {
    d.drive.setWriteProtected(true);
    expect(decodeModeParameters6((await modeSense()).data).wp).toBe(true);
    expect((await d.write(patternBlock(1, 10))).sense).toMatchObject({ senseKey: 7, asc: 0x27, ascq: 0 });
    expect((await d.writeFilemarks(1)).sense).toMatchObject({ senseKey: 7, asc: 0x27, ascq: 0 });
    await d.reopen('wp=1');
    expect(decodeModeParameters6((await modeSense()).data).wp).toBe(false);
  });

  it('MODE SELECT sets the block length; MODE SENSE reports it', async () => {
    expect((await modeSelect(selectList({}, 1024))).status).toBe(GOOD);
    expect(decodeModeParameters6((await modeSense()).data).blockDescriptors[0]?.blockLength).toBe(1024);
  });

  it('MODE SELECT refusals point at the parameter list byte (26/00, C/D = 0)', async () => {
    await d.reopen('personality=ibm');
    const bad = (list: Uint8Array, fieldPointer: number, bitPointer = 7) =>
      modeSelect(list).then((r) => {
        expect(r.status).toBe(CHECK);
        expect(r.sense).toMatchObject({
          senseKey: 5,
          asc: 0x26,
          cd: false,
          sksv: true,
          fieldPointer,
          bitPointer,
        });
      });
    await bad(selectList({ modeDataLength: 3 }), 0);
    await bad(selectList({ blockDescriptorLength: 4 }), 3);
    await bad(selectList({}, 0x800001), 9);
    await bad(selectList({ pages: Uint8Array.of(0x10, 0x0e, ...new Array<number>(14).fill(0)) }), 12, 5);
    await bad(selectList({ pages: Uint8Array.of(0x0f, 0x0a, ...new Array<number>(10).fill(0)) }), 13);
    await bad(
      selectList({ pages: Uint8Array.of(0x0f, 0x0e, 0x80, ...new Array<number>(13).fill(0)) }),
      14,
      7,
    );
    expect(
      (await modeSelect(selectList({ pages: Uint8Array.of(0x0f, 0x0e, ...new Array<number>(14).fill(0)) })))
        .status,
    ).toBe(GOOD);
  });
});

describe('REQUEST SENSE', () => {
  it('returns the sense of the last failed command once, then NO SENSE', async () => {
    await d.read(10);
    let r = await d.requestSense();
    expect(r.status).toBe(GOOD);
    expect(r.data.length).toBe(24);
    expect(r.sense).toBeUndefined();
    expect(decodeSense(r.data)).toMatchObject({ senseKey: 8, asc: 0, ascq: 5 });
    r = await d.requestSense();
    expect(decodeSense(r.data)).toMatchObject({ senseKey: 0, asc: 0, ascq: 0 });
  });

  it('reports (and clears) a pending unit attention, NOT READY without a medium, descriptor format on DESC', async () => {
    d.drive.powerCycle();
    expect(decodeSense((await d.requestSense()).data)).toMatchObject({ senseKey: 6, asc: 0x29 });
    expect((await d.testUnitReady()).status).toBe(GOOD);
    await d.unload();
    expect(decodeSense((await d.requestSense()).data)).toMatchObject({ senseKey: 2, asc: 0x3a });
    const desc = await d.run(requestSense({ allocationLength: 252, desc: true }), { allocationLength: 252 });
    expect(decodeSense(desc.data)).toMatchObject({ format: 'descriptor', senseKey: 2, asc: 0x3a });
    const short = await d.requestSense(8);
    expect(short.data.length).toBe(8);
  });
});

describe('LOG SENSE', () => {
  it('page 0x00 lists 0x00 and 0x2E', async () => {
    expect(Array.from((await d.logSense(0x00)).data)).toEqual([0, 0, 0, 2, 0x00, 0x2e]);
  });

  it('TapeAlert: 64 parameters (page length 0x0140, control 0x40, length 1); set flags reported once, then cleared', async () => {
    d.drive.raiseTapeAlert(3, 20, 64);
    const r = await d.logSense(0x2e);
    expect(r.data.length).toBe(4 + 0x140);
    expect(Array.from(r.data.subarray(0, 4))).toEqual([0x2e, 0, 0x01, 0x40]);
    expect(Array.from(r.data.subarray(4, 9))).toEqual([0, 1, 0x40, 1, 0]);
    const page = decodeTapeAlertPage(r.data);
    expect(page.flags).toHaveLength(64);
    expect(activeTapeAlerts(page).map((f) => f.number)).toEqual([3, 20, 64]);
    expect(d.drive.pendingTapeAlerts()).toEqual([]);
    expect(activeTapeAlerts(decodeTapeAlertPage((await d.logSense(0x2e)).data))).toEqual([]);
  });

  it('Bareos request (PC 0, allocation 2048) and sg_logs (PC 1) both work; a power cycle clears the flags', async () => {
    d.drive.raiseTapeAlert(1);
    const pc1 = await d.run(logSense({ pageCode: 0x2e, pc: 1, allocationLength: 2048 }), {
      allocationLength: 2048,
    });
    expect(activeTapeAlerts(decodeTapeAlertPage(pc1.data)).map((f) => f.number)).toEqual([1]);
    d.drive.raiseTapeAlert(2);
    d.drive.powerCycle();
    expect(d.drive.pendingTapeAlerts()).toEqual([]);
  });

  it('other pages, PPC, subpages and parameter pointers → 24/00 with the CDB pointer', async () => {
    expect((await d.logSense(0x0c)).sense).toMatchObject({
      senseKey: 5,
      asc: 0x24,
      cd: true,
      fieldPointer: 2,
      bitPointer: 5,
    });
    const ppc = await d.run(logSense({ pageCode: 0x2e, ppc: true, allocationLength: 100 }), {
      allocationLength: 100,
    });
    expect(ppc.sense).toMatchObject({ fieldPointer: 1, bitPointer: 1 });
    const pointer = await d.run(logSense({ pageCode: 0x2e, parameterPointer: 5, allocationLength: 100 }), {
      allocationLength: 100,
    });
    expect(pointer.sense).toMatchObject({ fieldPointer: 5 });
  });
});

describe('around every command', () => {
  it('an unknown operation code is ILLEGAL REQUEST 20/00', async () => {
    const r = await d.run(Uint8Array.of(0x2b, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    expect(r.status).toBe(CHECK);
    expect(r.sense).toMatchObject({ senseKey: 5, asc: 0x20, ascq: 0, sksv: false });
  });

  it('a set reserved CDB bit is 24/00 pointing at it', async () => {
    const r = await d.run(Uint8Array.of(0x00, 0x10, 0, 0, 0, 0));
    expect(r.sense).toMatchObject({ senseKey: 5, asc: 0x24, cd: true, fieldPointer: 1, bitPointer: 4 });
  });

  it('ua=1 starts with UNIT ATTENTION 29/00 pending', async () => {
    await d.reopen('ua=1');
    expect((await d.testUnitReady()).sense).toMatchObject({ senseKey: 6, asc: 0x29, ascq: 0 });
    expect((await d.testUnitReady()).status).toBe(GOOD);
  });

  it('encryption parameters changed elsewhere: UNIT ATTENTION 2A/11 or 2A/12, then DATA PROTECT 2A/13', async () => {
    d.drive.encryptionParametersChangedElsewhere('another-nexus', true);
    expect((await d.testUnitReady()).sense).toMatchObject({ senseKey: 6, asc: 0x2a, ascq: 0x11 });
    expect((await d.testUnitReady()).sense).toMatchObject({ senseKey: 7, asc: 0x2a, ascq: 0x13 });
    d.drive.encryptionParametersChangedElsewhere('vendor-event');
    expect((await d.testUnitReady()).sense).toMatchObject({ senseKey: 6, asc: 0x2a, ascq: 0x12 });
    expect((await d.testUnitReady()).status).toBe(GOOD);
  });
});

describe('sense data shape (spec §4, §8)', () => {
  it('HP: fixed 0x70, 24 bytes, ADDITIONAL SENSE LENGTH 0x10, bytes 18-23 zero', async () => {
    const r = await d.read(10);
    expect(r.rawSense.length).toBe(24);
    expect(r.rawSense[0]).toBe(0xf0);
    expect(r.rawSense[7]).toBe(0x10);
    expect(Array.from(r.rawSense.subarray(18))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('IBM: 96 bytes (0x58) with VolValid and the volume label in the vendor bytes', async () => {
    await d.dispose();
    d = await SimDrive.open('personality=ibm&barcode=ABC123L6');
    const r = await d.read(10);
    expect(r.rawSense.length).toBe(96);
    expect(r.rawSense[7]).toBe(0x58);
    expect(r.rawSense[21]! & 1).toBe(1);
    expect(Buffer.from(r.rawSense.subarray(22, 29)).toString()).toBe('ABC123L');
  });

  it('descriptor format (0x72) when D_SENSE is set (dsense=1)', async () => {
    await d.reopen('dsense=1');
    await d.write(patternBlock(1, 10));
    await d.rewind();
    const r = await d.read(100);
    expect(r.rawSense[0]).toBe(0x72);
    expect(r.sense).toMatchObject({ format: 'descriptor', ili: true, valid: true, information: 90 });
  });
});
