/**
 * Splits blocks into record pieces and joins pieces back into whole records (spec volume-format.md
 * §3.2–3.3, §6). Pending pieces are kept per session, so interleaved sessions and jobs spanning volumes
 * (state carried from volume N to N+1) both join correctly. Nothing is dropped silently: an orphan
 * continuation or a record cut short is handed out marked `partial`, with a warning.
 */
import { SdpipeError, VolumeFormatError } from '../errors.js';
import type { Block } from './block-reader.js';
import {
  LABEL_TYPE,
  RECORD_HEADER_V1,
  RECORD_HEADER_V1_BYTES,
  RECORD_HEADER_V2_BYTES,
  decodeRecordHeader,
  MAX_RECORD_BYTES,
} from './record-header.js';
import type { DeviceRecord, RecordPosition } from './record.js';

/** One piece of a record as it sits in a block. */
export interface RecordPiece {
  readonly volSessionId: number;
  readonly volSessionTime: number;
  readonly fileIndex: number;
  /** As stored: negative for a continuation piece. */
  readonly stream: number;
  /** As stored: bytes still to come, this piece included. */
  readonly dataLen: number;
  readonly data: Uint8Array;
  /** Offset of the piece's record header on the volume. */
  readonly offset: number;
}

/**
 * The pieces of one block, in order (pure). A header that cannot be decoded ends the block with a warning
 * (its remaining bytes cannot be framed); an EOM label ends it too.
 */
export function splitBlock(block: Block, onWarning: (e: SdpipeError) => void): RecordPiece[] {
  const { header, bytes } = block;
  const pieces: RecordPiece[] = [];
  const recHeaderBytes = header.version === 2 ? RECORD_HEADER_V2_BYTES : RECORD_HEADER_V1_BYTES;
  let p = header.headerBytes;
  while (header.length - p >= recHeaderBytes) {
    const where = { volume: block.volume, blockNumber: header.blockNumber, offset: block.offset + p };
    let volSessionId = header.volSessionId;
    let volSessionTime = header.volSessionTime;
    let fileIndex: number;
    let stream: number;
    let dataLen: number;
    try {
      if (header.version === 2) {
        ({ fileIndex, stream, dataLen } = decodeRecordHeader(bytes, p, where));
      } else {
        const h = RECORD_HEADER_V1.decode(bytes, p, where);
        ({ volSessionId, volSessionTime, fileIndex, stream, dataLen } = h);
        if (dataLen >= MAX_RECORD_BYTES)
          throw new VolumeFormatError('SDP_RECORD_HEADER', 'impossible record length', where);
      }
    } catch (e) {
      if (!(e instanceof SdpipeError)) throw e;
      onWarning(e);
      break;
    }
    if (fileIndex === LABEL_TYPE.EOM_LABEL) break;
    const start = p + recHeaderBytes;
    const size = Math.min(dataLen, header.length - start);
    pieces.push({
      volSessionId,
      volSessionTime,
      fileIndex,
      stream,
      dataLen,
      data: bytes.subarray(start, start + size),
      offset: block.offset + p,
    });
    p = start + size;
  }
  return pieces;
}

interface Pending {
  volSessionId: number;
  volSessionTime: number;
  fileIndex: number;
  stream: number;
  total: number;
  received: number;
  data: Uint8Array;
  position: RecordPosition;
}

const sessionKey = (id: number, time: number) => `${id}/${time}`;

/** Joins record pieces into records across blocks and volumes. One instance per read (all volumes). */
export class RecordAssembler {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly onWarning: (e: SdpipeError) => void) {}

  /** Feeds one block; returns the records it completes, in order. */
  push(block: Block): DeviceRecord[] {
    const out: DeviceRecord[] = [];
    for (const piece of splitBlock(block, this.onWarning)) this.pushPiece(piece, block, out);
    return out;
  }

  /** Ends the read: every record still pending is handed out as partial, with a warning. */
  end(): DeviceRecord[] {
    const out: DeviceRecord[] = [];
    for (const [key, p] of this.pending) {
      out.push(this.cutShort(key, p, 'the read ended before the rest of this record'));
    }
    this.pending.clear();
    return out;
  }

  private pushPiece(piece: RecordPiece, block: Block, out: DeviceRecord[]): void {
    const key = sessionKey(piece.volSessionId, piece.volSessionTime);
    const session = { volSessionId: piece.volSessionId, volSessionTime: piece.volSessionTime };
    const position: RecordPosition = {
      volume: block.volume,
      blockNumber: block.header.blockNumber,
      blockOffset: block.offset,
      offset: piece.offset,
    };
    // Labels are never split (§3.3), and a continuation volume's label block sits between two pieces of
    // a record (§6): a label must not cut short the record pending in its session.
    if (piece.fileIndex < 0 && piece.stream >= 0 && piece.data.length === piece.dataLen) {
      out.push({ ...session, fileIndex: piece.fileIndex, stream: piece.stream, data: piece.data, position });
      return;
    }
    const pending = this.pending.get(key);
    if (piece.stream < 0) {
      if (
        pending &&
        pending.fileIndex === piece.fileIndex &&
        pending.stream === -piece.stream &&
        pending.total - pending.received === piece.dataLen
      ) {
        pending.data.set(piece.data, pending.received);
        pending.received += piece.data.length;
        if (pending.received < pending.total) return;
        this.pending.delete(key);
        out.push({
          ...session,
          fileIndex: pending.fileIndex,
          stream: pending.stream,
          data: pending.data,
          position: pending.position,
        });
        return;
      }
      if (pending) {
        this.pending.delete(key);
        out.push(this.cutShort(key, pending, 'a continuation for another record came instead of this one'));
      }
      this.onWarning(
        new VolumeFormatError('SDP_RECORD_ORPHAN', 'continuation piece without the start of its record', {
          volume: block.volume,
          blockNumber: block.header.blockNumber,
          offset: piece.offset,
          fileIndex: piece.fileIndex,
          stream: -piece.stream,
          dataLen: piece.dataLen,
        }),
      );
      out.push({
        ...session,
        fileIndex: piece.fileIndex,
        stream: -piece.stream,
        data: piece.data,
        position,
        partial: true,
      });
      return;
    }
    if (pending) {
      this.pending.delete(key);
      out.push(this.cutShort(key, pending, 'a new record started before this one was complete'));
    }
    if (piece.data.length === piece.dataLen) {
      out.push({ ...session, fileIndex: piece.fileIndex, stream: piece.stream, data: piece.data, position });
      return;
    }
    const data = new Uint8Array(piece.dataLen);
    data.set(piece.data);
    this.pending.set(key, {
      ...session,
      fileIndex: piece.fileIndex,
      stream: piece.stream,
      total: piece.dataLen,
      received: piece.data.length,
      data,
      position,
    });
  }

  private cutShort(_key: string, p: Pending, why: string): DeviceRecord {
    this.onWarning(
      new VolumeFormatError('SDP_RECORD_INCOMPLETE', `record incomplete: ${why}`, {
        volume: p.position.volume,
        blockNumber: p.position.blockNumber,
        offset: p.position.offset,
        fileIndex: p.fileIndex,
        stream: p.stream,
        expected: p.total,
        actual: p.received,
      }),
    );
    return {
      volSessionId: p.volSessionId,
      volSessionTime: p.volSessionTime,
      fileIndex: p.fileIndex,
      stream: p.stream,
      data: p.data.subarray(0, p.received),
      position: p.position,
      partial: true,
    };
  }
}
