/**
 * What the volume writer needs from a device: a volume opened for writing at its end. File devices and
 * tape devices implement it; `volume/` never imports `devices/`.
 *
 * Each `write` call is one block: a file device appends the bytes, a tape device writes one tape block.
 */
export interface VolumeSink {
  readonly name: string;
  /**
   * Bytes already on the volume; 0 for a new (blank) volume. The writer uses it for the size limit and,
   * on file volumes, for the byte addresses of JobMedia and bootstrap entries.
   */
  readonly size: number;
  /** The volume's first block (its label block), or undefined when the volume is blank. */
  readLabelBlock(): Promise<Uint8Array | undefined>;
  /** Appends one block at the end of the volume. */
  write(block: Uint8Array): Promise<void>;
  /**
   * Ends a file on media that have them (a tape filemark after the label and after each session, spec
   * volume-format.md §5); a no-op on file volumes.
   */
  endFile?(): Promise<void>;
  /** Makes the data durable and closes the volume. */
  close(): Promise<void>;
}

/** Opens a volume for writing by name (creating it when it does not exist). */
export type VolumeSinkOpener = (volume: string) => Promise<VolumeSink>;
