/**
 * What the volume writer needs from a device: a volume opened for writing at its end. The device
 * (file, tape) implements it; `volume/` never imports `devices/`.
 */
import type { ByteSource } from './byte-source.js';

export interface VolumeSink extends Pick<ByteSource, 'read'> {
  readonly name: string;
  /** Bytes already on the volume; 0 for a new (blank) volume. */
  readonly size: number;
  /** Appends bytes at the end of the volume. */
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the data durable and closes the volume. */
  close(): Promise<void>;
}

/** Opens a volume for writing by name (creating it when it does not exist). */
export type VolumeSinkOpener = (volume: string) => Promise<VolumeSink>;
