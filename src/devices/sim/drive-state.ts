/**
 * The state of one simulated drive that the command handlers share: the cartridge (a {@link TapeImage})
 * and whether it is threaded, the position (logical object number), the block mode, pending unit
 * attentions, the last sense for REQUEST SENSE, and the encryption, TapeAlert and fault state.
 */
import type { CdbFields, CdbKey, DecodedCdb } from '../scsi/cdb.js';
import { encodeSense, type SenseInit } from '../scsi/sense.js';
import { ASC, CheckCondition, notReady } from './drive-conditions.js';
import { DriveCrypto } from './drive-crypto.js';
import { DriveFaults } from './faults.js';
import type { DrivePersonality, PersonalityName } from './personality.js';
import { TapeAlertState } from './tapealert-state.js';
import type { TapeImage } from './tape-image.js';

/** What SPIN page 0x0021 answers without a medium (spec §3, §8: the three answers seen). */
export type NoMediumNextBlockAnswer = 'good' | 'not-ready' | 'blank-check';

/** Options of a simulated drive. */
export interface DriveOptions {
  /** Vendor personality (default `hp`). */
  readonly personality?: PersonalityName | DrivePersonality;
  /** SSC-3 SDE layout: reject a non-zero byte 10 (spec §8, optional). Default: the personality's. */
  readonly ssc3SdeLayout?: boolean;
  /** SPIN 0x0021 without a medium (default `good`: page length 0x000C, all zero; Quantum LTO-4). */
  readonly noMediumNextBlockAnswer?: NoMediumNextBlockAnswer;
  /**
   * Library-managed encryption (spec §8): DEC CFG_P = 10b, DES PARAMETERS CONTROL 3, SPOUT refused with
   * DATA PROTECT 74/21 and every WRITE with DATA PROTECT EF/10 (the IBM "key required" code).
   */
  readonly libraryManagedEncryption?: boolean;
  /** Start with UNIT ATTENTION 29/00 pending, as a drive just powered on (default false). */
  readonly powerOnUnitAttention?: boolean;
  /** Send descriptor-format sense (the host set D_SENSE, SPC-4); default fixed format. */
  readonly descriptorSense?: boolean;
  /** INQUIRY VPD page 0x80 unit serial number (default `SDPSIM0001`). */
  readonly serialNumber?: string;
}

/** One command as a handler sees it. */
export interface CommandRequest {
  readonly cdb: DecodedCdb;
  /** Data sent with the command (empty unless direction `out`). */
  readonly dataOut: Uint8Array;
}

/**
 * Executes one command against the state: returns the data-in bytes (or undefined), or throws
 * {@link CheckCondition}. The caller cuts the data to the allocation length.
 */
export type CommandHandler = (state: DriveState, request: CommandRequest) => Uint8Array | undefined;

/** The decoded fields of the CDB `key` (decodeCdb returns them untyped). */
export const cdbFields = <K extends CdbKey>(request: CommandRequest, _key: K): CdbFields<K> =>
  request.cdb.fields as unknown as CdbFields<K>;

/** Mutable state of one drive. Handlers change it; lto-drive.ts owns it. */
export class DriveState {
  /** The cartridge in the drive (threaded or not), undefined when the drive is empty. */
  image: TapeImage | undefined;
  /** The cartridge is threaded and ready for media access. */
  loaded = false;
  /** Logical object number: blocks and filemarks before the head (SSC). */
  position = 0;
  /** Fixed block length from MODE SELECT; 0 = variable-block mode. */
  blockLength = 0;
  /** Pending unit attentions, oldest first. */
  readonly unitAttentions: SenseInit[] = [];
  /** Sense of the last command that ended in CHECK CONDITION, for REQUEST SENSE. */
  lastSense: SenseInit | undefined;
  /** The write-protect tab as the drive sees it (the image's, unless a test changed it). */
  writeProtectOverride: boolean | undefined;
  readonly crypto = new DriveCrypto();
  readonly tapeAlert = new TapeAlertState();
  readonly faults = new DriveFaults();

  constructor(
    readonly personality: DrivePersonality,
    readonly options: DriveOptions,
  ) {}

  /** True when SDE byte 10 must be 0. */
  get ssc3SdeLayout(): boolean {
    return this.options.ssc3SdeLayout ?? this.personality.ssc3SdeLayout;
  }

  /** The threaded cartridge; CHECK CONDITION NOT READY (3A/00, or the injected ASC/ASCQ) otherwise. */
  medium(): TapeImage {
    const injected = this.faults.notReady;
    if (injected) throw new CheckCondition(notReady([injected.asc, injected.ascq]));
    if (!this.image || !this.loaded) throw new CheckCondition(notReady(ASC.MEDIUM_NOT_PRESENT));
    return this.image;
  }

  /** The threaded cartridge or undefined, without raising anything. */
  get threaded(): TapeImage | undefined {
    return this.loaded ? this.image : undefined;
  }

  /** Medium bytes after which writes report early warning. */
  earlyWarningBytes(image: TapeImage): number {
    return this.faults.earlyWarningBytes ?? image.earlyWarningBytes;
  }

  /** Medium bytes at the physical end of the partition. */
  endOfPartitionBytes(image: TapeImage): number {
    return this.faults.endOfMediumBytes ?? image.capacityBytes;
  }

  /** True when the cartridge may not be written. */
  writeProtected(image: TapeImage): boolean {
    return this.writeProtectOverride ?? image.writeProtected;
  }

  /**
   * The sense bytes for `sense` in the personality's shape (spec §4, §8): fixed format with its length and
   * vendor bytes, or descriptor format when asked for (`descriptor`, default the D_SENSE option).
   */
  encodeSense(sense: SenseInit, descriptor = this.options.descriptorSense ?? false): Uint8Array {
    if (descriptor) return encodeSense({ ...sense, format: 'descriptor' });
    return encodeSense({
      ...sense,
      format: 'fixed',
      length: this.personality.senseBytes,
      vendorBytes: this.personality.vendorSenseBytes({
        volume: this.threaded?.barcode,
        position: this.position,
      }),
    });
  }

  /** Queues a unit attention (one of each kind at a time). */
  raiseUnitAttention(sense: SenseInit): void {
    if (!this.unitAttentions.some((u) => u.asc === sense.asc && u.ascq === sense.ascq))
      this.unitAttentions.push(sense);
  }
}
