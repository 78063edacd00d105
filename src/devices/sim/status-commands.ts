/**
 * The commands of the simulated drive that report or set its state without moving the tape (spec
 * scsi.md §5, §7): TEST UNIT READY, INQUIRY (standard data, VPD 0x00 and 0x80), REQUEST SENSE, READ
 * BLOCK LIMITS, MODE SENSE(6)/MODE SELECT(6) (header, block descriptor, data compression page) and LOG
 * SENSE (supported pages, TapeAlert, cleared when read).
 */
import { bitTable, bits, field, flag, flatLayout, packed, reserved, u16be, u32be, u8 } from '../../layout.js';
import { LOG_PAGE_HEADER, TAPE_ALERT_PAGE_CODE, encodeTapeAlertPage } from '../scsi/pages/log-tapealert.js';
import {
  decodeModeParameters6,
  encodeInquiry,
  encodeModeParameters6,
  encodeReadBlockLimits,
  MODE_BLOCK_DESCRIPTOR,
  MODE_PARAMETER_HEADER_6,
  PERIPHERAL_DEVICE_TYPE,
  type ModeBlockDescriptor,
} from '../scsi/replies.js';
import {
  ASC,
  CheckCondition,
  illegalRequest,
  invalidFieldInCdb,
  invalidFieldInParameterList,
  noSense,
  notReady,
} from './drive-conditions.js';
import { cdbFields, type CommandHandler } from './drive-state.js';
import { cdbFieldPosition, fieldPosition } from './field-pointer.js';

/** SPC-4 (INQUIRY VERSION 6). */
const SPC4_VERSION = 0x06;
const DEFAULT_SERIAL_NUMBER = 'SDPSIM0001';

/** VPD page header (SPC-4): device type, page code, page length; the page follows. */
const VPD_PAGE_HEADER = flatLayout('VpdPageHeader', [
  field(
    'byte0',
    packed(
      bitTable('VpdByte0', 0, 1, [
        bits('peripheralQualifier', 0, 7, 5),
        bits('peripheralDeviceType', 0, 4, 0),
      ]),
    ),
  ),
  field('pageCode', u8),
  field('pageLength', u16be),
]);
const VPD_PAGE = { SUPPORTED_PAGES: 0x00, UNIT_SERIAL_NUMBER: 0x80 } as const;

/** Mode page header (SPC-4, page_0 format): PS, SPF, page code, page length. */
const modePageByte0 = () =>
  packed(bitTable('ModePageByte0', 0, 1, [flag('ps', 0, 7), flag('spf', 0, 6), bits('pageCode', 0, 5, 0)]));
const MODE_PAGE_HEADER = flatLayout('ModePageHeader', [
  field('byte0', modePageByte0()),
  field('pageLength', u8),
]);
/** Mode page 0x0F Data Compression (SSC-4): the drive reports no compression (DCC = 0, DCE = 0). */
const DATA_COMPRESSION_PAGE = flatLayout('DataCompressionModePage', [
  field('byte0', modePageByte0()),
  field('pageLength', u8),
  field('byte2', packed(bitTable('DataCompressionByte2', 2, 1, [flag('dce', 2, 7), flag('dcc', 2, 6)]))),
  field('byte3', packed(bitTable('DataCompressionByte3', 3, 1, [flag('dde', 3, 7), bits('red', 3, 6, 5)]))),
  field('compressionAlgorithm', u32be),
  field('decompressionAlgorithm', u32be),
  field('reserved12', reserved(4)),
]);
const MODE_PAGE = { NONE: 0x00, DATA_COMPRESSION: 0x0f, ALL: 0x3f } as const;
/** The data compression page of a drive without compression: every field 0, none changeable. */
const NO_COMPRESSION = {
  dce: false,
  dcc: false,
  dde: false,
  red: 0,
  compressionAlgorithm: 0,
  decompressionAlgorithm: 0,
};
const MODE_PAGE_CONTROL = { CURRENT: 0, CHANGEABLE: 1, DEFAULT: 2, SAVED: 3 } as const;
const LOG_PAGE = { SUPPORTED_PAGES: 0x00, TAPE_ALERT: TAPE_ALERT_PAGE_CODE } as const;
/** BUFFERED MODE 1: GOOD status once the data is in the buffer (spec §7; tgt reports the same). */
const BUFFERED_MODE = 1;

/** TEST UNIT READY: GOOD when the cartridge is threaded, else NOT READY (3A/00 or the injected code). */
export const testUnitReady: CommandHandler = (s) => {
  s.medium();
  return undefined;
};

/** INQUIRY: standard data (36 bytes), VPD 0x00 and 0x80; other pages 24/00 pointing at byte 2. */
export const inquiry: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'inquiry');
  const pageCodePointer = cdbFieldPosition('inquiry', 'pageCode');
  const device = { peripheralQualifier: 0, peripheralDeviceType: PERIPHERAL_DEVICE_TYPE.SEQUENTIAL_ACCESS };
  if (!f.evpd) {
    if (f.pageCode !== 0) throw new CheckCondition(invalidFieldInCdb(pageCodePointer));
    const p = s.personality;
    return encodeInquiry({
      ...device,
      rmb: true,
      lucong: false,
      version: SPC4_VERSION,
      normaca: false,
      hisup: false,
      responseDataFormat: 2,
      sccs: false,
      acc: false,
      tpgs: 0,
      threePc: false,
      protect: false,
      encserv: false,
      vs1: false,
      multip: false,
      addr16: false,
      wbus16: false,
      sync: false,
      cmdque: false,
      vs2: false,
      vendorIdentification: p.vendor.padEnd(8),
      productIdentification: p.product.padEnd(16),
      productRevisionLevel: p.revision.padEnd(4),
      additionalBytes: new Uint8Array(0),
    });
  }
  let body: Uint8Array;
  switch (f.pageCode) {
    case VPD_PAGE.SUPPORTED_PAGES:
      body = Uint8Array.of(VPD_PAGE.SUPPORTED_PAGES, VPD_PAGE.UNIT_SERIAL_NUMBER);
      break;
    case VPD_PAGE.UNIT_SERIAL_NUMBER:
      body = new TextEncoder().encode(s.options.serialNumber ?? DEFAULT_SERIAL_NUMBER);
      break;
    default:
      throw new CheckCondition(invalidFieldInCdb(pageCodePointer));
  }
  const header = VPD_PAGE_HEADER.encode({ ...device, pageCode: f.pageCode, pageLength: body.length });
  return concat(header, body);
};

/**
 * REQUEST SENSE: a pending unit attention (cleared), else NOT READY when there is no medium, else the
 * sense of the last command that failed (cleared), else NO SENSE — as data, with GOOD status.
 */
export const requestSense: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'requestSense');
  let sense = s.unitAttentions.shift();
  if (!sense && (!s.threaded || s.faults.notReady)) {
    const injected = s.faults.notReady;
    sense = injected ? notReady([injected.asc, injected.ascq]) : notReady(ASC.MEDIUM_NOT_PRESENT);
  }
  sense ??= s.lastSense ?? noSense();
  s.lastSense = undefined;
  return s.encodeSense(sense, f.desc || (s.options.descriptorSense ?? false));
};

/** READ BLOCK LIMITS: granularity 0, the personality's maximum, minimum 1 (MLOI is refused). */
export const readBlockLimits: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'readBlockLimits');
  if (f.mloi) throw new CheckCondition(invalidFieldInCdb(cdbFieldPosition('readBlockLimits', 'mloi')));
  return encodeReadBlockLimits({
    granularity: 0,
    maximumBlockLength: s.personality.maxBlockBytes,
    minimumBlockLength: 1,
  });
};

/** The data compression page: DCC = 0 (no compression), so its current, default and changeable views agree. */
function dataCompressionPage(): Uint8Array {
  return DATA_COMPRESSION_PAGE.encode({
    ps: false,
    spf: false,
    pageCode: MODE_PAGE.DATA_COMPRESSION,
    pageLength: DATA_COMPRESSION_PAGE.size! - MODE_PAGE_HEADER.size!,
    ...NO_COMPRESSION,
  });
}

/** MODE SENSE(6): header, one block descriptor (unless DBD), and pages 0x0F / 0x3F. */
export const modeSense6: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'modeSense6');
  if (f.pc === MODE_PAGE_CONTROL.SAVED)
    throw new CheckCondition(illegalRequest(ASC.SAVING_PARAMETERS_NOT_SUPPORTED));
  if (f.subpageCode !== 0)
    throw new CheckCondition(invalidFieldInCdb(cdbFieldPosition('modeSense6', 'subpageCode')));
  let pages: Uint8Array;
  switch (f.pageCode) {
    case MODE_PAGE.NONE:
      pages = new Uint8Array(0);
      break;
    case MODE_PAGE.DATA_COMPRESSION:
    case MODE_PAGE.ALL:
      pages = dataCompressionPage();
      break;
    default:
      throw new CheckCondition(invalidFieldInCdb(cdbFieldPosition('modeSense6', 'pageCode')));
  }
  const image = s.threaded;
  const blockLength =
    f.pc === MODE_PAGE_CONTROL.CHANGEABLE ? 0xffffff : f.pc === MODE_PAGE_CONTROL.DEFAULT ? 0 : s.blockLength;
  const descriptor: ModeBlockDescriptor = {
    densityCode: f.pc === MODE_PAGE_CONTROL.CURRENT && image ? s.personality.densityCode : 0,
    numberOfBlocks: 0,
    blockLength,
  };
  return encodeModeParameters6({
    mediumType: 0,
    wp: image ? s.writeProtected(image) : false,
    bufferedMode: BUFFERED_MODE,
    speed: 0,
    blockDescriptors: f.dbd ? [] : [descriptor],
    pages,
  });
};

/**
 * MODE SELECT(6): sets fixed (block length > 0) or variable (0) block mode from the block descriptor;
 * accepts the data compression page with DCE = 0. Bad values → ILLEGAL REQUEST 26/00 with the field
 * pointer at the first bad byte of the parameter list (spec §8, the sg3_utils issue #71 shape).
 */
export const modeSelect6: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'modeSelect6');
  const data = request.dataOut;
  if (f.parameterListLength === 0) return undefined;
  if (f.parameterListLength < MODE_PARAMETER_HEADER_6.size!)
    throw new CheckCondition(illegalRequest(ASC.PARAMETER_LIST_LENGTH_ERROR));
  const header = MODE_PARAMETER_HEADER_6.decode(data);
  const bdLength = header.blockDescriptorLength;
  // MODE DATA LENGTH is reserved in MODE SELECT (SPC-4).
  if (header.modeDataLength !== 0)
    throw new CheckCondition(
      invalidFieldInParameterList(fieldPosition(MODE_PARAMETER_HEADER_6, 'modeDataLength')),
    );
  if (bdLength !== 0 && bdLength !== MODE_BLOCK_DESCRIPTOR.size!)
    throw new CheckCondition(
      invalidFieldInParameterList(fieldPosition(MODE_PARAMETER_HEADER_6, 'blockDescriptorLength')),
    );
  if (MODE_PARAMETER_HEADER_6.size! + bdLength > data.length)
    throw new CheckCondition(illegalRequest(ASC.PARAMETER_LIST_LENGTH_ERROR));
  const parsed = decodeModeParameters6(data, {}, { select: true });
  const descriptor = parsed.blockDescriptors[0];
  if (descriptor && descriptor.blockLength > s.personality.maxBlockBytes) {
    const blockLength = fieldPosition(MODE_BLOCK_DESCRIPTOR, 'blockLength');
    throw new CheckCondition(
      invalidFieldInParameterList({ ...blockLength, byte: MODE_PARAMETER_HEADER_6.size! + blockLength.byte }),
    );
  }
  checkModePages(parsed.pages, MODE_PARAMETER_HEADER_6.size! + bdLength);
  if (descriptor) {
    s.threaded?.flush();
    s.blockLength = descriptor.blockLength;
  }
  return undefined;
};

/** Checks the mode pages of a MODE SELECT; `base` = their offset in the parameter list. */
function checkModePages(pages: Uint8Array, base: number): void {
  const at = (p: number, name: string) => {
    const f = fieldPosition(DATA_COMPRESSION_PAGE, name);
    return { ...f, byte: base + p + f.byte };
  };
  for (let p = 0; p < pages.length;) {
    if (p + MODE_PAGE_HEADER.size! > pages.length)
      throw new CheckCondition(illegalRequest(ASC.PARAMETER_LIST_LENGTH_ERROR));
    const h = MODE_PAGE_HEADER.decode(pages, p);
    if (h.pageCode !== MODE_PAGE.DATA_COMPRESSION)
      throw new CheckCondition(invalidFieldInParameterList(at(p, 'pageCode')));
    if (
      MODE_PAGE_HEADER.size! + h.pageLength !== DATA_COMPRESSION_PAGE.size! ||
      p + DATA_COMPRESSION_PAGE.size > pages.length
    )
      throw new CheckCondition(invalidFieldInParameterList(at(p, 'pageLength')));
    // DCC = 0: the drive cannot compress, so DCE = 1 is refused.
    if (DATA_COMPRESSION_PAGE.decode(pages, p).dce)
      throw new CheckCondition(invalidFieldInParameterList(at(p, 'dce')));
    p += DATA_COMPRESSION_PAGE.size;
  }
}

/** LOG SENSE: page 0x00 (supported pages) and 0x2E TapeAlert (all 64 flags, cleared by the read). */
export const logSense: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'logSense');
  const refuse = (name: string) => new CheckCondition(invalidFieldInCdb(cdbFieldPosition('logSense', name)));
  if (f.ppc) throw refuse('ppc');
  if (f.subpageCode !== 0) throw refuse('subpageCode');
  if (f.parameterPointer !== 0) throw refuse('parameterPointer');
  switch (f.pageCode) {
    case LOG_PAGE.SUPPORTED_PAGES: {
      const list = Uint8Array.of(LOG_PAGE.SUPPORTED_PAGES, LOG_PAGE.TAPE_ALERT);
      const header = LOG_PAGE_HEADER.encode({
        ds: false,
        spf: false,
        pageCode: 0,
        subpageCode: 0,
        pageLength: list.length,
      });
      return concat(header, list);
    }
    case LOG_PAGE.TAPE_ALERT: {
      const flags = s.tapeAlert.take();
      return encodeTapeAlertPage(flags.flatMap((set, i) => (set ? [i + 1] : [])));
    }
    default:
      throw refuse('pageCode');
  }
};

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
