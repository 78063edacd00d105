/**
 * Sense keys and additional sense codes (ASC/ASCQ) with their T10 names (SPC-4 annex, SSC-4), written in
 * the sentence case sg3_utils prints, so `formatSense` reads like `sg_decode_sense`. The table covers the
 * codes a tape drive, a changer or a SCSI target answers with, and every code in spec scsi.md §4, §7, §8.
 */

/** One sense key: its T10 name (`ILLEGAL REQUEST`) and the title sg3_utils prints (`Illegal Request`). */
export interface SenseKeyInfo {
  readonly senseKey: number;
  readonly name: string;
  readonly title: string;
}

/** Sense keys 0x0-0xF (SPC-4; 0xC EQUAL is obsolete, 0xF COMPLETED is SPC-5). */
export const SENSE_KEYS: readonly SenseKeyInfo[] = [
  { senseKey: 0x0, name: 'NO SENSE', title: 'No Sense' },
  { senseKey: 0x1, name: 'RECOVERED ERROR', title: 'Recovered Error' },
  { senseKey: 0x2, name: 'NOT READY', title: 'Not Ready' },
  { senseKey: 0x3, name: 'MEDIUM ERROR', title: 'Medium Error' },
  { senseKey: 0x4, name: 'HARDWARE ERROR', title: 'Hardware Error' },
  { senseKey: 0x5, name: 'ILLEGAL REQUEST', title: 'Illegal Request' },
  { senseKey: 0x6, name: 'UNIT ATTENTION', title: 'Unit Attention' },
  { senseKey: 0x7, name: 'DATA PROTECT', title: 'Data Protect' },
  { senseKey: 0x8, name: 'BLANK CHECK', title: 'Blank Check' },
  { senseKey: 0x9, name: 'VENDOR SPECIFIC', title: 'Vendor specific(9)' },
  { senseKey: 0xa, name: 'COPY ABORTED', title: 'Copy Aborted' },
  { senseKey: 0xb, name: 'ABORTED COMMAND', title: 'Aborted Command' },
  { senseKey: 0xc, name: 'EQUAL', title: 'Equal' },
  { senseKey: 0xd, name: 'VOLUME OVERFLOW', title: 'Volume Overflow' },
  { senseKey: 0xe, name: 'MISCOMPARE', title: 'Miscompare' },
  { senseKey: 0xf, name: 'COMPLETED', title: 'Completed' },
];

/** Sense key numbers by name, for code that raises or tests a condition. */
export const SENSE_KEY = {
  NO_SENSE: 0x0,
  RECOVERED_ERROR: 0x1,
  NOT_READY: 0x2,
  MEDIUM_ERROR: 0x3,
  HARDWARE_ERROR: 0x4,
  ILLEGAL_REQUEST: 0x5,
  UNIT_ATTENTION: 0x6,
  DATA_PROTECT: 0x7,
  BLANK_CHECK: 0x8,
  VENDOR_SPECIFIC: 0x9,
  COPY_ABORTED: 0xa,
  ABORTED_COMMAND: 0xb,
  EQUAL: 0xc,
  VOLUME_OVERFLOW: 0xd,
  MISCOMPARE: 0xe,
  COMPLETED: 0xf,
} as const;

/** The T10 name of a sense key (`ILLEGAL REQUEST`). */
export const senseKeyName = (senseKey: number): string => SENSE_KEYS[senseKey & 0xf]!.name;

// [ASC, ASCQ, name]. Names are T10's; the spelling and case follow sg3_utils' output.
const ASC_TABLE: readonly (readonly [number, number, string])[] = [
  [0x00, 0x00, 'No additional sense information'],
  [0x00, 0x01, 'Filemark detected'],
  [0x00, 0x02, 'End-of-partition/medium detected'],
  [0x00, 0x03, 'Setmark detected'],
  [0x00, 0x04, 'Beginning-of-partition/medium detected'],
  [0x00, 0x05, 'End-of-data detected'],
  [0x00, 0x06, 'I/O process terminated'],
  [0x00, 0x16, 'operation in progress'],
  [0x00, 0x17, 'Cleaning requested'],
  [0x00, 0x18, 'Erase operation in progress'],
  [0x00, 0x19, 'Locate operation in progress'],
  [0x00, 0x1a, 'Rewind operation in progress'],
  [0x00, 0x1b, 'Set capacity operation in progress'],
  [0x00, 0x1c, 'Verify operation in progress'],
  [0x03, 0x00, 'Peripheral device write fault'],
  [0x03, 0x01, 'No write current'],
  [0x03, 0x02, 'Excessive write errors'],
  [0x04, 0x00, 'Logical unit not ready, cause not reportable'],
  [0x04, 0x01, 'Logical unit is in process of becoming ready'],
  [0x04, 0x02, 'Logical unit not ready, initializing command required'],
  [0x04, 0x03, 'Logical unit not ready, manual intervention required'],
  [0x04, 0x04, 'Logical unit not ready, format in progress'],
  [0x04, 0x07, 'Logical unit not ready, operation in progress'],
  [0x04, 0x09, 'Logical unit not ready, self-test in progress'],
  [0x04, 0x0a, 'Logical unit not accessible, asymmetric access state transition'],
  [0x04, 0x0b, 'Logical unit not accessible, target port in standby state'],
  [0x04, 0x0c, 'Logical unit not accessible, target port in unavailable state'],
  [0x04, 0x10, 'Logical unit not ready, auxiliary memory not accessible'],
  [0x04, 0x12, 'Logical unit not ready, offline'],
  [0x04, 0x13, 'Logical unit not ready, SA creation in progress'],
  [0x04, 0x15, 'Logical unit not ready, robotics disabled'],
  [0x04, 0x16, 'Logical unit not ready, configuration required'],
  [0x04, 0x17, 'Logical unit not ready, calibration required'],
  [0x04, 0x18, 'Logical unit not ready, a door is open'],
  [0x04, 0x19, 'Logical unit not ready, operating in sequential mode'],
  [0x05, 0x00, 'Logical unit does not respond to selection'],
  [0x07, 0x00, 'Multiple peripheral devices selected'],
  [0x08, 0x00, 'Logical unit communication failure'],
  [0x08, 0x01, 'Logical unit communication time-out'],
  [0x08, 0x02, 'Logical unit communication parity error'],
  [0x09, 0x00, 'Track following error'],
  [0x0a, 0x00, 'Error log overflow'],
  [0x0b, 0x00, 'Warning'],
  [0x0b, 0x01, 'Warning - specified temperature exceeded'],
  [0x0b, 0x02, 'Warning - enclosure degraded'],
  [0x0c, 0x00, 'Write error'],
  [0x0c, 0x04, 'Compression check miscompare error'],
  [0x0c, 0x05, 'Data expansion occurred during compression'],
  [0x0c, 0x06, 'Block not compressible'],
  [0x0c, 0x0b, 'Auxiliary memory write error'],
  [0x11, 0x00, 'Unrecovered read error'],
  [0x11, 0x01, 'Read retries exhausted'],
  [0x11, 0x02, 'Error too long to correct'],
  [0x11, 0x03, 'Multiple read errors'],
  [0x11, 0x08, 'Incomplete block read'],
  [0x11, 0x09, 'No gap found'],
  [0x11, 0x0a, 'Miscorrected error'],
  [0x11, 0x0d, 'De-compression CRC error'],
  [0x11, 0x0e, 'Cannot decompress using declared algorithm'],
  [0x11, 0x12, 'Auxiliary memory read error'],
  [0x14, 0x00, 'Recorded entity not found'],
  [0x14, 0x01, 'Record not found'],
  [0x14, 0x02, 'Filemark or setmark not found'],
  [0x14, 0x03, 'End-of-data not found'],
  [0x14, 0x04, 'Block sequence error'],
  [0x14, 0x07, 'Locate operation failure'],
  [0x15, 0x00, 'Random positioning error'],
  [0x15, 0x01, 'Mechanical positioning error'],
  [0x15, 0x02, 'Positioning error detected by read of medium'],
  [0x17, 0x00, 'Recovered data with no error correction applied'],
  [0x17, 0x01, 'Recovered data with retries'],
  [0x18, 0x00, 'Recovered data with error correction applied'],
  [0x1a, 0x00, 'Parameter list length error'],
  [0x1b, 0x00, 'Synchronous data transfer error'],
  [0x20, 0x00, 'Invalid command operation code'],
  [0x20, 0x01, 'Access denied - initiator pending-enrolled'],
  [0x20, 0x02, 'Access denied - no access rights'],
  [0x21, 0x00, 'Logical block address out of range'],
  [0x24, 0x00, 'Invalid field in cdb'],
  [0x24, 0x01, 'CDB decryption error'],
  [0x25, 0x00, 'Logical unit not supported'],
  [0x26, 0x00, 'Invalid field in parameter list'],
  [0x26, 0x01, 'Parameter not supported'],
  [0x26, 0x02, 'Parameter value invalid'],
  [0x26, 0x03, 'Threshold parameters not supported'],
  [0x26, 0x04, 'Invalid release of persistent reservation'],
  [0x26, 0x10, 'Data decryption key fail limit reached'],
  [0x26, 0x11, 'Incomplete key-associated data set'],
  [0x26, 0x12, 'Vendor specific key reference not found'],
  [0x27, 0x00, 'Write protected'],
  [0x27, 0x01, 'Hardware write protected'],
  [0x27, 0x02, 'Logical unit software write protected'],
  [0x27, 0x03, 'Associated write protect'],
  [0x27, 0x04, 'Persistent write protect'],
  [0x27, 0x05, 'Permanent write protect'],
  [0x28, 0x00, 'Not ready to ready change, medium may have changed'],
  [0x28, 0x01, 'Import or export element accessed'],
  [0x29, 0x00, 'Power on, reset, or bus device reset occurred'],
  [0x29, 0x01, 'Power on occurred'],
  [0x29, 0x02, 'SCSI bus reset occurred'],
  [0x29, 0x03, 'Bus device reset function occurred'],
  [0x29, 0x04, 'Device internal reset'],
  [0x29, 0x07, 'I_T nexus loss occurred'],
  [0x2a, 0x00, 'Parameters changed'],
  [0x2a, 0x01, 'Mode parameters changed'],
  [0x2a, 0x02, 'Log parameters changed'],
  [0x2a, 0x03, 'Reservations preempted'],
  [0x2a, 0x04, 'Reservations released'],
  [0x2a, 0x05, 'Registrations preempted'],
  [0x2a, 0x06, 'Asymmetric access state changed'],
  [0x2a, 0x07, 'Implicit asymmetric access state transition failed'],
  [0x2a, 0x08, 'Priority changed'],
  [0x2a, 0x09, 'Capacity data has changed'],
  [0x2a, 0x0d, 'Data encryption capabilities changed'],
  [0x2a, 0x10, 'Timestamp changed'],
  [0x2a, 0x11, 'Data encryption parameters changed by another i_t nexus'],
  [0x2a, 0x12, 'Data encryption parameters changed by vendor specific event'],
  [0x2a, 0x13, 'Data encryption key instance counter has changed'],
  [0x2a, 0x14, 'SA creation capabilities data has changed'],
  [0x2c, 0x00, 'Command sequence error'],
  [0x2f, 0x00, 'Commands cleared by another initiator'],
  [0x30, 0x00, 'Incompatible medium installed'],
  [0x30, 0x01, 'Cannot read medium - unknown format'],
  [0x30, 0x02, 'Cannot read medium - incompatible format'],
  [0x30, 0x03, 'Cleaning cartridge installed'],
  [0x30, 0x04, 'Cannot write medium - unknown format'],
  [0x30, 0x05, 'Cannot write medium - incompatible format'],
  [0x30, 0x06, 'Cannot format medium - incompatible medium'],
  [0x30, 0x07, 'Cleaning failure'],
  [0x30, 0x08, 'Cannot write - application code mismatch'],
  [0x30, 0x0a, 'Cleaning request rejected'],
  [0x30, 0x0c, 'WORM medium - overwrite attempted'],
  [0x30, 0x0d, 'WORM medium - integrity check'],
  [0x30, 0x10, 'Medium not formatted'],
  [0x30, 0x11, 'Incompatible volume type'],
  [0x30, 0x12, 'Incompatible volume qualifier'],
  [0x31, 0x00, 'Medium format corrupted'],
  [0x31, 0x01, 'Format command failed'],
  [0x33, 0x00, 'Tape length error'],
  [0x37, 0x00, 'Rounded parameter'],
  [0x39, 0x00, 'Saving parameters not supported'],
  [0x3a, 0x00, 'Medium not present'],
  [0x3a, 0x01, 'Medium not present - tray closed'],
  [0x3a, 0x02, 'Medium not present - tray open'],
  [0x3a, 0x03, 'Medium not present - loadable'],
  [0x3a, 0x04, 'Medium not present - medium auxiliary memory accessible'],
  [0x3b, 0x00, 'Sequential positioning error'],
  [0x3b, 0x01, 'Tape position error at beginning-of-medium'],
  [0x3b, 0x02, 'Tape position error at end-of-medium'],
  [0x3b, 0x08, 'Reposition error'],
  [0x3b, 0x0c, 'Position past beginning of medium'],
  [0x3b, 0x0d, 'Medium destination element full'],
  [0x3b, 0x0e, 'Medium source element empty'],
  [0x3b, 0x11, 'Medium magazine not accessible'],
  [0x3b, 0x12, 'Medium magazine removed'],
  [0x3b, 0x13, 'Medium magazine inserted'],
  [0x3b, 0x14, 'Medium magazine locked'],
  [0x3b, 0x15, 'Medium magazine unlocked'],
  [0x3d, 0x00, 'Invalid bits in identify message'],
  [0x3e, 0x00, 'Logical unit has not self-configured yet'],
  [0x3e, 0x01, 'Logical unit failure'],
  [0x3e, 0x02, 'Timeout on logical unit'],
  [0x3f, 0x00, 'Target operating conditions have changed'],
  [0x3f, 0x01, 'Microcode has been changed'],
  [0x3f, 0x02, 'Changed operating definition'],
  [0x3f, 0x03, 'Inquiry data has changed'],
  [0x3f, 0x0e, 'Reported luns data has changed'],
  [0x40, 0x00, 'Ram failure (should use 40 nn)'],
  [0x43, 0x00, 'Message error'],
  [0x44, 0x00, 'Internal target failure'],
  [0x45, 0x00, 'Select or reselect failure'],
  [0x47, 0x00, 'SCSI parity error'],
  [0x48, 0x00, 'Initiator detected error message received'],
  [0x49, 0x00, 'Invalid message error'],
  [0x4a, 0x00, 'Command phase error'],
  [0x4b, 0x00, 'Data phase error'],
  [0x4e, 0x00, 'Overlapped commands attempted'],
  [0x50, 0x00, 'Write append error'],
  [0x50, 0x01, 'Write append position error'],
  [0x50, 0x02, 'Position error related to timing'],
  [0x51, 0x00, 'Erase failure'],
  [0x52, 0x00, 'Cartridge fault'],
  [0x53, 0x00, 'Media load or eject failed'],
  [0x53, 0x01, 'Unload tape failure'],
  [0x53, 0x02, 'Medium removal prevented'],
  [0x53, 0x04, 'Medium thread or unthread failure'],
  [0x55, 0x06, 'Auxiliary memory out of space'],
  [0x5a, 0x01, 'Operator medium removal request'],
  [0x5b, 0x00, 'Log exception'],
  [0x5b, 0x01, 'Threshold condition met'],
  [0x5b, 0x02, 'Log counter at maximum'],
  [0x5b, 0x03, 'Log list codes exhausted'],
  [0x5d, 0x00, 'Failure prediction threshold exceeded'],
  [0x5d, 0xff, 'Failure prediction threshold exceeded (false)'],
  [0x71, 0x00, 'Decompression exception long algorithm id'],
  [0x74, 0x00, 'Security error'],
  [0x74, 0x01, 'Unable to decrypt data'],
  [0x74, 0x02, 'Unencrypted data encountered while decrypting'],
  [0x74, 0x03, 'Incorrect data encryption key'],
  [0x74, 0x04, 'Cryptographic integrity validation failed'],
  [0x74, 0x05, 'Error decrypting data'],
  [0x74, 0x06, 'Unknown signature verification key'],
  [0x74, 0x07, 'Encryption parameters not useable'],
  [0x74, 0x08, 'Digital signature validation failure'],
  [0x74, 0x09, 'Encryption mode mismatch on read'],
  [0x74, 0x0a, 'Encrypted block not raw read enabled'],
  [0x74, 0x0b, 'Incorrect Encryption parameters'],
  [0x74, 0x0c, 'Unable to decrypt parameter list'],
  [0x74, 0x0d, 'Encryption algorithm disabled'],
  [0x74, 0x10, 'SA creation parameter value invalid'],
  [0x74, 0x11, 'SA creation parameter value rejected'],
  [0x74, 0x12, 'Invalid SA usage'],
  [0x74, 0x21, 'Data encryption configuration prevented'],
  [0x74, 0x30, 'SA creation parameter not supported'],
  [0x74, 0x40, 'Authentication failed'],
  [0x74, 0x61, 'External data encryption key manager access error'],
  [0x74, 0x62, 'External data encryption key manager error'],
  [0x74, 0x63, 'External data encryption key not found'],
  [0x74, 0x64, 'External data encryption request not authorized'],
  [0x74, 0x6e, 'External data encryption control timeout'],
  [0x74, 0x6f, 'External data encryption control error'],
  [0x74, 0x71, 'Logical unit access not authorized'],
  [0x74, 0x79, 'Security conflict in translated device'],
];

const key = (asc: number, ascq: number): number => (asc << 8) | ascq;
const BY_CODE = new Map<number, string>(ASC_TABLE.map(([asc, ascq, name]) => [key(asc, ascq), name]));
const KNOWN_ASC = new Set<number>(ASC_TABLE.map(([asc]) => asc));

/** Every ASC/ASCQ pair the table names, in table order. */
export const ASC_CODES: readonly { readonly asc: number; readonly ascq: number; readonly name: string }[] =
  ASC_TABLE.map(([asc, ascq, name]) => ({ asc, ascq, name }));

const hex = (n: number): string => n.toString(16);

/**
 * The name of an ASC/ASCQ pair, or undefined when it is not in the table. Ranges T10 defines by pattern
 * (40/NN, 4D/NN, 70/NN) are named with their qualifier.
 */
export function ascName(asc: number, ascq: number): string | undefined {
  const exact = BY_CODE.get(key(asc, ascq));
  if (exact !== undefined) return exact;
  if (asc === 0x40 && ascq >= 0x80) return `Diagnostic failure on component [0x${hex(ascq)}]`;
  if (asc === 0x40 && ascq > 0) return `Ram failure [0x${hex(ascq)}]`;
  if (asc === 0x4d) return `Tagged overlapped commands [0x${hex(ascq)}]`;
  if (asc === 0x70) return `Decompression exception short algorithm id of 0x${hex(ascq)}`;
  return undefined;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/**
 * The one-line description of an ASC/ASCQ pair as sg3_utils prints it: `Additional sense: <name>`, or for
 * codes without a name `vendor specific ASC=ef, ASCQ=10 (hex)` (ASC ≥ 80h), `ASC=74, vendor specific
 * qualification ASCQ=99 (hex)` (ASCQ ≥ 80h), `ASC=7f, ASCQ=00 (hex)` (unknown).
 */
export function describeAsc(asc: number, ascq: number): string {
  const name = ascName(asc, ascq);
  if (name !== undefined) return `Additional sense: ${name}`;
  if (asc >= 0x80) return `vendor specific ASC=${hex2(asc)}, ASCQ=${hex2(ascq)} (hex)`;
  if (ascq >= 0x80) return `ASC=${hex2(asc)}, vendor specific qualification ASCQ=${hex2(ascq)} (hex)`;
  return `ASC=${hex2(asc)}, ASCQ=${hex2(ascq)} (hex)`;
}

/** True when the table knows this ASC with some qualifier (used to tell unknown codes from vendor ones). */
export const isKnownAsc = (asc: number): boolean => KNOWN_ASC.has(asc);
