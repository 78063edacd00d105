/**
 * Block headers: BB02 (24 bytes, Bareos and Bacula) and the legacy BB01 (16 bytes, read only).
 * See spec volume-format.md §2. All integers big-endian.
 */
import { crc32 } from 'node:zlib';
import { VolumeFormatError, type Where } from '../errors.js';
import { ascii, field, layout, u32be, type ValueOf } from '../layout.js';

/** BB02 block header, 24 bytes (§2.1). */
export const BLOCK_HEADER_V2 = layout('BlockHeaderV2', [
  field('checksum', u32be),
  field('length', u32be),
  field('blockNumber', u32be),
  field('id', ascii(4)),
  field('volSessionId', u32be),
  field('volSessionTime', u32be),
]);

/** BB01 block header, 16 bytes (§2.2): no session fields; BB01 record headers carry the session. */
export const BLOCK_HEADER_V1 = layout('BlockHeaderV1', [
  field('checksum', u32be),
  field('length', u32be),
  field('blockNumber', u32be),
  field('id', ascii(4)),
]);

export const BLOCK_ID_V2 = 'BB02';
export const BLOCK_ID_V1 = 'BB01';
/** Bytes of a BB02 header. */
export const BLOCK_HEADER_V2_BYTES = 24;
/** Bytes of a BB01 header. */
export const BLOCK_HEADER_V1_BYTES = 16;
/** Offset of the ID field: a reader looks at its 4th byte to pick the layout (§2.2). */
export const BLOCK_ID_OFFSET = BLOCK_HEADER_V2.offsets.id ?? 12;
/** The checksum covers the block from here to BlockLength (§2.3). */
export const CHECKSUM_START = BLOCK_HEADER_V2.offsets.length ?? 4;
/** Bareos rejects larger blocks as insane (§2.5). */
export const MAX_BLOCK_BYTES = 20_000_000;

/** A decoded block header of either version. BB01 headers have no session (0/0 here). */
export interface BlockHeader extends ValueOf<typeof BLOCK_HEADER_V1> {
  readonly version: 1 | 2;
  /** 24 for BB02, 16 for BB01. */
  readonly headerBytes: number;
  readonly volSessionId: number;
  readonly volSessionTime: number;
}

/** True if the 4 bytes at `at + 12` are a known block ID. */
export function looksLikeBlockId(b: Uint8Array, at: number): boolean {
  const p = at + BLOCK_ID_OFFSET;
  return (
    p + 4 <= b.length &&
    b[p] === 0x42 &&
    b[p + 1] === 0x42 &&
    b[p + 2] === 0x30 &&
    (b[p + 3] === 0x32 || b[p + 3] === 0x31)
  );
}

/**
 * Decodes and validates a block header: ID, and a BlockLength that can hold the header and is not insane.
 * The checksum is checked separately ({@link verifyBlockChecksum}) once the whole block is in hand.
 */
export function decodeBlockHeader(b: Uint8Array, at: number, where: Where): BlockHeader {
  if (b.length - at < BLOCK_HEADER_V1_BYTES) {
    throw new VolumeFormatError('SDP_BLOCK_TRUNCATED', 'volume ends inside a block header', where);
  }
  const v1 = BLOCK_HEADER_V1.decode(b, at, where);
  let header: BlockHeader;
  if (v1.id === BLOCK_ID_V2) {
    if (b.length - at < BLOCK_HEADER_V2_BYTES) {
      throw new VolumeFormatError('SDP_BLOCK_TRUNCATED', 'volume ends inside a block header', where);
    }
    const v2 = BLOCK_HEADER_V2.decode(b, at, where);
    header = { ...v2, version: 2, headerBytes: BLOCK_HEADER_V2_BYTES };
  } else if (v1.id === BLOCK_ID_V1) {
    header = { ...v1, version: 1, headerBytes: BLOCK_HEADER_V1_BYTES, volSessionId: 0, volSessionTime: 0 };
  } else {
    throw new VolumeFormatError('SDP_BLOCK_ID', `unknown block id ${JSON.stringify(v1.id)}`, {
      ...where,
      id: v1.id,
    });
  }
  if (header.length < header.headerBytes || header.length > MAX_BLOCK_BYTES) {
    throw new VolumeFormatError('SDP_BLOCK_LENGTH', `impossible block length ${header.length}`, {
      ...where,
      blockNumber: header.blockNumber,
      length: header.length,
    });
  }
  return header;
}

/** Encodes a BB02 header (the checksum field as given; see {@link sealBlock}). */
export const encodeBlockHeader = (h: ValueOf<typeof BLOCK_HEADER_V2>): Uint8Array =>
  BLOCK_HEADER_V2.encode(h);

/** CRC-32/IEEE of bytes [4, length) of a block (§2.3). */
export function blockChecksum(block: Uint8Array, length = block.length): number {
  return crc32(block.subarray(CHECKSUM_START, length)) >>> 0;
}

/**
 * Checks a whole block's checksum. A stored checksum of 0 means the writing device had checksums turned
 * off (§2.3) and is accepted. Throws SDP_BLOCK_CHECKSUM with expected/actual otherwise.
 */
export function verifyBlockChecksum(block: Uint8Array, header: BlockHeader, where: Where): void {
  if (header.checksum === 0) return;
  const actual = blockChecksum(block, header.length);
  if (actual !== header.checksum) {
    throw new VolumeFormatError('SDP_BLOCK_CHECKSUM', 'block checksum mismatch', {
      ...where,
      blockNumber: header.blockNumber,
      expected: header.checksum,
      actual,
    });
  }
}

/** Writes the CRC into a finished BB02 block in place and returns it. */
export function sealBlock(block: Uint8Array): Uint8Array {
  const sum = blockChecksum(block);
  new DataView(block.buffer, block.byteOffset, block.length).setUint32(
    BLOCK_HEADER_V2.offsets.checksum ?? 0,
    sum,
  );
  return block;
}
