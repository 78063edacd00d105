/**
 * Linux `struct sg_io_hdr` (`<scsi/sg.h>`, x86_64, little-endian; spec scsi.md §6): the argument of
 * `ioctl(fd, SG_IO, &hdr)`, 88 bytes. sg3_utils fills it for us in the SG transport; this table states
 * the layout once, for debugging dumps and for a transport that issues SG_IO itself. A test compiles a C
 * program against the system header and compares every offset and size with this table.
 */
import { bytes, field, layout, u16le, u32le, u8, type FieldType, type ValueOf } from '../../layout.js';

/** `ioctl` request number of SG_IO. */
export const SG_IO = 0x2285;
/** `interface_id` must be 'S'. */
export const SG_INTERFACE_ID = 0x53;

/** `dxfer_direction` values (scsi.md §6). */
export const SG_DXFER = { NONE: -1, TO_DEV: -2, FROM_DEV: -3, TO_FROM_DEV: -4, UNKNOWN: -5 } as const;
/** `info` bit 0: 0 = OK, 1 = something abnormal (status, host or driver status nonzero). */
export const SG_INFO_OK_MASK = 0x1;
/** `info` bits 1-2: how the data moved (indirect, direct, mixed). */
export const SG_INFO_DIRECT_IO_MASK = 0x6;
/** `flags` bits. */
export const SG_FLAG = { DIRECT_IO: 0x1, LUN_INHIBIT: 0x2, NO_DXFER: 0x10000 } as const;

/** Signed 32-bit little-endian (C `int` on x86_64). */
const i32le: FieldType<number> = {
  size: 4,
  read: (view, b, at) => [view.getInt32(b.byteOffset + at, true), at + 4],
  sizeOf: () => 4,
  write: (view, b, at, x) => {
    view.setInt32(b.byteOffset + at, x, true);
    return at + 4;
  },
};

/** A 64-bit user-space address (C pointer on x86_64), little-endian. */
const pointer64: FieldType<bigint> = {
  size: 8,
  read: (view, b, at) => [view.getBigUint64(b.byteOffset + at, true), at + 8],
  sizeOf: () => 8,
  write: (view, b, at, x) => {
    view.setBigUint64(b.byteOffset + at, x, true);
    return at + 8;
  },
};

/**
 * `struct sg_io_hdr`, field names as in the C header. `padding` (before `usr_ptr`) and `trailing_padding`
 * (up to the struct's 8-byte alignment) are the compiler's holes, not C fields.
 */
export const SG_IO_HEADER = layout('SgIoHeader', [
  field('interface_id', i32le),
  field('dxfer_direction', i32le),
  field('cmd_len', u8),
  field('mx_sb_len', u8),
  field('iovec_count', u16le),
  field('dxfer_len', u32le),
  field('dxferp', pointer64),
  field('cmdp', pointer64),
  field('sbp', pointer64),
  field('timeout', u32le),
  field('flags', u32le),
  field('pack_id', i32le),
  field('padding', bytes(4)),
  field('usr_ptr', pointer64),
  field('status', u8),
  field('masked_status', u8),
  field('msg_status', u8),
  field('sb_len_wr', u8),
  field('host_status', u16le),
  field('driver_status', u16le),
  field('resid', i32le),
  field('duration', u32le),
  field('info', u32le),
  field('trailing_padding', bytes(4)),
]);

/** A decoded `struct sg_io_hdr`. */
export type SgIoHeader = ValueOf<typeof SG_IO_HEADER>;

/** Size of `struct sg_io_hdr` in bytes (88 on x86_64). */
export const SG_IO_HEADER_BYTES = SG_IO_HEADER.size ?? 0;

/** Encodes a header (88 bytes). */
export const encodeSgIoHeader = (h: SgIoHeader): Uint8Array => SG_IO_HEADER.encode(h);

/** Decodes the header at `at`; throws SDP_LAYOUT_SHORT when fewer than 88 bytes are there. */
export const decodeSgIoHeader = (b: Uint8Array, at = 0): SgIoHeader => SG_IO_HEADER.decode(b, at);

/** True when the kernel flagged the command as abnormal (`info & SG_INFO_OK_MASK`), Bareos' test (§6). */
export const sgIoFailed = (h: SgIoHeader): boolean => (h.info & SG_INFO_OK_MASK) !== 0;
