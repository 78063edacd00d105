/**
 * sg3_utils' pass-through library libsgutils2 bound with koffi: the `scsi_pt_*` calls that issue one SCSI
 * command through Linux SG_IO on `/dev/sg*`, `/dev/nst*` or `/dev/st*` (spec scsi.md §6). Debian versions
 * the file name (`libsgutils2-1.46.so.2` in Debian 12, package `libsgutils2-1.46-2`, pulled in by
 * `sg3-utils`), so several sonames are tried. Loaded on first use.
 *
 * The pass-through object keeps the CDB, sense and data pointers it is given until `do_scsi_pt` returns,
 * and `do_scsi_pt` runs on a koffi worker thread: every buffer handed to these calls is C memory from
 * {@link Libsgutils.alloc}, never a JavaScript buffer.
 */
import { koffiModule, loadSystemLibrary, type SystemLibrary } from './system-library.js';
import type { Where } from '../../errors.js';

/** The library under the names distributions give it, and the Debian package. */
export const LIBSGUTILS: SystemLibrary = {
  sonames: [
    'libsgutils2-1.46.so.2',
    'libsgutils2-1.48.so.2',
    'libsgutils2-1.47.so.2',
    'libsgutils2-1.45.so.2',
    'libsgutils2.so.2',
  ],
  debianPackage: 'libsgutils2-1.46-2 (Debian 12; installed with sg3-utils)',
};

/** `get_scsi_pt_result_category` values (sg_pt.h). */
export const SCSI_PT_RESULT = { GOOD: 0, STATUS: 1, SENSE: 2, TRANSPORT_ERR: 3, OS_ERR: 4 } as const;
/** Positive `do_scsi_pt` return values (sg_pt.h); a negative one is `-errno`. */
export const SCSI_PT_DO = { START_OK: 0, BAD_PARAMS: 1, TIMEOUT: 2, NOT_SUPPORTED: 4 } as const;

/** A `struct sg_pt_base *`. */
export type PtObject = { readonly __brand: 'sg_pt_base' };
/** C memory from {@link Libsgutils.alloc}. */
export type CBuffer = { readonly __brand: 'c_buffer' };

/** The pass-through calls. `*Async` ones run on a koffi worker thread (they can block for minutes). */
export interface Libsgutils {
  /** Opens `device` (O_RDWR or O_RDONLY, with O_NONBLOCK); returns the fd or `-errno`. */
  openDeviceAsync(device: string, readOnly: boolean): Promise<number>;
  /** Returns 0 or `-errno`. */
  closeDevice(fd: number): number;
  construct(): PtObject | null;
  destruct(obj: PtObject): void;
  setCdb(obj: PtObject, cdb: CBuffer, length: number): void;
  setSense(obj: PtObject, sense: CBuffer, length: number): void;
  setDataIn(obj: PtObject, data: CBuffer, length: number): void;
  setDataOut(obj: PtObject, data: CBuffer, length: number): void;
  /** Issues the command; 0 when it was sent, `-errno`, or one of {@link SCSI_PT_DO}. */
  doScsiPtAsync(obj: PtObject, fd: number, timeoutSeconds: number): Promise<number>;
  resultCategory(obj: PtObject): number;
  statusResponse(obj: PtObject): number;
  senseLength(obj: PtObject): number;
  resid(obj: PtObject): number;
  osError(obj: PtObject): number;
  transportError(obj: PtObject): number;
  /** `length` bytes of C memory (at least 1), to be released with {@link Libsgutils.free}. */
  alloc(length: number): CBuffer;
  free(buffer: CBuffer): void;
  /** The C memory as a Uint8Array (no copy; invalid after `free`). */
  view(buffer: CBuffer, length: number): Uint8Array;
}

/** Opens libsgutils2; throws DeviceError SDP_DEVICE_OPEN naming the sonames and the package if missing. */
export function openLibsgutils(library: SystemLibrary = LIBSGUTILS, where: Where = {}): Libsgutils {
  const lib = loadSystemLibrary(library, where);
  const koffi = koffiModule();
  const pt = koffi.pointer(koffi.opaque());
  type Fn = ((...args: unknown[]) => unknown) & { async: (...args: unknown[]) => void };
  const fn = (name: string, result: string | typeof pt, args: (string | typeof pt)[]): Fn =>
    lib.func(name, result, args);
  const async = (f: Fn, ...args: unknown[]): Promise<number> =>
    new Promise((resolve, reject) =>
      f.async(...args, (err: Error | null, rc: number) => (err ? reject(err) : resolve(rc))),
    );

  const open = fn('scsi_pt_open_device', 'int', ['str', 'bool', 'int']);
  const close = fn('scsi_pt_close_device', 'int', ['int']);
  const construct = fn('construct_scsi_pt_obj', pt, []);
  const destruct = fn('destruct_scsi_pt_obj', 'void', [pt]);
  const setCdb = fn('set_scsi_pt_cdb', 'void', [pt, 'void *', 'int']);
  const setSense = fn('set_scsi_pt_sense', 'void', [pt, 'void *', 'int']);
  const setDataIn = fn('set_scsi_pt_data_in', 'void', [pt, 'void *', 'int']);
  const setDataOut = fn('set_scsi_pt_data_out', 'void', [pt, 'void *', 'int']);
  const doPt = fn('do_scsi_pt', 'int', [pt, 'int', 'int', 'int']);
  const getter = (name: string) => {
    const f = fn(name, 'int', [pt]);
    return (obj: PtObject) => f(obj) as number;
  };
  return {
    openDeviceAsync: (device, readOnly) => async(open, device, readOnly, 0),
    closeDevice: (fd) => close(fd) as number,
    construct: () => construct() as PtObject | null,
    destruct: (obj) => void destruct(obj),
    setCdb: (obj, b, n) => void setCdb(obj, b, n),
    setSense: (obj, b, n) => void setSense(obj, b, n),
    setDataIn: (obj, b, n) => void setDataIn(obj, b, n),
    setDataOut: (obj, b, n) => void setDataOut(obj, b, n),
    doScsiPtAsync: (obj, fd, seconds) => async(doPt, obj, fd, seconds, 0),
    resultCategory: getter('get_scsi_pt_result_category'),
    statusResponse: getter('get_scsi_pt_status_response'),
    senseLength: getter('get_scsi_pt_sense_len'),
    resid: getter('get_scsi_pt_resid'),
    osError: getter('get_scsi_pt_os_err'),
    transportError: getter('get_scsi_pt_transport_err'),
    alloc: (length) => koffi.alloc('uint8', Math.max(1, length)) as CBuffer,
    free: (buffer) => koffi.free(buffer),
    view: (buffer, length) => (length > 0 ? new Uint8Array(koffi.view(buffer, length)) : new Uint8Array(0)),
  };
}
