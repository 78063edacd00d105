/**
 * A minimal record scanner for codec golden tests: walks the BB02 blocks of a fixture volume and joins
 * split records (volume-format.md §2–3). It exists so codec tests do not depend on the real volume
 * reader; it checks nothing and assumes one session per volume, which holds for every fixture it reads.
 */
import { readFixture } from './fixtures.js';

/** A joined record as the scanner saw it. */
export interface ScannedRecord {
  readonly fileIndex: number;
  readonly stream: number;
  readonly data: Uint8Array;
}

/** Bytes of the BB02 block header and of the record header (volume-format.md §2.1, §3.1). */
const BLOCK_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 12;

/** Every complete record of a single-session volume, split records joined, in volume order. */
export function scanVolumeRecords(volume: Uint8Array): ScannedRecord[] {
  const view = new DataView(volume.buffer, volume.byteOffset, volume.byteLength);
  const out: ScannedRecord[] = [];
  let pending: {
    fileIndex: number;
    stream: number;
    total: number;
    parts: Uint8Array[];
    have: number;
  } | null = null;
  let block = 0;
  while (block + BLOCK_HEADER_BYTES <= volume.length) {
    const blockLength = view.getUint32(block + 4);
    const end = block + blockLength;
    let p = block + BLOCK_HEADER_BYTES;
    while (end - p >= RECORD_HEADER_BYTES) {
      const fileIndex = view.getInt32(p);
      const stream = view.getInt32(p + 4);
      const dataLen = view.getUint32(p + 8);
      p += RECORD_HEADER_BYTES;
      const piece = volume.subarray(p, p + Math.min(dataLen, end - p));
      p += piece.length;
      if (stream < 0 && pending && pending.fileIndex === fileIndex && pending.stream === -stream) {
        pending.parts.push(piece);
        pending.have += piece.length;
      } else {
        pending = { fileIndex, stream: Math.abs(stream), total: dataLen, parts: [piece], have: piece.length };
      }
      if (pending.have === pending.total) {
        const data = new Uint8Array(pending.total);
        let at = 0;
        for (const part of pending.parts) {
          data.set(part, at);
          at += part.length;
        }
        out.push({ fileIndex: pending.fileIndex, stream: pending.stream, data });
        pending = null;
      }
    }
    block = end;
  }
  return out;
}

/** Reads a fixture volume (path under the fixtures folder, e.g. `bacula-9/volumes/Vol-gzip`) and returns its joined records. */
export const readVolumeRecords = (relative: string): ScannedRecord[] =>
  scanVolumeRecords(readFixture(...relative.split('/')));
