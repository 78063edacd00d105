/**
 * The simulated LTO drive: one command in, status + sense + data out, following SSC where tgt deviates
 * (spec scsi.md §7, §8; test-environment.md §2, §6.3). Commands are found in one table keyed by the CDB
 * registry of cdb.ts (every CDB sdpipe builds has a handler, checked by the compiler); the handlers live
 * in read-write-commands.ts, positioning-commands.ts, status-commands.ts and security-commands.ts.
 *
 * Around every command: an unknown operation code is ILLEGAL REQUEST 20/00, a set reserved CDB bit 24/00
 * with its pointer; a pending UNIT ATTENTION is reported first (except to INQUIRY and REQUEST SENSE, SPC-4)
 * and cleared; an injected sense is reported next; the data-in is cut to the allocation length; the sense
 * of a CHECK CONDITION is kept for REQUEST SENSE. The test-facing controls (cartridge, power, faults) are
 * methods of {@link LtoDrive}.
 */
import { DeviceError, SdpipeError } from '../../errors.js';
import { CDB_DEFINITIONS, decodeCdb, type CdbKey } from '../scsi/cdb.js';
import { SCSI_STATUS, type ScsiCommand, type ScsiResult } from '../scsi/transport.js';
import type { SenseInit } from '../scsi/sense.js';
import {
  ASC,
  CheckCondition,
  dataProtect,
  illegalRequest,
  invalidFieldInCdb,
  unitAttention,
} from './drive-conditions.js';
import { DriveState, type CommandHandler, type DriveOptions } from './drive-state.js';
import type { DriveFaults } from './faults.js';
import { PERSONALITIES } from './personality.js';
import {
  loadMedium,
  loadUnload,
  readPosition,
  rewind,
  space6,
  unloadMedium,
} from './positioning-commands.js';
import { read6, write6, writeFilemarks6 } from './read-write-commands.js';
import { securityProtocolIn, securityProtocolOut } from './security-commands.js';
import {
  inquiry,
  logSense,
  modeSelect6,
  modeSense6,
  readBlockLimits,
  requestSense,
  testUnitReady,
} from './status-commands.js';
import type { TapeImageOptions } from './tape-image-format.js';
import { TapeImage } from './tape-image.js';

/** The handler of every CDB in the registry. */
const HANDLERS: Readonly<Record<CdbKey, CommandHandler>> = {
  testUnitReady,
  rewind,
  requestSense,
  readBlockLimits,
  read6,
  write6,
  writeFilemarks6,
  space6,
  inquiry,
  modeSelect6,
  modeSense6,
  loadUnload,
  readPosition,
  logSense,
  securityProtocolIn,
  securityProtocolOut,
};
/**
 * Commands whose CDB ALLOCATION LENGTH bounds the reply (besides the host's buffer). SPIN applies its own
 * (INC_512); READ POSITION's short form has a fixed 20-byte reply (SSC-4: the field is 0 there).
 */
const CDB_ALLOCATION_LENGTH: ReadonlySet<CdbKey> = new Set<CdbKey>([
  'inquiry',
  'modeSense6',
  'requestSense',
  'logSense',
]);
/** Commands a pending unit attention does not stop (SPC-4). */
const UNIT_ATTENTION_EXEMPT: ReadonlySet<CdbKey> = new Set<CdbKey>(['inquiry', 'requestSense']);
const EMPTY = new Uint8Array(0);

/** Who changed the encryption parameters behind the host's back (spec §8, IBM LTO sense-data appendix). */
export type ParameterChangeSource = 'another-nexus' | 'vendor-event';

/** A simulated LTO drive. Not thread-safe; one command at a time (all of them complete synchronously). */
export class LtoDrive {
  private readonly state: DriveState;
  private closed = false;

  /** A drive with no cartridge (`image` undefined) or with the image at `image` threaded at BOT. */
  constructor(options: DriveOptions = {}, image?: TapeImage) {
    const p = options.personality ?? 'hp';
    this.state = new DriveState(typeof p === 'string' ? PERSONALITIES[p] : p, options);
    if (options.libraryManagedEncryption) this.state.crypto.setLibraryControlled();
    if (options.powerOnUnitAttention) this.state.raiseUnitAttention(unitAttention(ASC.POWER_ON_RESET));
    if (image) {
      this.state.image = image;
      this.state.loaded = true;
    }
  }

  /** Opens (creating if missing) the image at `path` and threads it in a new drive. */
  static open(path: string, options: DriveOptions & { readonly image?: TapeImageOptions } = {}): LtoDrive {
    return new LtoDrive(options, TapeImage.open(path, options.image));
  }

  /** Fault injection (see faults.ts). */
  get faults(): DriveFaults {
    return this.state.faults;
  }
  /** The cartridge in the drive, threaded or not. */
  get image(): TapeImage | undefined {
    return this.state.image;
  }
  /** True while the cartridge is threaded (ready). */
  get loaded(): boolean {
    return this.state.loaded;
  }
  /** Current logical object number. */
  get position(): number {
    return this.state.position;
  }
  /** Fixed block length, 0 in variable-block mode. */
  get blockLength(): number {
    return this.state.blockLength;
  }
  /** True while a data encryption key is loaded (the key itself is never exposed). */
  get keyLoaded(): boolean {
    return this.state.crypto.hasKey;
  }
  /** The personality's name. */
  get personality(): string {
    return this.state.personality.name;
  }

  /**
   * Executes one command. Returns the status, sense and data-in (cut to the allocation length) with the
   * residual. Throws DeviceError for what no drive could answer: a closed drive, a data-out length that
   * contradicts the CDB (SDP_SCSI_COMMAND), an I/O error of the image file (SDP_DEVICE_IO).
   */
  execute(cmd: ScsiCommand): ScsiResult {
    if (this.closed) throw new DeviceError('SDP_SCSI_TRANSPORT', 'simulated drive is closed', {});
    const allocationLength = cmd.direction === 'in' ? (cmd.allocationLength ?? 0) : 0;
    const s = this.state;
    let key: CdbKey | undefined;
    let limit = allocationLength;
    let data: Uint8Array | undefined;
    let sense: SenseInit | undefined;
    try {
      const cdb = decodeOrRefuse(cmd.cdb);
      key = cdb.key;
      if (CDB_ALLOCATION_LENGTH.has(key)) limit = Math.min(limit, Number(cdb.fields.allocationLength));
      const expected = CDB_DEFINITIONS[key].direction;
      if (cmd.direction !== 'none' && cmd.direction !== expected)
        throw new DeviceError('SDP_SCSI_COMMAND', `${cdb.name} needs data direction ${expected}`, {
          opcode: cdb.opcode,
        });
      if (cdb.reservedBitSet) throw new CheckCondition(invalidFieldInCdb(cdb.reservedBitSet));
      if (!UNIT_ATTENTION_EXEMPT.has(key) && s.unitAttentions.length > 0)
        throw new CheckCondition(s.unitAttentions.shift()!);
      const injected = s.faults.takeCommandSense(cdb.opcode);
      if (injected) throw new CheckCondition(injected);
      data = HANDLERS[key](s, { cdb, dataOut: cmd.dataOut ?? EMPTY });
    } catch (e) {
      if (!(e instanceof CheckCondition)) throw asDeviceError(e);
      sense = e.sense;
      data = e.data;
    }
    if (key !== 'requestSense') s.lastSense = sense;
    const dataIn = (data ?? EMPTY).subarray(0, limit);
    return {
      status: sense ? SCSI_STATUS.CHECK_CONDITION : SCSI_STATUS.GOOD,
      sense: sense ? s.encodeSense(sense) : EMPTY,
      dataIn,
      residual: allocationLength - dataIn.length,
    };
  }

  /** Puts a cartridge in the drive (the drive must be empty); it is threaded at BOT, UNIT ATTENTION 28/00. */
  insert(image: TapeImage): void {
    if (this.state.image)
      throw new DeviceError('SDP_DEVICE_OPEN', 'the simulated drive already holds a cartridge', {});
    this.state.image = image;
    this.state.loaded = false;
    loadMedium(this.state);
  }

  /** Unloads (if threaded) and takes the cartridge out; the image is flushed and closed. Returns it. */
  eject(): TapeImage | undefined {
    const image = this.state.image;
    if (this.state.loaded) unloadMedium(this.state);
    this.state.image = undefined;
    image?.close();
    return image;
  }

  /**
   * The drive unloads on its own (operator, library, drive fault): everything written so far is kept, the
   * key is cleared if CKOD was set, and media commands get NOT READY 3A/00 until a LOAD.
   */
  unexpectedUnload(): void {
    if (this.state.loaded) unloadMedium(this.state);
  }

  /**
   * A power cycle: key, encryption parameters, key instance counter, TapeAlert flags, block mode and the
   * last sense cleared; a threaded cartridge is rewound; UNIT ATTENTION 29/00 is pending (spec §5, §8).
   */
  powerCycle(): void {
    const s = this.state;
    s.image?.flush();
    s.crypto.powerCycle();
    if (s.options.libraryManagedEncryption) s.crypto.setLibraryControlled();
    s.tapeAlert.clear();
    s.blockLength = 0;
    s.position = 0;
    s.lastSense = undefined;
    s.unitAttentions.length = 0;
    s.raiseUnitAttention(unitAttention(ASC.POWER_ON_RESET));
  }

  /** Raises TapeAlert flags (1-64); the next LOG SENSE page 0x2E reports them once. */
  raiseTapeAlert(...flags: number[]): void {
    this.state.tapeAlert.raise(...flags);
  }

  /** The TapeAlert flags set now, without clearing them (the drive's own view, not a command). */
  pendingTapeAlerts(): number[] {
    return this.state.tapeAlert.peek();
  }

  /** Overrides the cartridge's write-protect tab (undefined: the image's own flag). */
  setWriteProtected(on: boolean | undefined): void {
    this.state.writeProtectOverride = on;
  }

  /** Makes media commands answer NOT READY with ASC/ASCQ (default 04/01, becoming ready) until {@link clearNotReady}. */
  setNotReady(asc = 0x04, ascq = 0x01): void {
    this.state.faults.notReady = { asc, ascq };
  }

  /** Ends an injected NOT READY condition. */
  clearNotReady(): void {
    this.state.faults.notReady = undefined;
  }

  /**
   * Another I_T nexus or a vendor event changed the encryption parameters (spec §8): the key instance
   * counter goes up and UNIT ATTENTION 2A/11 or 2A/12 is pending; with `counterChanged` the next command
   * also gets DATA PROTECT 2A/13 (IBM LTO sense-data appendix).
   */
  encryptionParametersChangedElsewhere(source: ParameterChangeSource, counterChanged = false): void {
    this.state.crypto.bumpCounter();
    this.state.raiseUnitAttention(
      unitAttention(
        source === 'another-nexus'
          ? ASC.PARAMETERS_CHANGED_BY_ANOTHER_NEXUS
          : ASC.PARAMETERS_CHANGED_BY_VENDOR_EVENT,
      ),
    );
    if (counterChanged)
      this.state.faults.failNextCommand({ sense: dataProtect(ASC.KEY_INSTANCE_COUNTER_CHANGED) });
  }

  /** Flushes and closes the cartridge's image. Idempotent; the drive refuses commands afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.state.image?.close();
  }
}

/** Decodes a CDB; an operation code the drive does not know is ILLEGAL REQUEST 20/00 (tgt says the same). */
function decodeOrRefuse(cdb: Uint8Array): ReturnType<typeof decodeCdb> {
  try {
    return decodeCdb(cdb);
  } catch (e) {
    if (e instanceof SdpipeError && e.code === 'SDP_SCSI_CDB_FORMAT')
      throw new CheckCondition(illegalRequest(ASC.INVALID_COMMAND_OPERATION_CODE));
    throw e;
  }
}

/** An unexpected failure inside a command (the image file) as DeviceError SDP_DEVICE_IO. */
function asDeviceError(e: unknown): SdpipeError {
  if (e instanceof SdpipeError) return e;
  return new DeviceError('SDP_DEVICE_IO', 'simulated drive failed', {}, { cause: e });
}
