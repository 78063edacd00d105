import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileDevice } from '../../src/devices/file-device.js';
import { readRecords } from '../../src/volume/volume-reader.js';
import { VolumeWriter, nextVolumeName, type JobInfo } from '../../src/volume/volume-writer.js';
import type { RecordToWrite } from '../../src/volume/block-writer.js';
import type { Block } from '../../src/volume/block-reader.js';
import type { DeviceRecord } from '../../src/volume/record.js';
import type { SdpipeError } from '../../src/errors.js';
import { decodeEndSessionLabel, decodeVolumeLabel } from '../../src/volume/label.js';
import { BACULA9_VOLUMES } from '../support/fixtures.js';
import { tempDir } from '../support/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
const job = (jobId: number): JobInfo => ({
  jobId,
  job: `job.${jobId}`,
  jobName: 'job',
  clientName: 'fd',
  fileSetName: 'fs',
  level: 'F',
  type: 'B',
});

async function readAll(dir: string, volumes: string[]) {
  const device = await FileDevice.open(dir);
  const records: DeviceRecord[] = [];
  const blocks: Block[] = [];
  const warnings: SdpipeError[] = [];
  for await (const r of readRecords(volumes, device.openVolume, {
    onWarning: (e) => warnings.push(e),
    onBlock: (b) => blocks.push(b),
  })) {
    records.push(r);
  }
  return { records, blocks, warnings };
}

async function writeSession(
  dir: string,
  o: Partial<ConstructorParameters<typeof VolumeWriter>[0]>,
  records: RecordToWrite[],
) {
  const device = await FileDevice.open(dir);
  const w = new VolumeWriter({
    flavour: 'bareos',
    volumes: ['Vol-0001'],
    open: device.openVolumeForWrite,
    volSessionId: 1,
    volSessionTime: 1_795_392_249,
    job: job(1),
    ...o,
  });
  await w.open();
  for (const r of records) await w.write(r);
  return w.close();
}

const recs = (n: number, size: number): RecordToWrite[] =>
  Array.from({ length: n }, (_, i) => ({
    fileIndex: i + 1,
    stream: 2,
    data: new Uint8Array(size).map((_, j) => (i * 7 + j) & 0xff),
  }));

describe('volume writer', () => {
  it('nextVolumeName counts up a trailing number', () => {
    expect(nextVolumeName('Vol-0001')).toBe('Vol-0002');
    expect(nextVolumeName('Vol-0099')).toBe('Vol-0100');
    expect(nextVolumeName('Tape')).toBe('Tape-2');
  });

  it.each(['bareos', 'bacula'] as const)(
    '%s flavour: label, SOS, records, EOS read back',
    async (flavour) => {
      const t = tempDir();
      cleanups.push(t.cleanup);
      const written = await writeSession(t.dir, { flavour }, recs(20, 100_000));
      const { records, blocks, warnings } = await readAll(t.dir, ['Vol-0001']);
      expect(warnings).toEqual([]);
      expect(records.map((r) => r.fileIndex)).toEqual([-2, -4, ...recs(20, 1).map((r) => r.fileIndex), -5]);
      const label = decodeVolumeLabel(records[0]?.data ?? new Uint8Array(), {});
      expect(label.verNum).toBe(flavour === 'bareos' ? 20 : 11);
      const eos = decodeEndSessionLabel(records.at(-1)?.data ?? new Uint8Array(), {});
      expect(eos).toMatchObject({ jobFiles: 20, jobBytes: 2_000_000, startBlock: blocks[1]?.offset });
      const eosBlock = blocks.at(-1)?.offset ?? 0;
      expect(eos.endBlock).toBe(flavour === 'bareos' ? eosBlock - 1 : eosBlock);
      // Block numbers as each family writes them (§2.4).
      expect(blocks.slice(0, 3).map((b) => b.header.blockNumber)).toEqual(
        flavour === 'bareos' ? [0, 0, 1] : [0, 1, 2],
      );
      expect(blocks[1]?.header.length).toBe(flavour === 'bareos' ? 1_048_576 : 64_512);
      expect(written.parts).toHaveLength(1);
    },
  );

  it('spans over 3+ volumes with a size limit; read as one job the records come back whole', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const input = recs(30, 70_000);
    const written = await writeSession(t.dir, { flavour: 'bacula', maxVolumeBytes: 600_000 }, input);
    const vols = readdirSync(t.dir).sort();
    expect(vols.length).toBeGreaterThanOrEqual(3);
    expect(written.parts.map((p) => p.volume)).toEqual(vols);
    for (const v of vols) expect(readFileSync(join(t.dir, v)).length).toBeLessThanOrEqual(600_000);
    const { records, warnings } = await readAll(t.dir, vols);
    expect(warnings).toEqual([]);
    const files = records.filter((r) => r.fileIndex > 0);
    expect(files.map((r) => [r.fileIndex, r.data.length])).toEqual(
      input.map((r) => [r.fileIndex, r.data.length]),
    );
    files.forEach((r, i) => expect(Buffer.from(r.data).equals(Buffer.from(input[i]?.data ?? []))).toBe(true));
    // Continuation volumes: VOL_LABEL Stream = job's volume number, no SOS, one EOS at the very end.
    const labels = records.filter((r) => r.fileIndex === -2).map((r) => r.stream);
    expect(labels).toEqual(vols.map((_, i) => (i === 0 ? 0 : i + 1)));
    expect(records.filter((r) => r.fileIndex === -4)).toHaveLength(1);
    expect(records.filter((r) => r.fileIndex === -5)).toHaveLength(1);
    // Reading a continuation volume alone reports its orphan piece instead of crashing.
    const second = await readAll(t.dir, [vols[1] ?? '']);
    expect(second.warnings.map((w) => w.code)).toContain('SDP_RECORD_ORPHAN');
  });

  it('appends a second session to a labelled volume', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    await writeSession(t.dir, { flavour: 'bareos' }, recs(3, 10));
    const sizeAfterFirst = readFileSync(join(t.dir, 'Vol-0001')).length;
    const second = await writeSession(t.dir, { flavour: 'bareos', volSessionId: 2, job: job(2) }, recs(2, 5));
    expect(second.parts[0]).toMatchObject({ startAddress: sizeAfterFirst, newlyLabelled: false });
    const { records, warnings } = await readAll(t.dir, ['Vol-0001']);
    expect(warnings).toEqual([]);
    expect(records.map((r) => [r.volSessionId, r.fileIndex])).toEqual([
      [0, -2],
      [1, -4],
      [1, 1],
      [1, 2],
      [1, 3],
      [1, -5],
      [2, -4],
      [2, 1],
      [2, 2],
      [2, -5],
    ]);
  });

  it('refuses to append to a volume whose label names another volume', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(BACULA9_VOLUMES, 'Vol-plain'), join(t.dir, 'Vol-0001'));
    await expect(writeSession(t.dir, {}, recs(1, 1))).rejects.toMatchObject({ code: 'SDP_LABEL_MISMATCH' });
  });
});

describe('volume writer on media with files (tape)', () => {
  it('marks a file end after the label and after each session, and at the end of a full volume', async () => {
    const events: string[] = [];
    const sinks = new Map<string, Uint8Array[]>();
    const open = (name: string) => {
      const blocks = sinks.get(name) ?? [];
      sinks.set(name, blocks);
      return Promise.resolve({
        name,
        size: blocks.reduce((n, b) => n + b.length, 0),
        readLabelBlock: () => Promise.resolve(blocks[0]),
        write(b: Uint8Array) {
          blocks.push(b);
          this.size += b.length;
          events.push(`${name}:block`);
          return Promise.resolve();
        },
        endFile: () => {
          events.push(`${name}:filemark`);
          return Promise.resolve();
        },
        close: () => Promise.resolve(),
      });
    };
    const w = new VolumeWriter({
      flavour: 'bacula',
      volumes: ['T-1'],
      maxVolumeBytes: 200_000,
      open,
      volSessionId: 1,
      volSessionTime: 2,
      job: job(1),
    });
    await w.open();
    for (const r of recs(4, 60_000)) await w.write(r);
    await w.close();
    const compact = events.filter((e, i) => !(e.endsWith(':block') && events[i - 1] === e));
    expect(compact).toEqual([
      'T-1:block',
      'T-1:filemark',
      'T-1:block',
      'T-1:filemark',
      'T-2:block',
      'T-2:filemark',
      'T-2:block',
      'T-2:filemark',
    ]);
  });
});
