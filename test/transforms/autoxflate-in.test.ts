import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileDevice } from '../../src/devices/file-device.js';
import { AutoxflateIn, inflateRatio, inflateRecord } from '../../src/transforms/autoxflate-in.js';
import { createRecordStream } from '../../src/volume/volume-reader.js';
import type { DeviceRecord } from '../../src/volume/record.js';
import type { SdpipeError } from '../../src/errors.js';
import { BACULA9_VOLUMES, BAREOS25, BAREOS25_VOLUMES } from '../support/fixtures.js';

async function throughIn(dir: string, vol: string) {
  const device = await FileDevice.open(dir);
  const records: DeviceRecord[] = [];
  const block = new AutoxflateIn();
  await pipeline(
    createRecordStream([vol], device.openVolume),
    block,
    new Writable({
      objectMode: true,
      write(r: DeviceRecord, _e, done) {
        records.push(r);
        done();
      },
    }),
  );
  return { records, counters: block.counters };
}

/** `FileIndex=2     Stream=2  DATA   DataLen=21` lines of bls -v with autoxflate IN loaded. */
function toolRecords(vol: string) {
  const text = readFileSync(join(BAREOS25, 'tools', 'autoxflate', vol, 'bls_-v.txt'), 'utf8');
  return [...text.matchAll(/^FileIndex=(\d+)\s+Stream=(\d+)\s+\S+\s+DataLen=(\d+)/gm)].map((m) => [
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
  ]);
}

describe('autoxflate IN block on real Bareos volumes', () => {
  it.each(['Vol-gzip', 'Vol-lz4', 'Vol-fdlz4', 'Vol-plain'])(
    '%s: records equal what Bareos bls shows with autoxflate IN loaded',
    async (vol) => {
      const { records } = await throughIn(BAREOS25_VOLUMES, vol);
      const ours = records.filter((r) => r.fileIndex > 0).map((r) => [r.fileIndex, r.stream, r.data.length]);
      expect(ours).toEqual(toolRecords(vol));
    },
  );

  it.each([
    ['Vol-gzip', '29.62'],
    ['Vol-lz4', '47.45'],
  ])('%s: the counters reproduce the job log deflate ratio %s%%', async (vol, ratio) => {
    const { counters } = await throughIn(BAREOS25_VOLUMES, vol);
    expect(counters.records).toBe(38);
    expect(((100 * counters.inputBytes) / counters.outputBytes).toFixed(2)).toBe(ratio);
    expect(Number(inflateRatio(counters))).toBeGreaterThan(100);
  });
});

describe('autoxflate IN block on real Bacula volumes', () => {
  it('Vol-lzo: stream 29 LZO records inflate to 2 and every file matches its SHA1 record', async () => {
    const { records } = await throughIn(BACULA9_VOLUMES, 'Vol-lzo');
    expect(records.some((r) => r.stream === 29)).toBe(false);
    const data = new Map<number, ReturnType<typeof createHash>>();
    let checked = 0;
    for (const r of records) {
      if (r.fileIndex <= 0) continue;
      if (r.stream === 2) {
        if (!data.has(r.fileIndex)) data.set(r.fileIndex, createHash('sha1'));
        data.get(r.fileIndex)?.update(r.data);
      }
      if (r.stream === 10 && data.has(r.fileIndex)) {
        expect(data.get(r.fileIndex)?.digest('hex')).toBe(Buffer.from(r.data).toString('hex'));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('Vol-gzip: the header-less Bacula GZIP stream 4 passes untouched (quirk Q9)', async () => {
    const { records, counters } = await throughIn(BACULA9_VOLUMES, 'Vol-gzip');
    expect(records.filter((r) => r.stream === 4)).toHaveLength(114);
    expect(counters.records).toBe(0);
  });
});

describe('inflateRecord', () => {
  const position = { volume: 'V', blockNumber: 3, blockOffset: 100, offset: 130 };
  const rec = (stream: number, data: Uint8Array, fileIndex = 5): DeviceRecord => ({
    volSessionId: 1,
    volSessionTime: 2,
    fileIndex,
    stream,
    data,
    position,
  });

  it('leaves labels, attributes, digests and encrypted streams untouched (same object)', () => {
    for (const r of [
      rec(1, new Uint8Array(3)),
      rec(3, new Uint8Array(16)),
      rec(32, new Uint8Array(20)),
      rec(29, new Uint8Array(20), -4),
    ]) {
      expect(inflateRecord(r)).toBe(r);
    }
  });

  it('a corrupt header raises a typed error naming volume, offset and FileIndex', () => {
    const bad = new Uint8Array([0x47, 0x5a, 0x49, 0x50, 0, 0, 0, 99, 0, 6, 0, 1, 1, 2, 3]);
    try {
      inflateRecord(rec(29, bad));
      expect.unreachable();
    } catch (e) {
      expect((e as SdpipeError).code).toBe('SDP_COMPRESSION_HEADER');
      expect((e as SdpipeError).context).toMatchObject({
        volume: 'V',
        offset: 130,
        fileIndex: 5,
        blockNumber: 3,
      });
    }
  });

  it('the Transform reports a failing record to onError and goes on with the next one', async () => {
    const errors: SdpipeError[] = [];
    const block = new AutoxflateIn({ onError: (e) => errors.push(e) });
    const out: DeviceRecord[] = [];
    block.on('data', (r: DeviceRecord) => out.push(r));
    const good = rec(2, new Uint8Array([1, 2, 3]));
    block.write(rec(29, new Uint8Array(5)));
    block.write(good);
    block.end();
    await new Promise((resolve) => block.on('end', resolve));
    expect(errors.map((e) => e.code)).toEqual(['SDP_COMPRESSION_HEADER']);
    expect(out).toEqual([good]);
  });
});

describe('sparse records compressed by a file daemon (stream 30, FD layout)', () => {
  it('a chunk whose data starts with its own offset bytes is not mistaken for the autoxflate layout', async () => {
    const { buildAttributes, encodeAttributes, FILE_TYPE } = await import('../../src/volume/attributes.js');
    const { deflatePayload } = await import('../../src/transforms/compressed-record.js');
    const { codecByName } = await import('../../src/transforms/codecs/index.js');
    const position = { volume: 'V', blockNumber: 1, blockOffset: 0, offset: 0 };
    const data = new Uint8Array(100); // offset 0, and the data begins with 8 zero bytes = the offset
    data.fill(9, 8);
    const sparse = new Uint8Array(8 + data.length);
    sparse.set(data, 8);
    const attr = buildAttributes({
      fileIndex: 1,
      type: FILE_TYPE.REG,
      fname: '/f',
      stat: {
        dev: 1,
        ino: 2,
        mode: 0o100644,
        nlink: 1,
        uid: 0,
        gid: 0,
        rdev: 0,
        size: 100,
        blksize: 4096,
        blocks: 8,
        atime: 0,
        mtime: 0,
        ctime: 0,
        linkFi: 0,
        flags: 0,
        dataStream: 30,
      },
    });
    const fd = deflatePayload(6, sparse, codecByName('gzip'), 6, { sparseOffsetInPayload: false });
    const block = new AutoxflateIn();
    const out: DeviceRecord[] = [];
    block.on('data', (r: DeviceRecord) => out.push(r));
    const base = { volSessionId: 1, volSessionTime: 2, fileIndex: 1, position };
    block.write({ ...base, stream: 1, data: encodeAttributes(attr) });
    block.write({ ...base, stream: fd.stream, data: fd.data });
    block.end();
    await new Promise((resolve) => block.on('end', resolve));
    expect(out[1]?.stream).toBe(6);
    expect(Buffer.from(out[1]?.data ?? []).equals(Buffer.from(sparse))).toBe(true);
  });
});
