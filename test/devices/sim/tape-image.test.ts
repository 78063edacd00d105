/**
 * The simulated drive's tape image (src/devices/sim/tape-image*.ts): the documented header and entry
 * layout, persistence across close/reopen, truncation at a mid-tape write, a torn tail treated as blank
 * tape, refusal of foreign or damaged files, one drive per image.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TAPE_ENTRY_HEADER,
  TAPE_ENTRY_HEADER_BYTES,
  TAPE_IMAGE_HEADER,
  TAPE_IMAGE_HEADER_BYTES,
} from '../../../src/devices/sim/tape-image-format.js';
import { TapeImage } from '../../../src/devices/sim/tape-image.js';
import { patternBlock } from '../../support/sim-drive.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sdpipe-image-'));
  path = join(dir, 'tape.img');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Obj = { kind: 'block'; seed: number; size: number } | { kind: 'filemark' };
const write = (image: TapeImage, objects: readonly Obj[]) => {
  for (const o of objects)
    image.write(
      image.length,
      o.kind === 'block' ? { kind: 'block', payload: patternBlock(o.seed, o.size) } : o,
    );
};
const contents = (image: TapeImage) =>
  Array.from({ length: image.length }, (_, i) => {
    const e = image.entry(i)!;
    return e.kind === 'filemark' ? 'FM' : Buffer.from(image.readPayload(i)!).toString('hex');
  });

describe('image format', () => {
  it('a new image: 64-byte header with magic, version, capacity, early warning, barcode; no entries', () => {
    const image = TapeImage.open(path, {
      capacityBytes: 1 << 20,
      earlyWarningDistanceBytes: 4096,
      barcode: 'SIM001L6',
    });
    image.close();
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(TAPE_IMAGE_HEADER_BYTES);
    expect(TAPE_IMAGE_HEADER_BYTES).toBe(64);
    expect(TAPE_ENTRY_HEADER_BYTES).toBe(56);
    expect(TAPE_IMAGE_HEADER.decode(bytes)).toMatchObject({
      magic: 'SDPTAPE1',
      version: 1,
      headerBytes: 64,
      capacityBytes: 1 << 20,
      earlyWarningBytes: (1 << 20) - 4096,
      writeProtected: false,
    });
    expect(bytes.subarray(28, 36).toString()).toBe('SIM001L6');
  });

  it('an entry: header (magic SDPE, kind, lengths, CRCs), then the payload; a filemark has no payload', () => {
    const image = TapeImage.open(path);
    write(image, [{ kind: 'block', seed: 1, size: 100 }, { kind: 'filemark' }]);
    image.close();
    const bytes = readFileSync(path);
    const block = TAPE_ENTRY_HEADER.decode(bytes, TAPE_IMAGE_HEADER_BYTES);
    expect(block).toMatchObject({
      magic: 'SDPE',
      kind: 1,
      encrypted: false,
      kadLength: 0,
      payloadLength: 100,
    });
    const payloadAt = TAPE_IMAGE_HEADER_BYTES + TAPE_ENTRY_HEADER_BYTES;
    expect(bytes.subarray(payloadAt, payloadAt + 100)).toEqual(Buffer.from(patternBlock(1, 100)));
    const fm = TAPE_ENTRY_HEADER.decode(bytes, payloadAt + 100);
    expect(fm).toMatchObject({ magic: 'SDPE', kind: 2, payloadLength: 0 });
    expect(bytes.length).toBe(payloadAt + 100 + TAPE_ENTRY_HEADER_BYTES);
  });

  it('an existing image keeps its own capacity whatever the options say', () => {
    TapeImage.open(path, { capacityBytes: 12345 }).close();
    const again = TapeImage.open(path, { capacityBytes: 999 });
    expect(again.capacityBytes).toBe(12345);
    again.close();
  });
});

describe('persistence', () => {
  it('any sequence of blocks and filemarks reads back identically after close and reopen', () => {
    const objectArb = fc.oneof(
      fc.record({
        kind: fc.constant('block' as const),
        seed: fc.nat(),
        size: fc.integer({ min: 0, max: 5000 }),
      }),
      fc.record({ kind: fc.constant('filemark' as const) }),
    );
    fc.assert(
      fc.property(fc.array(objectArb, { maxLength: 30 }), (objects) => {
        rmSync(path, { force: true });
        const image = TapeImage.open(path, { sync: 'never' });
        write(image, objects);
        const before = contents(image);
        image.close();
        const again = TapeImage.open(path);
        expect(contents(again)).toEqual(before);
        expect(again.length).toBe(objects.length);
        expect(again.filemarksBefore(again.length)).toBe(objects.filter((o) => o.kind === 'filemark').length);
        again.close();
      }),
      { numRuns: 50 },
    );
  });

  it('a write in the middle truncates everything after it, on disk too', () => {
    const image = TapeImage.open(path, { sync: 'always' });
    write(
      image,
      [1, 2, 3, 4].map((seed) => ({ kind: 'block', seed, size: 200 }) as const),
    );
    image.write(1, { kind: 'filemark' });
    expect(image.length).toBe(2);
    expect(image.mediumBytesBefore(2)).toBe(200);
    image.close();
    const size = readFileSync(path).length;
    expect(size).toBe(TAPE_IMAGE_HEADER_BYTES + 2 * TAPE_ENTRY_HEADER_BYTES + 200);
    const again = TapeImage.open(path);
    expect(again.entry(1)?.kind).toBe('filemark');
    again.close();
  });

  it('a torn tail (half an entry after a crash) reads as blank tape and is overwritten by the next write', () => {
    const image = TapeImage.open(path);
    write(image, [
      { kind: 'block', seed: 1, size: 300 },
      { kind: 'block', seed: 2, size: 300 },
    ]);
    image.close();
    const full = readFileSync(path).length;
    truncateSync(path, full - 100);
    appendFileSync(path, Buffer.alloc(10, 0xee));
    const again = TapeImage.open(path);
    expect(again.length).toBe(1);
    expect(again.discardedTailBytes).toBeGreaterThan(0);
    again.write(1, { kind: 'block', payload: patternBlock(3, 50) });
    again.close();
    const third = TapeImage.open(path);
    expect(contents(third)).toEqual(
      [patternBlock(1, 300), patternBlock(3, 50)].map((b) => Buffer.from(b).toString('hex')),
    );
    expect(third.discardedTailBytes).toBe(0);
    third.close();
  });
});

describe('refusals', () => {
  it('a file that is not an image → SDP_SIM_IMAGE_FORMAT; a damaged header → SDP_SIM_IMAGE_FORMAT', () => {
    writeFileSync(path, Buffer.alloc(100, 0x41));
    expect(() => TapeImage.open(path)).toThrow(expect.objectContaining({ code: 'SDP_SIM_IMAGE_FORMAT' }));
    rmSync(path);
    TapeImage.open(path).close();
    const bytes = readFileSync(path);
    bytes[20]! ^= 1;
    writeFileSync(path, bytes);
    expect(() => TapeImage.open(path)).toThrow(expect.objectContaining({ code: 'SDP_SIM_IMAGE_FORMAT' }));
    writeFileSync(path, Buffer.alloc(10));
    expect(() => TapeImage.open(path)).toThrow(expect.objectContaining({ code: 'SDP_SIM_IMAGE_FORMAT' }));
  });

  it('one drive per image: a second open fails with SDP_DEVICE_OPEN until the first is closed', () => {
    const image = TapeImage.open(path);
    expect(() => TapeImage.open(join(dir, '.', 'tape.img'))).toThrow(
      expect.objectContaining({ code: 'SDP_DEVICE_OPEN' }),
    );
    image.close();
    TapeImage.open(path).close();
  });

  it('mustExist: a missing image is SDP_DEVICE_OPEN; a bad capacity is SDP_CONFIG', () => {
    expect(() => TapeImage.open(path, { mustExist: true })).toThrow(
      expect.objectContaining({ code: 'SDP_DEVICE_OPEN' }),
    );
    expect(() => TapeImage.open(path, { capacityBytes: 0 })).toThrow(
      expect.objectContaining({ code: 'SDP_CONFIG' }),
    );
    TapeImage.open(path).close();
  });
});
