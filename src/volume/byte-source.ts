/**
 * What the volume reader needs from a device: positioned reads of one volume's bytes. File devices,
 * tape devices and in-memory test volumes implement it; `volume/` never imports `devices/`.
 */
export interface ByteSource {
  /** Volume name as the operator knows it (file name on a File device). */
  readonly name: string;
  /** Reads up to `length` bytes at `position` into `buf[offset…]`; returns the count, 0 at end of data. */
  read(buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** What one read of a block-structured medium (tape) returns. */
export type BlockRead =
  | { readonly kind: 'block'; readonly bytes: Uint8Array; readonly address: number }
  | { readonly kind: 'filemark' }
  | { readonly kind: 'eod' };

/**
 * A volume on a medium that is read block by block (tape): each read returns one whole block, a
 * filemark, or end of data. Addresses are `file << 32 | block`, as Bareos addresses tape positions.
 */
export interface BlockSource {
  readonly name: string;
  readBlock(): Promise<BlockRead>;
  /** Positions before the block at this address (bootstrap VolFile/VolBlock); optional. */
  seek?(address: number): Promise<void>;
  close(): Promise<void>;
}

/** True when a source is read block by block. */
export const isBlockSource = (s: ByteSource | BlockSource): s is BlockSource => 'readBlock' in s;

/** A ByteSource over bytes in memory (tests, corrupted copies of fixtures). */
export class MemorySource implements ByteSource {
  constructor(
    readonly name: string,
    private readonly bytes: Uint8Array,
  ) {}
  read(buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    const n = Math.max(0, Math.min(length, this.bytes.length - position));
    buf.set(this.bytes.subarray(position, position + n), offset);
    return Promise.resolve(n);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
