/**
 * TapeDevice and DriveOperations on the simulated drive: volumes laid out as label, filemark, sessions,
 * filemark; bootstrap positioning by tape file/block; volume keys loaded after the label and cleared on
 * close; injected faults (write error, media error on read) surface as typed errors at the right record.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TapeDevice, tapeAddress } from '../../src/devices/tape-device.js';
import { DriveOperations } from '../../src/devices/drive-operations.js';
import type { BlockSource } from '../../src/volume/byte-source.js';
import { SdpipeError } from '../../src/errors.js';
import { runCli } from '../support/cli.js';
import { patternBlock } from '../support/sim-drive.js';
import { shareSimDrive, type SharedSimDrive } from '../support/tape-sim.js';

let sim: SharedSimDrive;
beforeEach(async () => {
  sim = await shareSimDrive();
});
afterEach(async () => {
  await sim.dispose();
});

/** Writes label block, filemark, `blocks` session blocks, filemark through the device's sink. */
async function writeVolume(device: TapeDevice, blocks: number): Promise<Uint8Array[]> {
  const sink = await device.openVolumeForWrite('V');
  const written = [patternBlock(0, 512)];
  await sink.write(written[0]!);
  await sink.endFile?.();
  for (let i = 1; i <= blocks; i++) {
    const b = patternBlock(i, 1000 + i);
    written.push(b);
    await sink.write(b);
  }
  await sink.endFile?.();
  await sink.close();
  return written;
}

async function readAll(source: BlockSource) {
  const out: { kind: string; address?: number; bytes?: Uint8Array }[] = [];
  for (;;) {
    const r = await source.readBlock();
    if (r.kind === 'eod') return out;
    out.push(r.kind === 'block' ? { kind: 'block', address: r.address, bytes: r.bytes } : { kind: r.kind });
  }
}

describe('TapeDevice on the simulated drive', () => {
  it('reads back label, filemark, session blocks and filemark with file/block addresses', async () => {
    const device = await TapeDevice.open(sim.spec);
    const written = await writeVolume(device, 3);
    const got = await readAll(await device.openVolume('V'));
    expect(got.map((r) => [r.kind, r.address])).toEqual([
      ['block', tapeAddress(0, 0)],
      ['filemark', undefined],
      ['block', tapeAddress(1, 0)],
      ['block', tapeAddress(1, 1)],
      ['block', tapeAddress(1, 2)],
      ['filemark', undefined],
    ]);
    expect(got.filter((r) => r.bytes).map((r) => Buffer.from(r.bytes!))).toEqual(
      written.map((b) => Buffer.from(b)),
    );
    await device.close();
  });

  it('bootstrap positioning: seek(file 1, block 2) reads that block next', async () => {
    const device = await TapeDevice.open(sim.spec);
    const written = await writeVolume(device, 4);
    const source = await device.openVolume('V');
    await source.seek!(tapeAddress(1, 2));
    const r = await source.readBlock();
    expect(r).toMatchObject({ kind: 'block', address: tapeAddress(1, 2) });
    expect(r.kind === 'block' && Buffer.from(r.bytes)).toEqual(Buffer.from(written[3]!));
    await device.close();
  });

  it('a volume key is loaded after the label (label plain, data encrypted) and cleared on close', async () => {
    const device = (await TapeDevice.open(sim.spec)).withVolumeKey(Buffer.from('tape passphrase'));
    await writeVolume(device, 2);
    expect(sim.drive.keyLoaded).toBe(true);
    await device.close();
    expect(sim.drive.keyLoaded).toBe(false);
    const plain = await TapeDevice.open(sim.spec);
    const source = await plain.openVolume('V');
    expect(await source.readBlock()).toMatchObject({ kind: 'block', address: 0 }); // the label
    expect(await source.readBlock()).toMatchObject({ kind: 'filemark' });
    const err: unknown = await source.readBlock().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SdpipeError);
    expect(err).toMatchObject({
      code: 'SDP_SCSI_ENCRYPTION',
      context: expect.objectContaining({
        senseKey: 7,
        asc: 0x74,
        ascq: 0x01,
        tapeFile: 1,
        tapeBlock: 0,
      }) as unknown,
    });
    const ops = new DriveOperations(plain.drive);
    expect((await ops.encryptionStatus()).vcelb).toBe(true);
    await plain.close();
  });

  it('an injected write error fails the write with MEDIUM ERROR 0C/00 at that block; nothing before it is lost', async () => {
    const device = await TapeDevice.open(sim.spec);
    // Logical objects: 0 label, 1 filemark, 2.. session blocks: fail the second session block.
    sim.drive.faults.failWrite(3, { times: 1 });
    const err: unknown = await writeVolume(device, 3).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'SDP_SCSI_MEDIUM_ERROR',
      context: expect.objectContaining({
        senseKey: 3,
        asc: 0x0c,
        ascq: 0,
        volume: 'V',
        blocksWritten: 2,
      }) as unknown,
    });
    const got = await readAll(await device.openVolume('V'));
    expect(got.map((r) => r.kind)).toEqual(['block', 'filemark', 'block']);
    await device.close();
  });

  it('an injected media error on read names the tape file and block; the next read goes on after it', async () => {
    const device = await TapeDevice.open(sim.spec);
    const written = await writeVolume(device, 3);
    sim.drive.faults.failRead(3, { times: 1 }); // objects: 0 label, 1 FM, 2 block (1,0), 3 block (1,1)
    const source = await device.openVolume('V');
    await source.readBlock();
    await source.readBlock();
    await source.readBlock();
    const err: unknown = await source.readBlock().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'SDP_SCSI_MEDIUM_ERROR',
      context: expect.objectContaining({
        senseKey: 3,
        asc: 0x11,
        ascq: 0,
        tapeFile: 1,
        tapeBlock: 1,
      }) as unknown,
    });
    const next = await source.readBlock();
    expect(next.kind === 'block' && Buffer.from(next.bytes)).toEqual(Buffer.from(written[3]!));
    await device.close();
  });

  it('bextract reports a media error on read as a typed error naming the tape block', async () => {
    const src = join(sim.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.bin'), Buffer.alloc(3_000_000, 7));
    expect((await runCli('backup', src, sim.spec, '-V', 'Tape-0001')).code).toBe(0);
    sim.drive.faults.failRead(3);
    const x = await runCli('bextract', '--json', sim.spec, join(sim.dir, 'out'));
    expect(x.code).not.toBe(0);
    expect(x.stderr).toContain('"error":"SDP_SCSI_MEDIUM_ERROR"');
    expect(x.stderr).toContain('"tapeFile":1,"tapeBlock":1');
  });
});
