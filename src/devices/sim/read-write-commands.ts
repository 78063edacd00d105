/**
 * READ(6), WRITE(6) and WRITE FILEMARKS(6) of the simulated drive (spec scsi.md §7, §8; SSC-4), in
 * variable-block mode and in fixed-block mode after MODE SELECT set a block length.
 *
 * READ: a filemark → NO SENSE 00/01 FILEMARK, position after it; end of data → BLANK CHECK 00/05; a
 * block shorter than asked → ILI with INFORMATION = requested − actual (not reported with SILI); longer →
 * ILI with a negative INFORMATION, the data cut, the position after the block. INFORMATION counts bytes
 * in variable mode and blocks not read in fixed mode. An encrypted block is decrypted, returned raw or
 * refused with DATA PROTECT 74/xx per the §8 table; a refused block is not passed (the host may load the
 * key and read it again), an unreadable one (injected or damaged) is.
 * WRITE: the block (encrypted in ENCRYPT mode) becomes the last object on the tape; past the early-warning
 * point the data is written and NO SENSE 00/02 EOM reported, past the physical end nothing is written and
 * VOLUME OVERFLOW 00/02 EOM reported.
 */
import { DeviceError } from '../../errors.js';
import { encodeKads } from '../scsi/pages/kad.js';
import { ENCRYPTION_MODE } from '../scsi/pages/tde-codes.js';
import {
  ASC,
  CheckCondition,
  dataProtect,
  earlyWarning,
  endOfData,
  filemarkDetected,
  incorrectLength,
  securityError,
  invalidFieldInCdb,
  unrecoveredReadError,
  volumeOverflow,
  writeError,
} from './drive-conditions.js';
import { parseRawBlock, rawBlock, SECURITY_ASCQ } from './drive-crypto.js';
import { cdbFields, type CommandHandler, type DriveState } from './drive-state.js';
import { cdbFieldPosition } from './field-pointer.js';
import type { BlockEncryption } from './tape-image-format.js';
import type { TapeImage } from './tape-image.js';

const FIXED = cdbFieldPosition('read6', 'fixed');
const SILI = cdbFieldPosition('read6', 'sili');
const WRITE_TRANSFER_LENGTH = cdbFieldPosition('write6', 'transferLength');
const WSMK = cdbFieldPosition('writeFilemarks6', 'wsmk');

const EMPTY = new Uint8Array(0);

/** Checks the FIXED bit against the block mode (SSC: FIXED = 1 needs fixed-block mode; SILI + FIXED is invalid). */
function checkFixed(s: DriveState, fixed: boolean, sili = false): void {
  if (fixed && sili) throw new CheckCondition(invalidFieldInCdb(SILI));
  if (fixed && s.blockLength === 0) throw new CheckCondition(invalidFieldInCdb(FIXED));
}

/** The bytes a READ returns for block `i`, or CHECK CONDITION (with `partial`, the data read before it). */
function readBlock(
  s: DriveState,
  image: TapeImage,
  i: number,
  residue: number,
  partial: Uint8Array,
): Uint8Array {
  const entry = image.entry(i)!;
  if (s.faults.takeReadError(i)) {
    s.position = i + 1;
    throw new CheckCondition(unrecoveredReadError(residue), partial);
  }
  const plan = s.crypto.planRead(entry);
  if (plan.kind === 'refused') throw new CheckCondition(securityError(plan.ascq), partial);
  const payload = image.readPayload(i);
  if (!payload) {
    s.position = i + 1;
    throw new CheckCondition(unrecoveredReadError(residue), partial);
  }
  if (plan.kind === 'plain') return payload;
  if (plan.kind === 'raw') return rawBlock(payload, entry.encryption!);
  const plain = s.crypto.decrypt(payload, entry.encryption!);
  if (!plain) throw new CheckCondition(securityError(SECURITY_ASCQ.INTEGRITY_FAILED), partial);
  return plain;
}

/**
 * What a READ meets at the position before any data: end of data or a filemark end the command
 * (a filemark is passed); a block is returned as its index.
 */
function nextBlock(s: DriveState, image: TapeImage, residue: number, partial: Uint8Array): number {
  const entry = image.entry(s.position);
  if (!entry) throw new CheckCondition(endOfData(residue), partial);
  if (entry.kind === 'filemark') {
    s.position++;
    throw new CheckCondition(filemarkDetected(residue), partial);
  }
  return s.position;
}

/** READ(6). */
export const read6: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'read6');
  checkFixed(s, f.fixed, f.sili);
  const image = s.medium();
  const requested = f.transferLength;
  if (requested === 0) return EMPTY;
  image.flush(); // a READ after WRITEs empties the buffer first
  if (!f.fixed) {
    const i = nextBlock(s, image, requested, EMPTY);
    const data = readBlock(s, image, i, requested, EMPTY);
    s.position = i + 1;
    if (data.length === requested) return data;
    if (data.length < requested && f.sili) return data;
    throw new CheckCondition(incorrectLength(requested - data.length), data.subarray(0, requested));
  }
  const size = s.blockLength;
  const out = Buffer.allocUnsafe(requested * size);
  for (let n = 0; n < requested; n++) {
    const done = out.subarray(0, n * size);
    const i = nextBlock(s, image, requested - n, done);
    const data = readBlock(s, image, i, requested - n, done);
    s.position = i + 1;
    if (data.length !== size) throw new CheckCondition(incorrectLength(requested - n), done);
    out.set(data, n * size);
  }
  return out;
};

/** The payload, encryption and KADs a block is stored with under the current encryption mode. */
function prepareBlock(
  s: DriveState,
  data: Uint8Array,
  residue: number,
): { payload: Uint8Array; encryption: BlockEncryption | undefined; kad: Uint8Array } {
  const p = s.crypto.parameters;
  switch (p.encryptionMode) {
    case ENCRYPTION_MODE.ENCRYPT: {
      const { ciphertext, encryption } = s.crypto.encrypt(data);
      return { payload: ciphertext, encryption, kad: encodeKads(p.kads) };
    }
    case ENCRYPTION_MODE.EXTERNAL: {
      const raw = parseRawBlock(data, p.rdmc === 3);
      if (!raw)
        throw new CheckCondition({
          ...securityError(SECURITY_ASCQ.INCORRECT_PARAMETERS),
          information: residue,
        });
      return { payload: raw.ciphertext, encryption: raw.encryption, kad: encodeKads(p.kads) };
    }
    default:
      return { payload: data, encryption: undefined, kad: EMPTY };
  }
}

/** Records one block at the position, or CHECK CONDITION with `residue` (nothing recorded). */
function writeBlock(s: DriveState, image: TapeImage, data: Uint8Array, residue: number): void {
  const at = s.position;
  if (s.faults.takeWriteError(at)) throw new CheckCondition(writeError(residue));
  const block = prepareBlock(s, data, residue);
  if (image.mediumBytesBefore(at) + block.payload.length > s.endOfPartitionBytes(image))
    throw new CheckCondition(volumeOverflow(residue));
  image.write(at, { kind: 'block', ...block });
  s.position = at + 1;
}

/** Refuses writes to a protected cartridge (DATA PROTECT 27/00) and, with library-managed encryption, all writes. */
function checkWritable(s: DriveState, image: TapeImage): void {
  if (s.writeProtected(image)) throw new CheckCondition(dataProtect(ASC.WRITE_PROTECTED));
  if (s.options.libraryManagedEncryption) throw new CheckCondition(dataProtect(ASC.IBM_KEY_REQUIRED));
}

/** Early warning after a write that ended past the early-warning point (spec §7). */
function reportEarlyWarning(s: DriveState, image: TapeImage): undefined {
  if (image.mediumBytesBefore(s.position) > s.earlyWarningBytes(image))
    throw new CheckCondition(earlyWarning());
  return undefined;
}

/** WRITE(6). */
export const write6: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'write6');
  checkFixed(s, f.fixed);
  const image = s.medium();
  const count = f.transferLength;
  const bytes = f.fixed ? count * s.blockLength : count;
  if (request.dataOut.length !== bytes)
    throw new DeviceError(
      'SDP_SCSI_COMMAND',
      `WRITE(6) announces ${bytes} bytes but ${request.dataOut.length} were sent`,
      {
        transferLength: count,
      },
    );
  if (count === 0) return undefined;
  if (!f.fixed && bytes > s.personality.maxBlockBytes)
    throw new CheckCondition(invalidFieldInCdb(WRITE_TRANSFER_LENGTH));
  checkWritable(s, image);
  if (!f.fixed) writeBlock(s, image, request.dataOut, count);
  else
    for (let n = 0; n < count; n++)
      writeBlock(s, image, request.dataOut.subarray(n * s.blockLength, (n + 1) * s.blockLength), count - n);
  return reportEarlyWarning(s, image);
};

/** WRITE FILEMARKS(6); a count of 0 only empties the buffer. Without IMMED the image is flushed. */
export const writeFilemarks6: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'writeFilemarks6');
  if (f.wsmk) throw new CheckCondition(invalidFieldInCdb(WSMK));
  const image = s.medium();
  const count = f.transferLength;
  if (count > 0) {
    checkWritable(s, image);
    for (let n = 0; n < count; n++) {
      const at = s.position;
      if (s.faults.takeWriteError(at)) throw new CheckCondition(writeError(count - n));
      image.write(at, { kind: 'filemark' });
      s.position = at + 1;
    }
  }
  if (!f.immed) image.flush();
  return count > 0 ? reportEarlyWarning(s, image) : undefined;
};
