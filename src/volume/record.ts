/**
 * A device record: one complete (reassembled) record of a session as the IN path hands it on.
 * Pieces split across blocks (and across volumes) are joined before a record is emitted.
 */

/** Where a record (or the first piece of it) sits on the media. */
export interface RecordPosition {
  readonly volume: string;
  /** Block number from the block header (not unique in a volume). */
  readonly blockNumber: number;
  /** Byte offset of the block on the volume file. */
  readonly blockOffset: number;
  /** Byte offset of the record header on the volume file. */
  readonly offset: number;
}

/** One record: header fields + the joined data. */
export interface DeviceRecord {
  readonly volSessionId: number;
  readonly volSessionTime: number;
  /** > 0: file number within the session; < 0: label type (PRE_LABEL −1 … EOS_LABEL −5). */
  readonly fileIndex: number;
  /** Stream number, always positive (continuation sign removed). For labels: JobId or volume number. */
  readonly stream: number;
  readonly data: Uint8Array;
  readonly position: RecordPosition;
  /**
   * True when the record could not be joined completely: an orphan continuation (its start is on a volume
   * that was not read) or a record cut off at the end of the last volume. `data` then holds what was read.
   */
  readonly partial?: boolean;
}
