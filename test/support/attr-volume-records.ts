/**
 * A deliberately small BB02 block/record walk (spec volume-format.md §2.1, §3.1, §3.2) that pulls the
 * joined records of one stream out of a fixture volume, so the attribute tests do not depend on the
 * production reader. No checksum checks, no cross-volume joins: fixtures only.
 */
import { readFileSync } from 'node:fs';

const BLOCK_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 12;

/** A joined record of one file volume. */
export interface AttrVolumeRecord {
  fileIndex: number;
  stream: number;
  volSessionId: number;
  volSessionTime: number;
  data: Uint8Array;
}

/** Every complete file record (FileIndex > 0) of `stream` on the volume file at `path`, in volume order. */
export function readVolumeRecords(path: string, stream: number): AttrVolumeRecord[] {
  const volume = new Uint8Array(readFileSync(path));
  const view = new DataView(volume.buffer, volume.byteOffset, volume.byteLength);
  const out: AttrVolumeRecord[] = [];
  let pending:
    { header: Omit<AttrVolumeRecord, 'data'>; total: number; pieces: Uint8Array[]; got: number } | undefined;
  for (let block = 0; block + BLOCK_HEADER_BYTES <= volume.length;) {
    const blockLength = view.getUint32(block + 4);
    if (blockLength < BLOCK_HEADER_BYTES) break; // damage; fixtures never have it
    const volSessionId = view.getUint32(block + 16);
    const volSessionTime = view.getUint32(block + 20);
    const end = block + blockLength;
    let at = block + BLOCK_HEADER_BYTES;
    while (end - at >= RECORD_HEADER_BYTES) {
      const fileIndex = view.getInt32(at);
      const rawStream = view.getInt32(at + 4);
      const dataLen = view.getUint32(at + 8);
      at += RECORD_HEADER_BYTES;
      const piece = volume.subarray(at, at + Math.min(dataLen, end - at));
      at += piece.length;
      if (rawStream > 0) {
        pending = {
          header: { fileIndex, stream: rawStream, volSessionId, volSessionTime },
          total: dataLen,
          pieces: [],
          got: 0,
        };
      }
      if (pending === undefined || pending.header.fileIndex !== fileIndex) continue;
      pending.pieces.push(piece);
      pending.got += piece.length;
      if (pending.got === pending.total) {
        // Labels (FileIndex < 0) put a JobId in Stream, so a label can look like stream 1.
        if (pending.header.stream === stream && pending.header.fileIndex > 0) {
          const data = new Uint8Array(pending.total);
          let o = 0;
          for (const p of pending.pieces) {
            data.set(p, o);
            o += p.length;
          }
          out.push({ ...pending.header, data });
        }
        pending = undefined;
      }
    }
    block = end;
  }
  return out;
}

/** One record header as it sits in a block (a whole record or a piece of one). */
export interface AttrRecordPiece {
  /** Byte offset of the block on the volume. */
  blockOffset: number;
  volSessionId: number;
  volSessionTime: number;
  fileIndex: number;
  /** Stream without the continuation sign. */
  stream: number;
  continuation: boolean;
}

/** Every record header of the volume file at `path`, in order, labels included. */
export function readRecordPieces(path: string): AttrRecordPiece[] {
  const volume = new Uint8Array(readFileSync(path));
  const view = new DataView(volume.buffer, volume.byteOffset, volume.byteLength);
  const out: AttrRecordPiece[] = [];
  for (let block = 0; block + BLOCK_HEADER_BYTES <= volume.length;) {
    const blockLength = view.getUint32(block + 4);
    if (blockLength < BLOCK_HEADER_BYTES) break;
    const end = block + blockLength;
    for (let at = block + BLOCK_HEADER_BYTES; end - at >= RECORD_HEADER_BYTES;) {
      const rawStream = view.getInt32(at + 4);
      out.push({
        blockOffset: block,
        volSessionId: view.getUint32(block + 16),
        volSessionTime: view.getUint32(block + 20),
        fileIndex: view.getInt32(at),
        stream: Math.abs(rawStream),
        continuation: rawStream < 0,
      });
      at += RECORD_HEADER_BYTES + Math.min(view.getUint32(at + 8), end - at - RECORD_HEADER_BYTES);
    }
    block = end;
  }
  return out;
}
