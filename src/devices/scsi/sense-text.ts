/**
 * Sense data as text, in the layout of sg3_utils' `sg_get_sense_str` (what `sg_decode_sense` prints), so an
 * operator can compare sdpipe's output with the tools they know. Tests compare the two byte for byte on the
 * sense data in spec scsi.md §4/§8 and test-environment.md §2.
 */
import { describeAsc, SENSE_KEY, SENSE_KEYS } from './asc-names.js';
import {
  decodeSense,
  decodeSenseKeySpecific,
  FIXED_SENSE_BYTES,
  SENSE_DESCRIPTOR_TYPE,
  type Sense,
  type SenseDescriptor,
} from './sense.js';
import { SdpipeError } from '../../errors.js';

const HEX_DUMP_BYTES_PER_LINE = 24;
const hex = (n: number) => n.toString(16);
const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** `    00 01 02 … ` lines, 24 bytes each, as sg3_utils dumps descriptor bytes. */
function hexDump(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i += HEX_DUMP_BYTES_PER_LINE) {
    const line = Array.from(data.subarray(i, i + HEX_DUMP_BYTES_PER_LINE), (b) => `${hex2(b)} `).join('');
    out += `    ${line}\n`;
  }
  return out;
}

const PROGRESS_DENOMINATOR = 65536;
/** sg3_utils turns the remainder into hundredths by dividing by 656 (65536 / 100, rounded up). */
const PROGRESS_HUNDREDTH = 656;
/** Progress (0-65535 of 65536) as a percentage with two decimals, computed the way sg3_utils does. */
function percent(progress: number): string {
  const scaled = progress * 100;
  const whole = Math.floor(scaled / PROGRESS_DENOMINATOR);
  const hundredths = Math.floor((scaled % PROGRESS_DENOMINATOR) / PROGRESS_HUNDREDTH);
  return `${whole}.${String(hundredths).padStart(2, '0')}%`;
}

const pointerText = (fieldPointer: number, bpv: boolean | undefined, bitPointer: number | undefined) =>
  `byte ${fieldPointer}${bpv ? ` bit ${bitPointer ?? 0}` : ''}`;

/** The sense-key specific line of fixed-format sense (only with SKSV). */
function fixedSksLine(s: Sense): string {
  switch (s.senseKey) {
    case SENSE_KEY.ILLEGAL_REQUEST:
      return `  Sense Key Specific: Error in ${s.cd ? 'Command' : 'Data parameters'}: ${pointerText(s.fieldPointer ?? 0, s.bpv, s.bitPointer)}\n`;
    case SENSE_KEY.NO_SENSE:
    case SENSE_KEY.NOT_READY:
      return `  Progress indication: ${percent(s.progress ?? 0)}\n`;
    case SENSE_KEY.RECOVERED_ERROR:
    case SENSE_KEY.MEDIUM_ERROR:
    case SENSE_KEY.HARDWARE_ERROR:
      return `  Actual retry count: 0x${(s.actualRetryCount ?? 0).toString(16).padStart(4, '0')}\n`;
    case SENSE_KEY.COPY_ABORTED:
      return `  Segment pointer: Relative to start of ${s.sd ? 'segment descriptor' : 'parameter list'}, ${pointerText(s.fieldPointer ?? 0, s.bpv, s.bitPointer)}\n`;
    case SENSE_KEY.UNIT_ATTENTION:
      return `  Unit attention condition queue: overflow flag is ${s.overflow ? 1 : 0}\n`;
    default:
      return `  Sense_key: 0x${hex(s.senseKey)} unexpected\n`;
  }
}

function formatFixed(s: Sense): string {
  let out = '';
  const effective = Math.min(s.length, 8 + s.additionalSenseLength);
  if (effective > 12) out += `${describeAsc(s.asc, s.ascq)}\n`;
  const info = s.information >>> 0;
  if (s.valid || info !== 0 || s.filemark || s.eom || s.ili) {
    // sg3_utils shows a non-zero INFORMATION even without VALID, marked as such.
    if (s.valid || info !== 0) out += `  ${s.valid ? '' : 'Valid=0, '}Info fld=0x${hex(info)} [${info}] `;
    out += `${s.filemark ? ' FMK' : ''}${s.eom ? ' EOM' : ''}${s.ili ? ' ILI' : ''}\n`;
  }
  if (s.fieldReplaceableUnitCode !== 0)
    out += `  Field replaceable unit code: ${s.fieldReplaceableUnitCode}\n`;
  if (effective >= FIXED_SENSE_BYTES && s.sksv) out += fixedSksLine(s);
  return out;
}

const TOO_SHORT = '    >> descriptor too short\n';
const u64At = (d: Uint8Array, at: number) => new DataView(d.buffer, d.byteOffset).getBigUint64(at);

/** Names of the descriptor types sdpipe does not decode further (SPC-4/5); their bytes are dumped. */
const OTHER_DESCRIPTOR_NAMES: Readonly<Record<number, string>> = {
  0x06: 'OSD object identification',
  0x07: 'OSD response integrity check value',
  0x08: 'OSD attribute identification',
  0x09: 'ATA status return',
  0x0a: 'Another progress indication',
  0x0b: 'User data segment referral',
  0x0c: 'Forwarded sense data',
  0x0d: 'Direct-access block device',
  0x0e: 'Device designation',
  0x0f: 'Microcode activation time',
};

function sksDescriptorText(s: Sense, d: Uint8Array): string {
  const short = d.length < 6;
  const value = short ? 0 : ((d[2]! & 0x7f) << 16) | (d[3]! << 8) | d[4]!;
  // sg3_utils decodes the descriptor whatever its SKSV bit says.
  const f = decodeSenseKeySpecific(s.senseKey, true, value);
  const label = (name: string, body: string) =>
    `Sense key specific: ${name}${short ? TOO_SHORT + hexDump(d) : body}`;
  switch (s.senseKey) {
    case SENSE_KEY.ILLEGAL_REQUEST:
      return label(
        'Field pointer:',
        `\n        Error in ${f.cd ? 'Command' : 'Data parameters'}: ${pointerText(f.fieldPointer ?? 0, f.bpv, f.bitPointer)}\n`,
      );
    case SENSE_KEY.NO_SENSE:
    case SENSE_KEY.NOT_READY:
      return label('Progress indication:', ` ${percent(f.progress ?? 0)}\n`);
    case SENSE_KEY.RECOVERED_ERROR:
    case SENSE_KEY.MEDIUM_ERROR:
    case SENSE_KEY.HARDWARE_ERROR:
      return label('Actual retry count:', ` ${f.actualRetryCount ?? 0}\n`);
    case SENSE_KEY.COPY_ABORTED:
      return label(
        'Segment pointer:',
        `\n        Relative to start of ${f.sd ? 'segment descriptor' : 'parameter list'}, ${pointerText(f.fieldPointer ?? 0, f.bpv, f.bitPointer)}\n`,
      );
    case SENSE_KEY.UNIT_ATTENTION:
      return label('Unit attention condition queue:', `\n        overflow flag is ${f.overflow ? 1 : 0}\n`);
    default:
      return `Sense key specific: Sense_key: 0x${hex(s.senseKey)} unexpected\n${hexDump(d)}`;
  }
}

function descriptorText(s: Sense, { descriptorType: type, data: d }: SenseDescriptor): string {
  const T = SENSE_DESCRIPTOR_TYPE;
  switch (type) {
    case T.INFORMATION:
      if (d.length < 10) return `Information:${TOO_SHORT}${hexDump(d)}`;
      return `Information:${d[0]! & 0x80 ? '' : ' Valid=0 (-> vendor specific)'} 0x${u64At(d, 2).toString(16).padStart(16, '0')}\n`;
    case T.COMMAND_SPECIFIC:
      if (d.length < 10) return `Command specific:${TOO_SHORT}${hexDump(d)}`;
      return `Command specific: 0x${u64At(d, 2).toString(16).padStart(16, '0')}\n`;
    case T.SENSE_KEY_SPECIFIC:
      return sksDescriptorText(s, d);
    case T.FIELD_REPLACEABLE_UNIT:
      if (d.length < 2) return `Field replaceable unit code:${TOO_SHORT}${hexDump(d)}`;
      return `Field replaceable unit code: 0x${hex(d[1]!)}\n`;
    case T.STREAM_COMMANDS: {
      if (d.length < 2) return `Stream commands:${TOO_SHORT}${hexDump(d)}`;
      const b = d[1]!;
      const fm = b & 0x80 ? 'FILEMARK' : '';
      const eom = b & 0x40 ? 'End Of Medium (EOM)' : '';
      const ili = b & 0x20 ? 'Incorrect Length Indicator (ILI)' : '';
      return `Stream commands: ${fm}${eom}${ili}\n`;
    }
    case T.BLOCK_COMMANDS:
      if (d.length < 2) return `Block commands:${TOO_SHORT}${hexDump(d)}`;
      return `Block commands: Incorrect Length Indicator (ILI) ${d[1]! & 0x20 ? 'set' : 'clear'}\n`;
    default: {
      const name = OTHER_DESCRIPTOR_NAMES[type];
      const title = type >= 0x80 ? `Vendor specific [0x${hex(type)}]` : (name ?? `Unknown [0x${hex(type)}]`);
      return `${title}\n${hexDump(d)}`;
    }
  }
}

function formatDescriptor(s: Sense): string {
  let out = `${describeAsc(s.asc, s.ascq)}\n`;
  for (const d of s.descriptors) out += `  Descriptor type: ${descriptorText(s, d)}`;
  return out;
}

/**
 * Sense data as sg3_utils' `sg_get_sense_str(NULL, …, raw_sinfo=false)` prints it: format and sense key,
 * SDAT_OVFL, the ASC/ASCQ line, then INFORMATION with FMK/EOM/ILI, the FRU code and the sense-key specific
 * field (fixed format) or one line per descriptor (descriptor format). Vendor bytes are not printed.
 */
export function formatSense(sense: Sense): string {
  const title = SENSE_KEYS[sense.senseKey & 0xf]!.title;
  const when = sense.deferred ? '<<<deferred>>>' : 'current';
  let out = `${sense.format === 'fixed' ? 'Fixed' : 'Descriptor'} format, ${when}; Sense key: ${title}\n`;
  if (sense.sdatOvfl) out += '<<<Sense data overflow (SDAT_OVFL)>>>\n';
  return out + (sense.format === 'fixed' ? formatFixed(sense) : formatDescriptor(sense));
}

/** {@link formatSense} for raw bytes; bytes that are not sense data are said to be so, with a hex dump. */
export function formatSenseBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return ' >>> sense buffer empty\n';
  try {
    return formatSense(decodeSense(bytes));
  } catch (e) {
    if (!(e instanceof SdpipeError)) throw e;
    return `Not sense data (${e.message}):\n${hexDump(bytes)}`;
  }
}
