/**
 * sg3_utils' sense-data text (libsgutils2, Debian `libsgutils2-1.46-2`, installed by .ci/run) bound with
 * koffi, as the reference for `formatSense`: `sg_get_sense_str(NULL, sense, len, raw_sinfo=false, …)` and
 * `sg_get_asc_ascq_str`. Missing library: the tests are skipped with the install command, except in CI.
 */
import { createRequire } from 'node:module';
import { systemLibrary } from './scsi-transport-system.js';
import { requireTool } from './system-tool.js';

/** The install command for the library. */
export const SGUTILS_INSTALL = 'apt-get install libsgutils2-1.46-2';
/** libsgutils2, found or not. */
export const sgutilsLibrary = systemLibrary(['libsgutils2-1.46.so.2', 'libsgutils2.so.2'], SGUTILS_INSTALL);

/** The two sg3_utils functions the tests compare with. */
export interface Sgutils {
  senseText(sense: Uint8Array): string;
  ascText(asc: number, ascq: number): string;
}

const TEXT_BUFFER_BYTES = 8192;
let bound: Sgutils | undefined;

/** Binds libsgutils2 (throws in CI when it is missing). */
export function sgutils(): Sgutils {
  if (bound) return bound;
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load(requireTool(sgutilsLibrary, SGUTILS_INSTALL));
  // Both return their buffer argument; the text is read from that buffer (a NUL-terminated C string).
  const senseStr = lib.func(
    'void *sg_get_sense_str(const char *leadin, const uint8_t *sbp, int sb_len, bool raw_sinfo, int buff_len, uint8_t *buff)',
  ) as (lead: null, sense: Uint8Array, len: number, raw: boolean, size: number, out: Buffer) => unknown;
  const ascStr = lib.func('void *sg_get_asc_ascq_str(int asc, int ascq, int buff_len, uint8_t *buff)') as (
    asc: number,
    ascq: number,
    size: number,
    out: Buffer,
  ) => unknown;
  const text = (out: Buffer) => out.subarray(0, out.indexOf(0)).toString('latin1');
  bound = {
    senseText: (sense) => {
      const out = Buffer.alloc(TEXT_BUFFER_BYTES);
      senseStr(null, sense, sense.length, false, out.length, out);
      return text(out);
    },
    ascText: (asc, ascq) => {
      const out = Buffer.alloc(TEXT_BUFFER_BYTES);
      ascStr(asc, ascq, out.length, out);
      return text(out);
    },
  };
  return bound;
}
