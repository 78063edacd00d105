/**
 * READ(6), WRITE(6) and WRITE FILEMARKS(6) of the simulated drive (spec scsi.md §7, §8): exact status,
 * sense and data for variable- and fixed-block mode, and write → rewind → read identity for random
 * sequences of blocks and filemarks (fast-check).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modeSelect6, read6, write6 } from '../../../src/devices/scsi/cdb.js';
import { encodeModeParameters6 } from '../../../src/devices/scsi/replies.js';
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

/** MODE SELECT(6) with one block descriptor (block length 0 = variable). */
const setBlockLength = (blockLength: number) => {
  const list = encodeModeParameters6({
    modeDataLength: 0,
    mediumType: 0,
    wp: false,
    bufferedMode: 1,
    speed: 0,
    blockDescriptors: [{ densityCode: 0, numberOfBlocks: 0, blockLength }],
    pages: new Uint8Array(0),
  });
  return d.run(modeSelect6({ parameterListLength: list.length, pf: true }), { dataOut: list });
};

describe('variable-block READ(6)', () => {
  it('returns a block of exactly the requested length with GOOD status', async () => {
    const block = patternBlock(1, 65536);
    expect((await d.write(block)).status).toBe(GOOD);
    await d.rewind();
    const r = await d.read(65536);
    expect(r.status).toBe(GOOD);
    expect(r.sense).toBeUndefined();
    expect(Buffer.from(r.data).equals(Buffer.from(block))).toBe(true);
    expect(r.residual).toBe(0);
  });

  it('reports a short block with ILI and INFORMATION = requested − actual, data and position after it', async () => {
    await d.write(patternBlock(2, 1000));
    await d.write(patternBlock(3, 10));
    await d.rewind();
    const r = await d.read(4096);
    expect(r.status).toBe(CHECK);
    expect(r.sense).toMatchObject({
      senseKey: 0,
      asc: 0,
      ascq: 0,
      ili: true,
      valid: true,
      information: 3096,
    });
    expect(r.sense?.filemark).toBe(false);
    expect(Buffer.from(r.data).equals(Buffer.from(patternBlock(2, 1000)))).toBe(true);
    expect(r.residual).toBe(3096);
    expect((await d.read(10)).data).toEqual(patternBlock(3, 10));
  });

  it('does not report a short block when SILI is set (SSC; tgt ignores SILI)', async () => {
    await d.write(patternBlock(4, 1000));
    await d.rewind();
    const r = await d.read(4096, true);
    expect(r.status).toBe(GOOD);
    expect(r.data.length).toBe(1000);
    expect(r.residual).toBe(3096);
  });

  it('reports a long block with ILI and a negative INFORMATION, even with SILI; the rest of the block is skipped', async () => {
    const big = patternBlock(5, 8192);
    await d.write(big);
    await d.write(patternBlock(6, 100));
    await d.rewind();
    for (const sili of [false, true]) {
      const r = await d.read(4096, sili);
      expect(r.status).toBe(CHECK);
      expect(r.sense).toMatchObject({ senseKey: 0, ili: true, valid: true, information: -4096 });
      expect(Buffer.from(r.data).equals(Buffer.from(big.subarray(0, 4096)))).toBe(true);
      expect((await d.read(100)).data).toEqual(patternBlock(6, 100));
      await d.rewind();
    }
  });

  it('stops at a filemark with NO SENSE 00/01, FILEMARK, INFORMATION = requested, no data, position after it', async () => {
    await d.write(patternBlock(7, 512));
    await d.writeFilemarks(1);
    await d.write(patternBlock(8, 512));
    await d.rewind();
    await d.read(512);
    const r = await d.read(512);
    expect(r.status).toBe(CHECK);
    expect(r.sense).toMatchObject({
      senseKey: 0,
      asc: 0x00,
      ascq: 0x01,
      filemark: true,
      valid: true,
      information: 512,
    });
    expect(r.data.length).toBe(0);
    expect((await d.read(512)).data).toEqual(patternBlock(8, 512));
  });

  it('answers BLANK CHECK 00/05 (end of data), VALID, INFORMATION = requested, at end of data', async () => {
    await d.write(patternBlock(9, 64));
    await d.rewind();
    await d.read(64);
    const r = await d.read(64);
    expect(r.status).toBe(CHECK);
    expect(r.sense).toMatchObject({
      senseKey: 8,
      asc: 0x00,
      ascq: 0x05,
      valid: true,
      information: 64,
      eom: false,
    });
    const blank = await SimDrive.open();
    expect((await blank.read(64)).sense).toMatchObject({ senseKey: 8, asc: 0, ascq: 5 });
    await blank.dispose();
  });

  it('does nothing for a transfer length of 0', async () => {
    await d.write(patternBlock(1, 10));
    await d.rewind();
    expect(await d.read(0)).toMatchObject({ status: GOOD, data: new Uint8Array(0) });
    expect((await d.read(10)).status).toBe(GOOD);
  });

  it('cuts the data to the allocation length the host gave', async () => {
    await d.write(patternBlock(1, 100));
    await d.rewind();
    const r = await d.run(read6({ transferLength: 100 }), { allocationLength: 40 });
    expect(r.status).toBe(GOOD);
    expect(r.data).toEqual(patternBlock(1, 100).subarray(0, 40));
    expect(r.residual).toBe(0);
  });
});

describe('WRITE(6) and WRITE FILEMARKS(6)', () => {
  it('writing in the middle of the tape makes the new object the last one (end of data)', async () => {
    for (let i = 0; i < 5; i++) await d.write(patternBlock(i, 100));
    await d.rewind();
    await d.read(100);
    await d.write(patternBlock(99, 50));
    await d.writeFilemarks(1);
    await d.rewind();
    expect((await d.read(100)).data).toEqual(patternBlock(0, 100));
    expect((await d.read(100)).data.length).toBe(50);
    expect((await d.read(100)).sense?.filemark).toBe(true);
    expect((await d.read(100)).sense).toMatchObject({ senseKey: 8, asc: 0, ascq: 5 });
    expect(d.drive.image?.length).toBe(3);
  });

  it('writes n filemarks, and count 0 writes nothing', async () => {
    expect((await d.writeFilemarks(0)).status).toBe(GOOD);
    expect((await d.writeFilemarks(3)).status).toBe(GOOD);
    expect((await d.writeFilemarks(2, true)).status).toBe(GOOD);
    expect(d.drive.image?.length).toBe(5);
    expect(d.drive.position).toBe(5);
  });

  it('refuses setmarks (WSMK) with 24/00 pointing at CDB byte 1 bit 1', async () => {
    const r = await d.run(Uint8Array.of(0x10, 0x02, 0, 0, 1, 0));
    expect(r.sense).toMatchObject({
      senseKey: 5,
      asc: 0x24,
      ascq: 0,
      sksv: true,
      cd: true,
      fieldPointer: 1,
      bitPointer: 1,
    });
  });

  it('refuses a block above the READ BLOCK LIMITS maximum with 24/00 at the transfer length', async () => {
    const ibm = await SimDrive.open('personality=ibm');
    const r = await ibm.run(write6({ transferLength: 0x800001 }), { dataOut: new Uint8Array(0x800001) });
    expect(r.sense).toMatchObject({ senseKey: 5, asc: 0x24, cd: true, fieldPointer: 2 });
    await ibm.dispose();
  });

  it('rejects a data-out length that contradicts the CDB (a host bug, not a drive answer)', async () => {
    await expect(d.run(write6({ transferLength: 10 }), { dataOut: new Uint8Array(9) })).rejects.toMatchObject(
      {
        code: 'SDP_SCSI_COMMAND',
      },
    );
  });

  it('refuses FIXED = 1 in variable-block mode and SILI with FIXED', async () => {
    const fixedWrite = await d.run(write6({ transferLength: 1, fixed: true }), {
      dataOut: new Uint8Array(0),
    });
    expect(fixedWrite.sense).toMatchObject({ senseKey: 5, asc: 0x24, fieldPointer: 1, bitPointer: 0 });
    expect((await setBlockLength(512)).status).toBe(GOOD);
    const both = await d.run(read6({ transferLength: 1, fixed: true, sili: true }), {
      allocationLength: 512,
    });
    expect(both.sense).toMatchObject({ senseKey: 5, asc: 0x24, fieldPointer: 1, bitPointer: 1 });
  });
});

describe('fixed-block mode (MODE SELECT block length 512)', () => {
  it('writes and reads n blocks per command', async () => {
    expect((await setBlockLength(512)).status).toBe(GOOD);
    const data = patternBlock(1, 512 * 4);
    expect((await d.writeFixed(data, 4)).status).toBe(GOOD);
    expect(d.drive.image?.length).toBe(4);
    await d.rewind();
    const r = await d.readFixed(4, 512);
    expect(r.status).toBe(GOOD);
    expect(Buffer.from(r.data).equals(Buffer.from(data))).toBe(true);
  });

  it('a read of 6 blocks over 4 blocks + filemark: FILEMARK, INFORMATION = 2 blocks not read (as tgt)', async () => {
    await setBlockLength(512);
    await d.writeFixed(patternBlock(2, 512 * 4), 4);
    await d.writeFilemarks(1);
    await d.rewind();
    const r = await d.readFixed(6, 512);
    expect(r.sense).toMatchObject({
      senseKey: 0,
      filemark: true,
      asc: 0,
      ascq: 1,
      valid: true,
      information: 2,
    });
    expect(r.data.length).toBe(2048);
    expect(d.drive.position).toBe(5);
  });

  it('a block of another length ends the read with ILI, INFORMATION = blocks not read', async () => {
    await d.write(patternBlock(3, 512));
    await d.write(patternBlock(4, 100));
    await setBlockLength(512);
    await d.rewind();
    const r = await d.readFixed(3, 512);
    expect(r.sense).toMatchObject({ senseKey: 0, ili: true, valid: true, information: 2 });
    expect(r.data).toEqual(patternBlock(3, 512));
  });

  it('MODE SELECT back to block length 0 returns to variable-block mode', async () => {
    await setBlockLength(512);
    expect(d.drive.blockLength).toBe(512);
    await setBlockLength(0);
    expect(d.drive.blockLength).toBe(0);
  });
});

describe('write → rewind → read identity', () => {
  it('holds for random sequences of blocks and filemarks', async () => {
    const objectArb = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('block' as const),
          size: fc.integer({ min: 1, max: 70_000 }),
          seed: fc.nat(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('filemark' as const) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(objectArb, { minLength: 1, maxLength: 25 }), async (objects) => {
        await d.rewind();
        for (const o of objects) {
          const r =
            o.kind === 'block' ? await d.write(patternBlock(o.seed, o.size)) : await d.writeFilemarks(1);
          expect(r.status).toBe(GOOD);
        }
        await d.rewind();
        for (const o of objects) {
          const r = await d.read(80_000, true);
          if (o.kind === 'filemark') {
            expect(r.sense?.filemark).toBe(true);
          } else {
            expect(r.status).toBe(GOOD);
            expect(Buffer.from(r.data).equals(Buffer.from(patternBlock(o.seed, o.size)))).toBe(true);
          }
        }
        expect((await d.read(1)).sense).toMatchObject({ senseKey: 8, asc: 0, ascq: 5 });
      }),
      { numRuns: 40 },
    );
  });
});
