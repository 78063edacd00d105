/**
 * Command descriptor blocks for every command the tape layer sends (spec scsi.md §7 and §1, §5): one
 * declarative table per CDB, builders that fill it (unnamed fields default to 0/false), and `decodeCdb`
 * so the simulated drive can read what it receives. All multi-byte fields are big-endian.
 */
import {
  bitTable,
  bits,
  field,
  flag,
  flatLayout,
  i24be,
  packed,
  reserved,
  u16be,
  u24be,
  u32be,
  u8,
  type FlatValueOf,
} from '../../layout.js';
import { DeviceError, type Where } from '../../errors.js';
import type { DataDirection } from './transport.js';
import { withScsiCode } from './scsi-error.js';

const op = field('operationCode', u8);
const control = field('control', u8);

const TEST_UNIT_READY = flatLayout('TestUnitReady', [op, field('reserved1', reserved(4)), control]);
const REWIND = flatLayout('Rewind', [
  op,
  field('byte1', packed(bitTable('RewindByte1', 1, 1, [flag('immed', 1, 0)]))),
  field('reserved2', reserved(3)),
  control,
]);
const READ_BLOCK_LIMITS = flatLayout('ReadBlockLimits', [
  op,
  field('byte1', packed(bitTable('ReadBlockLimitsByte1', 1, 1, [flag('mloi', 1, 0)]))),
  field('reserved2', reserved(3)),
  control,
]);
const READ_6 = flatLayout('Read6', [
  op,
  field('byte1', packed(bitTable('Read6Byte1', 1, 1, [flag('sili', 1, 1), flag('fixed', 1, 0)]))),
  field('transferLength', u24be),
  control,
]);
const WRITE_6 = flatLayout('Write6', [
  op,
  field('byte1', packed(bitTable('Write6Byte1', 1, 1, [flag('fixed', 1, 0)]))),
  field('transferLength', u24be),
  control,
]);
const WRITE_FILEMARKS_6 = flatLayout('WriteFilemarks6', [
  op,
  field('byte1', packed(bitTable('WriteFilemarks6Byte1', 1, 1, [flag('wsmk', 1, 1), flag('immed', 1, 0)]))),
  // Number of filemarks; 0 only flushes the buffer (spec §7).
  field('transferLength', u24be),
  control,
]);
const SPACE_6 = flatLayout('Space6', [
  op,
  field('byte1', packed(bitTable('Space6Byte1', 1, 1, [bits('code', 1, 3, 0)]))),
  field('count', i24be),
  control,
]);
const INQUIRY = flatLayout('Inquiry', [
  op,
  field('byte1', packed(bitTable('InquiryByte1', 1, 1, [flag('evpd', 1, 0)]))),
  field('pageCode', u8),
  field('allocationLength', u16be),
  control,
]);
const MODE_SELECT_6 = flatLayout('ModeSelect6', [
  op,
  field('byte1', packed(bitTable('ModeSelect6Byte1', 1, 1, [flag('pf', 1, 4), flag('sp', 1, 0)]))),
  field('reserved2', reserved(2)),
  field('parameterListLength', u8),
  control,
]);
const MODE_SENSE_6 = flatLayout('ModeSense6', [
  op,
  field('byte1', packed(bitTable('ModeSense6Byte1', 1, 1, [flag('dbd', 1, 3)]))),
  field('byte2', packed(bitTable('ModeSense6Byte2', 2, 1, [bits('pc', 2, 7, 6), bits('pageCode', 2, 5, 0)]))),
  field('subpageCode', u8),
  field('allocationLength', u8),
  control,
]);
const LOAD_UNLOAD = flatLayout('LoadUnload', [
  op,
  field('byte1', packed(bitTable('LoadUnloadByte1', 1, 1, [flag('immed', 1, 0)]))),
  field('reserved2', reserved(2)),
  field(
    'byte4',
    packed(
      bitTable('LoadUnloadByte4', 4, 1, [
        flag('hold', 4, 3),
        flag('eot', 4, 2),
        flag('reten', 4, 1),
        flag('load', 4, 0),
      ]),
    ),
  ),
  control,
]);
const READ_POSITION = flatLayout('ReadPosition', [
  op,
  field('byte1', packed(bitTable('ReadPositionByte1', 1, 1, [bits('serviceAction', 1, 4, 0)]))),
  field('reserved2', reserved(5)),
  field('allocationLength', u16be),
  control,
]);
const LOG_SENSE = flatLayout('LogSense', [
  op,
  field('byte1', packed(bitTable('LogSenseByte1', 1, 1, [flag('ppc', 1, 1), flag('sp', 1, 0)]))),
  field('byte2', packed(bitTable('LogSenseByte2', 2, 1, [bits('pc', 2, 7, 6), bits('pageCode', 2, 5, 0)]))),
  field('subpageCode', u8),
  field('reserved4', reserved(1)),
  field('parameterPointer', u16be),
  field('allocationLength', u16be),
  control,
]);
const securityProtocolFields = (lengthName: 'allocationLength' | 'transferLength', table: string) =>
  [
    op,
    field('securityProtocol', u8),
    field('securityProtocolSpecific', u16be),
    field('byte4', packed(bitTable(table, 4, 1, [flag('inc512', 4, 7)]))),
    field('reserved5', reserved(1)),
    field(lengthName, u32be),
    field('reserved10', reserved(1)),
    control,
  ] as const;
const SECURITY_PROTOCOL_IN = flatLayout(
  'SecurityProtocolIn',
  securityProtocolFields('allocationLength', 'SpinByte4'),
);
const SECURITY_PROTOCOL_OUT = flatLayout(
  'SecurityProtocolOut',
  securityProtocolFields('transferLength', 'SpoutByte4'),
);
const REQUEST_SENSE = flatLayout('RequestSense', [
  op,
  field('byte1', packed(bitTable('RequestSenseByte1', 1, 1, [flag('desc', 1, 0)]))),
  field('reserved2', reserved(2)),
  field('allocationLength', u8),
  control,
]);

/** One CDB: T10 name, operation code, data direction and its field table. */
export interface CdbDefinition<L> {
  readonly name: string;
  readonly opcode: number;
  readonly direction: DataDirection;
  readonly layout: L;
}
const def = <L>(name: string, opcode: number, direction: DataDirection, layout: L): CdbDefinition<L> => ({
  name,
  opcode,
  direction,
  layout,
});

/** Every CDB sdpipe builds, by key. The only list: builders, `decodeCdb` and tests derive from it. */
export const CDB_DEFINITIONS = {
  testUnitReady: def('TEST UNIT READY', 0x00, 'none', TEST_UNIT_READY),
  rewind: def('REWIND', 0x01, 'none', REWIND),
  requestSense: def('REQUEST SENSE', 0x03, 'in', REQUEST_SENSE),
  readBlockLimits: def('READ BLOCK LIMITS', 0x05, 'in', READ_BLOCK_LIMITS),
  read6: def('READ(6)', 0x08, 'in', READ_6),
  write6: def('WRITE(6)', 0x0a, 'out', WRITE_6),
  writeFilemarks6: def('WRITE FILEMARKS(6)', 0x10, 'none', WRITE_FILEMARKS_6),
  space6: def('SPACE(6)', 0x11, 'none', SPACE_6),
  inquiry: def('INQUIRY', 0x12, 'in', INQUIRY),
  modeSelect6: def('MODE SELECT(6)', 0x15, 'out', MODE_SELECT_6),
  modeSense6: def('MODE SENSE(6)', 0x1a, 'in', MODE_SENSE_6),
  loadUnload: def('LOAD/UNLOAD', 0x1b, 'none', LOAD_UNLOAD),
  readPosition: def('READ POSITION', 0x34, 'in', READ_POSITION),
  logSense: def('LOG SENSE', 0x4d, 'in', LOG_SENSE),
  securityProtocolIn: def('SECURITY PROTOCOL IN', 0xa2, 'in', SECURITY_PROTOCOL_IN),
  securityProtocolOut: def('SECURITY PROTOCOL OUT', 0xb5, 'out', SECURITY_PROTOCOL_OUT),
} as const;

/** Key of a CDB in {@link CDB_DEFINITIONS}. */
export type CdbKey = keyof typeof CDB_DEFINITIONS;
/** The fields of one CDB (without the operation code, which the definition fixes). */
export type CdbFields<K extends CdbKey> = Omit<
  FlatValueOf<(typeof CDB_DEFINITIONS)[K]['layout']>,
  'operationCode'
>;

const layoutOf = (k: CdbKey) => CDB_DEFINITIONS[k].layout as unknown as typeof READ_6;

/** Builds a CDB; fields left out are 0 / false. Pure; never throws for in-range values. */
export function encodeCdb<K extends CdbKey>(key: K, fields: Partial<CdbFields<K>> = {}): Uint8Array {
  const d = CDB_DEFINITIONS[key];
  const layout = layoutOf(key);
  const zero = layout.decode(new Uint8Array(layout.size!));
  return layout.encode({ ...zero, ...(fields as object), operationCode: d.opcode });
}

/** SPACE(6) codes (byte 1 bits 3-0). */
export const SPACE_CODE = { BLOCKS: 0, FILEMARKS: 1, SEQUENTIAL_FILEMARKS: 2, END_OF_DATA: 3 } as const;
/** READ POSITION service actions (short form is the one the spec uses). */
export const READ_POSITION_SERVICE_ACTION = {
  SHORT_FORM: 0x00,
  LONG_FORM: 0x06,
  EXTENDED_FORM: 0x08,
} as const;
/** Security protocols (spec §1): 0x00 security protocol information, 0x20 tape data encryption. */
export const SECURITY_PROTOCOL = { INFORMATION: 0x00, TAPE_DATA_ENCRYPTION: 0x20 } as const;
/** Bareos' SPIN allocation length: a 4-byte header + 8192 (spec §1). */
export const BAREOS_SPIN_ALLOCATION_BYTES = 8196;
/** Bareos' LOG SENSE allocation length for TapeAlert (spec §5). */
export const BAREOS_LOG_SENSE_ALLOCATION_BYTES = 2048;

/** TEST UNIT READY. */
export const testUnitReady = (): Uint8Array => encodeCdb('testUnitReady');
/** REWIND (IMMED returns before the tape is at BOT). */
export const rewind = (f: Partial<CdbFields<'rewind'>> = {}): Uint8Array => encodeCdb('rewind', f);
/** REQUEST SENSE (DESC asks for descriptor format). */
export const requestSense = (
  f: Partial<CdbFields<'requestSense'>> & { allocationLength: number },
): Uint8Array => encodeCdb('requestSense', f);
/** READ BLOCK LIMITS (6-byte reply, see replies.ts). */
export const readBlockLimits = (): Uint8Array => encodeCdb('readBlockLimits');
/** READ(6): `transferLength` is blocks when FIXED, else bytes; SILI suppresses short-block reports. */
export const read6 = (f: Partial<CdbFields<'read6'>> & { transferLength: number }): Uint8Array =>
  encodeCdb('read6', f);
/** WRITE(6): `transferLength` is blocks when FIXED, else bytes. */
export const write6 = (f: Partial<CdbFields<'write6'>> & { transferLength: number }): Uint8Array =>
  encodeCdb('write6', f);
/** WRITE FILEMARKS(6): `transferLength` filemarks (0 = flush the buffer only). */
export const writeFilemarks6 = (
  f: Partial<CdbFields<'writeFilemarks6'>> & { transferLength: number },
): Uint8Array => encodeCdb('writeFilemarks6', f);
/** SPACE(6): `code` from {@link SPACE_CODE}; a negative `count` spaces backwards. */
export const space6 = (f: Partial<CdbFields<'space6'>> & { code: number; count: number }): Uint8Array =>
  encodeCdb('space6', f);
/** INQUIRY: standard data (EVPD 0) or a VPD page. */
export const inquiry = (f: Partial<CdbFields<'inquiry'>> & { allocationLength: number }): Uint8Array =>
  encodeCdb('inquiry', f);
/** MODE SELECT(6) with the parameter list length of the data sent. */
export const modeSelect6 = (
  f: Partial<CdbFields<'modeSelect6'>> & { parameterListLength: number },
): Uint8Array => encodeCdb('modeSelect6', f);
/** MODE SENSE(6). */
export const modeSense6 = (f: Partial<CdbFields<'modeSense6'>> & { allocationLength: number }): Uint8Array =>
  encodeCdb('modeSense6', f);
/** LOAD/UNLOAD: LOAD 1 loads, 0 unloads. */
export const loadUnload = (f: Partial<CdbFields<'loadUnload'>> & { load: boolean }): Uint8Array =>
  encodeCdb('loadUnload', f);
/** READ POSITION (default: short form, 20-byte reply). */
export const readPosition = (f: Partial<CdbFields<'readPosition'>> = {}): Uint8Array =>
  encodeCdb('readPosition', f);
/** LOG SENSE (Bareos: page 0x2E, PC 0, allocation 2048). */
export const logSense = (
  f: Partial<CdbFields<'logSense'>> & { pageCode: number; allocationLength: number },
): Uint8Array => encodeCdb('logSense', f);
/** SECURITY PROTOCOL IN (Bareos: protocol 0x20, page in the protocol-specific field, allocation 8196). */
export const securityProtocolIn = (
  f: Partial<CdbFields<'securityProtocolIn'>> & {
    securityProtocol: number;
    securityProtocolSpecific: number;
    allocationLength: number;
  },
): Uint8Array => encodeCdb('securityProtocolIn', f);
/** SECURITY PROTOCOL OUT (Bareos: protocol 0x20, page 0x0010, transfer length 52). */
export const securityProtocolOut = (
  f: Partial<CdbFields<'securityProtocolOut'>> & {
    securityProtocol: number;
    securityProtocolSpecific: number;
    transferLength: number;
  },
): Uint8Array => encodeCdb('securityProtocolOut', f);

/** A decoded CDB. */
export interface DecodedCdb {
  readonly opcode: number;
  /** T10 name, e.g. `READ(6)`. */
  readonly name: string;
  readonly key: CdbKey;
  readonly fields: Readonly<Record<string, number | boolean>>;
  /** The first reserved bit that is set (a drive answers ILLEGAL REQUEST 24/00 pointing at it). */
  readonly reservedBitSet: { readonly byte: number; readonly bit: number } | undefined;
}

const BY_OPCODE = new Map<number, CdbKey>(
  (Object.keys(CDB_DEFINITIONS) as CdbKey[]).map((k) => [CDB_DEFINITIONS[k].opcode, k]),
);

/**
 * Decodes a CDB by its operation code. Throws DeviceError SDP_SCSI_CDB_FORMAT for an unknown operation
 * code or a CDB shorter than its table; bytes past the table (a transport padding to 16) are ignored.
 */
export function decodeCdb(bytes: Uint8Array, where: Where = {}): DecodedCdb {
  if (bytes.length === 0) throw new DeviceError('SDP_SCSI_CDB_FORMAT', 'empty CDB', where);
  const opcode = bytes[0]!;
  const key = BY_OPCODE.get(opcode);
  if (key === undefined)
    throw new DeviceError('SDP_SCSI_CDB_FORMAT', `unknown operation code 0x${opcode.toString(16)}`, {
      ...where,
      opcode,
    });
  const d = CDB_DEFINITIONS[key];
  const layout = layoutOf(key);
  if (bytes.length < layout.size!)
    throw new DeviceError(
      'SDP_SCSI_CDB_FORMAT',
      `${d.name} CDB has ${bytes.length} bytes, not ${layout.size}`,
      {
        ...where,
        opcode,
        length: bytes.length,
      },
    );
  const { operationCode: _op, ...fields } = withScsiCode('SDP_SCSI_CDB_FORMAT', where, () =>
    layout.decode(bytes, 0, where),
  ) as Record<string, number | boolean>;
  let reservedBitSet: DecodedCdb['reservedBitSet'];
  const masks = layout.reservedMasks!;
  for (let i = 0; i < masks.length && !reservedBitSet; i++) {
    const set = bytes[i]! & masks[i]!;
    if (set) reservedBitSet = { byte: i, bit: 31 - Math.clz32(set) };
  }
  return { opcode, name: d.name, key, fields, reservedBitSet };
}
