/**
 * Record headers: 12 bytes in BB02 blocks, 20 bytes (with the session) in BB01 blocks.
 * See spec volume-format.md §3.1–3.4.
 */
import { VolumeFormatError, type Where } from '../errors.js';
import { field, i32be, layout, u32be, type ValueOf } from '../layout.js';

/** BB02 record header (§3.1). Stream < 0 marks a continuation piece; DataLen = bytes still to come. */
export const RECORD_HEADER_V2 = layout('RecordHeaderV2', [
  field('fileIndex', i32be),
  field('stream', i32be),
  field('dataLen', u32be),
]);
/** BB01 record header: the session comes first (§3.1). */
export const RECORD_HEADER_V1 = layout('RecordHeaderV1', [
  field('volSessionId', u32be),
  field('volSessionTime', u32be),
  field('fileIndex', i32be),
  field('stream', i32be),
  field('dataLen', u32be),
]);
export type RecordHeader = ValueOf<typeof RECORD_HEADER_V2>;
export const RECORD_HEADER_V2_BYTES = 12;
export const RECORD_HEADER_V1_BYTES = 20;
/** Bareos treats larger DataLen values as insane (§3.2). */
export const MAX_RECORD_BYTES = 20_000_000;
/** The stream type is the low 11 bits; higher bits are flags (§3.1). */
export const STREAM_TYPE_MASK = 0x7ff;

/** Label record types (FileIndex < 0), §3.4. */
export const LABEL_TYPE = {
  PRE_LABEL: -1,
  VOL_LABEL: -2,
  EOM_LABEL: -3,
  SOS_LABEL: -4,
  EOS_LABEL: -5,
  EOT_LABEL: -6,
  SOB_LABEL: -7,
  EOB_LABEL: -8,
} as const;

/** Name of a label FileIndex (`VOL_LABEL`), or undefined for file records. */
export function labelName(fileIndex: number): string | undefined {
  for (const [name, fi] of Object.entries(LABEL_TYPE)) if (fi === fileIndex) return name;
  return undefined;
}

/** Decodes a BB02 record header and rejects insane lengths. */
export function decodeRecordHeader(b: Uint8Array, at: number, where: Where): RecordHeader {
  const h = RECORD_HEADER_V2.decode(b, at, where);
  if (h.dataLen >= MAX_RECORD_BYTES) {
    throw new VolumeFormatError('SDP_RECORD_HEADER', `impossible record length ${h.dataLen}`, {
      ...where,
      fileIndex: h.fileIndex,
      stream: h.stream,
      dataLen: h.dataLen,
    });
  }
  return h;
}

export const encodeRecordHeader = (h: RecordHeader): Uint8Array => RECORD_HEADER_V2.encode(h);
