/**
 * The conditions the simulated drive reports, as {@link SenseInit} values (spec scsi.md §4, §7, §8;
 * sense keys from asc-names.ts). The drive adds the personality's length and vendor bytes when it sends
 * them (lto-drive.ts). A handler ends a command early by throwing {@link CheckCondition}.
 */
import { SENSE_KEY } from '../scsi/asc-names.js';
import { ASC_SECURITY } from '../scsi/sense-conditions.js';
import type { SenseInit } from '../scsi/sense.js';
import type { FieldPosition } from './field-pointer.js';

/** ASC/ASCQ pairs the drive uses (names: sg3_utils, spec §4). */
export const ASC = {
  NO_ADDITIONAL_SENSE: [0x00, 0x00],
  FILEMARK_DETECTED: [0x00, 0x01],
  END_OF_PARTITION_MEDIUM_DETECTED: [0x00, 0x02],
  BEGINNING_OF_PARTITION_MEDIUM_DETECTED: [0x00, 0x04],
  END_OF_DATA_DETECTED: [0x00, 0x05],
  NOT_READY_BECOMING_READY: [0x04, 0x01],
  WRITE_ERROR: [0x0c, 0x00],
  UNRECOVERED_READ_ERROR: [0x11, 0x00],
  PARAMETER_LIST_LENGTH_ERROR: [0x1a, 0x00],
  INVALID_COMMAND_OPERATION_CODE: [0x20, 0x00],
  INVALID_FIELD_IN_CDB: [0x24, 0x00],
  INVALID_FIELD_IN_PARAMETER_LIST: [0x26, 0x00],
  WRITE_PROTECTED: [0x27, 0x00],
  MEDIUM_MAY_HAVE_CHANGED: [0x28, 0x00],
  POWER_ON_RESET: [0x29, 0x00],
  PARAMETERS_CHANGED_BY_ANOTHER_NEXUS: [0x2a, 0x11],
  PARAMETERS_CHANGED_BY_VENDOR_EVENT: [0x2a, 0x12],
  KEY_INSTANCE_COUNTER_CHANGED: [0x2a, 0x13],
  SAVING_PARAMETERS_NOT_SUPPORTED: [0x39, 0x00],
  MEDIUM_NOT_PRESENT: [0x3a, 0x00],
  /** IBM vendor code "Key required" (library-managed encryption, spec §4 IBM table). */
  IBM_KEY_REQUIRED: [0xef, 0x10],
} as const satisfies Record<string, readonly [number, number]>;

type AscPair = readonly [number, number];
const at = ([asc, ascq]: AscPair) => ({ asc, ascq });

/** A command ended in CHECK CONDITION with `sense` (and, for reads, the data moved before it). */
export class CheckCondition extends Error {
  constructor(
    readonly sense: SenseInit,
    readonly data?: Uint8Array,
  ) {
    super('CHECK CONDITION');
  }
}

/** ILLEGAL REQUEST 24/00 INVALID FIELD IN CDB, SKSV, C/D = 1, BPV, pointing at the field. */
export const invalidFieldInCdb = (field: FieldPosition): SenseInit => ({
  senseKey: SENSE_KEY.ILLEGAL_REQUEST,
  ...at(ASC.INVALID_FIELD_IN_CDB),
  cd: true,
  bpv: true,
  bitPointer: field.bit,
  fieldPointer: field.byte,
});

/**
 * ILLEGAL REQUEST 26/00 INVALID FIELD IN PARAMETER LIST, SKSV, C/D = 0, BPV, pointing at the field
 * (the stenc PR #28 shape, spec §8).
 */
export const invalidFieldInParameterList = (field: FieldPosition): SenseInit => ({
  senseKey: SENSE_KEY.ILLEGAL_REQUEST,
  ...at(ASC.INVALID_FIELD_IN_PARAMETER_LIST),
  cd: false,
  bpv: true,
  bitPointer: field.bit,
  fieldPointer: field.byte,
});

/** ILLEGAL REQUEST with an ASC/ASCQ and no pointer. */
export const illegalRequest = (pair: AscPair): SenseInit => ({
  senseKey: SENSE_KEY.ILLEGAL_REQUEST,
  ...at(pair),
});

/** NOT READY with an ASC/ASCQ (default 3A/00 MEDIUM NOT PRESENT). */
export const notReady = (pair: AscPair = ASC.MEDIUM_NOT_PRESENT): SenseInit => ({
  senseKey: SENSE_KEY.NOT_READY,
  ...at(pair),
});

/** UNIT ATTENTION with an ASC/ASCQ. */
export const unitAttention = (pair: AscPair): SenseInit => ({
  senseKey: SENSE_KEY.UNIT_ATTENTION,
  ...at(pair),
});

/** DATA PROTECT with an ASC/ASCQ (27/00 write protected, 2A/13, EF/10; spec §4, §8). */
export const dataProtect = ([asc, ascq]: AscPair): SenseInit => ({
  senseKey: SENSE_KEY.DATA_PROTECT,
  asc,
  ascq,
});

/** DATA PROTECT 74h/`ascq`: a data encryption condition (spec §4, §8; ASCQ values in drive-crypto.ts). */
export const securityError = (ascq: number): SenseInit => dataProtect([ASC_SECURITY, ascq]);

/** READ at a filemark: NO SENSE 00/01, FILEMARK, VALID, INFORMATION = residue (spec §7). */
export const filemarkDetected = (residue: number): SenseInit => ({
  senseKey: SENSE_KEY.NO_SENSE,
  ...at(ASC.FILEMARK_DETECTED),
  filemark: true,
  information: residue,
});

/** End of data: BLANK CHECK 00/05, VALID, INFORMATION = residue (real drives; tgt gives 00/00 + EOM). */
export const endOfData = (residue: number): SenseInit => ({
  senseKey: SENSE_KEY.BLANK_CHECK,
  ...at(ASC.END_OF_DATA_DETECTED),
  information: residue,
});

/** Incorrect length: NO SENSE 00/00, ILI, VALID, INFORMATION = requested − actual (spec §7). */
export const incorrectLength = (residue: number): SenseInit => ({
  senseKey: SENSE_KEY.NO_SENSE,
  ...at(ASC.NO_ADDITIONAL_SENSE),
  ili: true,
  information: residue,
});

/** Beginning of partition met while spacing backwards: NO SENSE 00/04, EOM, VALID, residue. */
export const beginningOfPartition = (residue: number): SenseInit => ({
  senseKey: SENSE_KEY.NO_SENSE,
  ...at(ASC.BEGINNING_OF_PARTITION_MEDIUM_DETECTED),
  eom: true,
  information: residue,
});

/** Early warning on write: the data was written; NO SENSE 00/02, EOM, VALID, INFORMATION 0 (spec §7). */
export const earlyWarning = (): SenseInit => ({
  senseKey: SENSE_KEY.NO_SENSE,
  ...at(ASC.END_OF_PARTITION_MEDIUM_DETECTED),
  eom: true,
  information: 0,
});

/** Past the physical end: VOLUME OVERFLOW 00/02, EOM, VALID, INFORMATION = what was not written (§7). */
export const volumeOverflow = (residue: number): SenseInit => ({
  senseKey: SENSE_KEY.VOLUME_OVERFLOW,
  ...at(ASC.END_OF_PARTITION_MEDIUM_DETECTED),
  eom: true,
  information: residue,
});

/** MEDIUM ERROR 0C/00 write error, VALID, INFORMATION = what was not written. */
export const writeError = (residue: number): SenseInit => ({
  senseKey: SENSE_KEY.MEDIUM_ERROR,
  ...at(ASC.WRITE_ERROR),
  information: residue,
});

/** MEDIUM ERROR 11/00 unrecovered read error, VALID, INFORMATION = residue. */
export const unrecoveredReadError = (residue: number): SenseInit => ({
  senseKey: SENSE_KEY.MEDIUM_ERROR,
  ...at(ASC.UNRECOVERED_READ_ERROR),
  information: residue,
});

/** NO SENSE 00/00: what REQUEST SENSE returns when nothing is pending. */
export const noSense = (): SenseInit => ({ senseKey: SENSE_KEY.NO_SENSE, ...at(ASC.NO_ADDITIONAL_SENSE) });
