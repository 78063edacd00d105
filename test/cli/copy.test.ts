import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FileDevice } from '../../src/devices/file-device.js';
import { readRecords } from '../../src/volume/volume-reader.js';
import type { DeviceRecord } from '../../src/volume/record.js';
import { BACULA9_VOLUMES, BAREOS25_VOLUMES } from '../support/fixtures.js';
import { bareosManifest, baculaManifest, comparable, describeTree } from '../support/manifest.js';
import { jsonLines, runCli, tempDir } from '../support/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
const dirs = () => {
  const dev = tempDir('sdpipe-copy-dev-');
  const out = tempDir('sdpipe-copy-out-');
  cleanups.push(dev.cleanup, out.cleanup);
  return { dev: dev.dir, out: out.dir };
};
async function records(dir: string, vol: string): Promise<DeviceRecord[]> {
  const device = await FileDevice.open(dir);
  const out: DeviceRecord[] = [];
  for await (const r of readRecords([vol], device.openVolume)) out.push(r);
  return out;
}
const magic = (r: DeviceRecord) => Buffer.from(r.data.subarray(0, 4)).toString('latin1');

describe('sdpipe copy', () => {
  it('AutoXFlateOnReplication = yes converts a GZIP volume to LZ4; the files restore identically', async () => {
    const { dev, out } = dirs();
    const r = await runCli(
      'copy',
      '--json',
      '-V',
      'Vol-gzip',
      '--to-volume',
      'Copy-0001',
      '--autoxflate-on-replication',
      'yes',
      '--src-autoinflate',
      'in',
      '--algorithm',
      'lz4',
      BAREOS25_VOLUMES,
      dev,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).filter((o) => o.kind === 'session')).toEqual([
      expect.objectContaining({ jobId: 2, files: 46, volumes: ['Copy-0001'] }),
    ]);
    const data = (await records(dev, 'Copy-0001')).filter((x) => x.stream === 29);
    expect(data).toHaveLength(38);
    expect(new Set(data.map(magic))).toEqual(new Set(['FZ4L']));
    const x = await runCli('bextract', '-V', 'Copy-0001', dev, out);
    expect(x.code).toBe(0);
    expect(comparable(describeTree(join(out, 'tmp/bareos-lab/data/src')))).toEqual(
      comparable(bareosManifest()),
    );
  });

  it('AutoXFlateOnReplication = no (default) copies the records unchanged', async () => {
    const { dev } = dirs();
    const r = await runCli(
      'copy',
      '-V',
      'Vol-gzip',
      '--to-volume',
      'Copy-0001',
      '--src-autoinflate',
      'in',
      '--algorithm',
      'lz4',
      BAREOS25_VOLUMES,
      dev,
    );
    expect(r.code).toBe(0);
    const source = (await records(BAREOS25_VOLUMES, 'Vol-gzip')).filter((x) => x.fileIndex > 0);
    const copied = (await records(dev, 'Copy-0001')).filter((x) => x.fileIndex > 0);
    expect(copied.map((x) => [x.fileIndex, x.stream, Buffer.from(x.data).toString('hex')])).toEqual(
      source.map((x) => [x.fileIndex, x.stream, Buffer.from(x.data).toString('hex')]),
    );
  });

  it('a Bacula job spanning two volumes becomes one session on a Bacula-format destination', async () => {
    const { dev, out } = dirs();
    const r = await runCli(
      'copy',
      '--format',
      'bacula',
      '-V',
      'Vol-span-1|Vol-span-2',
      '--to-volume',
      'Copy-0001',
      BACULA9_VOLUMES,
      dev,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const x = await runCli('bextract', '-V', 'Copy-0001', dev, out);
    expect(x.code).toBe(0);
    expect(x.stdout).toContain('16 files restored.');
    const saved = (p: string) => /^(sizes|text)(\/|$)/.test(p);
    expect(comparable(describeTree(join(out, 'tmp/bacula-lab/data')).filter((e) => saved(e.path)))).toEqual(
      comparable(baculaManifest('manifest-after-modification.tsv').filter((e) => saved(e.path))),
    );
  });
});
