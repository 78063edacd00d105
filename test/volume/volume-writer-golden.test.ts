import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileDevice } from '../../src/devices/file-device.js';
import { readRecords } from '../../src/volume/volume-reader.js';
import { VolumeWriter } from '../../src/volume/volume-writer.js';
import {
  codeChar,
  decodeEndSessionLabel,
  decodeSessionLabel,
  decodeVolumeLabel,
} from '../../src/volume/label.js';
import type { DeviceRecord } from '../../src/volume/record.js';
import { BACULA9_VOLUMES, BAREOS25_VOLUMES } from '../support/fixtures.js';
import { tempDir } from '../support/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Re-writes a real volume from its own records and labels; the bytes must come out identical. */
async function rewrite(dir: string, volume: string, flavour: 'bacula' | 'bareos') {
  const device = await FileDevice.open(dir);
  const records: DeviceRecord[] = [];
  for await (const r of readRecords([volume], device.openVolume)) records.push(r);
  const label = decodeVolumeLabel(records[0]?.data ?? new Uint8Array(), {});
  const sos = decodeSessionLabel(records.find((r) => r.fileIndex === -4)?.data ?? new Uint8Array(), {});
  const eos = decodeEndSessionLabel(records.find((r) => r.fileIndex === -5)?.data ?? new Uint8Array(), {});
  const first = records.find((r) => r.fileIndex > 0);
  const out = tempDir();
  cleanups.push(out.cleanup);
  const target = await FileDevice.open(out.dir);
  const w = new VolumeWriter({
    flavour,
    volumes: [volume],
    open: target.openVolumeForWrite,
    volSessionId: first?.volSessionId ?? 0,
    volSessionTime: first?.volSessionTime ?? 0,
    job: {
      jobId: sos.jobId,
      job: sos.job,
      jobName: sos.jobName,
      clientName: sos.clientName,
      fileSetName: sos.fileSetName,
      level: codeChar(sos.jobLevel),
      type: codeChar(sos.jobType),
    },
    labelFields: label,
    sessionFields: sos,
    endWriteBtime: eos.writeBtime,
  });
  await w.open();
  for (const r of records) if (r.fileIndex > 0) await w.write(r);
  await w.close(codeChar(eos.jobStatus), eos.jobErrors);
  return readFileSync(join(out.dir, volume));
}

describe('the volume writer reproduces real volumes byte for byte', () => {
  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lzo', 'Vol-sparse'])('Bacula 9.6 %s', async (vol) => {
    const ours = await rewrite(BACULA9_VOLUMES, vol, 'bacula');
    expect(ours.equals(readFileSync(join(BACULA9_VOLUMES, vol)))).toBe(true);
  });

  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lz4', 'Vol-fdlz4'])('Bareos 25 %s', async (vol) => {
    const ours = await rewrite(BAREOS25_VOLUMES, vol, 'bareos');
    expect(ours.equals(readFileSync(join(BAREOS25_VOLUMES, vol)))).toBe(true);
  });
});

describe('spanning reproduces the real Bacula span pair', () => {
  it('Vol-span-1 + Vol-span-2 from their records with Maximum Volume Bytes = 250000', async () => {
    const device = await FileDevice.open(BACULA9_VOLUMES);
    const records: DeviceRecord[] = [];
    const labels = new Map<string, ReturnType<typeof decodeVolumeLabel>>();
    for await (const r of readRecords(['Vol-span-1', 'Vol-span-2'], device.openVolume, {
      onVolumeLabel: (v, l) => labels.set(v, l),
    })) {
      records.push(r);
    }
    const sos = decodeSessionLabel(records.find((r) => r.fileIndex === -4)?.data ?? new Uint8Array(), {});
    const eos = decodeEndSessionLabel(records.find((r) => r.fileIndex === -5)?.data ?? new Uint8Array(), {});
    const first = records.find((r) => r.fileIndex > 0);
    const out = tempDir();
    cleanups.push(out.cleanup);
    const target = await FileDevice.open(out.dir);
    const w = new VolumeWriter({
      flavour: 'bacula',
      volumes: ['Vol-span-1', 'Vol-span-2'],
      maxVolumeBytes: 250_000,
      open: target.openVolumeForWrite,
      volSessionId: first?.volSessionId ?? 0,
      volSessionTime: first?.volSessionTime ?? 0,
      job: {
        jobId: sos.jobId,
        job: sos.job,
        jobName: sos.jobName,
        clientName: sos.clientName,
        fileSetName: sos.fileSetName,
        level: codeChar(sos.jobLevel),
        type: codeChar(sos.jobType),
      },
      labelFields: (v) => labels.get(v) ?? {},
      sessionFields: sos,
      endWriteBtime: eos.writeBtime,
    });
    await w.open();
    for (const r of records) if (r.fileIndex > 0) await w.write(r);
    const written = await w.close();
    for (const v of ['Vol-span-1', 'Vol-span-2']) {
      expect(readFileSync(join(out.dir, v)).equals(readFileSync(join(BACULA9_VOLUMES, v)))).toBe(true);
    }
    // The parts are what the catalog's JobMedia rows say (catalog-jobmedia.tsv: 1-3 215-193750, 3-16 215-238432).
    expect(
      written.parts.map((p) => [p.volume, p.firstFileIndex, p.lastFileIndex, p.startAddress, p.endAddress]),
    ).toEqual([
      ['Vol-span-1', 1, 3, 215, 193750],
      ['Vol-span-2', 3, 16, 215, 238432],
    ]);
  });
});
