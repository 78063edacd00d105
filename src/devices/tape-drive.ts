/**
 * SSC tape operations over any {@link ScsiTransport}: what the tape device needs from a drive, whatever
 * reaches it (SG_IO, iSCSI, the simulated drive). Variable-block mode throughout (spec scsi.md §7):
 * one READ(6)/WRITE(6) is one tape block. Sense data becomes outcomes (filemark, end of data, early
 * warning) or typed ScsiErrors naming the drive and the command.
 */
import { DeviceError, type Where } from '../errors.js';
import {
  loadUnload,
  modeSelect6,
  read6,
  readPosition,
  rewind,
  space6,
  SPACE_CODE,
  testUnitReady,
  write6,
  writeFilemarks6,
} from './scsi/cdb.js';
import { decodeReadPositionShort, encodeModeParameters6 } from './scsi/replies.js';
import { decodeSense } from './scsi/sense.js';
import { classifyReadSense, senseToError } from './scsi/sense-conditions.js';
import { SCSI_STATUS, type ScsiCommand, type ScsiResult, type ScsiTransport } from './scsi/transport.js';

/** Largest block sdpipe reads or writes: Bareos' maximum block size (1 MiB) with room for padding. */
export const MAX_TAPE_BLOCK_BYTES = 2 * 1024 * 1024;
/** READ POSITION short form reply length. */
const READ_POSITION_SHORT_BYTES = 20;
/** Tape operations may take minutes (rewind of a full cartridge). */
const TAPE_TIMEOUT_MS = 15 * 60 * 1000;

/** One read: a block's bytes, a filemark, or end of data. */
export type TapeRead =
  | { readonly kind: 'block'; readonly bytes: Uint8Array }
  | { readonly kind: 'filemark' }
  | { readonly kind: 'eod' };

/** A tape drive driven with SSC commands. */
export class TapeDrive {
  /** Set once a write reported early warning (EOM): the volume should be closed soon. */
  earlyWarning = false;

  constructor(readonly transport: ScsiTransport) {}

  /** The drive spec (device path, iSCSI URL or `sim:<image>`). */
  get name(): string {
    return this.transport.name;
  }

  private run(cmd: ScsiCommand): Promise<ScsiResult> {
    return this.transport.execute({ timeoutMs: TAPE_TIMEOUT_MS, ...cmd });
  }

  /**
   * Runs a command that must end GOOD; CHECK CONDITION becomes its ScsiError (context: the drive, the
   * command name `what`, and `where`). Drive operations outside SSC I/O (drive-operations.ts) use it too.
   */
  async must(cmd: ScsiCommand, what: string, where: Where = {}): Promise<ScsiResult> {
    const r = await this.run(cmd);
    if (r.status === SCSI_STATUS.GOOD) return r;
    const context = { file: this.name, command: what, ...where };
    if (r.status === SCSI_STATUS.CHECK_CONDITION && r.sense.length > 0) {
      throw senseToError(decodeSense(r.sense, context), context);
    }
    throw new DeviceError(
      'SDP_DEVICE_IO',
      `${what} ended with SCSI status 0x${r.status.toString(16)}`,
      context,
    );
  }

  /** TEST UNIT READY: resolves when the drive is ready. */
  async testUnitReady(): Promise<void> {
    await this.must({ cdb: testUnitReady(), direction: 'none' }, 'TEST UNIT READY');
  }

  /** LOAD: threads the cartridge. */
  async load(): Promise<void> {
    await this.must({ cdb: loadUnload({ load: true }), direction: 'none' }, 'LOAD');
  }

  /** UNLOAD: unthreads the cartridge. */
  async unload(): Promise<void> {
    await this.must({ cdb: loadUnload({ load: false }), direction: 'none' }, 'UNLOAD');
  }

  /** REWIND to the beginning of the partition. */
  async rewind(): Promise<void> {
    await this.must({ cdb: rewind(), direction: 'none' }, 'REWIND');
  }

  /** Variable-block mode: a block descriptor with block length 0 (scsi.md §7, MODE SELECT). */
  async setVariableBlockMode(): Promise<void> {
    const data = encodeModeParameters6({
      modeDataLength: 0,
      mediumType: 0,
      wp: false,
      bufferedMode: 1,
      speed: 0,
      blockDescriptors: [{ densityCode: 0, numberOfBlocks: 0, blockLength: 0 }],
      pages: new Uint8Array(0),
    });
    await this.must(
      { cdb: modeSelect6({ pf: true, parameterListLength: data.length }), direction: 'out', dataOut: data },
      'MODE SELECT',
    );
  }

  /**
   * Reads the next block (variable mode, SILI so a short block is not an error). A block longer than
   * `maxBytes` is an error: its tail would be lost.
   */
  async readBlock(maxBytes = MAX_TAPE_BLOCK_BYTES): Promise<TapeRead> {
    const r = await this.run({
      cdb: read6({ sili: true, fixed: false, transferLength: maxBytes }),
      direction: 'in',
      allocationLength: maxBytes,
    });
    if (r.status === SCSI_STATUS.GOOD) return { kind: 'block', bytes: r.dataIn };
    const where = { file: this.name, command: 'READ(6)' };
    if (r.status !== SCSI_STATUS.CHECK_CONDITION || r.sense.length === 0) {
      throw new DeviceError(
        'SDP_DEVICE_IO',
        `READ(6) ended with SCSI status 0x${r.status.toString(16)}`,
        where,
      );
    }
    const outcome = classifyReadSense(decodeSense(r.sense, where), where);
    switch (outcome.kind) {
      case 'filemark':
        return { kind: 'filemark' };
      case 'endOfData':
        return { kind: 'eod' };
      case 'incorrectLength': {
        // INFORMATION = requested − actual: positive for a short block (its bytes are in dataIn); negative
        // when the block was longer than asked for, which loses data.
        const residue = outcome.residue ?? maxBytes - r.dataIn.length;
        if (residue < 0) {
          throw new DeviceError('SDP_DEVICE_IO', `tape block longer than ${maxBytes} bytes`, {
            ...where,
            overrun: -residue,
          });
        }
        return { kind: 'block', bytes: r.dataIn.subarray(0, maxBytes - residue) };
      }
      case 'endOfMedium':
      case 'recovered':
        return { kind: 'block', bytes: r.dataIn };
      case 'error':
        throw outcome.error;
    }
  }

  /** Writes one block. Early warning (EOM with NO SENSE) is remembered, not an error. */
  async writeBlock(data: Uint8Array): Promise<void> {
    const r = await this.run({
      cdb: write6({ fixed: false, transferLength: data.length }),
      direction: 'out',
      dataOut: data,
    });
    if (r.status === SCSI_STATUS.GOOD) return;
    const where = { file: this.name, command: 'WRITE(6)' };
    if (r.status === SCSI_STATUS.CHECK_CONDITION && r.sense.length > 0) {
      const sense = decodeSense(r.sense, where);
      if (sense.senseKey === 0 && sense.eom) {
        this.earlyWarning = true;
        return;
      }
      throw senseToError(sense, where);
    }
    throw new DeviceError(
      'SDP_DEVICE_IO',
      `WRITE(6) ended with SCSI status 0x${r.status.toString(16)}`,
      where,
    );
  }

  /** Writes `count` filemarks (0 flushes the buffer only). */
  async writeFilemarks(count = 1): Promise<void> {
    await this.must(
      { cdb: writeFilemarks6({ transferLength: count }), direction: 'none' },
      'WRITE FILEMARKS',
    );
  }

  /** Spaces over `count` filemarks (negative: backwards). */
  async spaceFilemarks(count: number): Promise<void> {
    await this.must({ cdb: space6({ code: SPACE_CODE.FILEMARKS, count }), direction: 'none' }, 'SPACE');
  }

  /** Spaces over `count` blocks (negative: backwards). */
  async spaceBlocks(count: number): Promise<void> {
    await this.must({ cdb: space6({ code: SPACE_CODE.BLOCKS, count }), direction: 'none' }, 'SPACE');
  }

  /** Spaces to end of data (where the next write appends). */
  async spaceToEndOfData(): Promise<void> {
    await this.must({ cdb: space6({ code: SPACE_CODE.END_OF_DATA, count: 0 }), direction: 'none' }, 'SPACE');
  }

  /** The logical block number of the next block (short-form READ POSITION). */
  async position(): Promise<number> {
    const r = await this.must(
      { cdb: readPosition(), direction: 'in', allocationLength: READ_POSITION_SHORT_BYTES },
      'READ POSITION',
    );
    return decodeReadPositionShort(r.dataIn, { file: this.name }).firstLogicalObjectLocation;
  }

  /** Closes the transport. */
  close(): Promise<void> {
    return this.transport.close();
  }
}
