/**
 * SPACE(6), REWIND, READ POSITION, LOAD/UNLOAD and TEST UNIT READY of the simulated drive as a real drive
 * answers them where tgt does not (spec scsi.md §7, §8; test-environment.md §2): SPACE stops at
 * filemarks with FILEMARK + residue, READ POSITION gives real block numbers, UNLOAD makes the drive not
 * ready, LOAD raises UNIT ATTENTION 28/00.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPosition, SPACE_CODE } from '../../../src/devices/scsi/cdb.js';
import { decodeReadPositionShort } from '../../../src/devices/scsi/replies.js';
import { TapeImage } from '../../../src/devices/sim/tape-image.js';
import { SimDrive, patternBlock } from '../../support/sim-drive.js';

const GOOD = 0;
const CHECK = 2;
const { BLOCKS, FILEMARKS, END_OF_DATA, SEQUENTIAL_FILEMARKS } = SPACE_CODE;

let d: SimDrive;
beforeEach(async () => {
  d = await SimDrive.open();
});
afterEach(async () => {
  await d.dispose();
});

/** B B F B B B F B (objects 0-7), end of data at 8. */
async function layout(): Promise<void> {
  for (const o of ['B', 'B', 'F', 'B', 'B', 'B', 'F', 'B']) {
    if (o === 'B') await d.write(patternBlock(d.drive.position, 64));
    else await d.writeFilemarks(1);
  }
  await d.rewind();
}
const position = async () =>
  decodeReadPositionShort((await d.readPosition()).data).firstLogicalObjectLocation;

describe('SPACE(6) over blocks', () => {
  it('forwards: spaces n blocks with GOOD', async () => {
    await layout();
    expect((await d.space(BLOCKS, 2)).status).toBe(GOOD);
    expect(await position()).toBe(2);
  });

  it('forwards: stops after a filemark with FILEMARK, 00/01, INFORMATION = blocks not spaced', async () => {
    await layout();
    const r = await d.space(BLOCKS, 5);
    expect(r.status).toBe(CHECK);
    expect(r.sense).toMatchObject({
      senseKey: 0,
      asc: 0,
      ascq: 1,
      filemark: true,
      valid: true,
      information: 3,
    });
    expect(await position()).toBe(3);
  });

  it('forwards: end of data gives BLANK CHECK 00/05 with the residue, position at end of data', async () => {
    await layout();
    await d.space(FILEMARKS, 2);
    const r = await d.space(BLOCKS, 4);
    expect(r.sense).toMatchObject({ senseKey: 8, asc: 0, ascq: 5, valid: true, information: 3 });
    expect(await position()).toBe(8);
  });

  it('backwards: stops on the BOT side of a filemark with FILEMARK and the residue', async () => {
    await layout();
    await d.space(END_OF_DATA, 0);
    expect((await d.space(BLOCKS, -1)).status).toBe(GOOD);
    const r = await d.space(BLOCKS, -3);
    expect(r.sense).toMatchObject({
      senseKey: 0,
      asc: 0,
      ascq: 1,
      filemark: true,
      valid: true,
      information: 3,
    });
    expect(await position()).toBe(6);
  });

  it('backwards: BOT gives NO SENSE 00/04 with EOM and the residue', async () => {
    await layout();
    await d.space(BLOCKS, 2);
    const r = await d.space(BLOCKS, -5);
    expect(r.sense).toMatchObject({ senseKey: 0, asc: 0, ascq: 4, eom: true, valid: true, information: 3 });
    expect(await position()).toBe(0);
  });

  it('count 0 does not move', async () => {
    await layout();
    await d.space(BLOCKS, 1);
    expect((await d.space(BLOCKS, 0)).status).toBe(GOOD);
    expect(await position()).toBe(1);
  });
});

describe('SPACE(6) over filemarks and to end of data', () => {
  it('forwards: ends after the nth filemark', async () => {
    await layout();
    expect((await d.space(FILEMARKS, 2)).status).toBe(GOOD);
    expect(await position()).toBe(7);
  });

  it('forwards past the last filemark: BLANK CHECK 00/05, INFORMATION = filemarks not spaced', async () => {
    await layout();
    const r = await d.space(FILEMARKS, 4);
    expect(r.sense).toMatchObject({ senseKey: 8, asc: 0, ascq: 5, information: 2 });
    expect(await position()).toBe(8);
  });

  it('backwards: ends on the BOT side of the nth filemark; BOT gives 00/04 EOM', async () => {
    await layout();
    await d.space(END_OF_DATA, 0);
    expect((await d.space(FILEMARKS, -1)).status).toBe(GOOD);
    expect(await position()).toBe(6);
    expect((await d.space(FILEMARKS, -1)).status).toBe(GOOD);
    expect(await position()).toBe(2);
    const r = await d.space(FILEMARKS, -1);
    expect(r.sense).toMatchObject({ senseKey: 0, asc: 0, ascq: 4, eom: true, information: 1 });
  });

  it('to end of data', async () => {
    await layout();
    expect((await d.space(END_OF_DATA, 0)).status).toBe(GOOD);
    expect(await position()).toBe(8);
    expect((await d.read(64)).sense).toMatchObject({ senseKey: 8, asc: 0, ascq: 5 });
  });

  it('refuses sequential filemarks (obsolete) with 24/00 at CDB byte 1 bit 3', async () => {
    const r = await d.space(SEQUENTIAL_FILEMARKS, 1);
    expect(r.sense).toMatchObject({
      senseKey: 5,
      asc: 0x24,
      ascq: 0,
      cd: true,
      fieldPointer: 1,
      bitPointer: 3,
    });
  });
});

describe('READ POSITION (short form)', () => {
  it('reports BOP at BOT and the real logical object number (filemarks counted) elsewhere', async () => {
    let p = decodeReadPositionShort((await d.readPosition()).data);
    expect(p).toMatchObject({
      bop: true,
      eop: false,
      bpu: false,
      firstLogicalObjectLocation: 0,
      lastLogicalObjectLocation: 0,
    });
    await layout();
    await d.space(FILEMARKS, 1);
    await d.read(64);
    p = decodeReadPositionShort((await d.readPosition()).data);
    expect(p).toMatchObject({
      bop: false,
      firstLogicalObjectLocation: 4,
      lastLogicalObjectLocation: 4,
      numberOfLogicalObjectsInObjectBuffer: 0,
      numberOfBytesInObjectBuffer: 0,
    });
    expect((await d.readPosition()).data.length).toBe(20);
  });

  it('refuses the long and extended forms with 24/00 at the service action', async () => {
    const r = await d.run(readPosition({ serviceAction: 6 }), { allocationLength: 32 });
    expect(r.sense).toMatchObject({ senseKey: 5, asc: 0x24, cd: true, fieldPointer: 1, bitPointer: 4 });
  });

  it('REWIND returns to BOT', async () => {
    await layout();
    await d.space(END_OF_DATA, 0);
    expect((await d.rewind()).status).toBe(GOOD);
    expect(await position()).toBe(0);
  });
});

describe('LOAD/UNLOAD and TEST UNIT READY', () => {
  it('TEST UNIT READY is GOOD with a threaded cartridge', async () => {
    expect((await d.testUnitReady()).status).toBe(GOOD);
  });

  it('after UNLOAD: NOT READY 3A/00 for TEST UNIT READY and media commands; LOAD → UNIT ATTENTION 28/00 once, at BOT', async () => {
    await layout();
    await d.space(BLOCKS, 2);
    expect((await d.unload()).status).toBe(GOOD);
    for (const r of [
      await d.testUnitReady(),
      await d.read(64),
      await d.write(new Uint8Array(4)),
      await d.rewind(),
    ])
      expect(r.sense).toMatchObject({ senseKey: 2, asc: 0x3a, ascq: 0 });
    expect((await d.load()).status).toBe(GOOD);
    const ua = await d.testUnitReady();
    expect(ua.status).toBe(CHECK);
    expect(ua.sense).toMatchObject({ senseKey: 6, asc: 0x28, ascq: 0 });
    expect((await d.testUnitReady()).status).toBe(GOOD);
    expect(await position()).toBe(0);
    expect((await d.read(64)).data).toEqual(patternBlock(0, 64));
  });

  it('UNLOAD without a threaded cartridge is NOT READY 3A/00; LOAD with EOT is refused', async () => {
    await d.unload();
    expect((await d.unload()).sense).toMatchObject({ senseKey: 2, asc: 0x3a });
    const r = await d.run(Uint8Array.of(0x1b, 0, 0, 0, 0x05, 0));
    expect(r.sense).toMatchObject({ senseKey: 5, asc: 0x24, cd: true, fieldPointer: 4, bitPointer: 2 });
  });

  it('LOAD of a threaded cartridge rewinds it without a unit attention', async () => {
    await layout();
    await d.space(BLOCKS, 2);
    expect((await d.load()).status).toBe(GOOD);
    expect((await d.testUnitReady()).status).toBe(GOOD);
    expect(await position()).toBe(0);
  });

  it('a drive with no cartridge is NOT READY 3A/00; inserting one threads it with UNIT ATTENTION 28/00', async () => {
    const image = d.drive.eject();
    expect(image).toBeDefined();
    expect((await d.testUnitReady()).sense).toMatchObject({ senseKey: 2, asc: 0x3a, ascq: 0 });
    expect((await d.load()).sense).toMatchObject({ senseKey: 2, asc: 0x3a, ascq: 0 });
    d.drive.insert(TapeImage.open(d.path));
    expect((await d.testUnitReady()).sense).toMatchObject({ senseKey: 6, asc: 0x28 });
    expect((await d.testUnitReady()).status).toBe(GOOD);
  });
});
