/**
 * The drive side of volume keys: the encryption commands bscrypto sends to a tape drive (SPOUT/SPIN
 * security protocol pages, spec scsi.md). sdpipe has no SCSI transport yet; a build that has one
 * implements this interface and hands it to the bscrypto command.
 */
import { DeviceError } from '../errors.js';

/** Encryption commands of a tape drive. */
export interface DriveEncryption {
  /** Loads `key` (the key text, as bscrypto sends it) into the drive. */
  setKey(device: string, key: Uint8Array): Promise<void>;
  /** Clears the drive's key. */
  clearKey(device: string): Promise<void>;
  /** The drive encryption status text (SPIN page 0x20). */
  driveStatus(device: string): Promise<string>;
  /** The volume encryption status text (SPIN page 0x21). */
  volumeStatus(device: string): Promise<string>;
}

const unavailable = (device: string): Promise<never> =>
  Promise.reject(
    new DeviceError(
      'SDP_DRIVE_CRYPTO_UNAVAILABLE',
      'drive encryption needs a SCSI transport (not in this build)',
      {
        device,
      },
    ),
  );

/** The drive of a build without SCSI transport: every command fails with `SDP_DRIVE_CRYPTO_UNAVAILABLE`. */
export const NO_DRIVE_ENCRYPTION: DriveEncryption = {
  setKey: unavailable,
  clearKey: unavailable,
  driveStatus: unavailable,
  volumeStatus: unavailable,
};
