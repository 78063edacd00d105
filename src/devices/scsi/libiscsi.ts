/**
 * The user-space iSCSI initiator libiscsi (Debian `libiscsi7`, `libiscsi.so.7`) bound with koffi: the
 * synchronous calls one connection needs. Struct layouts are x86_64 and were checked against the C headers
 * (test-environment.md §3; `struct scsi_task` 176 bytes, `struct scsi_sense` 16). The calls block: only
 * the iSCSI worker thread (iscsi-worker.ts) uses this module. A libiscsi context is not thread-safe, so
 * each context is used by one thread, one call at a time.
 */
import type { IKoffiCType } from 'koffi';
import { koffiModule, loadSystemLibrary, type SystemLibrary } from './system-library.js';
import type { Where } from '../../errors.js';

/** The library and the Debian package that installs it. */
export const LIBISCSI: SystemLibrary = { sonames: ['libiscsi.so.7'], debianPackage: 'libiscsi7' };

/** libiscsi's `enum iscsi_session_type`: a normal (not discovery) session. */
export const ISCSI_SESSION_NORMAL = 2;
/** libiscsi's `enum iscsi_header_digest`: no header digest (loopback and LAN; test-environment.md §3). */
export const ISCSI_HEADER_DIGEST_NONE = 0;
/** libiscsi's `enum scsi_xfer_dir`. */
export const SCSI_XFER = { NONE: 0, READ: 1, WRITE: 2 } as const;
/** libiscsi's `enum scsi_residual` (residual_status of a task). */
export const SCSI_RESIDUAL = { NONE: 0, UNDERFLOW: 1, OVERFLOW: 2 } as const;
/**
 * Task statuses libiscsi adds above the SCSI status byte: the command never completed on the target as
 * far as the initiator knows (libiscsi `SCSI_STATUS_CANCELLED`, `_ERROR`, `_TIMEOUT`).
 */
export const LIBISCSI_STATUS = { CANCELLED: 0x0f000000, ERROR: 0x0f000001, TIMEOUT: 0x0f000002 } as const;
/** Lowest task status that is a libiscsi transport outcome rather than a SCSI status byte. */
export const LIBISCSI_STATUS_FIRST = LIBISCSI_STATUS.CANCELLED;
/** Size of the CDB array inside `struct scsi_task` (the longest CDB libiscsi takes). */
export const SCSI_CDB_MAX_BYTES = 16;

/** An `iscsi_context *` (koffi pointer; carries no type at run time, so keep it apart by type here). */
export type IscsiContext = { readonly __brand: 'iscsi_context' };
/** A `struct scsi_task *`. */
export type ScsiTaskPointer = { readonly __brand: 'scsi_task' };

/** The fields of `struct scsi_task` the transport reads after a command. */
export interface ScsiTaskFields {
  /** SCSI status byte, or one of {@link LIBISCSI_STATUS}. */
  readonly status: number;
  readonly expxferlen: number;
  /** One of {@link SCSI_RESIDUAL}. */
  readonly residual_status: number;
  readonly residual: number;
  /** Parsed sense (libiscsi's own decoding; the transport returns the raw bytes instead). */
  readonly sense: { readonly key: number; readonly ascq: number };
  /** After CHECK CONDITION: 2-byte big-endian sense length, then the raw sense bytes. */
  readonly datain: { readonly size: number; readonly data: unknown };
}

/** The libiscsi calls used by one connection. Every call blocks the calling thread. */
export interface Libiscsi {
  createContext(initiatorName: string): IscsiContext | null;
  setTargetName(ctx: IscsiContext, target: string): number;
  setSessionType(ctx: IscsiContext, type: number): number;
  setHeaderDigest(ctx: IscsiContext, digest: number): number;
  setInitiatorUsernamePwd(ctx: IscsiContext, user: string, password: string): number;
  /** 1 = never reconnect (and so never re-send a tape WRITE behind our back). */
  setNoAutoReconnect(ctx: IscsiContext, state: number): void;
  /** Per-PDU timeout in seconds, 0 = none. */
  setTimeout(ctx: IscsiContext, seconds: number): number;
  /** TCP connect and login to `portal` (`host:port`); 0 on success. */
  fullConnectSync(ctx: IscsiContext, portal: string, lun: number): number;
  getError(ctx: IscsiContext): string;
  logoutSync(ctx: IscsiContext): number;
  destroyContext(ctx: IscsiContext): number;
  /** A task for a prebuilt CDB (libiscsi copies the CDB). */
  createTask(cdb: Uint8Array, xferDir: number, expectedTransferBytes: number): ScsiTaskPointer | null;
  freeTask(task: ScsiTaskPointer): void;
  /** Data-in lands straight in `buffer`, which must stay alive and unmoved until the command returns. */
  addDataInBuffer(task: ScsiTaskPointer, buffer: Uint8Array): number;
  /** Data-out is sent straight from `buffer`, under the same rule. */
  addDataOutBuffer(task: ScsiTaskPointer, buffer: Uint8Array): number;
  /** Runs the task to completion; null when it could not be sent or the connection failed. */
  commandSync(ctx: IscsiContext, lun: number, task: ScsiTaskPointer): ScsiTaskPointer | null;
  readTask(task: ScsiTaskPointer): ScsiTaskFields;
  /** Copies `length` bytes from C memory (before the task that owns it is freed). */
  copyBytes(pointer: unknown, length: number): Uint8Array;
}

/** The koffi types of the libiscsi structs the transport reads (also used by the layout test). */
export interface LibiscsiTypes {
  readonly scsiSense: IKoffiCType;
  readonly scsiTask: IKoffiCType;
}

let types: LibiscsiTypes | undefined;

/**
 * koffi descriptions of `struct scsi_sense` and `struct scsi_task` (x86_64; test-environment.md §3).
 * Anonymous, so that they never clash with a type another module registers under the same C name.
 */
export function libiscsiTypes(): LibiscsiTypes {
  if (types) return types;
  const koffi = koffiModule();
  // Three one-bit fields follow `ascq`; GCC packs them into one byte, read here as `bits`.
  const scsiSense = koffi.struct({
    error_type: 'uint8',
    key: 'int',
    ascq: 'int',
    bits: 'uint8',
    bit_pointer: 'uint8',
    field_pointer: 'uint16',
  });
  const scsiData = koffi.struct({ size: 'int', data: 'uint8 *' });
  const scsiIovector = koffi.struct({
    iov: 'void *',
    niov: 'int',
    nalloc: 'int',
    offset: 'size_t',
    consumed: 'int',
  });
  const scsiTask = koffi.struct({
    status: 'int',
    cdb_size: 'int',
    xfer_dir: 'int',
    expxferlen: 'int',
    cdb: koffi.array('uint8', SCSI_CDB_MAX_BYTES),
    residual_status: 'int',
    residual: 'size_t',
    sense: scsiSense,
    datain: scsiData,
    mem: 'void *',
    ptr: 'void *',
    itt: 'uint32',
    cmdsn: 'uint32',
    lun: 'uint32',
    iovector_in: scsiIovector,
    iovector_out: scsiIovector,
  });
  types = { scsiSense, scsiTask };
  return types;
}

/** Opens libiscsi (throws DeviceError SDP_DEVICE_OPEN naming it and `libiscsi7` when it is missing). */
export function openLibiscsi(library: SystemLibrary = LIBISCSI, where: Where = {}): Libiscsi {
  const lib = loadSystemLibrary(library, where);
  const koffi = koffiModule();
  const { scsiTask } = libiscsiTypes();
  const ctxType = koffi.pointer(koffi.opaque());
  const taskType = koffi.pointer(scsiTask);
  const fn = <T>(name: string, result: string | IKoffiCType, args: (string | IKoffiCType)[]): T =>
    lib.func(name, result, args) as T;

  const createContext = fn<(n: string) => IscsiContext | null>('iscsi_create_context', ctxType, ['str']);
  const setTargetName = fn<(c: IscsiContext, t: string) => number>('iscsi_set_targetname', 'int', [
    ctxType,
    'str',
  ]);
  const setSessionType = fn<(c: IscsiContext, t: number) => number>('iscsi_set_session_type', 'int', [
    ctxType,
    'int',
  ]);
  const setHeaderDigest = fn<(c: IscsiContext, d: number) => number>('iscsi_set_header_digest', 'int', [
    ctxType,
    'int',
  ]);
  const setUserPwd = fn<(c: IscsiContext, u: string, p: string) => number>(
    'iscsi_set_initiator_username_pwd',
    'int',
    [ctxType, 'str', 'str'],
  );
  const setNoAutoReconnect = fn<(c: IscsiContext, s: number) => void>('iscsi_set_noautoreconnect', 'void', [
    ctxType,
    'int',
  ]);
  const setTimeout = fn<(c: IscsiContext, s: number) => number>('iscsi_set_timeout', 'int', [ctxType, 'int']);
  const fullConnect = fn<(c: IscsiContext, p: string, l: number) => number>(
    'iscsi_full_connect_sync',
    'int',
    [ctxType, 'str', 'int'],
  );
  const getError = fn<(c: IscsiContext) => string | null>('iscsi_get_error', 'str', [ctxType]);
  const logout = fn<(c: IscsiContext) => number>('iscsi_logout_sync', 'int', [ctxType]);
  const destroy = fn<(c: IscsiContext) => number>('iscsi_destroy_context', 'int', [ctxType]);
  const createTask = fn<(n: number, cdb: Uint8Array, dir: number, len: number) => ScsiTaskPointer | null>(
    'scsi_create_task',
    taskType,
    ['int', 'uint8 *', 'int', 'int'],
  );
  const freeTask = fn<(t: ScsiTaskPointer) => void>('scsi_free_scsi_task', 'void', [taskType]);
  // koffi hands a Uint8Array's own memory to C (no copy): the buffer stays where it is because the worker
  // keeps a reference to it and runs no JavaScript until the command has returned.
  const addIn = fn<(t: ScsiTaskPointer, n: number, b: Uint8Array) => number>(
    'scsi_task_add_data_in_buffer',
    'int',
    [taskType, 'int', 'uint8 *'],
  );
  const addOut = fn<(t: ScsiTaskPointer, n: number, b: Uint8Array) => number>(
    'scsi_task_add_data_out_buffer',
    'int',
    [taskType, 'int', 'uint8 *'],
  );
  const commandSync = fn<(c: IscsiContext, l: number, t: ScsiTaskPointer, d: null) => ScsiTaskPointer | null>(
    'iscsi_scsi_command_sync',
    taskType,
    [ctxType, 'int', taskType, 'void *'],
  );

  return {
    createContext,
    setTargetName,
    setSessionType,
    setHeaderDigest,
    setInitiatorUsernamePwd: setUserPwd,
    setNoAutoReconnect,
    setTimeout,
    fullConnectSync: fullConnect,
    getError: (ctx) => getError(ctx) ?? '',
    logoutSync: logout,
    destroyContext: destroy,
    createTask: (cdb, dir, len) => createTask(cdb.length, cdb, dir, len),
    freeTask,
    addDataInBuffer: (task, b) => addIn(task, b.length, b),
    addDataOutBuffer: (task, b) => addOut(task, b.length, b),
    commandSync: (ctx, lun, task) => commandSync(ctx, lun, task, null),
    readTask: (task) => {
      const t = koffi.decode(task, scsiTask) as ScsiTaskFields & { residual: number | bigint };
      return { ...t, residual: Number(t.residual) };
    },
    copyBytes: (pointer, length) =>
      length > 0 ? new Uint8Array(koffi.view(pointer, length)).slice() : new Uint8Array(0),
  };
}
