/**
 * One error hierarchy for sdpipe. Every error carries a stable `code` (from {@link ERROR_CODES}), a
 * `context` naming where it happened (volume, block, offset, record, stream …) and an optional `cause`.
 * Keys, passphrases and wrapped keys never go into a message or a context.
 */

/** Stable error codes and their one-line meaning. Docs and the CLI exit map come from this table. */
export const ERROR_CODES = {
  SDP_USAGE: 'bad command-line usage',
  SDP_INTERNAL: 'internal error (a bug in sdpipe)',
  // layout / generic decoding
  SDP_LAYOUT_SHORT: 'not enough bytes for a fixed layout',
  SDP_LAYOUT_STRING: 'a NUL-terminated string runs past the end of its record',
  // volume format
  SDP_BLOCK_CHECKSUM: 'block checksum mismatch',
  SDP_BLOCK_TRUNCATED: 'block shorter than its header says (truncated volume)',
  SDP_BLOCK_ID: 'unknown block id (not BB01/BB02)',
  SDP_BLOCK_LENGTH: 'block length is impossible (too small or insane)',
  SDP_RECORD_HEADER: 'record header is impossible (length or stream out of range)',
  SDP_RECORD_ORPHAN: 'continuation piece without the start of its record',
  SDP_RECORD_INCOMPLETE: 'a record was cut off before all its pieces were read',
  SDP_LABEL_FORMAT: 'label record cannot be decoded',
  SDP_LABEL_VERSION: 'unsupported label id or version',
  SDP_LABEL_MISMATCH: 'volume label names another volume',
  SDP_ATTRIBUTES_FORMAT: 'attribute record cannot be decoded',
  SDP_BASE64_FORMAT: 'bad Bacula base64 number',
  SDP_STREAM_UNKNOWN: 'unknown or unsupported stream',
  SDP_BSR_SYNTAX: 'bootstrap file cannot be parsed',
  // codecs
  SDP_CODEC_UNKNOWN: 'unknown compression algorithm (magic)',
  SDP_CODEC_UNAVAILABLE: 'the library or package behind a codec is not available',
  SDP_CODEC_CORRUPT: 'compressed payload is corrupt',
  SDP_CODEC_OUTPUT_LIMIT: 'decompressed data would exceed its bound',
  SDP_CODEC_LENGTH: 'decompressed length differs from the expected length',
  SDP_COMPRESSION_HEADER: 'compression header is corrupt (size or version)',
  SDP_CODEC_LEVEL: 'compression level outside the range the algorithm accepts',
  SDP_SPARSE_OFFSET: 'sparse record is shorter than its 8-byte file offset',
  // configuration
  SDP_CONFIG: 'a configuration directive has an invalid value, is missing or cannot be set up',
  // autoxflate
  SDP_DEFLATE_SKIPPED: 'a record could not be deflated and was passed on uncompressed',
  // restore
  SDP_DIGEST_MISMATCH: 'restored data does not match its digest record',
  SDP_RESTORE_IO: 'a restored file could not be written',
  SDP_DIGEST_UNVERIFIED: 'a digest record could not be checked (algorithm or reference digest not available)',
  SDP_RESTORE_ATTRIBUTES: 'owner, mode or times of a restored entry could not be set',
  SDP_RESTORE_SIZE: 'restored file size differs from the size in its attribute record',
  SDP_RESTORE_SKIPPED: 'an entry was not restored (unsupported type, unsafe path or missing link target)',
  // backup (file daemon side)
  SDP_BACKUP_IO: 'a file or folder could not be read for a backup (reported; the walk went on without it)',
  SDP_BACKUP_CHANGED: 'a file changed type or identity between listing and reading (reported; not saved)',
  // devices
  SDP_DEVICE_OPEN: 'device or volume cannot be opened',
  SDP_DEVICE_IO: 'device read or write failed',
  SDP_VOLUME_NOT_FOUND: 'volume not found on the device',
  SDP_KEY_NOT_FOUND: 'no volume key for this volume (crypto cache or catalog)',
  SDP_SCSI_TRANSPORT:
    'a SCSI command could not be delivered or its outcome is unknown (connection lost, timeout, pass-through failure)',
  SDP_SCSI_COMMAND:
    'a SCSI command is malformed for its transport (CDB length, data direction or buffer size)',
  SDP_SCSI_CHECK: 'a SCSI command ended with CHECK CONDITION (sense key, ASC and ASCQ in the context)',
  SDP_SCSI_NOT_READY: 'the drive is not ready (sense key NOT READY: no medium, becoming ready, offline)',
  SDP_SCSI_MEDIUM_ERROR: 'the medium could not be read or written (sense key MEDIUM ERROR)',
  SDP_SCSI_HARDWARE_ERROR: 'the drive reported a hardware failure (sense key HARDWARE ERROR)',
  SDP_SCSI_ILLEGAL_REQUEST: 'the drive refused a command or its parameter data (sense key ILLEGAL REQUEST)',
  SDP_SCSI_UNIT_ATTENTION: 'the drive reported a unit attention (medium changed, reset, parameters changed)',
  SDP_SCSI_DATA_PROTECT:
    'the drive refused access to the data (sense key DATA PROTECT, e.g. write protected)',
  SDP_SCSI_ENCRYPTION:
    'the drive could not encrypt or decrypt a block (ASC 74h: no key, wrong key, plain data)',
  SDP_SCSI_BLANK_CHECK: 'blank medium or end of data where data was expected (sense key BLANK CHECK)',
  SDP_SCSI_VOLUME_OVERFLOW:
    'the end of the partition was reached before all data was written (VOLUME OVERFLOW)',
  SDP_SCSI_ABORTED_COMMAND: 'the drive aborted the command (sense key ABORTED COMMAND)',
  SDP_SCSI_SENSE_FORMAT: 'sense data cannot be decoded (response code or length)',
  SDP_SCSI_CDB_FORMAT: 'a CDB cannot be decoded (unknown operation code or wrong length)',
  SDP_SCSI_PAGE_FORMAT: 'a SCSI page or reply cannot be decoded (page code, length or descriptor)',
  // simulated drive (src/devices/sim)
  SDP_SIM_IMAGE_FORMAT: 'file is not a simulated-drive tape image (magic, version or header checksum)',
  // catalog
  SDP_CATALOG_OPEN: 'catalog database cannot be opened or created',
  SDP_CATALOG_FORMAT: 'file is not an sdpipe catalog (not SQLite, or another schema version)',
  SDP_CATALOG_QUERY: 'a catalog query failed',
  SDP_BSR_WRITE: 'a bootstrap file could not be written',
  SDP_VOLUME_SIZE: 'maximum volume size too small to hold a label and one block',
  // volume keys (crypto)
  SDP_KEY_WRAP: 'a volume key could not be wrapped (RFC 3394 needs a 16/24/32-byte KEK and 8-byte multiples)',
  SDP_KEY_UNWRAP: 'a wrapped volume key failed the RFC 3394 integrity check (wrong KEK or damaged key)',
  SDP_KEY_BASE64: 'key text is not the base64 form of a volume key',
  SDP_KEY_FILE: 'a key or KEK file cannot be read or written',
  SDP_KEK_SHORT: 'key-encryption key shorter than the 16 bytes AES-128 key wrap uses',
  SDP_KEY_ROTATE: 'a volume key cannot be rotated or retired in the volume state it is in',
  SDP_CRYPTO_CACHE_FORMAT: 'file is not a Bareos crypto cache (id, version, entry count or record)',
  SDP_CRYPTO_CACHE_TRUNCATED: 'crypto cache file is shorter than its header and entry count say',
  SDP_CRYPTO_CACHE_IO: 'crypto cache file cannot be read or written',
  SDP_DRIVE_NO_ENCRYPTION:
    'drive does not support encryption (SECURITY PROTOCOL IN/OUT refused as an invalid operation code)',
  SDP_DRIVE_NO_TAPEALERT: 'drive does not support TapeAlert (LOG SENSE refused as an invalid operation code)',
  SDP_DRIVE_CRYPTO_UNAVAILABLE: 'drive encryption commands need a SCSI transport this build does not have',
} as const;

/** A stable sdpipe error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Where an error happened, as far as known. Layers add what they know on the way up. */
export interface Where {
  volume?: string | undefined;
  file?: string | undefined;
  blockNumber?: number | undefined;
  offset?: number | undefined;
  recordIndex?: number | undefined;
  fileIndex?: number | undefined;
  stream?: number | undefined;
  field?: string | undefined;
  [key: string]: string | number | bigint | boolean | undefined;
}

/** Root of every error sdpipe throws on purpose. */
export class SdpipeError extends Error {
  override readonly name: string = 'SdpipeError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly context: Where = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** `code: message (volume, block, offset)` as the CLI prints it. */
  describe(): string {
    const parts = Object.entries(this.context)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${String(v)}`);
    return `${this.code}: ${this.message}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  }
}

/** The bytes of a volume, block, record or label are not what the format allows. */
export class VolumeFormatError extends SdpipeError {
  override readonly name = 'VolumeFormatError';
}
/** A codec failed or is missing. */
export class CodecError extends SdpipeError {
  override readonly name = 'CodecError';
}
/** A device, volume file or drive could not be used. */
export class DeviceError extends SdpipeError {
  override readonly name = 'DeviceError';
}
/** Restored data or files are wrong or could not be written. */
export class RestoreError extends SdpipeError {
  override readonly name = 'RestoreError';
}
/** Key material could not be wrapped, unwrapped, read or written. */
export class CryptoError extends SdpipeError {
  override readonly name = 'CryptoError';
}
/** A command line was wrong. */
export class UsageError extends SdpipeError {
  override readonly name = 'UsageError';
  constructor(message: string, context: Where = {}) {
    super('SDP_USAGE', message, context);
  }
}

/**
 * Adds `where` to an error on its way up. An SdpipeError keeps its code and gains the context fields it
 * did not know yet; anything else becomes SDP_INTERNAL with the original as `cause`.
 */
export function wrap(e: unknown, where: Where): SdpipeError {
  if (e instanceof SdpipeError) {
    for (const [k, v] of Object.entries(where)) {
      if (v !== undefined && e.context[k] === undefined) e.context[k] = v;
    }
    return e;
  }
  const message = e instanceof Error ? e.message : String(e);
  return new SdpipeError('SDP_INTERNAL', message, { ...where }, { cause: e });
}

/** True when `e` is an SdpipeError with this code. */
export const hasCode = (e: unknown, code: ErrorCode): e is SdpipeError =>
  e instanceof SdpipeError && e.code === code;
