/**
 * One SCSI command interface for every way sdpipe reaches a drive: Linux SG_IO (sg3_utils via koffi),
 * libiscsi to an iSCSI target, and the in-process simulated LTO drive. Tape I/O, encryption (SPIN/SPOUT)
 * and TapeAlert (LOG SENSE) are written once against this interface. See spec scsi.md §6, §7.
 */

/** Direction of a command's data phase. */
export type DataDirection = 'none' | 'in' | 'out';

/** One command to execute. */
export interface ScsiCommand {
  /** The CDB (6, 10, 12 or 16 bytes). */
  readonly cdb: Uint8Array;
  readonly direction: DataDirection;
  /** Data to send (direction `out`). */
  readonly dataOut?: Uint8Array;
  /** Bytes the initiator can take (direction `in`). */
  readonly allocationLength?: number;
  /** Milliseconds before the transport gives up (default chosen by the transport). */
  readonly timeoutMs?: number;
}

/** SCSI status byte values (SAM). */
export const SCSI_STATUS = {
  GOOD: 0x00,
  CHECK_CONDITION: 0x02,
  CONDITION_MET: 0x04,
  BUSY: 0x08,
  RESERVATION_CONFLICT: 0x18,
  TASK_SET_FULL: 0x28,
  ACA_ACTIVE: 0x30,
  TASK_ABORTED: 0x40,
} as const;

/** What came back. Transport failures (no connection, ioctl error) are thrown as DeviceError instead. */
export interface ScsiResult {
  /** SCSI status byte. */
  readonly status: number;
  /** Sense bytes as returned (empty when there are none). */
  readonly sense: Uint8Array;
  /** Data received (direction `in`), exactly the bytes transferred. */
  readonly dataIn: Uint8Array;
  /** Requested minus transferred bytes. */
  readonly residual: number;
}

/** A way to reach one drive. */
export interface ScsiTransport {
  /** What to call the drive in messages: device path, iSCSI URL or `sim:<image>`. */
  readonly name: string;
  execute(cmd: ScsiCommand): Promise<ScsiResult>;
  close(): Promise<void>;
}

/** Opens a transport for a device spec it recognises. */
export interface TransportDescriptor {
  /** e.g. `sg`, `iscsi`, `sim`. */
  readonly name: string;
  /** The spec forms it takes, for usage messages (e.g. `iscsi://host[:port]/target-iqn/lun`). */
  readonly forms?: readonly string[];
  /** True when this transport handles the spec (`/dev/nst0`, `iscsi://…`, `sim:…`). */
  matches(spec: string): boolean;
  open(spec: string): Promise<ScsiTransport>;
}
