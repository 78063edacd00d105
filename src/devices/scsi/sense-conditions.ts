/**
 * What decoded sense data means for the caller: a typed {@link ScsiError} with a code per condition, and
 * for tape reads the SSC outcomes that are not errors at all (filemark, end of data, short or long block,
 * early warning) — spec scsi.md §4, §7 and test-environment.md §2 (tgt's variants).
 */
import type { ErrorCode, Where } from '../../errors.js';
import { describeAsc, SENSE_KEY } from './asc-names.js';
import { ScsiError } from './scsi-error.js';
import type { Sense } from './sense.js';

/** ASC of every data encryption condition (74h, spec §4). */
export const ASC_SECURITY = 0x74;

const CODE_BY_KEY: ReadonlyMap<number, ErrorCode> = new Map<number, ErrorCode>([
  [SENSE_KEY.NOT_READY, 'SDP_SCSI_NOT_READY'],
  [SENSE_KEY.MEDIUM_ERROR, 'SDP_SCSI_MEDIUM_ERROR'],
  [SENSE_KEY.HARDWARE_ERROR, 'SDP_SCSI_HARDWARE_ERROR'],
  [SENSE_KEY.ILLEGAL_REQUEST, 'SDP_SCSI_ILLEGAL_REQUEST'],
  [SENSE_KEY.UNIT_ATTENTION, 'SDP_SCSI_UNIT_ATTENTION'],
  [SENSE_KEY.DATA_PROTECT, 'SDP_SCSI_DATA_PROTECT'],
  [SENSE_KEY.BLANK_CHECK, 'SDP_SCSI_BLANK_CHECK'],
  [SENSE_KEY.ABORTED_COMMAND, 'SDP_SCSI_ABORTED_COMMAND'],
  [SENSE_KEY.VOLUME_OVERFLOW, 'SDP_SCSI_VOLUME_OVERFLOW'],
]);

/**
 * The error code for a condition: SDP_SCSI_ENCRYPTION for ASC 74h (whatever the key), else one code per
 * sense key (NOT READY, MEDIUM ERROR, …), else SDP_SCSI_CHECK.
 */
export function senseErrorCode(sense: Pick<Sense, 'senseKey' | 'asc'>): ErrorCode {
  if (sense.asc === ASC_SECURITY) return 'SDP_SCSI_ENCRYPTION';
  return CODE_BY_KEY.get(sense.senseKey) ?? 'SDP_SCSI_CHECK';
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/**
 * A typed ScsiError for sense data. The message names the sense key and ASC/ASCQ (`ILLEGAL REQUEST:
 * Invalid field in parameter list (26h/00h), parameter data byte 8 bit 7`); the context carries `where`
 * plus senseKey, asc, ascq and, when present, information, fieldPointer, bitPointer and cd.
 */
export function senseToError(sense: Sense, where: Where = {}): ScsiError {
  const text = describeAsc(sense.asc, sense.ascq).replace(/^Additional sense: /, '');
  let pointer = '';
  if (sense.fieldPointer !== undefined) {
    const bit = sense.bpv ? ` bit ${sense.bitPointer ?? 0}` : '';
    pointer = `, ${sense.cd ? 'CDB' : 'parameter data'} byte ${sense.fieldPointer}${bit}`;
  }
  const context: Where = { ...where };
  if (sense.valid) context.information = sense.information;
  if (sense.fieldPointer !== undefined) {
    context.fieldPointer = sense.fieldPointer;
    context.cd = sense.cd ?? false;
    if (sense.bpv) context.bitPointer = sense.bitPointer ?? 0;
  }
  if (sense.deferred) context.deferred = true;
  return new ScsiError(
    senseErrorCode(sense),
    `${sense.senseKeyName}: ${text} (${hex2(sense.asc)}h/${hex2(sense.ascq)}h)${pointer}`,
    sense.senseKey,
    sense.asc,
    sense.ascq,
    context,
  );
}

/**
 * What a READ(6) that ended in CHECK CONDITION means (SSC, spec §7):
 * - `filemark`: a filemark was read; the position is after it. `residue` = INFORMATION (requested − read,
 *   in blocks in fixed mode, bytes in variable mode) when VALID.
 * - `endOfData`: BLANK CHECK 00/05 (real drives) or BLANK CHECK 00/00 with EOM (tgt).
 * - `incorrectLength`: ILI; `residue` = requested − actual block length: positive = the block was shorter
 *   (all of it was read), negative = it was longer (the rest is lost, the position is after it).
 * - `endOfMedium`: EOM with NO SENSE/RECOVERED ERROR (00/02): the data came, the end of medium is near.
 * - `recovered`: RECOVERED ERROR (or NO SENSE with nothing flagged): the data came.
 * - `error`: anything else, as a ScsiError.
 * `eom` tells whether the EOM bit was also set.
 */
export type ReadSenseOutcome =
  | { readonly kind: 'filemark'; readonly residue: number | undefined; readonly eom: boolean }
  | { readonly kind: 'endOfData'; readonly eom: boolean }
  | { readonly kind: 'incorrectLength'; readonly residue: number | undefined; readonly eom: boolean }
  | { readonly kind: 'endOfMedium'; readonly residue: number | undefined }
  | { readonly kind: 'recovered'; readonly eom: boolean }
  | { readonly kind: 'error'; readonly error: ScsiError };

const FILEMARK_DETECTED = [0x00, 0x01] as const;
const END_OF_PARTITION = [0x00, 0x02] as const;
const END_OF_DATA = [0x00, 0x05] as const;
const is = (s: Sense, [asc, ascq]: readonly [number, number]) => s.asc === asc && s.ascq === ascq;

/** Classifies the sense data of a tape READ; see {@link ReadSenseOutcome}. */
export function classifyReadSense(sense: Sense, where: Where = {}): ReadSenseOutcome {
  const residue = sense.valid ? sense.information : undefined;
  const { eom } = sense;
  if (sense.senseKey === SENSE_KEY.BLANK_CHECK) {
    if (is(sense, END_OF_DATA) || (eom && sense.asc === 0 && sense.ascq === 0))
      return { kind: 'endOfData', eom };
    return { kind: 'error', error: senseToError(sense, where) };
  }
  if (sense.senseKey !== SENSE_KEY.NO_SENSE && sense.senseKey !== SENSE_KEY.RECOVERED_ERROR)
    return { kind: 'error', error: senseToError(sense, where) };
  if (sense.filemark || is(sense, FILEMARK_DETECTED)) return { kind: 'filemark', residue, eom };
  if (sense.ili) return { kind: 'incorrectLength', residue, eom };
  if (eom || is(sense, END_OF_PARTITION)) return { kind: 'endOfMedium', residue };
  if (sense.senseKey === SENSE_KEY.NO_SENSE && is(sense, END_OF_DATA)) return { kind: 'endOfData', eom };
  return { kind: 'recovered', eom };
}
