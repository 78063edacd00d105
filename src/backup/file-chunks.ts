/**
 * A regular file as the chunks a file daemon sends: read in order through one FileHandle, never whole,
 * cut at multiples of the read size (spec volume-format.md §4, §8). For sparse jobs, all-zero chunks are
 * left out, except the one that reaches the end of the file, so the restore learns the size (§8).
 */
import type { FileHandle } from 'node:fs/promises';
import { SPARSE_OFFSET_BYTES } from '../transforms/compressed-record.js';
import type { FileChunk } from './data-stream.js';

/** Bytes asked for per read call: large enough that system calls do not dominate, small enough to stay flat. */
export const READ_BATCH_BYTES = 1_048_576;

/** How {@link readFileChunks} cuts a file. */
export interface ChunkReadOptions {
  /** Bytes per chunk (the FD's read size); chunk k starts at file offset k × chunkBytes. */
  readonly chunkBytes: number;
  /** Sparse job: chunks carry their offset and all-zero chunks are skipped (§8). */
  readonly sparse: boolean;
  /**
   * st_size from the attributes. It sizes the reads, and a chunk that reaches it is always sent.
   * A file that has grown since is read on to its end, one that shrank up to its end.
   */
  readonly expectedSize: number;
  readonly signal?: AbortSignal | undefined;
}

/** One chunk-aligned piece of a read: `length` bytes of the file at `offset`, at `slabAt` in the slab. */
interface ViewPlan {
  readonly offset: number;
  readonly length: number;
  readonly slabAt: number;
}

/**
 * Pieces of `[position, position + want)` cut at multiples of `chunkBytes`, each with `prefix` bytes of
 * room before it in the slab (the sparse offset, so that the record needs no copy).
 */
function planViews(position: number, want: number, chunkBytes: number, prefix: number): ViewPlan[] {
  const views: ViewPlan[] = [];
  let slabAt = 0;
  for (let at = position; at < position + want;) {
    const chunkEnd = (Math.floor(at / chunkBytes) + 1) * chunkBytes;
    const length = Math.min(chunkEnd, position + want) - at;
    views.push({ offset: at, length, slabAt });
    slabAt += prefix + length;
    at += length;
  }
  return views;
}

/** Zeros to compare sparse chunks with (a native memcmp, much faster than a loop in JavaScript). */
let zeros = new Uint8Array(0);
function isAllZero(data: Uint8Array): boolean {
  if (zeros.length < data.length) zeros = new Uint8Array(data.length);
  return Buffer.compare(data, zeros.subarray(0, data.length)) === 0;
}

/**
 * Fills `views` in order from the file at `position`; returns the bytes read. A short read at or past
 * `expectedSize` is the end of the file; anywhere else it is retried, and only a read of 0 bytes ends it.
 */
async function readInto(
  fh: FileHandle,
  views: Uint8Array[],
  position: number,
  expectedSize: number,
): Promise<number> {
  const requested = views.reduce((n, v) => n + v.length, 0);
  let total = 0;
  let pending = views;
  while (total < requested) {
    const { bytesRead } = await fh.readv(pending, position + total);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total < requested && position + total >= expectedSize) break;
    pending = remainingViews(pending, bytesRead);
  }
  return total;
}

/** The part of `views` not yet filled after `filled` more bytes were read into them. */
function remainingViews(views: Uint8Array[], filled: number): Uint8Array[] {
  let left = filled;
  let i = 0;
  while (i < views.length && left >= views[i]!.length) left -= views[i++]!.length;
  const rest = views.slice(i);
  if (rest[0] && left > 0) rest[0] = rest[0].subarray(left);
  return rest;
}

/** One read: the views it filled, in a slab of its own. */
interface Batch {
  readonly position: number;
  readonly plan: ViewPlan[];
  readonly views: Uint8Array[];
  readonly slab: Buffer;
  readonly read: number;
  /** The read came back short: the file ends inside this batch. */
  readonly atEnd: boolean;
}

/**
 * The chunks of an open regular file, in file order. Each chunk's bytes stay valid after the next one
 * is produced (a new buffer is taken once bytes of the old one were handed out), so a consumer may keep
 * them; memory stays at about two {@link READ_BATCH_BYTES} as long as it does not. The next batch is read
 * while the consumer works on the chunks of the current one (digest, compression), so I/O and CPU overlap.
 *
 * @throws the read error of `fh` (the caller reports it); AbortError when `signal` fires.
 */
export async function* readFileChunks(
  fh: FileHandle,
  options: ChunkReadOptions,
): AsyncGenerator<FileChunk, void> {
  const { chunkBytes, sparse, expectedSize, signal } = options;
  const prefix = sparse ? SPARSE_OFFSET_BYTES : 0;
  const batchBytes = chunkBytes * Math.max(1, Math.floor(READ_BATCH_BYTES / chunkBytes));
  /** A slab none of whose chunks was handed out, to read into again. */
  let spare: Buffer | undefined;

  const readBatch = async (position: number): Promise<Batch> => {
    // One byte more than the file should still hold: a short read then proves the end without another
    // call. Past st_size (the file grew) there is nothing to go by: whole batches.
    const want = position < expectedSize ? Math.min(batchBytes, expectedSize - position + 1) : batchBytes;
    const plan = planViews(position, want, chunkBytes, prefix);
    const last = plan[plan.length - 1]!;
    const slabBytes = last.slabAt + prefix + last.length;
    const slab = spare && spare.length >= slabBytes ? spare : Buffer.allocUnsafe(slabBytes);
    if (slab === spare) spare = undefined;
    const views = plan.map((v) => slab.subarray(v.slabAt + prefix, v.slabAt + prefix + v.length));
    const read = await readInto(fh, views, position, expectedSize);
    return { position, plan, views, slab, read, atEnd: read < want };
  };
  /** Starts a read; marked handled at once, since it may fail while the consumer holds a chunk. */
  const start = (position: number): Promise<Batch> => {
    const p = readBatch(position);
    p.catch(() => undefined);
    return p;
  };

  let pending: Promise<Batch> | undefined = start(0);
  try {
    while (pending) {
      const batch: Batch = await pending;
      pending = undefined;
      signal?.throwIfAborted();
      if (batch.read === 0) return;
      if (!batch.atEnd) pending = start(batch.position + batch.read);
      let handedOut = false;
      for (let i = 0, left = batch.read; i < batch.plan.length && left > 0; i++) {
        const v = batch.plan[i]!;
        const length = Math.min(v.length, left);
        left -= length;
        const data = batch.views[i]!.subarray(0, length);
        if (sparse) {
          // §8: the chunk reaching the end (by st_size, or the last one read) goes even when all zero.
          const reachesEnd = v.offset + length >= expectedSize || (batch.atEnd && left === 0);
          if (!reachesEnd && isAllZero(data)) continue;
          batch.slab.writeBigUInt64BE(BigInt(v.offset), v.slabAt);
          const sparseRecord = batch.slab.subarray(v.slabAt, v.slabAt + prefix + length);
          handedOut = true;
          yield { offset: v.offset, data, sparseRecord };
        } else {
          handedOut = true;
          yield { offset: v.offset, data };
        }
      }
      // A slab whose chunks were all skipped is read into again; one handed out belongs to the consumer.
      if (!handedOut) spare = batch.slab;
    }
  } finally {
    // The caller closes `fh` after this generator ends: no read may still be running on it then.
    await pending?.catch(() => undefined);
  }
}
