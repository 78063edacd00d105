/**
 * The 64 TapeAlert flags (spec scsi.md §5 table): number, name (Bareos' names, kept for Bareos output),
 * the current SSC name where it differs, severity as Bareos classes it, and whether Bareos reports it.
 */

/** Bareos' classes: Information (M_INFO), Warning (M_WARNING), Critical (M_ERROR). */
export type TapeAlertSeverity = 'information' | 'warning' | 'critical';
/** Whether Bareos reports a flag: in both its tables, only in the plugin's, only in the low-level one, or not. */
export type TapeAlertBareos = 'yes' | 'plugin-only' | 'low-level-only' | 'no';

/** One TapeAlert flag. */
export interface TapeAlertFlagInfo {
  /** Flag number = LOG SENSE parameter code (1-64). */
  readonly number: number;
  readonly name: string;
  /** Current SSC name (sg3_utils, CTA) where it differs from `name`. */
  readonly sscName?: string;
  /** Undefined where no source gives one (47, 48, 62-64). */
  readonly severity: TapeAlertSeverity | undefined;
  /** False where the spec marks the severity "(unverified)". */
  readonly severityVerified: boolean;
  readonly bareos: TapeAlertBareos;
}

type Row = readonly [
  name: string,
  sev: 'I' | 'W' | 'C' | '-',
  verified: boolean,
  bareos: TapeAlertBareos,
  ssc?: string,
];
const ROWS: readonly Row[] = [
  ['Read Warning', 'W', true, 'yes'],
  ['Write Warning', 'W', true, 'yes'],
  ['Hard Error', 'W', true, 'yes'],
  ['Media', 'C', true, 'yes'],
  ['Read Failure', 'C', true, 'yes'],
  ['Write Failure', 'C', true, 'yes'],
  ['Media Life', 'W', true, 'yes'],
  ['Not Data Grade', 'W', true, 'yes'],
  ['Write Protect', 'C', true, 'yes'],
  ['No Removal', 'I', true, 'yes'],
  ['Cleaning Media', 'I', true, 'yes'],
  ['Unsupported Format', 'I', true, 'yes'],
  ['Recoverable Snapped Tape', 'C', true, 'yes', 'Recoverable mechanical cartridge failure'],
  ['Unrecoverable Snapped Tape', 'C', true, 'yes', 'Unrecoverable mechanical cartridge failure'],
  ['Memory Chip in Cartridge Failure', 'W', true, 'yes'],
  ['Forced Eject', 'C', true, 'yes'],
  ['Read Only Format', 'W', true, 'yes'],
  ['Tape Directory Corrupted on Load', 'W', true, 'yes'],
  ['Nearing Media Life', 'I', true, 'yes'],
  ['Clean Now', 'C', true, 'yes', 'Cleaning required'],
  ['Clean Periodic', 'W', true, 'yes', 'Cleaning requested'],
  ['Expired Cleaning Media', 'C', true, 'yes'],
  ['Invalid Cleaning Tape', 'C', true, 'yes'],
  ['Retention Requested', 'W', true, 'yes', 'Retension requested'],
  ['Dual-Port Interface Error', 'W', true, 'yes'],
  ['Cooling Fan Failure', 'W', true, 'yes', 'Cooling fan failing'],
  ['Power Supply', 'W', true, 'yes', 'Power supply failure'],
  ['Power Consumption', 'W', true, 'yes'],
  ['Drive Maintenance', 'W', true, 'yes'],
  ['Hardware A', 'C', true, 'yes'],
  ['Hardware B', 'C', true, 'yes'],
  ['Interface', 'W', true, 'yes'],
  ['Eject Media', 'C', true, 'yes'],
  ['Download Fail', 'W', true, 'yes', 'Microcode update fail'],
  ['Drive Humidity', 'W', true, 'yes'],
  ['Drive Temperature', 'W', true, 'yes'],
  ['Drive Voltage', 'W', true, 'yes'],
  ['Predictive Failure', 'C', true, 'yes'],
  ['Diagnostics Required', 'W', true, 'yes'],
  ['Loader Hardware A', 'C', true, 'yes', 'Reserved/Obsolete'],
  ['Loader Stray Tape', 'C', true, 'yes', 'Reserved/Obsolete'],
  ['Loader Hardware B', 'W', true, 'yes', 'Reserved/Obsolete'],
  ['Loader Door', 'C', true, 'yes', 'Reserved/Obsolete'],
  ['Loader Hardware C', 'C', true, 'plugin-only', 'Reserved/Obsolete'],
  ['Loader Magazine', 'C', true, 'plugin-only', 'Reserved/Obsolete'],
  ['Loader Predictive Failure', 'W', true, 'plugin-only', 'Reserved/Obsolete'],
  ['External data encryption control - communication failure', '-', false, 'no'],
  ['External data encryption control - key manager returned an error', '-', false, 'no'],
  ['Diminished Native Capacity', 'I', false, 'no'],
  ['Lost Statistics', 'W', true, 'yes'],
  ['Tape directory invalid at unload', 'W', true, 'yes'],
  ['Tape system area write failure', 'C', true, 'yes'],
  ['Tape system area read failure', 'C', true, 'yes'],
  ['No start of data', 'C', true, 'yes'],
  ['Loading (or threading) failure', 'C', false, 'low-level-only'],
  ['Unrecoverable unload failure', 'C', false, 'low-level-only'],
  ['Automation interface failure', 'C', false, 'low-level-only'],
  ['Firmware (microcode) failure', 'W', false, 'low-level-only', 'Firmware failure'],
  ['WORM medium - integrity check failed', 'W', false, 'no'],
  ['WORM medium - overwrite attempted', 'W', false, 'no'],
  ['Encryption policy violation', '-', false, 'no'],
  ['Reserved', '-', false, 'no'],
  ['Reserved', '-', false, 'no'],
  ['Reserved', '-', false, 'no'],
];
const SEVERITY = { I: 'information', W: 'warning', C: 'critical', '-': undefined } as const;

/** TapeAlert flags 1-64, index = number − 1. */
export const TAPE_ALERT_FLAGS: readonly TapeAlertFlagInfo[] = ROWS.map(
  ([name, sev, verified, bareos, ssc], i) => ({
    number: i + 1,
    name,
    ...(ssc !== undefined ? { sscName: ssc } : {}),
    severity: SEVERITY[sev],
    severityVerified: verified && sev !== '-',
    bareos,
  }),
);

/** Number of TapeAlert flags (parameters 0x0001-0x0040). */
export const TAPE_ALERT_FLAG_COUNT = 64;

/** The flag with this number, or undefined outside 1-64. */
export const tapeAlertFlag = (number: number): TapeAlertFlagInfo | undefined =>
  Number.isInteger(number) && number >= 1 && number <= TAPE_ALERT_FLAG_COUNT
    ? TAPE_ALERT_FLAGS[number - 1]
    : undefined;
