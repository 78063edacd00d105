/**
 * Fault injection for the simulated drive (tests only). Each fault surfaces as the sense data a real drive
 * gives for it (spec scsi.md §4, §7, §8); nothing written before a fault is lost. Positions are logical
 * object numbers (blocks and filemarks counted from BOT, 0-based: what READ POSITION reports).
 *
 * - write error at N: a WRITE or WRITE FILEMARKS that would record object N fails with MEDIUM ERROR
 *   0C/00 (write error), VALID, INFORMATION = the residue; nothing is recorded, the position stays.
 * - read error at N: a READ of block N fails with MEDIUM ERROR 11/00 (unrecovered read error), VALID,
 *   INFORMATION = the residue; the position moves past the block, so a reader can skip it.
 * - early warning / end of medium at a byte count: overrides the image's early-warning point and its
 *   capacity (medium bytes = stored payload bytes, see tape-image-format.ts).
 * - not ready: commands that need the medium get NOT READY with the given ASC/ASCQ (default 04/01,
 *   "becoming ready") until cleared.
 * - next-command sense: the next command (optionally: the next one with one of the given opcodes) ends in
 *   CHECK CONDITION with that sense and does nothing else.
 * TapeAlert flags, write protection, unexpected unload and power cycles are methods of the drive itself.
 */
import type { SenseInit } from '../scsi/sense.js';

/** How often an injected fault fires (default: every time until cleared). */
export interface FaultOptions {
  readonly times?: number;
}

/** A queued CHECK CONDITION for a future command. */
export interface InjectedSense {
  readonly sense: SenseInit;
  /** Only commands with one of these operation codes take it (default: any command). */
  readonly opcodes?: readonly number[];
}

/** The faults armed on one drive. */
export class DriveFaults {
  private readonly writeErrors = new Map<number, number>();
  private readonly readErrors = new Map<number, number>();
  private readonly queued: InjectedSense[] = [];
  /** Early-warning point in medium bytes, overriding the image's. */
  earlyWarningBytes: number | undefined;
  /** Physical end of the partition in medium bytes, overriding the image's capacity. */
  endOfMediumBytes: number | undefined;
  /** ASC/ASCQ of an injected NOT READY condition. */
  notReady: { readonly asc: number; readonly ascq: number } | undefined;

  /** Arms a write error at logical object `position`. */
  failWrite(position: number, options: FaultOptions = {}): void {
    this.writeErrors.set(position, options.times ?? Infinity);
  }

  /** Arms an unrecovered read error at block `position`. */
  failRead(position: number, options: FaultOptions = {}): void {
    this.readErrors.set(position, options.times ?? Infinity);
  }

  /** Queues a CHECK CONDITION for the next (matching) command. */
  failNextCommand(injected: InjectedSense): void {
    this.queued.push(injected);
  }

  /** Disarms every fault. */
  clear(): void {
    this.writeErrors.clear();
    this.readErrors.clear();
    this.queued.length = 0;
    this.earlyWarningBytes = undefined;
    this.endOfMediumBytes = undefined;
    this.notReady = undefined;
  }

  /** True (and one use consumed) when a write at `position` must fail. */
  takeWriteError(position: number): boolean {
    return take(this.writeErrors, position);
  }

  /** True (and one use consumed) when a read of `position` must fail. */
  takeReadError(position: number): boolean {
    return take(this.readErrors, position);
  }

  /** The queued sense for a command with `opcode`, removed from the queue; undefined when none applies. */
  takeCommandSense(opcode: number): SenseInit | undefined {
    const i = this.queued.findIndex((q) => !q.opcodes || q.opcodes.includes(opcode));
    if (i < 0) return undefined;
    return this.queued.splice(i, 1)[0]!.sense;
  }
}

function take(armed: Map<number, number>, position: number): boolean {
  const left = armed.get(position);
  if (left === undefined) return false;
  if (left <= 1) armed.delete(position);
  else armed.set(position, left - 1);
  return true;
}
