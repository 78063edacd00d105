/**
 * Records → blocks, as a Bareos/Bacula storage daemon lays them out (spec volume-format.md §2–3):
 * BB02 headers with CRC-32, records split across blocks with continuation headers (negative stream,
 * DataLen = bytes still to come), label records never split, a new block when fewer than 12 bytes are free.
 * Pure: it returns finished blocks and never does I/O.
 */
import { BLOCK_HEADER_V2_BYTES, BLOCK_ID_V2, encodeBlockHeader, sealBlock } from './block-header.js';
import { RECORD_HEADER_V2, RECORD_HEADER_V2_BYTES } from './record-header.js';

/** Bareos ≥ 23 default maximum block size (§2.5). */
export const BAREOS_BLOCK_BYTES = 1_048_576;
/** Bacula 9 / old Bareos block size: 126 × 512 (§2.5). */
export const BACULA_BLOCK_BYTES = 64_512;

/** A record to write: stream positive; labels have FileIndex < 0. */
export interface RecordToWrite {
  readonly fileIndex: number;
  readonly stream: number;
  readonly data: Uint8Array;
}

export interface BlockWriterOptions {
  readonly blockBytes: number;
  readonly volSessionId: number;
  readonly volSessionTime: number;
  /** Number of the first block (the job's block counter, §2.4). */
  readonly firstBlockNumber?: number;
}

/** Packs the records of one session into blocks. */
export class BlockWriter {
  private block: Uint8Array;
  private used = BLOCK_HEADER_V2_BYTES;
  private blockNumber: number;

  constructor(private readonly opts: BlockWriterOptions) {
    if (opts.blockBytes < BLOCK_HEADER_V2_BYTES + RECORD_HEADER_V2_BYTES + 1) {
      throw new RangeError(`block size ${opts.blockBytes} too small`);
    }
    this.block = new Uint8Array(opts.blockBytes);
    this.blockNumber = opts.firstBlockNumber ?? 0;
  }

  /** Number the next block will get. */
  get nextBlockNumber(): number {
    return this.blockNumber;
  }

  /** Bytes of the block being filled (its header included) once it is finished. */
  get pendingBytes(): number {
    return this.used;
  }

  /** True when a label record of `bytes` (header included) fits in the block being filled. */
  fits(bytes: number): boolean {
    return this.opts.blockBytes - this.used >= bytes;
  }

  /** Adds a record; returns the blocks it filled (finished, sealed), possibly none. */
  add(rec: RecordToWrite): Uint8Array[] {
    const out: Uint8Array[] = [];
    const free = () => this.opts.blockBytes - this.used;
    if (
      rec.fileIndex < 0 &&
      free() < RECORD_HEADER_V2_BYTES + rec.data.length &&
      this.used > BLOCK_HEADER_V2_BYTES
    ) {
      out.push(this.finishBlock()); // labels are never split (§3.3)
    }
    let sent = 0;
    let first = true;
    while (first || sent < rec.data.length) {
      if (free() < RECORD_HEADER_V2_BYTES) out.push(this.finishBlock());
      const remaining = rec.data.length - sent;
      this.block.set(
        RECORD_HEADER_V2.encode({
          fileIndex: rec.fileIndex,
          stream: first ? rec.stream : -rec.stream,
          dataLen: remaining,
        }),
        this.used,
      );
      this.used += RECORD_HEADER_V2_BYTES;
      const piece = Math.min(remaining, free());
      this.block.set(rec.data.subarray(sent, sent + piece), this.used);
      this.used += piece;
      sent += piece;
      first = false;
      if (sent < rec.data.length) out.push(this.finishBlock());
    }
    return out;
  }

  /** Finishes the current block if it holds any record (the short last block of a session). */
  flush(): Uint8Array[] {
    return this.used > BLOCK_HEADER_V2_BYTES ? [this.finishBlock()] : [];
  }

  private finishBlock(): Uint8Array {
    const block = this.block.slice(0, this.used);
    block.set(
      encodeBlockHeader({
        checksum: 0,
        length: this.used,
        blockNumber: this.blockNumber++,
        id: BLOCK_ID_V2,
        volSessionId: this.opts.volSessionId,
        volSessionTime: this.opts.volSessionTime,
      }),
    );
    this.used = BLOCK_HEADER_V2_BYTES;
    return sealBlock(block);
  }
}
