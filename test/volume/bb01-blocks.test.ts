import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { BLOCK_HEADER_V1 } from '../../src/volume/block-header.js';
import { MemorySource } from '../../src/volume/byte-source.js';
import { encodeVolumeLabel } from '../../src/volume/label.js';
import { RECORD_HEADER_V1 } from '../../src/volume/record-header.js';
import { readRecords } from '../../src/volume/volume-reader.js';
import type { SdpipeError } from '../../src/errors.js';

/** A legacy BB01 block: 16-byte header, records with 20-byte headers that carry the session. */
function bb01Block(
  blockNumber: number,
  records: { sessId: number; sessTime: number; fi: number; stream: number; data: Uint8Array }[],
) {
  const parts = records.flatMap((r) => [
    RECORD_HEADER_V1.encode({
      volSessionId: r.sessId,
      volSessionTime: r.sessTime,
      fileIndex: r.fi,
      stream: r.stream,
      dataLen: r.data.length,
    }),
    r.data,
  ]);
  const length = 16 + parts.reduce((n, p) => n + p.length, 0);
  const block = new Uint8Array(length);
  block.set(BLOCK_HEADER_V1.encode({ checksum: 0, length, blockNumber, id: 'BB01' }));
  let p = 16;
  for (const part of parts) {
    block.set(part, p);
    p += part.length;
  }
  new DataView(block.buffer).setUint32(0, crc32(block.subarray(4)) >>> 0);
  return block;
}

describe('BB01 (legacy) blocks', () => {
  it('are read with their 20-byte record headers and per-record sessions', async () => {
    const label = encodeVolumeLabel(
      {
        id: 'Bacula 1.0 immortal\n',
        verNum: 11,
        labelBtime: 0,
        writeBtime: 0,
        writeDate: 0,
        writeTime: 0,
        volumeName: 'Old-1',
        prevVolumeName: '',
        poolName: 'P',
        poolType: 'Backup',
        mediaType: 'File',
        hostName: 'h',
        labelProg: 'p',
        progVersion: 'v',
        progDate: 'd',
      },
      'bacula',
    );
    const blocks = [
      bb01Block(0, [{ sessId: 0, sessTime: 0, fi: -2, stream: 0, data: label }]),
      bb01Block(1, [
        { sessId: 3, sessTime: 99, fi: 1, stream: 2, data: new Uint8Array([1, 2, 3]) },
        { sessId: 4, sessTime: 99, fi: 1, stream: 2, data: new Uint8Array([4]) },
      ]),
    ];
    const image = Buffer.concat(blocks);
    const warnings: SdpipeError[] = [];
    const out = [];
    for await (const r of readRecords(['Old-1'], () => Promise.resolve(new MemorySource('Old-1', image)), {
      onWarning: (e) => warnings.push(e),
    })) {
      out.push([r.volSessionId, r.volSessionTime, r.fileIndex, r.stream, [...r.data]]);
    }
    expect(warnings).toEqual([]);
    expect(out).toEqual([
      [0, 0, -2, 0, [...label]],
      [3, 99, 1, 2, [1, 2, 3]],
      [4, 99, 1, 2, [4]],
    ]);
  });
});
