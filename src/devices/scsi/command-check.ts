/**
 * The checks every transport makes on a ScsiCommand before sending it: a CDB length the transport can carry,
 * data only in the direction the command names, non-negative sizes. A failing check is a bug in the caller
 * (the CDB builders), reported as DeviceError SDP_SCSI_COMMAND rather than sent to a drive.
 */
import { DeviceError } from '../../errors.js';
import type { ScsiCommand } from './transport.js';

/** Shortest and longest CDB any transport here accepts (SPC: 6, 10, 12, 16 bytes; vendor ones between). */
export const CDB_MIN_BYTES = 6;
export const CDB_MAX_BYTES = 16;
/** Largest data phase one command may carry: above any block size a drive's READ BLOCK LIMITS reports. */
export const MAX_TRANSFER_BYTES = 16 * 1024 * 1024;

/** A command after the checks: sizes made explicit. */
export interface CheckedCommand {
  readonly cdb: Uint8Array;
  readonly direction: ScsiCommand['direction'];
  /** Direction `out` only (possibly empty). */
  readonly dataOut: Uint8Array | undefined;
  /** Direction `in` only; 0 otherwise. */
  readonly allocationLength: number;
  /** The command's own timeout or `defaultTimeoutMs`. */
  readonly timeoutMs: number;
}

/** Checks `cmd` for the transport called `device`; throws DeviceError SDP_SCSI_COMMAND naming the problem. */
export function checkCommand(cmd: ScsiCommand, device: string, defaultTimeoutMs: number): CheckedCommand {
  const bad = (problem: string): DeviceError =>
    new DeviceError('SDP_SCSI_COMMAND', `bad SCSI command for ${device}: ${problem}`, {
      device,
      opcode: cmd.cdb[0],
    });
  if (cmd.cdb.length < CDB_MIN_BYTES || cmd.cdb.length > CDB_MAX_BYTES) {
    throw bad(`CDB of ${cmd.cdb.length} bytes (${CDB_MIN_BYTES} to ${CDB_MAX_BYTES} allowed)`);
  }
  if (cmd.direction !== 'out' && cmd.dataOut !== undefined)
    throw bad(`data to send with direction ${cmd.direction}`);
  if (cmd.direction !== 'in' && cmd.allocationLength !== undefined && cmd.allocationLength !== 0) {
    throw bad(`allocation length with direction ${cmd.direction}`);
  }
  const allocationLength = cmd.direction === 'in' ? (cmd.allocationLength ?? 0) : 0;
  if (
    !Number.isSafeInteger(allocationLength) ||
    allocationLength < 0 ||
    allocationLength > MAX_TRANSFER_BYTES
  ) {
    throw bad(`allocation length ${allocationLength}`);
  }
  if (cmd.direction === 'out' && (cmd.dataOut?.length ?? 0) > MAX_TRANSFER_BYTES) {
    throw bad(`${cmd.dataOut?.length} bytes to send (at most ${MAX_TRANSFER_BYTES})`);
  }
  const timeoutMs = cmd.timeoutMs ?? defaultTimeoutMs;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw bad(`timeout ${timeoutMs} ms`);
  return {
    cdb: cmd.cdb,
    direction: cmd.direction,
    dataOut: cmd.direction === 'out' ? (cmd.dataOut ?? new Uint8Array(0)) : undefined,
    allocationLength,
    timeoutMs,
  };
}
