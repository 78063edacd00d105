/**
 * SPACE(6), REWIND, READ POSITION and LOAD/UNLOAD of the simulated drive (spec scsi.md §7; SSC-4), as a
 * real drive does them where tgt does not (test-environment.md §2): SPACE over blocks stops at a filemark
 * with FILEMARK and the residue in INFORMATION, READ POSITION reports real logical object numbers, UNLOAD
 * makes the drive not ready, LOAD rewinds and raises UNIT ATTENTION 28/00.
 */
import { SPACE_CODE } from '../scsi/cdb.js';
import { encodeReadPositionShort } from '../scsi/replies.js';
import {
  ASC,
  beginningOfPartition,
  CheckCondition,
  endOfData,
  filemarkDetected,
  invalidFieldInCdb,
  notReady,
  unitAttention,
} from './drive-conditions.js';
import { cdbFields, type CommandHandler, type DriveState } from './drive-state.js';
import { cdbFieldPosition } from './field-pointer.js';
import type { TapeImage } from './tape-image.js';

const SPACE_CODE_FIELD = cdbFieldPosition('space6', 'code');
const SERVICE_ACTION = cdbFieldPosition('readPosition', 'serviceAction');
const LOAD_EOT = cdbFieldPosition('loadUnload', 'eot');

/** Spaces over `count` blocks (negative: backwards); stops at a filemark, end of data or BOT. */
function spaceBlocks(s: DriveState, image: TapeImage, count: number): void {
  if (count > 0) {
    for (let done = 0; done < count; done++) {
      const entry = image.entry(s.position);
      if (!entry) throw new CheckCondition(endOfData(count - done));
      s.position++;
      // Forwards, the head ends on the end-of-medium side of the filemark (SSC).
      if (entry.kind === 'filemark') throw new CheckCondition(filemarkDetected(count - done));
    }
    return;
  }
  const wanted = -count;
  for (let done = 0; done < wanted; done++) {
    if (s.position === 0) throw new CheckCondition(beginningOfPartition(wanted - done));
    s.position--;
    if (image.entry(s.position)!.kind === 'filemark') {
      // Backwards, the head stops on the beginning-of-medium side of the filemark (SSC).
      throw new CheckCondition(filemarkDetected(wanted - done));
    }
  }
}

/** Spaces over `count` filemarks (negative: backwards), ending after (forwards) or before (backwards) the last one. */
function spaceFilemarks(s: DriveState, image: TapeImage, count: number): void {
  if (count > 0) {
    for (let done = 0; done < count;) {
      const entry = image.entry(s.position);
      if (!entry) throw new CheckCondition(endOfData(count - done));
      s.position++;
      if (entry.kind === 'filemark') done++;
    }
    return;
  }
  const wanted = -count;
  for (let done = 0; done < wanted;) {
    if (s.position === 0) throw new CheckCondition(beginningOfPartition(wanted - done));
    s.position--;
    if (image.entry(s.position)!.kind === 'filemark') done++;
  }
}

/** SPACE(6): code 0 blocks, 1 filemarks, 3 end of data; other codes are refused (2 is obsolete). */
export const space6: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'space6');
  const image = s.medium();
  image.flush();
  switch (f.code) {
    case SPACE_CODE.BLOCKS:
      spaceBlocks(s, image, f.count);
      break;
    case SPACE_CODE.FILEMARKS:
      spaceFilemarks(s, image, f.count);
      break;
    case SPACE_CODE.END_OF_DATA:
      s.position = image.length;
      break;
    default:
      throw new CheckCondition(invalidFieldInCdb(SPACE_CODE_FIELD));
  }
  return undefined;
};

/** REWIND: the buffer is written out, the head goes to BOT. */
export const rewind: CommandHandler = (s) => {
  s.medium().flush();
  s.position = 0;
  return undefined;
};

/** READ POSITION, short form only (20 bytes, spec §7); other service actions are refused. */
export const readPosition: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'readPosition');
  if (f.serviceAction !== 0) throw new CheckCondition(invalidFieldInCdb(SERVICE_ACTION));
  const image = s.medium();
  return encodeReadPositionShort({
    bop: s.position === 0,
    eop: image.mediumBytesBefore(s.position) > s.earlyWarningBytes(image),
    locu: false,
    bycu: false,
    bpu: false,
    perr: false,
    partitionNumber: 0,
    // Writes go straight to the image, so nothing waits in a buffer: first = last.
    firstLogicalObjectLocation: s.position,
    lastLogicalObjectLocation: s.position,
    numberOfLogicalObjectsInObjectBuffer: 0,
    numberOfBytesInObjectBuffer: 0,
  });
};

/**
 * Threads the cartridge in the drive (or rewinds a threaded one): position BOT, UNIT ATTENTION 28/00
 * for the next command. NOT READY 3A/00 when the drive is empty.
 */
export function loadMedium(s: DriveState): void {
  const injected = s.faults.notReady;
  if (injected) throw new CheckCondition(notReady([injected.asc, injected.ascq]));
  if (!s.image) throw new CheckCondition(notReady(ASC.MEDIUM_NOT_PRESENT));
  s.position = 0;
  if (s.loaded) return;
  s.loaded = true;
  s.raiseUnitAttention(unitAttention(ASC.MEDIUM_MAY_HAVE_CHANGED));
}

/**
 * Unthreads the cartridge: the buffer is written out, the key is cleared if CKOD was set (spec §8), and
 * the drive is not ready (3A/00) until the next LOAD. The cartridge stays in the drive.
 */
export function unloadMedium(s: DriveState): void {
  s.image?.flush();
  s.crypto.demount();
  s.loaded = false;
  s.position = 0;
}

/** LOAD/UNLOAD: LOAD = 1 loads (EOT must be 0), LOAD = 0 unloads. */
export const loadUnload: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'loadUnload');
  if (f.load) {
    if (f.eot) throw new CheckCondition(invalidFieldInCdb(LOAD_EOT));
    loadMedium(s);
    return undefined;
  }
  s.medium();
  unloadMedium(s);
  return undefined;
};
