/**
 * The tape image file format of the simulated drive (spec test-environment.md §6.3): a cartridge that
 * survives a restart.
 *
 * Image format (version 1, all integers big-endian):
 * - a 64-byte header ({@link TAPE_IMAGE_HEADER}): magic `SDPTAPE1`, version, header size, capacity,
 *   early-warning position, barcode, write-protect flag, CRC-32 of the bytes before it;
 * - then the logical objects in tape order, each one entry: a 56-byte entry header
 *   ({@link TAPE_ENTRY_HEADER}: magic `SDPE`, kind 1 = data block / 2 = filemark, flags, KAD length,
 *   payload length, payload CRC-32, key check value, GCM IV, GCM tag, CRC-32 of the header), the block's
 *   KAD descriptors, and the payload — the plain block, or the AES-256-GCM ciphertext of an encrypted one
 *   (the IV and tag are in the header, so the file never holds the plaintext of an encrypted block);
 * - end of data is the end of the last whole entry: a torn tail (a crash in the middle of an append)
 *   fails its header or length check on open and is treated as blank tape, to be overwritten.
 *
 * Medium bytes (what capacity, early warning and end of partition count) are stored payload bytes;
 * headers, KADs and filemarks take none.
 */
import {
  ascii,
  bitTable,
  bytes,
  field,
  flag,
  flatLayout,
  packed,
  reserved,
  u16be,
  u32be,
  u64be,
  u8,
} from '../../layout.js';

/** Image header magic and version. */
export const TAPE_IMAGE_MAGIC = 'SDPTAPE1';
export const TAPE_IMAGE_VERSION = 1;
/** Entry header magic. */
export const TAPE_ENTRY_MAGIC = 'SDPE';
/** Default capacity of a new image (2 GiB, the size tgt images use in the tests). */
export const DEFAULT_CAPACITY_BYTES = 2 * 1024 ** 3;
/** Largest capacity an image may announce (a u64 read back as a JS number stays exact below 2^53). */
export const MAX_CAPACITY_BYTES = Number.MAX_SAFE_INTEGER;
/** Default distance of the early-warning point before the physical end: 1 % of the capacity, at least 64 KiB. */
export const defaultEarlyWarningBytes = (capacityBytes: number): number =>
  Math.max(64 * 1024, Math.floor(capacityBytes / 100));

/** Sizes of the encryption fields of an entry. */
export const KEY_CHECK_BYTES = 8;
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

/** The image header (64 bytes). */
export const TAPE_IMAGE_HEADER = flatLayout('TapeImageHeader', [
  field('magic', ascii(8)),
  field('version', u16be),
  field('headerBytes', u16be),
  field('capacityBytes', u64be),
  // Medium bytes after which every write reports early warning (EOM, NO SENSE 00/02).
  field('earlyWarningBytes', u64be),
  field('barcode', ascii(16)),
  field('byte44', packed(bitTable('TapeImageFlags', 44, 1, [flag('writeProtected', 44, 0)]))),
  field('reserved45', reserved(15)),
  field('headerCrc', u32be),
]);
/** Size of the image header. */
export const TAPE_IMAGE_HEADER_BYTES = TAPE_IMAGE_HEADER.size!;

/** One entry header (56 bytes); KAD bytes and payload follow. */
export const TAPE_ENTRY_HEADER = flatLayout('TapeEntryHeader', [
  field('magic', ascii(4)),
  field('kind', u8),
  field(
    'byte5',
    packed(
      bitTable('TapeEntryFlags', 5, 1, [
        flag('rawReadDisabled', 5, 2),
        flag('external', 5, 1),
        flag('encrypted', 5, 0),
      ]),
    ),
  ),
  field('kadLength', u16be),
  field('payloadLength', u32be),
  field('payloadCrc', u32be),
  field('keyCheck', bytes(KEY_CHECK_BYTES)),
  field('iv', bytes(GCM_IV_BYTES)),
  field('tag', bytes(GCM_TAG_BYTES)),
  field('headerCrc', u32be),
]);
/** Size of an entry header. */
export const TAPE_ENTRY_HEADER_BYTES = TAPE_ENTRY_HEADER.size!;

/** Entry kinds as stored. */
export const TAPE_ENTRY_KIND = { BLOCK: 1, FILEMARK: 2 } as const;

/** When appended objects are forced to stable storage (see the module comment). */
export type SyncPolicy = 'always' | 'flush' | 'never';

/** How a block was encrypted, as stored with it. */
export interface BlockEncryption {
  /** Written in EXTERNAL mode (the host sent it encrypted) rather than ENCRYPT. */
  readonly external: boolean;
  /** Written with raw decryption mode disabled (RDMC 3): a RAW read gets 74/0A. */
  readonly rawReadDisabled: boolean;
  /** Key check value of the key it was written with (drive-crypto.ts). */
  readonly keyCheck: Uint8Array;
  readonly iv: Uint8Array;
  readonly tag: Uint8Array;
}

/** One logical object on the tape. */
export interface TapeEntry {
  readonly kind: 'block' | 'filemark';
  /** File offset of its entry header. */
  readonly offset: number;
  /** Stored payload bytes (the block, or its ciphertext). 0 for a filemark. */
  readonly payloadLength: number;
  readonly payloadCrc: number;
  /** KAD descriptors stored with the block (possibly empty). */
  readonly kad: Uint8Array;
  /** Present when the block is encrypted. */
  readonly encryption: BlockEncryption | undefined;
  /** Medium bytes used up to and including this object. */
  readonly mediumEnd: number;
  /** Filemarks before this object (SSC logical file identifier). */
  readonly filemarksBefore: number;
}

/** What to append. */
export type NewObject =
  | { readonly kind: 'filemark' }
  | {
      readonly kind: 'block';
      readonly payload: Uint8Array;
      readonly kad?: Uint8Array;
      readonly encryption?: BlockEncryption | undefined;
    };

/** Options for {@link TapeImage.open}. */
export interface TapeImageOptions {
  /** Capacity of a new image in bytes (an existing image keeps its own). */
  readonly capacityBytes?: number;
  /** Early-warning distance before the end for a new image (default {@link defaultEarlyWarningBytes}). */
  readonly earlyWarningDistanceBytes?: number;
  /** Barcode of a new image (up to 16 ASCII characters). */
  readonly barcode?: string;
  /** Write-protect tab of a new image. */
  readonly writeProtected?: boolean;
  /** Default `flush`. */
  readonly sync?: SyncPolicy;
  /** Fail instead of creating a missing image. */
  readonly mustExist?: boolean;
}
