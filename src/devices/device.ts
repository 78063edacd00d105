/**
 * What the commands need from any storage device, file or tape: its volumes for reading, a volume for
 * writing, and the volume names to read when the operator gave none. `openDevice` picks the device by the
 * form of its argument: a drive spec (`sim:<image>`, `iscsi://…`, `/dev/nst0`) or a directory/volume file.
 */
import type { BlockSource, ByteSource } from '../volume/byte-source.js';
import { UsageError } from '../errors.js';
import type { VolumeSink } from '../volume/volume-sink.js';
import { FileDevice } from './file-device.js';
import { isDriveSpec, TapeDevice } from './tape-device.js';
import { DriveOperations } from './drive-operations.js';
import { activeTapeAlerts, type TapeAlertFlagState } from './scsi/pages/log-tapealert.js';

/** A storage device as the commands use it. */
export interface StorageDevice {
  /** How job logs name the device: the Archive Device path or the drive spec. */
  readonly name: string;
  /** Volume names to read without -V (a named volume file, or the label of the loaded tape); [] if unknown. */
  defaultVolumes(): Promise<string[]>;
  /** True when reading without naming volumes would be a guess (a directory of many volume files). */
  readonly needsVolumeNames: boolean;
  /** The volume `name` for reading (a function property: commands pass it on unbound). */
  readonly openVolume: (name: string) => Promise<ByteSource | BlockSource>;
  /** The volume `name` for writing (labelled when blank, appended to otherwise). */
  readonly openVolumeForWrite: (name: string) => Promise<VolumeSink>;
  /**
   * The TapeAlert flags the drive has set (LOG SENSE 0x2E; reading clears them in the drive). Tape drives
   * only; a drive without TapeAlert rejects with SDP_DRIVE_NO_TAPEALERT.
   */
  readonly tapeAlerts?: () => Promise<TapeAlertFlagState[]>;
  /** Releases the device (a tape drive clears a volume key it loaded). */
  close(): Promise<void>;
}

/** How to open a device. */
export interface OpenDeviceOptions {
  /**
   * A volume key passphrase (already unwrapped) for the drive's encryption (tape drives only: see
   * TapeDevice.withVolumeKey). The device keeps its own copy.
   */
  readonly volumeKey?: Uint8Array | undefined;
}

/** Opens a device argument as a tape drive or a File device. */
export async function openDevice(spec: string, options: OpenDeviceOptions = {}): Promise<StorageDevice> {
  if (isDriveSpec(spec)) {
    const tape = await TapeDevice.open(spec);
    if (options.volumeKey) tape.withVolumeKey(options.volumeKey);
    return {
      name: spec,
      needsVolumeNames: false,
      defaultVolumes: () => tape.defaultVolumes(),
      openVolume: tape.openVolume,
      openVolumeForWrite: tape.openVolumeForWrite,
      tapeAlerts: async () => activeTapeAlerts(await new DriveOperations(tape.drive).tapeAlerts()),
      close: () => tape.close(),
    };
  }
  if (options.volumeKey) {
    throw new UsageError('a volume key is loaded into a tape drive; this device is not a drive', {
      device: spec,
    });
  }
  const file = await FileDevice.open(spec);
  return {
    name: file.directory,
    needsVolumeNames: file.singleVolume === undefined,
    defaultVolumes: () => file.defaultVolumes(),
    openVolume: file.openVolume,
    openVolumeForWrite: file.openVolumeForWrite,
    close: () => Promise.resolve(),
  };
}
