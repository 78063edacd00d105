/**
 * The byte layouts of sense data (spec scsi.md §4, SPC-4): the fixed format, the descriptor-format header
 * and descriptors, and the sense-key specific bytes, whose meaning depends on the sense key.
 */
import {
  bitTable,
  bits,
  field,
  flag,
  flatLayout,
  packed,
  reserved,
  u16be,
  u32be,
  u64beBig,
  u8,
  i32be,
  type FlatValue,
} from '../../layout.js';
import { SENSE_KEY } from './asc-names.js';

/** Response codes (byte 0 bits 6-0). */
export const SENSE_RESPONSE_CODE = {
  FIXED_CURRENT: 0x70,
  FIXED_DEFERRED: 0x71,
  DESCRIPTOR_CURRENT: 0x72,
  DESCRIPTOR_DEFERRED: 0x73,
} as const;

/** Size of fixed-format sense up to the field pointer (bytes 0-17). */
export const FIXED_SENSE_BYTES = 18;
/** Size of the sense header before the descriptors (descriptor format). */
export const DESCRIPTOR_SENSE_HEADER_BYTES = 8;

/** Fixed-format sense data, bytes 0-17 (spec §4 table). */
export const FIXED_SENSE = flatLayout('FixedSense', [
  field(
    'byte0',
    packed(bitTable('FixedSenseByte0', 0, 1, [flag('valid', 0, 7), bits('responseCode', 0, 6, 0)])),
  ),
  field('segmentNumber', u8),
  field(
    'byte2',
    packed(
      bitTable('FixedSenseByte2', 2, 1, [
        flag('filemark', 2, 7),
        flag('eom', 2, 6),
        flag('ili', 2, 5),
        flag('sdatOvfl', 2, 4),
        bits('senseKey', 2, 3, 0),
      ]),
    ),
  ),
  field('information', i32be),
  field('additionalSenseLength', u8),
  field('commandSpecificInformation', u32be),
  field('asc', u8),
  field('ascq', u8),
  field('fieldReplaceableUnitCode', u8),
  field(
    'byte15',
    packed(bitTable('FixedSenseByte15', 15, 1, [flag('sksv', 15, 7), bits('sksHigh', 15, 6, 0)])),
  ),
  field('sksLow', u16be),
]);

/** Descriptor-format sense header (bytes 0-7, spec §4). */
export const DESCRIPTOR_SENSE = flatLayout('DescriptorSenseHeader', [
  field('byte0', packed(bitTable('DescriptorSenseByte0', 0, 1, [bits('responseCode', 0, 6, 0)]))),
  field('byte1', packed(bitTable('DescriptorSenseByte1', 1, 1, [bits('senseKey', 1, 3, 0)]))),
  field('asc', u8),
  field('ascq', u8),
  field('byte4', packed(bitTable('DescriptorSenseByte4', 4, 1, [flag('sdatOvfl', 4, 7)]))),
  field('reserved5', reserved(2)),
  field('additionalSenseLength', u8),
]);

/** Sense data descriptor types (SPC-4). */
export const SENSE_DESCRIPTOR_TYPE = {
  INFORMATION: 0x00,
  COMMAND_SPECIFIC: 0x01,
  SENSE_KEY_SPECIFIC: 0x02,
  FIELD_REPLACEABLE_UNIT: 0x03,
  STREAM_COMMANDS: 0x04,
  BLOCK_COMMANDS: 0x05,
} as const;

const descriptorHeader = [field('descriptorType', u8), field('additionalLength', u8)] as const;
/** Header of every sense data descriptor. */
export const DESCRIPTOR_HEADER = flatLayout('SenseDescriptorHeader', descriptorHeader);
/** Information descriptor (type 0x00). */
export const INFORMATION_DESCRIPTOR = flatLayout('InformationDescriptor', [
  ...descriptorHeader,
  field('byte2', packed(bitTable('InformationDescriptorByte2', 2, 1, [flag('valid', 2, 7)]))),
  field('reserved3', reserved(1)),
  field('information', u64beBig),
]);
/** Command-specific information descriptor (type 0x01). */
export const COMMAND_SPECIFIC_DESCRIPTOR = flatLayout('CommandSpecificDescriptor', [
  ...descriptorHeader,
  field('reserved2', reserved(2)),
  field('commandSpecificInformation', u64beBig),
]);
/** Sense-key specific descriptor (type 0x02). */
export const SKS_DESCRIPTOR = flatLayout('SenseKeySpecificDescriptor', [
  ...descriptorHeader,
  field('reserved2', reserved(2)),
  field(
    'byte4',
    packed(bitTable('SenseKeySpecificDescriptorByte4', 4, 1, [flag('sksv', 4, 7), bits('sksHigh', 4, 6, 0)])),
  ),
  field('sksLow', u16be),
  field('reserved7', reserved(1)),
]);
/** Field replaceable unit descriptor (type 0x03). */
export const FRU_DESCRIPTOR = flatLayout('FieldReplaceableUnitDescriptor', [
  ...descriptorHeader,
  field('reserved2', reserved(1)),
  field('fieldReplaceableUnitCode', u8),
]);
/** Stream commands descriptor (type 0x04): FILEMARK, EOM, ILI. */
export const STREAM_DESCRIPTOR = flatLayout('StreamCommandsDescriptor', [
  ...descriptorHeader,
  field('reserved2', reserved(1)),
  field(
    'byte3',
    packed(
      bitTable('StreamCommandsByte3', 3, 1, [flag('filemark', 3, 7), flag('eom', 3, 6), flag('ili', 3, 5)]),
    ),
  ),
]);
/** Block commands descriptor (type 0x05): ILI. */
export const BLOCK_DESCRIPTOR = flatLayout('BlockCommandsDescriptor', [
  ...descriptorHeader,
  field('reserved2', reserved(1)),
  field('byte3', packed(bitTable('BlockCommandsByte3', 3, 1, [flag('ili', 3, 5)]))),
]);

// Sense-key specific bytes (fixed bytes 15-17, SKS descriptor bytes 4-6), one table per sense key (SPC-4).
const sksvBit = flag('sksv', 0, 7);
const SKS_FIELD_POINTER = flatLayout('SksFieldPointer', [
  field(
    'byte0',
    packed(
      bitTable('SksFieldPointerByte0', 0, 1, [
        sksvBit,
        flag('cd', 0, 6),
        flag('bpv', 0, 3),
        bits('bitPointer', 0, 2, 0),
      ]),
    ),
  ),
  field('fieldPointer', u16be),
]);
const SKS_SEGMENT_POINTER = flatLayout('SksSegmentPointer', [
  field(
    'byte0',
    packed(
      bitTable('SksSegmentPointerByte0', 0, 1, [
        sksvBit,
        flag('sd', 0, 5),
        flag('bpv', 0, 3),
        bits('bitPointer', 0, 2, 0),
      ]),
    ),
  ),
  field('fieldPointer', u16be),
]);
const SKS_PROGRESS = flatLayout('SksProgress', [
  field('byte0', packed(bitTable('SksProgressByte0', 0, 1, [sksvBit]))),
  field('progress', u16be),
]);
const SKS_RETRY = flatLayout('SksRetryCount', [
  field('byte0', packed(bitTable('SksRetryByte0', 0, 1, [sksvBit]))),
  field('actualRetryCount', u16be),
]);
const SKS_UNIT_ATTENTION = flatLayout('SksUnitAttention', [
  field('byte0', packed(bitTable('SksUnitAttentionByte0', 0, 1, [sksvBit, flag('overflow', 0, 0)]))),
  field('reserved1', reserved(2)),
]);
type SksLayout =
  | typeof SKS_FIELD_POINTER
  | typeof SKS_SEGMENT_POINTER
  | typeof SKS_PROGRESS
  | typeof SKS_RETRY
  | typeof SKS_UNIT_ATTENTION;

/** Which sense-key specific layout a sense key uses (SPC-4 table "sense-key specific field"). */
const SKS_BY_KEY: ReadonlyMap<number, SksLayout> = new Map<number, SksLayout>([
  [SENSE_KEY.NO_SENSE, SKS_PROGRESS],
  [SENSE_KEY.NOT_READY, SKS_PROGRESS],
  [SENSE_KEY.RECOVERED_ERROR, SKS_RETRY],
  [SENSE_KEY.MEDIUM_ERROR, SKS_RETRY],
  [SENSE_KEY.HARDWARE_ERROR, SKS_RETRY],
  [SENSE_KEY.ILLEGAL_REQUEST, SKS_FIELD_POINTER],
  [SENSE_KEY.UNIT_ATTENTION, SKS_UNIT_ATTENTION],
  [SENSE_KEY.COPY_ABORTED, SKS_SEGMENT_POINTER],
]);

/** The sense-key specific fields, as far as the sense key defines them (present only when SKSV = 1). */
export interface SenseKeySpecificFields {
  /** ILLEGAL REQUEST: true = the bad field is in the CDB, false = in the parameter data (C/D). */
  readonly cd?: boolean;
  /** ILLEGAL REQUEST / COPY ABORTED: the bit pointer is valid. */
  readonly bpv?: boolean;
  /** ILLEGAL REQUEST / COPY ABORTED: the first bad bit (7 = MSB) of the byte at `fieldPointer`. */
  readonly bitPointer?: number;
  /** ILLEGAL REQUEST / COPY ABORTED: byte offset of the first bad byte (CDB or parameter data). */
  readonly fieldPointer?: number;
  /** COPY ABORTED: the pointer is relative to a segment descriptor (SD). */
  readonly sd?: boolean;
  /** NO SENSE / NOT READY: progress of the operation, 0-65535 of 65536. */
  readonly progress?: number;
  /** RECOVERED / MEDIUM / HARDWARE ERROR: retries the device made. */
  readonly actualRetryCount?: number;
  /** UNIT ATTENTION: the unit attention queue overflowed. */
  readonly overflow?: boolean;
}

/** Decodes the sense-key specific bits of `senseKey` (the fields are present only when `sksv`). */
export function decodeSenseKeySpecific(
  senseKey: number,
  sksv: boolean,
  value: number,
): SenseKeySpecificFields {
  const table = SKS_BY_KEY.get(senseKey);
  if (!sksv || !table) return {};
  const b = new Uint8Array([0x80 | ((value >> 16) & 0x7f), (value >> 8) & 0xff, value & 0xff]);
  const { sksv: _sksv, ...fields } = table.decode(b) as FlatValue<SksLayout['fields']> & { sksv: boolean };
  return fields;
}

/** The 23 sense-key specific bits for `senseKey` built from its fields (0 when the key defines none). */
export function encodeSenseKeySpecific(senseKey: number, fields: SenseKeySpecificFields): number {
  const table = SKS_BY_KEY.get(senseKey);
  if (!table) return 0;
  const f = fields as Required<SenseKeySpecificFields>;
  const b = (table as typeof SKS_FIELD_POINTER).encode({
    sksv: false,
    cd: f.cd ?? false,
    bpv: f.bpv ?? f.bitPointer !== undefined,
    bitPointer: f.bitPointer ?? 0,
    fieldPointer: f.fieldPointer ?? 0,
    ...(table === SKS_SEGMENT_POINTER ? { sd: f.sd ?? false } : {}),
    ...(table === SKS_PROGRESS ? { progress: f.progress ?? 0 } : {}),
    ...(table === SKS_RETRY ? { actualRetryCount: f.actualRetryCount ?? 0 } : {}),
    ...(table === SKS_UNIT_ATTENTION ? { overflow: f.overflow ?? false } : {}),
  });
  return ((b[0]! & 0x7f) << 16) | (b[1]! << 8) | b[2]!;
}

/** Names of the sense-key specific fields. */
export const SKS_FIELD_NAMES: readonly (keyof SenseKeySpecificFields)[] = [
  'cd',
  'bpv',
  'bitPointer',
  'fieldPointer',
  'sd',
  'progress',
  'actualRetryCount',
  'overflow',
];
/** True when any sense-key specific field is given. */
export const hasSksFields = (f: SenseKeySpecificFields): boolean =>
  SKS_FIELD_NAMES.some((k) => f[k] !== undefined);
