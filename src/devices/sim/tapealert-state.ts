/**
 * TapeAlert flags of the simulated drive (spec scsi.md §5, §8): 64 flags, raised only by test injection,
 * reported by LOG SENSE page 0x2E and cleared when that page has been read, at power-on, on a device reset
 * and on a LOG SELECT reset — so every event is reported once (Sony SDX, Quantum DDS-4 manuals).
 */
import { TAPE_ALERT_FLAG_COUNT } from '../scsi/pages/tapealert-flags.js';

/** The drive's TapeAlert flags. */
export class TapeAlertState {
  private readonly flags = new Array<boolean>(TAPE_ALERT_FLAG_COUNT).fill(false);

  /** Raises flags by number (1-64). Throws RangeError for other numbers (a test bug). */
  raise(...numbers: number[]): void {
    for (const n of numbers) {
      if (!Number.isInteger(n) || n < 1 || n > TAPE_ALERT_FLAG_COUNT)
        throw new RangeError(`TapeAlert flag ${n} is not 1-${TAPE_ALERT_FLAG_COUNT}`);
      this.flags[n - 1] = true;
    }
  }

  /** The flags set now (numbers 1-64, ascending), without clearing them. */
  peek(): number[] {
    return this.flags.flatMap((set, i) => (set ? [i + 1] : []));
  }

  /** The 64 values in parameter-code order, then all flags cleared (a read of the page, spec §5). */
  take(): boolean[] {
    const values = [...this.flags];
    this.clear();
    return values;
  }

  /** Clears every flag (power-on, reset, LOG SELECT reset). */
  clear(): void {
    this.flags.fill(false);
  }
}
