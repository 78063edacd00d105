/**
 * Reads the blocks of one volume in order, checking each block's header and checksum (spec
 * volume-format.md §2). Memory stays flat: bytes are read in bounded chunks, never the whole volume.
 *
 * A damaged block is reported through `onWarning` with its code and position, and reading goes on at the
 * next valid block (found by its length when only the checksum is wrong, else by scanning for a block ID
 * whose block verifies). With `strict`, the first damage is thrown instead.
 */
import { SdpipeError, VolumeFormatError, type Where } from '../errors.js';
import {
  BLOCK_HEADER_V1_BYTES,
  decodeBlockHeader,
  looksLikeBlockId,
  verifyBlockChecksum,
  type BlockHeader,
} from './block-header.js';
import { isBlockSource, type BlockSource, type ByteSource } from './byte-source.js';

/** One verified block of a volume. */
export interface Block {
  readonly header: BlockHeader;
  /** The whole block, header included, exactly BlockLength bytes. */
  readonly bytes: Uint8Array;
  readonly volume: string;
  /** Byte offset of the block on the volume. */
  readonly offset: number;
}

export interface BlockReadOptions {
  /** Called for every damaged block or region that was skipped. */
  onWarning?: (e: SdpipeError) => void;
  /** Throw the first damage instead of reporting it. */
  strict?: boolean;
  /** Start reading at this byte offset (bootstrap VolAddr positioning). */
  startOffset?: number;
  /** Stop before this byte offset (exclusive). */
  endOffset?: number;
  /** Bytes read from the source at a time. */
  chunkBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 4 << 20;

/** A forward-only window over a ByteSource, refilled in large chunks. */
class Window {
  buf = new Uint8Array(0);
  /** Volume offset of buf[0]. */
  base = 0;
  eof = false;
  constructor(
    private readonly src: ByteSource,
    private readonly chunk: number,
    private readonly limit: number,
  ) {}

  /** Makes sure bytes [pos, pos+n) are in the window if the volume has them; returns how many are. */
  async ensure(pos: number, n: number): Promise<number> {
    const have = () => Math.max(0, this.base + this.buf.length - pos);
    if (pos < this.base || pos > this.base + this.buf.length) {
      // Jump: start a fresh window at pos.
      this.buf = new Uint8Array(0);
      this.base = pos;
      this.eof = false;
    }
    while (have() < n && !this.eof) {
      const keep = this.buf.subarray(pos - this.base);
      // A new buffer each refill, so blocks already handed out (subarrays of the old one) stay valid.
      const size = Math.max(this.chunk, n);
      const next = new Uint8Array(size);
      next.set(keep);
      let filled = keep.length;
      const want = Math.min(size, this.limit - pos) - filled;
      if (want > 0) {
        const got = await this.src.read(next, filled, want, pos + filled);
        filled += got;
        if (got === 0) this.eof = true;
      } else {
        this.eof = true;
      }
      this.buf = next.subarray(0, filled);
      this.base = pos;
    }
    return Math.min(have(), n);
  }

  view(pos: number, n: number): Uint8Array {
    return this.buf.subarray(pos - this.base, pos - this.base + n);
  }
}

/** Reads the verified blocks of one volume, in order. */
export async function* readBlocks(
  src: ByteSource | BlockSource,
  opts: BlockReadOptions = {},
): AsyncGenerator<Block> {
  if (isBlockSource(src)) {
    yield* readMediumBlocks(src, opts);
    return;
  }
  const chunk = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const limit = opts.endOffset ?? Number.MAX_SAFE_INTEGER;
  const win = new Window(src, chunk, limit);
  const report = (e: SdpipeError) => {
    if (opts.strict) throw e;
    opts.onWarning?.(e);
  };
  let pos = opts.startOffset ?? 0;
  for (;;) {
    const where: Where = { volume: src.name, offset: pos };
    const got = await win.ensure(pos, BLOCK_HEADER_V1_BYTES + 8);
    if (got === 0) return; // clean end of data
    let header: BlockHeader;
    try {
      header = decodeBlockHeader(win.view(pos, got), 0, where);
    } catch (e) {
      if (!(e instanceof SdpipeError)) throw e;
      report(e);
      if (e.code === 'SDP_BLOCK_TRUNCATED') return;
      const next = await resync(win, pos + 1, src.name);
      if (next === undefined) return;
      pos = next;
      continue;
    }
    const have = await win.ensure(pos, header.length);
    if (have < header.length) {
      report(
        new VolumeFormatError('SDP_BLOCK_TRUNCATED', 'volume ends inside a block', {
          ...where,
          blockNumber: header.blockNumber,
          length: header.length,
          available: have,
        }),
      );
      // A damaged length can look like truncation: look for a valid block further on before giving up.
      const next = await resync(win, pos + 1, src.name);
      if (next === undefined) return;
      pos = next;
      continue;
    }
    const bytes = win.view(pos, header.length);
    try {
      verifyBlockChecksum(bytes, header, where);
    } catch (e) {
      if (!(e instanceof SdpipeError)) throw e;
      report(e);
      // Trust the length only if a block (or the end of the volume) follows it.
      const after = pos + header.length;
      const peek = await win.ensure(after, BLOCK_HEADER_V1_BYTES);
      if (peek === 0 || looksLikeBlockId(win.view(after, peek), 0)) {
        pos = after;
      } else {
        const next = await resync(win, pos + 1, src.name);
        if (next === undefined) return;
        pos = next;
      }
      continue;
    }
    yield { header, bytes, volume: src.name, offset: pos };
    pos += header.length;
  }
}

/** Scans forward for the next offset holding a whole block that decodes and verifies. */
async function resync(win: Window, from: number, volume: string): Promise<number | undefined> {
  let pos = from;
  for (;;) {
    const n = await win.ensure(pos, 64 << 10);
    if (n < BLOCK_HEADER_V1_BYTES) return undefined;
    const view = win.view(pos, n);
    for (let i = 0; i + BLOCK_HEADER_V1_BYTES <= n; i++) {
      if (!looksLikeBlockId(view, i)) continue;
      const at = pos + i;
      try {
        const got = await win.ensure(at, 24);
        const h = decodeBlockHeader(win.view(at, got), 0, { volume, offset: at });
        if ((await win.ensure(at, h.length)) < h.length) continue;
        verifyBlockChecksum(win.view(at, h.length), h, { volume, offset: at });
        return at;
      } catch (e) {
        if (!(e instanceof SdpipeError)) throw e;
        // not a real block here; keep scanning
      }
      // ensure() may have moved the window; re-anchor the scan at the candidate.
      return resync(win, at + 1, volume);
    }
    pos += n - BLOCK_HEADER_V1_BYTES + 1;
  }
}

/**
 * Blocks of a block-structured medium (tape): every read is one block, so a damaged block is reported
 * and simply skipped. Tape drives may pad a block; only BlockLength bytes are the block (§2.5).
 * Filemarks separate the label from the sessions; reading stops at end of data. `startOffset` and
 * `endOffset` are tape addresses (`file << 32 | block`).
 */
async function* readMediumBlocks(src: BlockSource, opts: BlockReadOptions): AsyncGenerator<Block> {
  const report = (e: SdpipeError) => {
    if (opts.strict) throw e;
    opts.onWarning?.(e);
  };
  if (opts.startOffset !== undefined && opts.startOffset > 0) await src.seek?.(opts.startOffset);
  for (;;) {
    const r = await src.readBlock();
    if (r.kind === 'eod') return;
    if (r.kind === 'filemark') continue;
    if (opts.endOffset !== undefined && r.address >= opts.endOffset) return;
    const where: Where = { volume: src.name, offset: r.address };
    try {
      const header = decodeBlockHeader(r.bytes, 0, where);
      if (header.length > r.bytes.length) {
        throw new VolumeFormatError('SDP_BLOCK_TRUNCATED', 'tape block shorter than its header says', {
          ...where,
          blockNumber: header.blockNumber,
          length: header.length,
          available: r.bytes.length,
        });
      }
      const bytes = r.bytes.subarray(0, header.length);
      verifyBlockChecksum(bytes, header, where);
      yield { header, bytes, volume: src.name, offset: r.address };
    } catch (e) {
      if (!(e instanceof SdpipeError)) throw e;
      report(e);
    }
  }
}
