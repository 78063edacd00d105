/**
 * Fault injection of the simulated drive (src/devices/sim/faults.ts): every injected fault surfaces as
 * the sense a real drive gives (spec scsi.md §4, §7, §8) at the right block, and nothing written before
 * it is lost — checked after closing and reopening the image.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inquiry } from '../../../src/devices/scsi/cdb.js';
import { decodeReadPositionShort } from '../../../src/devices/scsi/replies.js';
import { SimDrive, patternBlock } from '../../support/sim-drive.js';

const GOOD = 0;
const CHECK = 2;
const MEDIUM_ERROR = 3;

let d: SimDrive;
beforeEach(async () => {
  d = await SimDrive.open();
});
afterEach(async () => {
  await d.dispose();
});

/** Rewinds and reads every object back: block seeds (by length) or 'FM', up to end of data. */
async function readBack(): Promise<(Uint8Array | 'FM')[]> {
  await d.rewind();
  const out: (Uint8Array | 'FM')[] = [];
  for (;;) {
    const r = await d.read(1 << 20, true);
    if (r.status === GOOD) out.push(r.data);
    else if (r.sense?.filemark) out.push('FM');
    else {
      expect(r.sense).toMatchObject({ senseKey: 8, asc: 0, ascq: 5 });
      return out;
    }
  }
}

describe('write error at block N', () => {
  it('WRITE of block N: MEDIUM ERROR 0C/00, VALID, INFORMATION = bytes not written; blocks before it survive a restart', async () => {
    d.drive.faults.failWrite(3);
    for (let i = 0; i < 3; i++) expect((await d.write(patternBlock(i, 1000))).status).toBe(GOOD);
    const r = await d.write(patternBlock(3, 1000));
    expect(r.status).toBe(CHECK);
    expect(r.sense).toMatchObject({
      senseKey: MEDIUM_ERROR,
      asc: 0x0c,
      ascq: 0,
      valid: true,
      information: 1000,
    });
    expect(d.drive.position).toBe(3);
    await d.reopen();
    expect(await readBack()).toEqual([0, 1, 2].map((i) => patternBlock(i, 1000)));
  });

  it('WRITE FILEMARKS reaching block N: INFORMATION = filemarks not written', async () => {
    await d.write(patternBlock(0, 10));
    d.drive.faults.failWrite(2);
    const r = await d.writeFilemarks(3);
    expect(r.sense).toMatchObject({ senseKey: MEDIUM_ERROR, asc: 0x0c, information: 2 });
    await d.reopen();
    expect(await readBack()).toEqual([patternBlock(0, 10), 'FM']);
  });

  it('`times: 1` fires once: the retry succeeds', async () => {
    d.drive.faults.failWrite(0, { times: 1 });
    expect((await d.write(patternBlock(0, 10))).sense?.senseKey).toBe(MEDIUM_ERROR);
    expect((await d.write(patternBlock(0, 10))).status).toBe(GOOD);
  });
});

describe('media error on read of block N', () => {
  it('READ of block N: MEDIUM ERROR 11/00, INFORMATION = requested; the position moves past it; others read', async () => {
    for (let i = 0; i < 3; i++) await d.write(patternBlock(i, 500));
    d.drive.faults.failRead(1);
    await d.rewind();
    expect((await d.read(500)).status).toBe(GOOD);
    const r = await d.read(500);
    expect(r.sense).toMatchObject({
      senseKey: MEDIUM_ERROR,
      asc: 0x11,
      ascq: 0,
      valid: true,
      information: 500,
    });
    expect(d.drive.position).toBe(2);
    expect((await d.read(500)).data).toEqual(patternBlock(2, 500));
    d.drive.faults.clear();
    expect(await readBack()).toEqual([0, 1, 2].map((i) => patternBlock(i, 500)));
  });

  it('a block whose bytes no longer match their CRC in the image reads as 11/00 as well', async () => {
    await d.write(patternBlock(0, 4096));
    await d.write(patternBlock(1, 4096));
    await d.transport.close();
    const img = readFileSync(d.path);
    const at = img.indexOf(Buffer.from(patternBlock(0, 4096)));
    img[at + 100]! ^= 1;
    writeFileSync(d.path, img);
    await d.reopen();
    expect((await d.read(4096)).sense).toMatchObject({ senseKey: MEDIUM_ERROR, asc: 0x11 });
    expect((await d.read(4096)).data).toEqual(patternBlock(1, 4096));
  });
});

describe('early warning and end of medium at a byte count', () => {
  it('past early warning: the block is written, NO SENSE 00/02 EOM, INFORMATION 0; READ POSITION shows EOP', async () => {
    d.drive.faults.earlyWarningBytes = 2500;
    expect((await d.write(patternBlock(0, 1000))).status).toBe(GOOD);
    expect((await d.write(patternBlock(1, 1000))).status).toBe(GOOD);
    const r = await d.write(patternBlock(2, 1000));
    expect(r.status).toBe(CHECK);
    expect(r.sense).toMatchObject({ senseKey: 0, asc: 0, ascq: 2, eom: true, valid: true, information: 0 });
    expect((await d.writeFilemarks(1)).sense).toMatchObject({ senseKey: 0, ascq: 2, eom: true });
    expect(decodeReadPositionShort((await d.readPosition()).data).eop).toBe(true);
    await d.reopen();
    expect(await readBack()).toEqual([...[0, 1, 2].map((i) => patternBlock(i, 1000)), 'FM']);
  });

  it('past the physical end: VOLUME OVERFLOW 00/02 EOM, INFORMATION = bytes not written, nothing written', async () => {
    d.drive.faults.earlyWarningBytes = 1500;
    d.drive.faults.endOfMediumBytes = 2500;
    await d.write(patternBlock(0, 1000));
    expect((await d.write(patternBlock(1, 1000))).sense?.eom).toBe(true);
    const r = await d.write(patternBlock(2, 1000));
    expect(r.sense).toMatchObject({
      senseKey: 0x0d,
      asc: 0,
      ascq: 2,
      eom: true,
      valid: true,
      information: 1000,
    });
    expect((await d.write(patternBlock(3, 400))).sense?.senseKey).toBe(0);
    expect((await d.writeFilemarks(1)).sense?.eom).toBe(true);
    await d.reopen();
    expect(await readBack()).toEqual([
      patternBlock(0, 1000),
      patternBlock(1, 1000),
      patternBlock(3, 400),
      'FM',
    ]);
  });

  it('the image capacity and early-warning distance from the spec do the same', async () => {
    await d.dispose();
    d = await SimDrive.open('capacity=8K&ew=2K');
    expect(d.drive.image).toMatchObject({ capacityBytes: 8192, earlyWarningBytes: 6144 });
    for (let i = 0; i < 6; i++) expect((await d.write(patternBlock(i, 1024))).status).toBe(GOOD);
    expect((await d.write(patternBlock(6, 1024))).sense).toMatchObject({ senseKey: 0, eom: true });
    expect((await d.write(patternBlock(7, 1024))).sense).toMatchObject({ senseKey: 0, eom: true });
    expect((await d.write(patternBlock(8, 1))).sense).toMatchObject({ senseKey: 0x0d, information: 1 });
  });
});

describe('drive not ready, unexpected unload, injected sense', () => {
  it('not ready: TEST UNIT READY and media commands get NOT READY 04/01 until cleared; INQUIRY still answers', async () => {
    d.drive.setNotReady();
    expect((await d.testUnitReady()).sense).toMatchObject({ senseKey: 2, asc: 0x04, ascq: 0x01 });
    expect((await d.read(10)).sense).toMatchObject({ senseKey: 2, asc: 0x04, ascq: 0x01 });
    expect((await d.load()).sense).toMatchObject({ senseKey: 2, asc: 0x04 });
    expect((await d.run(inquiry({ allocationLength: 36 }), { allocationLength: 36 })).status).toBe(GOOD);
    d.drive.clearNotReady();
    expect((await d.testUnitReady()).status).toBe(GOOD);
  });

  it('unexpected unload: NOT READY 3A/00; after LOAD (UNIT ATTENTION 28/00) every block is there', async () => {
    for (let i = 0; i < 3; i++) await d.write(patternBlock(i, 300));
    d.drive.unexpectedUnload();
    expect((await d.write(patternBlock(9, 300))).sense).toMatchObject({ senseKey: 2, asc: 0x3a, ascq: 0 });
    expect((await d.testUnitReady()).sense).toMatchObject({ senseKey: 2, asc: 0x3a });
    await d.load();
    expect((await d.testUnitReady()).sense).toMatchObject({ senseKey: 6, asc: 0x28 });
    expect(await readBack()).toEqual([0, 1, 2].map((i) => patternBlock(i, 300)));
    await d.reopen();
    expect(await readBack()).toEqual([0, 1, 2].map((i) => patternBlock(i, 300)));
  });

  it('an injected sense goes to the next command with a matching operation code, once', async () => {
    d.drive.faults.failNextCommand({ sense: { senseKey: 4, asc: 0x44, ascq: 0 }, opcodes: [0x08] });
    await d.write(patternBlock(0, 10));
    await d.rewind();
    expect((await d.read(10)).sense).toMatchObject({ senseKey: 4, asc: 0x44 });
    expect((await d.read(10)).status).toBe(GOOD);
  });

  it('TapeAlert flags raised by injection are reported by the next LOG SENSE 0x2E only', async () => {
    d.drive.raiseTapeAlert(4, 5);
    expect(d.drive.pendingTapeAlerts()).toEqual([4, 5]);
    const page = (await d.logSense(0x2e)).data;
    expect(page[4 + 3 * 5 + 4]).toBe(1);
    expect(page[4 + 4 * 5 + 4]).toBe(1);
    expect(
      (await d.logSense(0x2e)).data.filter((_, i) => i >= 4 && (i - 4) % 5 === 4 && _ !== 0),
    ).toHaveLength(0);
    expect(() => d.drive.raiseTapeAlert(65)).toThrow(RangeError);
  });
});
