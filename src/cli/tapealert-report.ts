/**
 * TapeAlert in the job log (what Bareos' scsitapealert-sd does with Drive TapeAlert Enabled): after a
 * job on a tape drive the TapeAlert page is read and every flag set is reported, one line each, as
 * `TapeAlert on device "<device>" with volume "<volume>": [<n>] <name> (<severity>)`.
 */
import { SdpipeError } from '../errors.js';
import type { StorageDevice } from '../devices/device.js';
import type { FlagSpec } from './args.js';

/** The flag that turns the report on (Bareos' `Drive Tape Alert Enabled` device directive). */
export const TAPEALERT_FLAGS: readonly FlagSpec[] = [
  {
    long: 'tapealert',
    help: 'tape drives: read TapeAlert (LOG SENSE 0x2E) at the end and report its flags in the job log',
  },
];

/** Reads and reports the drive's TapeAlert flags; a drive without TapeAlert is a warning, not a failure. */
export async function reportTapeAlerts(
  device: StorageDevice,
  volume: string,
  log: (line: string) => void,
  onWarning: (e: SdpipeError) => void,
): Promise<number> {
  if (!device.tapeAlerts) return 0;
  try {
    const flags = await device.tapeAlerts();
    for (const f of flags) {
      const severity = f.severity ? ` (${f.severity})` : '';
      log(`TapeAlert on device "${device.name}" with volume "${volume}": [${f.number}] ${f.name}${severity}`);
    }
    return flags.length;
  } catch (e) {
    if (!(e instanceof SdpipeError)) throw e;
    onWarning(e);
    return 0;
  }
}
