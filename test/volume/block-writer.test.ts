import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemorySource } from '../../src/volume/byte-source.js';
import { readBlocks } from '../../src/volume/block-reader.js';
import { BLOCK_HEADER_V2, decodeBlockHeader } from '../../src/volume/block-header.js';
import { RECORD_HEADER_V2 } from '../../src/volume/record-header.js';
import { buildVolumeImage } from '../../src/volume/volume-image.js';
import { readRecords } from '../../src/volume/volume-reader.js';
import type { RecordToWrite } from '../../src/volume/block-writer.js';
import type { SdpipeError } from '../../src/errors.js';

const recordArb = fc.record({
  stream: fc.integer({ min: 1, max: 2047 }),
  data: fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.uint8Array({ maxLength: 70_000 }),
    fc.integer({ min: 0, max: 3 << 20 }).map((n) => new Uint8Array(n).fill(n & 0xff)),
  ),
});

async function readBack(image: Uint8Array) {
  const warnings: SdpipeError[] = [];
  const src = new MemorySource('V1', image);
  const out = [];
  for await (const r of readRecords(['V1'], () => Promise.resolve(src), {
    onWarning: (e) => warnings.push(e),
  })) {
    out.push(r);
  }

  return { records: out, warnings };
}

describe('block and record layouts', () => {
  it('decode(encode(x)) = x for block and record headers', () => {
    fc.assert(
      fc.property(
        fc.record({
          checksum: fc.nat({ max: 0xffffffff }),
          length: fc.integer({ min: 24, max: 20_000_000 }),
          blockNumber: fc.nat({ max: 0xffffffff }),
          id: fc.constant('BB02'),
          volSessionId: fc.nat({ max: 0xffffffff }),
          volSessionTime: fc.nat({ max: 0xffffffff }),
        }),
        (h) => {
          expect(decodeBlockHeader(BLOCK_HEADER_V2.encode(h), 0, {})).toMatchObject(h);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.record({
          fileIndex: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          stream: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          dataLen: fc.nat({ max: 0xffffffff }),
        }),
        (h) => {
          expect(RECORD_HEADER_V2.decode(RECORD_HEADER_V2.encode(h))).toEqual(h);
        },
      ),
    );
  });

  it('arbitrary bytes decode to a block header or an SdpipeError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        try {
          decodeBlockHeader(b, 0, {});
        } catch (e) {
          expect((e as SdpipeError).code).toMatch(/^SDP_/);
        }
      }),
    );
  });
});

describe('records split across blocks', () => {
  it('write → read returns the same records for arbitrary records and block sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { maxLength: 12 }),
        fc.integer({ min: 64, max: 70_000 }),
        async (recs, blockBytes) => {
          const records: RecordToWrite[] = recs.map((r, i) => ({ fileIndex: i + 1, ...r }));
          const image = buildVolumeImage({
            volumeName: 'V1',
            blockBytes: Math.max(blockBytes, 400),
            volSessionTime: 1795392249,
            btime: 1795392255115766,
            sessions: [{ jobId: 7, volSessionId: 3, job: 'j.1', records }],
          });
          const { records: back, warnings } = await readBack(image);
          expect(warnings).toEqual([]);
          const files = back.filter((r) => r.fileIndex > 0);
          expect(files.map((r) => [r.fileIndex, r.stream, r.data.length])).toEqual(
            records.map((r) => [r.fileIndex, r.stream, r.data.length]),
          );
          files.forEach((r, i) =>
            expect(Buffer.from(r.data).equals(Buffer.from(records[i]?.data ?? []))).toBe(true),
          );
          expect(back.map((r) => r.fileIndex).filter((fi) => fi < 0)).toEqual([-2, -4, -5]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the reader is invariant under the size of its read chunks', async () => {
    const records: RecordToWrite[] = Array.from({ length: 20 }, (_, i) => ({
      fileIndex: i + 1,
      stream: 2,
      data: new Uint8Array(5000 + i * 3001).map((_, j) => (j * 31 + i) & 0xff),
    }));
    const image = buildVolumeImage({
      volumeName: 'V1',
      blockBytes: 4096,
      volSessionTime: 1,
      btime: 0,
      sessions: [{ jobId: 1, volSessionId: 1, job: 'j', records }],
    });
    const ref: number[][] = [];
    for await (const b of readBlocks(new MemorySource('V1', image))) ref.push([b.offset, b.header.length]);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20_000 }), async (chunkBytes) => {
        const got: number[][] = [];
        for await (const b of readBlocks(new MemorySource('V1', image), { chunkBytes }))
          got.push([b.offset, b.header.length]);
        expect(got).toEqual(ref);
      }),
      { numRuns: 30 },
    );
  });

  it('any single-byte flip inside a block is reported, and the other blocks still read', async () => {
    const records: RecordToWrite[] = Array.from({ length: 6 }, (_, i) => ({
      fileIndex: i + 1,
      stream: 2,
      data: new Uint8Array(3000).fill(i + 1),
    }));
    const image = buildVolumeImage({
      volumeName: 'V1',
      blockBytes: 2048,
      volSessionTime: 1,
      btime: 0,
      sessions: [{ jobId: 1, volSessionId: 1, job: 'j', records }],
    });
    const blocks: { offset: number; length: number }[] = [];
    for await (const b of readBlocks(new MemorySource('V1', image)))
      blocks.push({ offset: b.offset, length: b.header.length });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: image.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, x) => {
          const copy = image.slice();
          copy[at] = (copy[at] ?? 0) ^ x;
          const warnings: SdpipeError[] = [];
          const seen: number[] = [];
          for await (const b of readBlocks(new MemorySource('V1', copy), {
            onWarning: (e) => warnings.push(e),
          }))
            seen.push(b.offset);
          expect(warnings.length).toBeGreaterThan(0);
          expect(warnings.every((w) => w.code.startsWith('SDP_BLOCK'))).toBe(true);
          const damaged = blocks.find((b) => at >= b.offset && at < b.offset + b.length);
          // Every block except the damaged one is still read (a flipped length may hide at most that block).
          const expected = blocks.filter((b) => b !== damaged).map((b) => b.offset);
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
