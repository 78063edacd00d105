/**
 * The `sim:` transport (src/devices/sim/sim-transport.ts): registered in the transport list, spec
 * parsing with its options, image created when missing and reused after a restart, and the command
 * checks every transport makes.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { read6, testUnitReady, write6 } from '../../../src/devices/scsi/cdb.js';
import { openTransport, transportFor, transportForms } from '../../../src/devices/scsi/transports.js';
import {
  parseSimSpec,
  parseSize,
  SimTransport,
  SIM_SPEC_FORM,
} from '../../../src/devices/sim/sim-transport.js';
import { patternBlock } from '../../support/sim-drive.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sdpipe-simt-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('registration', () => {
  it('sim:<image> is found in the transport list; its form is in the usage text', () => {
    expect(transportFor('sim:/tmp/x.img').name).toBe('sim');
    expect(transportForms()).toContain(SIM_SPEC_FORM);
  });

  it('openTransport creates a missing image and gives a SimTransport; a restart finds the same tape', async () => {
    const path = join(dir, 't.img');
    const t = await openTransport(`sim:${path}?capacity=64M&personality=ibm&barcode=VOL001`);
    expect(t).toBeInstanceOf(SimTransport);
    expect(existsSync(path)).toBe(true);
    const sim = t as SimTransport;
    expect(sim.name).toBe(`sim:${path}?capacity=64M&personality=ibm&barcode=VOL001`);
    expect(sim.drive.personality).toBe('ibm');
    expect(sim.drive.image).toMatchObject({ capacityBytes: 64 * 1024 ** 2, barcode: 'VOL001' });
    const block = patternBlock(1, 1000);
    await t.execute({ cdb: write6({ transferLength: 1000 }), direction: 'out', dataOut: block });
    await t.close();
    const again = await openTransport(`sim:${path}`);
    const r = await again.execute({
      cdb: read6({ transferLength: 1000 }),
      direction: 'in',
      allocationLength: 1000,
    });
    expect(r.status).toBe(0);
    expect(Buffer.from(r.dataIn).equals(Buffer.from(block))).toBe(true);
    await again.close();
  });

  it('a second transport on an open image fails with SDP_DEVICE_OPEN', async () => {
    const spec = `sim:${join(dir, 'busy.img')}`;
    const t = await openTransport(spec);
    await expect(openTransport(spec)).rejects.toMatchObject({ code: 'SDP_DEVICE_OPEN' });
    await t.close();
    await (await openTransport(spec)).close();
  });
});

describe('spec parsing', () => {
  it('takes every documented option', () => {
    const spec = parseSimSpec(
      'sim:/a/b.img?capacity=2G&ew=1M&barcode=X1&wp=1&sync=always&personality=ibm&ssc3=1&dsense=yes&library=0&ua=true&nbes=not-ready&serial=S1',
    );
    expect(spec).toEqual({
      path: '/a/b.img',
      image: {
        capacityBytes: 2 * 1024 ** 3,
        earlyWarningDistanceBytes: 1024 ** 2,
        barcode: 'X1',
        writeProtected: true,
        sync: 'always',
      },
      drive: {
        personality: 'ibm',
        ssc3SdeLayout: true,
        descriptorSense: true,
        libraryManagedEncryption: false,
        powerOnUnitAttention: true,
        noMediumNextBlockAnswer: 'not-ready',
        serialNumber: 'S1',
      },
    });
    expect(parseSimSpec('sim:rel.img')).toEqual({ path: 'rel.img', image: {}, drive: {} });
  });

  it('refuses unknown options, bad values and a missing path with SDP_USAGE', () => {
    for (const bad of [
      'sim:',
      'sim:?capacity=1G',
      'sim:/x?colour=blue',
      'sim:/x?capacity=lots',
      'sim:/x?capacity=0',
      'sim:/x?personality=quantum',
      'sim:/x?sync=sometimes',
      'sim:/x?wp=maybe',
      '/dev/nst0',
    ])
      expect(() => parseSimSpec(bad), bad).toThrow(expect.objectContaining({ code: 'SDP_USAGE' }));
  });

  it('sizes: bytes, K/M/G/T (powers of 1024), optional B/iB', () => {
    expect(parseSize('65536')).toBe(65536);
    expect(parseSize('64K')).toBe(65536);
    expect(parseSize('2g')).toBe(2 * 1024 ** 3);
    expect(parseSize('1TiB')).toBe(1024 ** 4);
    expect(parseSize('1.5G')).toBeUndefined();
    expect(parseSize('-1')).toBeUndefined();
  });
});

describe('command checks', () => {
  it('rejects malformed commands with SDP_SCSI_COMMAND and a closed drive with SDP_SCSI_TRANSPORT', async () => {
    const t = await openTransport(`sim:${join(dir, 'c.img')}`);
    await expect(t.execute({ cdb: Uint8Array.of(0, 0, 0), direction: 'none' })).rejects.toMatchObject({
      code: 'SDP_SCSI_COMMAND',
    });
    await expect(
      t.execute({ cdb: testUnitReady(), direction: 'out', dataOut: new Uint8Array(1) }),
    ).rejects.toMatchObject({ code: 'SDP_SCSI_COMMAND' });
    expect((await t.execute({ cdb: testUnitReady(), direction: 'none' })).status).toBe(0);
    await t.close();
    await expect(t.execute({ cdb: testUnitReady(), direction: 'none' })).rejects.toMatchObject({
      code: 'SDP_SCSI_TRANSPORT',
    });
    await t.close();
  });
});
