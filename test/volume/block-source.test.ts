import { describe, expect, it } from 'vitest';
import { readRecords } from '../../src/volume/volume-reader.js';
import { readBlocks } from '../../src/volume/block-reader.js';
import { MemorySource, type BlockRead, type BlockSource } from '../../src/volume/byte-source.js';
import { buildVolumeImage } from '../../src/volume/volume-image.js';
import type { SdpipeError } from '../../src/errors.js';

/** A tape in memory: the blocks of a file volume, a filemark after the label, padding, then EOD. */
class MemoryTape implements BlockSource {
  private i = 0;
  constructor(
    readonly name: string,
    private readonly items: BlockRead[],
  ) {}
  readBlock(): Promise<BlockRead> {
    return Promise.resolve(this.items[this.i++] ?? { kind: 'eod' });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function tapeOf(image: Uint8Array, pad = 0): Promise<BlockRead[]> {
  const items: BlockRead[] = [];
  let file = 0;
  let block = 0;
  for await (const b of readBlocks(new MemorySource('T', image))) {
    const bytes = new Uint8Array(b.bytes.length + pad);
    bytes.set(b.bytes);
    items.push({ kind: 'block', bytes, address: file * 2 ** 32 + block++ });
    if (items.length === 1) {
      items.push({ kind: 'filemark' });
      file++;
      block = 0;
    }
  }
  items.push({ kind: 'filemark' }, { kind: 'filemark' });
  return items;
}

describe('block-structured media (tape) in the volume reader', () => {
  const image = buildVolumeImage({
    volumeName: 'T',
    blockBytes: 4096,
    volSessionTime: 1,
    btime: 0,
    sessions: [
      {
        jobId: 3,
        volSessionId: 1,
        job: 'j',
        records: Array.from({ length: 9 }, (_, i) => ({
          fileIndex: i + 1,
          stream: 2,
          data: new Uint8Array(3000).fill(i),
        })),
      },
    ],
  });

  it('reads the same records from tape blocks (padded by the drive) as from the file volume', async () => {
    const fromFile = [];
    for await (const r of readRecords(['T'], () => Promise.resolve(new MemorySource('T', image))))
      fromFile.push(r);
    const tape = new MemoryTape('T', await tapeOf(image, 100));
    const warnings: SdpipeError[] = [];
    const fromTape = [];
    for await (const r of readRecords(['T'], () => Promise.resolve(tape), {
      onWarning: (e) => warnings.push(e),
    })) {
      fromTape.push(r);
    }
    expect(warnings).toEqual([]);
    expect(fromTape.map((r) => [r.fileIndex, r.stream, [...r.data]])).toEqual(
      fromFile.map((r) => [r.fileIndex, r.stream, [...r.data]]),
    );
    expect(fromTape[1]?.position.blockOffset).toBe(2 ** 32); // file 1, block 0
  });

  it('a damaged tape block is reported and skipped; the next blocks read', async () => {
    const items = await tapeOf(image);
    const third = items[3];
    if (third?.kind !== 'block') throw new Error('no block');
    third.bytes[40] = (third.bytes[40] ?? 0) ^ 0xff;
    const warnings: SdpipeError[] = [];
    const fromTape = [];
    for await (const r of readRecords(['T'], () => Promise.resolve(new MemoryTape('T', items)), {
      onWarning: (e) => warnings.push(e),
    })) {
      fromTape.push(r);
    }
    expect(warnings[0]?.code).toBe('SDP_BLOCK_CHECKSUM');
    expect(fromTape.filter((r) => r.fileIndex === -5)).toHaveLength(1);
  });
});
