/**
 * Volumes on tape, laid out as Bareos lays them out (spec volume-format.md §5): the label block, a
 * filemark, then each session's blocks followed by a filemark; end of data after the last. One volume
 * block is one tape block (variable-block mode). Reading positions by file/block for bootstrap restores.
 */
import { wrap } from '../errors.js';
import { secretCopy, wipe } from '../crypto/key-material.js';
import { decodeBlockHeader } from '../volume/block-header.js';
import type { BlockRead, BlockSource } from '../volume/byte-source.js';
import { decodeVolumeLabel } from '../volume/label.js';
import { decodeRecordHeader, RECORD_HEADER_V2_BYTES } from '../volume/record-header.js';
import type { VolumeSink } from '../volume/volume-sink.js';
import { openTransport } from './scsi/transports.js';
import { DriveOperations } from './drive-operations.js';
import { TapeDrive } from './tape-drive.js';

/** Tape addresses as Bareos forms them: file number in the high 32 bits, block in the low. */
export const tapeAddress = (file: number, block: number): number => file * 2 ** 32 + block;
const fileOf = (address: number) => Math.floor(address / 2 ** 32);
const blockOf = (address: number) => address % 2 ** 32;

/** Loads the volume key into the drive when one was given (idempotent); see TapeDevice.withVolumeKey. */
type VolumeKeyHook = () => Promise<void>;

/** Reads one volume from a tape, block by block from the beginning. */
class TapeVolumeSource implements BlockSource {
  private file = 0;
  private block = 0;
  constructor(
    readonly name: string,
    private readonly drive: TapeDrive,
    private readonly volumeKey: VolumeKeyHook,
  ) {}

  async readBlock(): Promise<BlockRead> {
    // The label block (file 0, block 0) is written plain; the volume key goes in once it has been read,
    // as Bareos' scsicrypto loads it when the label is verified.
    if (this.file > 0 || this.block > 0) await this.volumeKey();
    const where = { volume: this.name, tapeFile: this.file, tapeBlock: this.block };
    let r;
    try {
      r = await this.drive.readBlock();
    } catch (e) {
      throw wrap(e, where);
    }
    if (r.kind === 'filemark') {
      this.file++;
      this.block = 0;
      return r;
    }
    if (r.kind === 'eod') return r;
    return { kind: 'block', bytes: r.bytes, address: tapeAddress(this.file, this.block++) };
  }

  /** Bootstrap positioning (VolFile/VolBlock): rewind, space files, then blocks. */
  async seek(address: number): Promise<void> {
    await this.drive.rewind();
    this.file = fileOf(address);
    this.block = blockOf(address);
    if (this.file > 0) await this.drive.spaceFilemarks(this.file);
    if (this.block > 0) await this.drive.spaceBlocks(this.block);
  }

  close(): Promise<void> {
    return Promise.resolve(); // the drive belongs to the device
  }
}

/** Writes a session onto a tape: labels a blank tape, or appends at end of data after checking its label. */
class TapeVolumeSink implements VolumeSink {
  size = 0;
  /** Blocks written by this sink (the first one on a blank tape is the label). */
  private blocks = 0;
  private constructor(
    readonly name: string,
    private readonly drive: TapeDrive,
    private readonly label: Uint8Array | undefined,
    private readonly volumeKey: VolumeKeyHook,
  ) {}

  static async open(name: string, drive: TapeDrive, volumeKey: VolumeKeyHook): Promise<TapeVolumeSink> {
    await drive.rewind();
    const first = await drive.readBlock();
    if (first.kind !== 'block') {
      await drive.rewind(); // blank tape: write the label from the beginning
      return new TapeVolumeSink(name, drive, undefined, volumeKey);
    }
    await drive.spaceToEndOfData();
    const sink = new TapeVolumeSink(name, drive, first.bytes, volumeKey);
    sink.size = first.bytes.length; // not blank: the writer checks the label and appends
    return sink;
  }

  readLabelBlock(): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.label);
  }

  async write(block: Uint8Array): Promise<void> {
    // The label stays plain (bls -L and the label check work without a key); every block after it is
    // written with the volume key loaded, as Bareos' scsicrypto does after labelling/verifying.
    if (this.label !== undefined || this.blocks > 0) await this.volumeKey();
    try {
      await this.drive.writeBlock(block);
    } catch (e) {
      throw wrap(e, { volume: this.name, bytesWritten: this.size, blocksWritten: this.blocks });
    }
    this.blocks++;
    this.size += block.length;
  }

  async endFile(): Promise<void> {
    await this.drive.writeFilemarks(1);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A tape drive holding one volume at a time, reached through any SCSI transport. */
export class TapeDevice {
  /** The volume key's passphrase to load into the drive, while one was given. */
  private volumeKeyText: Buffer | undefined;
  private keyLoaded = false;

  private constructor(
    readonly name: string,
    readonly drive: TapeDrive,
  ) {}

  /**
   * Uses the drive's encryption for the volumes read or written from now on (Bareos scsicrypto-sd): the
   * key (a passphrase, already unwrapped) is loaded with SPOUT once the volume label has been read or
   * written, and cleared again by {@link close}. The device keeps its own copy; the caller may wipe `key`.
   */
  withVolumeKey(key: Uint8Array): this {
    wipe(this.volumeKeyText);
    this.volumeKeyText = secretCopy(key);
    return this;
  }

  /** Loads the volume key once, when one was given. */
  private readonly loadVolumeKey: VolumeKeyHook = async () => {
    if (this.volumeKeyText === undefined || this.keyLoaded) return;
    await new DriveOperations(this.drive).loadKey(this.volumeKeyText);
    this.keyLoaded = true;
  };

  /** Opens the drive `spec` (`sim:<image>`, `iscsi://…`, `/dev/nst0`) in variable-block mode. */
  static async open(spec: string): Promise<TapeDevice> {
    const drive = new TapeDrive(await openTransport(spec));
    try {
      await drive.setVariableBlockMode();
    } catch (e) {
      await drive.close();
      throw e;
    }
    return new TapeDevice(spec, drive);
  }

  /** The name in the loaded tape's label (a tape holds one volume), or none when it is blank. */
  async defaultVolumes(): Promise<string[]> {
    await this.drive.rewind();
    const first = await this.drive.readBlock();
    if (first.kind !== 'block') return [];
    const where = { file: this.name, offset: 0 };
    const header = decodeBlockHeader(first.bytes, 0, where);
    const rec = decodeRecordHeader(first.bytes, header.headerBytes, where);
    const start = header.headerBytes + RECORD_HEADER_V2_BYTES;
    return [decodeVolumeLabel(first.bytes.subarray(start, start + rec.dataLen), where).volumeName];
  }

  /** The tape, read from its beginning, as volume `name` (the reader checks the label). */
  openVolume = async (name: string): Promise<BlockSource> => {
    await this.drive.rewind();
    return new TapeVolumeSource(name, this.drive, this.loadVolumeKey);
  };

  /** The tape as volume `name` for writing: a blank tape gets labelled, a labelled one appended to. */
  openVolumeForWrite = (name: string): Promise<VolumeSink> =>
    TapeVolumeSink.open(name, this.drive, this.loadVolumeKey);

  /** Clears a volume key this device loaded (Bareos CLEAR page), then closes the drive. */
  async close(): Promise<void> {
    try {
      if (this.keyLoaded) {
        this.keyLoaded = false;
        await new DriveOperations(this.drive).clearKey();
      }
    } finally {
      wipe(this.volumeKeyText);
      this.volumeKeyText = undefined;
      await this.drive.close();
    }
  }
}

/** True when a device argument names a drive rather than a directory or volume file. */
export const isDriveSpec = (spec: string): boolean => /^(sim:|iscsi:\/\/|\/dev\/(n?st|sg)\d)/.test(spec);
