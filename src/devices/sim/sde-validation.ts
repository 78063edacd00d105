/**
 * How the simulated drive checks a Set Data Encryption page (spec scsi.md §2, §8 "Set Data Encryption
 * validation"): every problem is ILLEGAL REQUEST 26/00 with SKSV, C/D = 0, BPV and the field pointer at
 * the first bad byte (the stenc PR #28 shape: ALGORITHM INDEX 0 → byte 8, bit 7). A parameter list
 * shorter than the page's fixed part is 1A/00 PARAMETER LIST LENGTH ERROR.
 *
 * Refused: page code ≠ 0x0010 (byte 0); PAGE LENGTH < 16 or past the data (2); reserved bits (byte 4
 * bits 4-1, bytes 11-17); SCOPE > 2; RDMC 1 (reserved); SDK, CKORP, CKORL (not supported: MSDK count 0,
 * no reservations; page 0x0012 reports them so); ENCRYPTION MODE > 2; DECRYPTION MODE > 3; ALGORITHM
 * INDEX ≠ 1; KEY FORMAT ≠ 0; KAD FORMAT > 2, or ≠ 0 with the SSC-3 layout; KEY LENGTH ≠ 32 when a mode
 * needs the key (a key sent with DISABLE/EXTERNAL + DISABLE/RAW is ignored, so Bareos' CLEAR page is
 * accepted); a KAD descriptor of a type other than U-KAD/A-KAD or given twice (its type byte), with
 * byte 1 ≠ 0 (reserved in SPOUT, stenc #11), or longer than 32 (U-KAD) / 12 (A-KAD) bytes (its length).
 */
import { SdpipeError } from '../../errors.js';
import { KAD_HEADER, KAD_TYPE } from '../scsi/pages/kad.js';
import { firstReservedBit } from '../scsi/pages/page-common.js';
import {
  decodeSetDataEncryption,
  SDE_KEY_BYTES,
  SET_DATA_ENCRYPTION_FIXED,
} from '../scsi/pages/spout-sde.js';
import { DECRYPTION_MODE, ENCRYPTION_MODE, KAD_FORMAT, KEY_FORMAT, SCOPE } from '../scsi/pages/tde-codes.js';
import { ASC, CheckCondition, illegalRequest, invalidFieldInParameterList } from './drive-conditions.js';
import { AES256_GCM_ALGORITHM_INDEX, needsKey, type EncryptionParameters } from './drive-crypto.js';
import { fieldPosition, type FieldPosition } from './field-pointer.js';

/** Longest U-KAD and A-KAD an LTO drive takes (spec §8, mhVTL limits; reported in page 0x0010). */
export const MAX_UKAD_BYTES = 32;
export const MAX_AKAD_BYTES = 12;
/** RDMC value 1 is reserved (spec §2). */
const RDMC_RESERVED = 1;

/** An accepted page: the parameters to apply and the key (a copy the caller zeroes after use). */
export interface AcceptedSde {
  readonly parameters: EncryptionParameters;
  readonly key: Uint8Array;
}

const byOrder = (a: FieldPosition, b: FieldPosition) => a.byte - b.byte || b.bit - a.bit;
const at = (name: string) => fieldPosition(SET_DATA_ENCRYPTION_FIXED, name);

/** Checks a Set Data Encryption page; returns what to apply, or throws {@link CheckCondition}. */
export function validateSetDataEncryption(data: Uint8Array, ssc3Layout: boolean): AcceptedSde {
  let page: ReturnType<typeof decodeSetDataEncryption>;
  try {
    page = decodeSetDataEncryption(data);
  } catch (e) {
    if (!(e instanceof SdpipeError)) throw e;
    const offset = e.context.offset;
    if (typeof offset === 'number')
      throw new CheckCondition(invalidFieldInParameterList({ byte: offset, bit: 7 }));
    throw new CheckCondition(illegalRequest(ASC.PARAMETER_LIST_LENGTH_ERROR));
  }
  const problems: FieldPosition[] = [];
  const reservedBit = firstReservedBit(SET_DATA_ENCRYPTION_FIXED, data);
  if (reservedBit) problems.push(reservedBit);
  if (page.scope > SCOPE.ALL_I_T_NEXUS) problems.push(at('scope'));
  if (page.rdmc === RDMC_RESERVED) problems.push(at('rdmc'));
  if (page.sdk) problems.push(at('sdk'));
  if (page.ckorp) problems.push(at('ckorp'));
  if (page.ckorl) problems.push(at('ckorl'));
  if (page.encryptionMode > ENCRYPTION_MODE.ENCRYPT) problems.push(at('encryptionMode'));
  if (page.decryptionMode > DECRYPTION_MODE.MIXED) problems.push(at('decryptionMode'));
  if (page.algorithmIndex !== AES256_GCM_ALGORITHM_INDEX) problems.push(at('algorithmIndex'));
  if (page.keyFormat !== KEY_FORMAT.PLAIN) problems.push(at('keyFormat'));
  if (page.kadFormat > KAD_FORMAT.ASCII_KEY_NAME || (ssc3Layout && page.kadFormat !== 0))
    problems.push(at('kadFormat'));
  const keyNeeded = needsKey(page);
  if (keyNeeded && page.key.length !== SDE_KEY_BYTES) problems.push(at('keyLength'));
  problems.push(...kadProblems(data, page.kads, SET_DATA_ENCRYPTION_FIXED.size! + page.key.length));
  const first = problems.sort(byOrder)[0];
  if (first) {
    page.key.fill(0);
    throw new CheckCondition(invalidFieldInParameterList(first));
  }
  const { key, kads, scope, lock, ceem, rdmc, ckod, ckorp, ckorl, encryptionMode, decryptionMode } = page;
  return {
    parameters: {
      scope,
      lock,
      ceem,
      rdmc,
      ckod,
      ckorp,
      ckorl,
      encryptionMode,
      decryptionMode,
      algorithmIndex: page.algorithmIndex,
      kadFormat: page.kadFormat,
      kads,
    },
    key: keyNeeded ? key : (key.fill(0), new Uint8Array(0)),
  };
}

/** Problems of the KAD descriptors that start at page offset `from`. */
function kadProblems(
  data: Uint8Array,
  kads: ReturnType<typeof decodeSetDataEncryption>['kads'],
  from: number,
): FieldPosition[] {
  const out: FieldPosition[] = [];
  const seen = new Set<number>();
  const type = fieldPosition(KAD_HEADER, 'keyDescriptorType');
  const byte1 = fieldPosition(KAD_HEADER, 'authenticated').byte;
  const length = fieldPosition(KAD_HEADER, 'keyDescriptorLength');
  let p = from;
  for (const k of kads) {
    const shift = (f: FieldPosition) => ({ byte: p + f.byte, bit: f.bit });
    const limit =
      k.keyDescriptorType === KAD_TYPE.U_KAD
        ? MAX_UKAD_BYTES
        : k.keyDescriptorType === KAD_TYPE.A_KAD
          ? MAX_AKAD_BYTES
          : -1;
    if (limit < 0 || seen.has(k.keyDescriptorType)) out.push(shift(type));
    seen.add(k.keyDescriptorType);
    // Byte 1 is reserved in SPOUT (the drive fills AUTHENTICATED in SPIN): point at its highest set bit.
    const byte1Value = data[p + byte1]!;
    if (byte1Value !== 0) out.push({ byte: p + byte1, bit: 31 - Math.clz32(byte1Value) });
    if (limit >= 0 && k.keyDescriptor.length > limit) out.push(shift(length));
    p += KAD_HEADER.size! + k.keyDescriptor.length;
  }
  return out;
}
