/** The simulated LTO drive (spec scsi.md §8): re-exports only. */
export { LtoDrive, type ParameterChangeSource } from './lto-drive.js';
export {
  SimTransport,
  simTransport,
  parseSimSpec,
  parseSize,
  SIM_PREFIX,
  SIM_SPEC_FORM,
  type SimSpec,
} from './sim-transport.js';
export { TapeImage } from './tape-image.js';
export {
  TAPE_IMAGE_HEADER,
  TAPE_ENTRY_HEADER,
  DEFAULT_CAPACITY_BYTES,
  type TapeEntry,
  type TapeImageOptions,
  type SyncPolicy,
  type NewObject,
  type BlockEncryption,
} from './tape-image-format.js';
export { DriveFaults, type FaultOptions, type InjectedSense } from './faults.js';
export type { DriveOptions, NoMediumNextBlockAnswer } from './drive-state.js';
export {
  PERSONALITIES,
  PERSONALITY_NAMES,
  type DrivePersonality,
  type PersonalityName,
} from './personality.js';
export { RAW_BLOCK_OVERHEAD_BYTES, DRIVE_KEY_BYTES } from './drive-crypto.js';
