/**
 * Sense data (spec scsi.md §4): fixed format (response codes 0x70 current, 0x71 deferred) and descriptor
 * format (0x72, 0x73), decoded from the bytes a transport returned and encoded for the simulated drive.
 * Lengths come from ADDITIONAL SENSE LENGTH, never from an assumed 18: a field outside it reads as 0.
 * Vendor bytes (fixed bytes 18.., e.g. IBM's 96-byte sense) are kept raw.
 */
import { DeviceError, type Where } from '../../errors.js';
import { ascName, senseKeyName } from './asc-names.js';
import { withScsiCode } from './scsi-error.js';
import {
  BLOCK_DESCRIPTOR,
  COMMAND_SPECIFIC_DESCRIPTOR,
  decodeSenseKeySpecific,
  DESCRIPTOR_HEADER,
  DESCRIPTOR_SENSE,
  DESCRIPTOR_SENSE_HEADER_BYTES,
  encodeSenseKeySpecific,
  FIXED_SENSE,
  FIXED_SENSE_BYTES,
  FRU_DESCRIPTOR,
  hasSksFields,
  INFORMATION_DESCRIPTOR,
  SENSE_DESCRIPTOR_TYPE,
  SENSE_RESPONSE_CODE,
  SKS_DESCRIPTOR,
  STREAM_DESCRIPTOR,
  type SenseKeySpecificFields,
} from './sense-layouts.js';

export {
  DESCRIPTOR_SENSE_HEADER_BYTES,
  FIXED_SENSE_BYTES,
  SENSE_DESCRIPTOR_TYPE,
  SENSE_RESPONSE_CODE,
  decodeSenseKeySpecific,
  encodeSenseKeySpecific,
  type SenseKeySpecificFields,
} from './sense-layouts.js';

/** One descriptor of descriptor-format sense data, as received. */
export interface SenseDescriptor {
  readonly descriptorType: number;
  /** ADDITIONAL LENGTH as received (may promise more bytes than `data` holds when cut short). */
  readonly additionalLength: number;
  /** The bytes after the 2-byte header that are present. */
  readonly data: Uint8Array;
}

/** Decoded sense data. The same shape comes from both formats; `format` says which one it was. */
export interface Sense extends SenseKeySpecificFields {
  readonly format: 'fixed' | 'descriptor';
  readonly responseCode: number;
  /** Response code 0x71/0x73: the error belongs to an earlier command. */
  readonly deferred: boolean;
  /** The INFORMATION field is valid (fixed: VALID bit; descriptor: information descriptor with VALID). */
  readonly valid: boolean;
  readonly senseKey: number;
  /** T10 name of the sense key, e.g. `ILLEGAL REQUEST`. */
  readonly senseKeyName: string;
  readonly asc: number;
  readonly ascq: number;
  /** Name of the ASC/ASCQ pair, when known (spec §4 names). */
  readonly ascName: string | undefined;
  readonly filemark: boolean;
  readonly eom: boolean;
  readonly ili: boolean;
  readonly sdatOvfl: boolean;
  /** INFORMATION, signed (tape reads: residue = requested − actual). */
  readonly information: number;
  readonly commandSpecificInformation: number;
  readonly fieldReplaceableUnitCode: number;
  readonly sksv: boolean;
  /** The 23 sense-key specific bits below SKSV, as received (the fields above are decoded from them). */
  readonly senseKeySpecific: number;
  /** ADDITIONAL SENSE LENGTH (byte 7) as received. */
  readonly additionalSenseLength: number;
  /** Bytes received (may be more or less than 8 + additionalSenseLength). */
  readonly length: number;
  /** Fixed byte 1 (obsolete SEGMENT NUMBER); 0 in descriptor format. */
  readonly segmentNumber: number;
  /** Descriptor format: every descriptor, in order; fixed format: empty. */
  readonly descriptors: readonly SenseDescriptor[];
  /** Fixed: bytes 18 onwards (vendor bytes); descriptor: bytes after the last descriptor. Kept raw. */
  readonly vendorBytes: Uint8Array;
}

const senseFormatError = (message: string, where: Where, extra: Where = {}) =>
  new DeviceError('SDP_SCSI_SENSE_FORMAT', message, { ...where, ...extra });

const toNumber64 = (v: bigint): number => Number(BigInt.asIntN(64, v));

function decodeFixed(b: Uint8Array, where: Where): Sense {
  const additionalSenseLength = b[7]!;
  const effective = Math.min(b.length, 8 + additionalSenseLength);
  // Fields beyond ADDITIONAL SENSE LENGTH (or beyond what arrived) read as 0.
  const head = effective >= FIXED_SENSE_BYTES ? b : new Uint8Array(FIXED_SENSE_BYTES);
  if (head !== b) head.set(b.subarray(0, effective));
  head[7] = additionalSenseLength;
  const f = withScsiCode('SDP_SCSI_SENSE_FORMAT', where, () => FIXED_SENSE.decode(head, 0, where));
  const senseKeySpecific = (f.sksHigh << 16) | f.sksLow;
  return {
    format: 'fixed',
    responseCode: f.responseCode,
    deferred: f.responseCode === SENSE_RESPONSE_CODE.FIXED_DEFERRED,
    valid: f.valid,
    senseKey: f.senseKey,
    senseKeyName: senseKeyName(f.senseKey),
    asc: f.asc,
    ascq: f.ascq,
    ascName: ascName(f.asc, f.ascq),
    filemark: f.filemark,
    eom: f.eom,
    ili: f.ili,
    sdatOvfl: f.sdatOvfl,
    information: f.information,
    commandSpecificInformation: f.commandSpecificInformation,
    fieldReplaceableUnitCode: f.fieldReplaceableUnitCode,
    sksv: f.sksv,
    senseKeySpecific,
    ...decodeSenseKeySpecific(f.senseKey, f.sksv, senseKeySpecific),
    additionalSenseLength,
    length: b.length,
    segmentNumber: f.segmentNumber,
    descriptors: [],
    vendorBytes: b.slice(Math.min(FIXED_SENSE_BYTES, b.length)),
  };
}

function decodeDescriptorFormat(b: Uint8Array, where: Where): Sense {
  const h = withScsiCode('SDP_SCSI_SENSE_FORMAT', where, () => DESCRIPTOR_SENSE.decode(b, 0, where));
  const end = Math.min(b.length, DESCRIPTOR_SENSE_HEADER_BYTES + h.additionalSenseLength);
  const descriptors: SenseDescriptor[] = [];
  const found = new Map<number, number>(); // first offset of each descriptor type that is long enough
  const needs: Readonly<Record<number, number>> = {
    [SENSE_DESCRIPTOR_TYPE.INFORMATION]: INFORMATION_DESCRIPTOR.size!,
    [SENSE_DESCRIPTOR_TYPE.COMMAND_SPECIFIC]: COMMAND_SPECIFIC_DESCRIPTOR.size!,
    [SENSE_DESCRIPTOR_TYPE.SENSE_KEY_SPECIFIC]: SKS_DESCRIPTOR.size!,
    [SENSE_DESCRIPTOR_TYPE.FIELD_REPLACEABLE_UNIT]: FRU_DESCRIPTOR.size!,
    [SENSE_DESCRIPTOR_TYPE.STREAM_COMMANDS]: STREAM_DESCRIPTOR.size!,
    [SENSE_DESCRIPTOR_TYPE.BLOCK_COMMANDS]: BLOCK_DESCRIPTOR.size!,
  };
  let p = DESCRIPTOR_SENSE_HEADER_BYTES;
  let tail = p;
  const headerBytes = DESCRIPTOR_HEADER.size!;
  while (p + headerBytes <= end) {
    const { descriptorType, additionalLength } = DESCRIPTOR_HEADER.decode(b, p, where);
    const from = p + headerBytes;
    const avail = Math.min(additionalLength, end - from);
    descriptors.push({ descriptorType, additionalLength, data: b.slice(from, from + avail) });
    const need = needs[descriptorType];
    if (need !== undefined && !found.has(descriptorType) && headerBytes + avail >= need)
      found.set(descriptorType, p);
    tail = from + avail;
    p = from + additionalLength;
  }
  if (p + headerBytes > end && p < end) tail = p;
  const at = (t: number) => found.get(t);
  const info = at(SENSE_DESCRIPTOR_TYPE.INFORMATION);
  const infoD = info === undefined ? undefined : INFORMATION_DESCRIPTOR.decode(b, info, where);
  const cmd = at(SENSE_DESCRIPTOR_TYPE.COMMAND_SPECIFIC);
  const sks = at(SENSE_DESCRIPTOR_TYPE.SENSE_KEY_SPECIFIC);
  const sksD = sks === undefined ? undefined : SKS_DESCRIPTOR.decode(b, sks, where);
  const fru = at(SENSE_DESCRIPTOR_TYPE.FIELD_REPLACEABLE_UNIT);
  const stream = at(SENSE_DESCRIPTOR_TYPE.STREAM_COMMANDS);
  const streamD = stream === undefined ? undefined : STREAM_DESCRIPTOR.decode(b, stream, where);
  const block = at(SENSE_DESCRIPTOR_TYPE.BLOCK_COMMANDS);
  const sksv = sksD?.sksv ?? false;
  const senseKeySpecific = sksD ? (sksD.sksHigh << 16) | sksD.sksLow : 0;
  return {
    format: 'descriptor',
    responseCode: h.responseCode,
    deferred: h.responseCode === SENSE_RESPONSE_CODE.DESCRIPTOR_DEFERRED,
    valid: infoD?.valid ?? false,
    senseKey: h.senseKey,
    senseKeyName: senseKeyName(h.senseKey),
    asc: h.asc,
    ascq: h.ascq,
    ascName: ascName(h.asc, h.ascq),
    filemark: streamD?.filemark ?? false,
    eom: streamD?.eom ?? false,
    ili: (streamD?.ili ?? false) || (block !== undefined && BLOCK_DESCRIPTOR.decode(b, block, where).ili),
    sdatOvfl: h.sdatOvfl,
    information: infoD ? toNumber64(infoD.information) : 0,
    commandSpecificInformation:
      cmd === undefined
        ? 0
        : Number(COMMAND_SPECIFIC_DESCRIPTOR.decode(b, cmd, where).commandSpecificInformation),
    fieldReplaceableUnitCode:
      fru === undefined ? 0 : FRU_DESCRIPTOR.decode(b, fru, where).fieldReplaceableUnitCode,
    sksv,
    senseKeySpecific,
    ...decodeSenseKeySpecific(h.senseKey, sksv, senseKeySpecific),
    additionalSenseLength: h.additionalSenseLength,
    length: b.length,
    segmentNumber: 0,
    descriptors,
    vendorBytes: b.slice(Math.min(tail, b.length)),
  };
}

/**
 * Decodes sense data of either format. Needs the 8-byte header; throws DeviceError SDP_SCSI_SENSE_FORMAT
 * for fewer bytes or a response code other than 0x70-0x73.
 */
export function decodeSense(bytes: Uint8Array, where: Where = {}): Sense {
  if (bytes.length < 8)
    throw senseFormatError('sense data shorter than its 8-byte header', where, { length: bytes.length });
  const responseCode = bytes[0]! & 0x7f;
  switch (responseCode) {
    case SENSE_RESPONSE_CODE.FIXED_CURRENT:
    case SENSE_RESPONSE_CODE.FIXED_DEFERRED:
      return decodeFixed(bytes, where);
    case SENSE_RESPONSE_CODE.DESCRIPTOR_CURRENT:
    case SENSE_RESPONSE_CODE.DESCRIPTOR_DEFERRED:
      return decodeDescriptorFormat(bytes, where);
    default:
      throw senseFormatError(`unknown sense response code 0x${responseCode.toString(16)}`, where, {
        responseCode,
      });
  }
}

/** What the simulated drive (or a test) says about a condition; everything but the sense key is optional. */
export interface SenseInit extends SenseKeySpecificFields {
  /** Default `fixed`. */
  readonly format?: 'fixed' | 'descriptor';
  readonly deferred?: boolean;
  /** Overrides `format`/`deferred` when given. */
  readonly responseCode?: number;
  readonly senseKey: number;
  readonly asc?: number;
  readonly ascq?: number;
  readonly filemark?: boolean;
  readonly eom?: boolean;
  readonly ili?: boolean;
  readonly sdatOvfl?: boolean;
  /** Default: true when `information` is given. */
  readonly valid?: boolean;
  readonly information?: number;
  readonly commandSpecificInformation?: number;
  readonly fieldReplaceableUnitCode?: number;
  /** Default: true when a sense-key specific field is given. */
  readonly sksv?: boolean;
  /** The raw 23 bits; when absent they are built from the sense-key specific fields. */
  readonly senseKeySpecific?: number;
  /** Default: `length − 8`. */
  readonly additionalSenseLength?: number;
  /**
   * Total bytes. Fixed default: 18 + vendor bytes (24 = HP-made drives, 96 = IBM, §4); descriptor default:
   * header + descriptors + vendor bytes. Shorter cuts, longer pads with zeros.
   */
  readonly length?: number;
  readonly segmentNumber?: number;
  /** Descriptor format: written exactly (else built from the fields above). */
  readonly descriptors?: readonly SenseDescriptor[];
  readonly vendorBytes?: Uint8Array;
}

const fit = (b: Uint8Array, length: number | undefined): Uint8Array => {
  if (length === undefined || length === b.length) return b;
  const out = new Uint8Array(length);
  out.set(b.subarray(0, length));
  return out;
};

function sksOf(s: SenseInit): { sksv: boolean; value: number } {
  const given = hasSksFields(s);
  return {
    sksv: s.sksv ?? (given || s.senseKeySpecific !== undefined),
    value: (s.senseKeySpecific ?? encodeSenseKeySpecific(s.senseKey, s)) & 0x7fffff,
  };
}

function builtDescriptors(s: SenseInit): Uint8Array[] {
  const T = SENSE_DESCRIPTOR_TYPE;
  const out: Uint8Array[] = [];
  const len = (l: { size: number | undefined }) => l.size! - DESCRIPTOR_HEADER.size!;
  if (s.information !== undefined || s.valid)
    out.push(
      INFORMATION_DESCRIPTOR.encode({
        descriptorType: T.INFORMATION,
        additionalLength: len(INFORMATION_DESCRIPTOR),
        valid: s.valid ?? true,
        information: BigInt(s.information ?? 0),
      }),
    );
  if (s.commandSpecificInformation !== undefined)
    out.push(
      COMMAND_SPECIFIC_DESCRIPTOR.encode({
        descriptorType: T.COMMAND_SPECIFIC,
        additionalLength: len(COMMAND_SPECIFIC_DESCRIPTOR),
        commandSpecificInformation: BigInt(s.commandSpecificInformation),
      }),
    );
  const sks = sksOf(s);
  if (sks.sksv || sks.value !== 0)
    out.push(
      SKS_DESCRIPTOR.encode({
        descriptorType: T.SENSE_KEY_SPECIFIC,
        additionalLength: len(SKS_DESCRIPTOR),
        sksv: sks.sksv,
        sksHigh: sks.value >> 16,
        sksLow: sks.value & 0xffff,
      }),
    );
  if (s.fieldReplaceableUnitCode)
    out.push(
      FRU_DESCRIPTOR.encode({
        descriptorType: T.FIELD_REPLACEABLE_UNIT,
        additionalLength: len(FRU_DESCRIPTOR),
        fieldReplaceableUnitCode: s.fieldReplaceableUnitCode,
      }),
    );
  if (s.filemark || s.eom || s.ili)
    out.push(
      STREAM_DESCRIPTOR.encode({
        descriptorType: T.STREAM_COMMANDS,
        additionalLength: len(STREAM_DESCRIPTOR),
        filemark: s.filemark ?? false,
        eom: s.eom ?? false,
        ili: s.ili ?? false,
      }),
    );
  return out;
}

function encodeDescriptorFormat(s: SenseInit): Uint8Array {
  const parts = s.descriptors
    ? s.descriptors.map((d) => {
        const b = new Uint8Array(DESCRIPTOR_HEADER.size! + d.data.length);
        DESCRIPTOR_HEADER.encodeInto(d, b, 0);
        b.set(d.data, DESCRIPTOR_HEADER.size);
        return b;
      })
    : builtDescriptors(s);
  const vendor = s.vendorBytes ?? new Uint8Array(0);
  const total = DESCRIPTOR_SENSE_HEADER_BYTES + parts.reduce((n, p) => n + p.length, 0) + vendor.length;
  const out = new Uint8Array(total);
  DESCRIPTOR_SENSE.encodeInto(
    {
      responseCode:
        s.responseCode ??
        (s.deferred ? SENSE_RESPONSE_CODE.DESCRIPTOR_DEFERRED : SENSE_RESPONSE_CODE.DESCRIPTOR_CURRENT),
      senseKey: s.senseKey,
      asc: s.asc ?? 0,
      ascq: s.ascq ?? 0,
      sdatOvfl: s.sdatOvfl ?? false,
      additionalSenseLength: Math.min(0xff, s.additionalSenseLength ?? (s.length ?? total) - 8),
    },
    out,
    0,
  );
  let p = DESCRIPTOR_SENSE_HEADER_BYTES;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  out.set(vendor, p);
  return fit(out, s.length);
}

function encodeFixed(s: SenseInit): Uint8Array {
  const vendor = s.vendorBytes ?? new Uint8Array(0);
  const out = new Uint8Array(FIXED_SENSE_BYTES + vendor.length);
  const length = s.length ?? out.length;
  const sks = sksOf(s);
  FIXED_SENSE.encodeInto(
    {
      valid: s.valid ?? s.information !== undefined,
      responseCode:
        s.responseCode ??
        (s.deferred ? SENSE_RESPONSE_CODE.FIXED_DEFERRED : SENSE_RESPONSE_CODE.FIXED_CURRENT),
      segmentNumber: s.segmentNumber ?? 0,
      filemark: s.filemark ?? false,
      eom: s.eom ?? false,
      ili: s.ili ?? false,
      sdatOvfl: s.sdatOvfl ?? false,
      senseKey: s.senseKey,
      information: s.information ?? 0,
      additionalSenseLength: Math.max(0, Math.min(0xff, s.additionalSenseLength ?? length - 8)),
      commandSpecificInformation: s.commandSpecificInformation ?? 0,
      asc: s.asc ?? 0,
      ascq: s.ascq ?? 0,
      fieldReplaceableUnitCode: s.fieldReplaceableUnitCode ?? 0,
      sksv: sks.sksv,
      sksHigh: sks.value >> 16,
      sksLow: sks.value & 0xffff,
    },
    out,
    0,
  );
  out.set(vendor, FIXED_SENSE_BYTES);
  return fit(out, length);
}

/**
 * Encodes sense data. A decoded {@link Sense} encodes back to the bytes it came from (for well-formed
 * input); a {@link SenseInit} such as `{ senseKey: 5, asc: 0x26, ascq: 0, cd: false, bitPointer: 7,
 * fieldPointer: 8, length: 24 }` gives what a drive would send.
 */
export function encodeSense(sense: SenseInit): Uint8Array {
  const descriptor =
    sense.responseCode !== undefined
      ? (sense.responseCode & 0x7e) === SENSE_RESPONSE_CODE.DESCRIPTOR_CURRENT
      : sense.format === 'descriptor';
  return descriptor ? encodeDescriptorFormat(sense) : encodeFixed(sense);
}
