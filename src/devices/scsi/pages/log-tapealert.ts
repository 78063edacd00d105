/**
 * LOG SENSE page 0x2E TapeAlert (spec scsi.md §5): the log page header, parameters walked by their own
 * PARAMETER LENGTH, and the flags they carry; plus the page a real drive returns, for the simulator
 * (all 64 parameters, control byte 0x40, length 1, value 0/1).
 */
import {
  bitTable,
  bits,
  field,
  flag,
  flatLayout,
  packed,
  u16be,
  u8,
  type FlatValueOf,
} from '../../../layout.js';
import type { Where } from '../../../errors.js';
import { decodeStep, expectPageCode, PAGE_HEADER_BYTES, pageEnd, pageError } from './page-common.js';
import { tapeAlertFlag, TAPE_ALERT_FLAG_COUNT, type TapeAlertFlagInfo } from './tapealert-flags.js';

/** TapeAlert log page code. */
export const TAPE_ALERT_PAGE_CODE = 0x2e;

/** Log page header (4 bytes). */
export const LOG_PAGE_HEADER = flatLayout('LogPageHeader', [
  field(
    'byte0',
    packed(bitTable('LogPageByte0', 0, 1, [flag('ds', 0, 7), flag('spf', 0, 6), bits('pageCode', 0, 5, 0)])),
  ),
  field('subpageCode', u8),
  field('pageLength', u16be),
]);
/** Log parameter header (4 bytes); PARAMETER LENGTH value bytes follow. */
export const LOG_PARAMETER_HEADER = flatLayout('LogParameterHeader', [
  field('parameterCode', u16be),
  field(
    'byte2',
    packed(
      bitTable('LogParameterControl', 2, 1, [
        flag('du', 2, 7),
        flag('ds', 2, 6),
        flag('tsd', 2, 5),
        flag('etc', 2, 4),
        bits('tmc', 2, 3, 2),
        bits('formatAndLinking', 2, 1, 0),
      ]),
    ),
  ),
  field('parameterLength', u8),
]);

/** One log parameter. */
export interface LogParameter extends Omit<FlatValueOf<typeof LOG_PARAMETER_HEADER>, 'parameterLength'> {
  readonly value: Uint8Array;
}
type LogHeader = FlatValueOf<typeof LOG_PAGE_HEADER>;
/** A log page. */
export interface LogPage extends Omit<LogHeader, 'pageLength'> {
  /** PAGE LENGTH as received; derived when left out. */
  readonly pageLength?: number;
  readonly parameters: readonly LogParameter[];
}

/** One TapeAlert flag as read from the page. */
export interface TapeAlertFlagState extends TapeAlertFlagInfo {
  /** Bareos' rule: any non-zero value byte (sg_logs reads bit 0 only; real drives send 0 or 1). */
  readonly set: boolean;
}
/** A decoded TapeAlert page: the log page and the flags its parameters 1-64 carry. */
export interface TapeAlertPage extends LogPage {
  readonly flags: readonly TapeAlertFlagState[];
}

/** Decodes a log page; parameters up to 4 + PAGE LENGTH or the bytes received, whichever ends first. */
export function decodeLogPage(b: Uint8Array, where: Where = {}): LogPage {
  const h = decodeStep(where, () => LOG_PAGE_HEADER.decode(b, 0, where));
  const end = pageEnd(b, h.pageLength);
  const parameters: LogParameter[] = [];
  let p = PAGE_HEADER_BYTES;
  while (p < end) {
    if (p + LOG_PARAMETER_HEADER.size! > end) throw pageError('log parameter header cut short', where, p);
    const { parameterLength, ...ph } = LOG_PARAMETER_HEADER.decode(b, p, where);
    const from = p + LOG_PARAMETER_HEADER.size!;
    if (from + parameterLength > end)
      throw pageError(
        'log parameter runs past the page',
        where,
        p + LOG_PARAMETER_HEADER.offsets.parameterLength!,
        {
          parameterCode: ph.parameterCode,
        },
      );
    parameters.push({ ...ph, value: b.slice(from, from + parameterLength) });
    p = from + parameterLength;
  }
  return { ...h, parameters };
}

/** Encodes a log page. */
export function encodeLogPage(v: LogPage): Uint8Array {
  const size = v.parameters.reduce(
    (n, q) => n + LOG_PARAMETER_HEADER.size! + q.value.length,
    PAGE_HEADER_BYTES,
  );
  const out = new Uint8Array(size);
  const { parameters, pageLength, ...header } = v;
  let p = LOG_PAGE_HEADER.encodeInto(
    { ...header, pageLength: pageLength ?? size - PAGE_HEADER_BYTES },
    out,
    0,
  );
  for (const { value, ...q } of parameters) {
    p = LOG_PARAMETER_HEADER.encodeInto({ ...q, parameterLength: value.length }, out, p);
    out.set(value, p);
    p += value.length;
  }
  return out;
}

/** The flags of TapeAlert parameters 1-64, in page order (other parameter codes are left out). */
export function tapeAlertFlags(page: LogPage): TapeAlertFlagState[] {
  const out: TapeAlertFlagState[] = [];
  for (const q of page.parameters) {
    const info = tapeAlertFlag(q.parameterCode);
    if (info) out.push({ ...info, set: q.value.some((x) => x !== 0) });
  }
  return out;
}

/** Decodes a TapeAlert page (page code 0x2E, else SDP_SCSI_PAGE_FORMAT) with its flags. */
export function decodeTapeAlertPage(b: Uint8Array, where: Where = {}): TapeAlertPage {
  const page = decodeLogPage(b, where);
  expectPageCode(page.pageCode, TAPE_ALERT_PAGE_CODE, 'TapeAlert', where);
  return { ...page, flags: tapeAlertFlags(page) };
}

/** The flags that are set. */
export const activeTapeAlerts = (page: Pick<TapeAlertPage, 'flags'>): TapeAlertFlagState[] =>
  page.flags.filter((f) => f.set);

/** Parameter control byte a real drive sends (DS = 1; Sony SDX / Quantum DDS-4 manuals). mhVTL sends 0xC0. */
export const TAPE_ALERT_CONTROL = {
  du: false,
  ds: true,
  tsd: false,
  etc: false,
  tmc: 0,
  formatAndLinking: 0,
} as const;

/**
 * The TapeAlert page a drive returns: all 64 parameters (page length 0x0140), each with the control
 * byte of `control` (default 0x40), length 1 and value 1 for the flags in `set`, else 0.
 */
export function encodeTapeAlertPage(
  set: Iterable<number>,
  control: Omit<LogParameter, 'parameterCode' | 'value'> = TAPE_ALERT_CONTROL,
): Uint8Array {
  const on = new Set(set);
  const parameters: LogParameter[] = [];
  for (let n = 1; n <= TAPE_ALERT_FLAG_COUNT; n++)
    parameters.push({ ...control, parameterCode: n, value: Uint8Array.of(on.has(n) ? 1 : 0) });
  return encodeLogPage({ ds: false, spf: false, pageCode: TAPE_ALERT_PAGE_CODE, subpageCode: 0, parameters });
}
