/**
 * The worker thread that owns one libiscsi connection. libiscsi's sync calls block for as long as the
 * target takes (a tape WRITE is fsynced by tgt, a REWIND can take minutes on a real drive), so they run here
 * and never on the main thread's event loop (test-environment.md §3: one thread per context, one call at a
 * time). The main thread (iscsi-transport.ts) sends requests as messages; they run strictly in arrival
 * order. Data buffers cross the thread boundary by transfer: a read lands directly in the ArrayBuffer that
 * is then handed to the main thread, a write is sent straight from the ArrayBuffer the main thread gave us.
 */
import { parentPort } from 'node:worker_threads';
import { DeviceError, SdpipeError, type ErrorCode, type Where } from '../../errors.js';
import {
  ISCSI_HEADER_DIGEST_NONE,
  ISCSI_SESSION_NORMAL,
  LIBISCSI_STATUS,
  LIBISCSI_STATUS_FIRST,
  SCSI_RESIDUAL,
  SCSI_XFER,
  openLibiscsi,
  type IscsiContext,
  type Libiscsi,
  type ScsiTaskPointer,
} from './libiscsi.js';
import type { SystemLibrary } from './system-library.js';
import { SCSI_STATUS, type DataDirection } from './transport.js';

/** Log in to the target (the first request). */
export interface ConnectRequest {
  readonly kind: 'connect';
  readonly id: number;
  /** The URL without password, for messages. */
  readonly device: string;
  readonly portal: string;
  readonly target: string;
  readonly lun: number;
  readonly initiatorName: string;
  readonly user?: string;
  readonly password?: string;
  readonly library: SystemLibrary;
  /** Seconds a login PDU may take (0 = no limit). */
  readonly timeoutSeconds: number;
}

/** Run one SCSI command. */
export interface ExecuteRequest {
  readonly kind: 'execute';
  readonly id: number;
  readonly cdb: Uint8Array;
  readonly direction: DataDirection;
  /** Direction `out`: the data, in an ArrayBuffer transferred to this thread. */
  readonly dataOut?: Uint8Array;
  /** Direction `in`: bytes to allocate for the data-in phase. */
  readonly allocationLength: number;
  /** Seconds a PDU may take (0 = no limit). */
  readonly timeoutSeconds: number;
}

/** Log out and free the context; the thread has nothing left to do afterwards. */
export interface CloseRequest {
  readonly kind: 'close';
  readonly id: number;
}

/** What the main thread sends. */
export type WorkerRequest = ConnectRequest | ExecuteRequest | CloseRequest;

/** An SdpipeError as it crosses the thread boundary. */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly context: Where;
  /** Message of the underlying cause, if any. */
  readonly cause?: string;
}

/** A completed command (the ScsiResult fields). */
export interface WireResult {
  readonly status: number;
  readonly sense: Uint8Array;
  readonly dataIn: Uint8Array;
  readonly residual: number;
}

/** What the worker answers, one reply per request, in request order. */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result?: WireResult }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** Bytes of the length prefix libiscsi puts before the raw sense bytes in `datain` (test-environment §3). */
const SENSE_LENGTH_PREFIX_BYTES = 2;

const toWire = (e: unknown): WireError =>
  e instanceof SdpipeError
    ? {
        code: e.code,
        message: e.message,
        context: e.context,
        ...(e.cause === undefined
          ? {}
          : { cause: e.cause instanceof Error ? e.cause.message : JSON.stringify(e.cause) }),
      }
    : { code: 'SDP_INTERNAL', message: e instanceof Error ? e.message : String(e), context: {} };

/** The one connection this thread owns. */
class Session {
  private lib: Libiscsi | undefined;
  private ctx: IscsiContext | undefined;
  private device = '';
  private lun = 0;
  private timeoutSeconds = -1;
  /** Set after a transport failure: the tape position is unknown, so nothing more is sent. */
  private broken: string | undefined;
  /** Tasks libiscsi may still reference after a failed command; freed after the context is destroyed. */
  private readonly orphans: ScsiTaskPointer[] = [];

  connect(r: ConnectRequest): void {
    this.device = r.device;
    this.lun = r.lun;
    const where = { device: r.device };
    const lib = openLibiscsi(r.library, where);
    this.lib = lib;
    const ctx = lib.createContext(r.initiatorName);
    if (!ctx) throw new DeviceError('SDP_DEVICE_OPEN', 'libiscsi could not create a context', where);
    this.ctx = ctx;
    lib.setTargetName(ctx, r.target);
    lib.setSessionType(ctx, ISCSI_SESSION_NORMAL);
    lib.setHeaderDigest(ctx, ISCSI_HEADER_DIGEST_NONE);
    // A reconnect would re-send queued commands: a tape WRITE could be written twice.
    lib.setNoAutoReconnect(ctx, 1);
    if (r.user !== undefined) lib.setInitiatorUsernamePwd(ctx, r.user, r.password ?? '');
    this.setTimeout(r.timeoutSeconds);
    if (lib.fullConnectSync(ctx, r.portal, r.lun) !== 0) {
      const reason = lib.getError(ctx);
      this.release();
      throw new DeviceError('SDP_DEVICE_OPEN', `iSCSI login to ${r.device} failed: ${reason}`, {
        ...where,
        reason,
      });
    }
  }

  execute(r: ExecuteRequest): { result: WireResult; transfer: ArrayBuffer[] } {
    const { lib, ctx } = this;
    if (!lib || !ctx) throw this.failure('the iSCSI connection is closed', {});
    if (this.broken !== undefined) {
      throw this.failure(`the iSCSI connection failed earlier (${this.broken}); reopen the drive`, {});
    }
    this.setTimeout(r.timeoutSeconds);
    const dataOut = r.direction === 'out' ? (r.dataOut ?? new Uint8Array(0)) : undefined;
    const dataIn = r.direction === 'in' ? new Uint8Array(r.allocationLength) : undefined;
    const xfer = dataOut ? SCSI_XFER.WRITE : dataIn ? SCSI_XFER.READ : SCSI_XFER.NONE;
    const expected = dataOut?.length ?? dataIn?.length ?? 0;
    const task = lib.createTask(r.cdb, expected > 0 ? xfer : SCSI_XFER.NONE, expected);
    if (!task) throw this.failure('libiscsi could not create a task (out of memory)', {});
    let free = true;
    try {
      if (dataIn && dataIn.length > 0) lib.addDataInBuffer(task, dataIn);
      if (dataOut && dataOut.length > 0) lib.addDataOutBuffer(task, dataOut);
      if (lib.commandSync(ctx, this.lun, task) === null) {
        // The task may still sit in libiscsi's queues: keep it until the context is gone.
        free = false;
        this.orphans.push(task);
        throw this.fail(lib.getError(ctx), {});
      }
      const t = lib.readTask(task);
      if (t.status >= LIBISCSI_STATUS_FIRST) {
        const what =
          t.status === LIBISCSI_STATUS.TIMEOUT
            ? `timed out after ${r.timeoutSeconds} s`
            : t.status === LIBISCSI_STATUS.CANCELLED
              ? 'cancelled'
              : lib.getError(ctx);
        throw this.fail(what, { libiscsiStatus: t.status });
      }
      const transferred =
        t.residual_status === SCSI_RESIDUAL.UNDERFLOW ? Math.max(0, expected - t.residual) : expected;
      let sense = new Uint8Array(0);
      if (t.status === SCSI_STATUS.CHECK_CONDITION && t.datain.size > SENSE_LENGTH_PREFIX_BYTES) {
        // On CHECK CONDITION `datain` holds the SCSI Response PDU's data segment: a big-endian sense
        // length, then the sense bytes. Copied now: the task (and this memory) is freed below.
        const raw = lib.copyBytes(t.datain.data, t.datain.size);
        const length = Math.min(((raw[0] ?? 0) << 8) | (raw[1] ?? 0), raw.length - SENSE_LENGTH_PREFIX_BYTES);
        sense = raw.slice(SENSE_LENGTH_PREFIX_BYTES, SENSE_LENGTH_PREFIX_BYTES + length);
      }
      const data = dataIn ? dataIn.subarray(0, transferred) : new Uint8Array(0);
      return {
        result: { status: t.status, sense, dataIn: data, residual: expected - transferred },
        transfer: dataIn ? [dataIn.buffer, sense.buffer] : [sense.buffer],
      };
    } finally {
      if (free) lib.freeTask(task);
    }
  }

  close(): void {
    const { lib, ctx } = this;
    if (lib && ctx && this.broken === undefined) lib.logoutSync(ctx);
    this.release();
  }

  private release(): void {
    const { lib, ctx } = this;
    if (lib && ctx) {
      lib.destroyContext(ctx);
      for (const task of this.orphans.splice(0)) lib.freeTask(task);
    }
    this.ctx = undefined;
  }

  private setTimeout(seconds: number): void {
    if (this.lib && this.ctx && seconds !== this.timeoutSeconds) {
      this.lib.setTimeout(this.ctx, seconds);
      this.timeoutSeconds = seconds;
    }
  }

  /** A transport failure: the command's outcome is unknown, so the connection is not used again. */
  private fail(reason: string, context: Where): DeviceError {
    this.broken = reason;
    return this.failure(`iSCSI command failed on ${this.device}: ${reason}`, { ...context, reason });
  }

  private failure(message: string, context: Where): DeviceError {
    return new DeviceError('SDP_SCSI_TRANSPORT', message, { device: this.device, ...context });
  }
}

const port = parentPort;
if (port) {
  const session = new Session();
  port.on('message', (r: WorkerRequest) => {
    try {
      switch (r.kind) {
        case 'connect':
          session.connect(r);
          port.postMessage({ id: r.id, ok: true } satisfies WorkerReply);
          break;
        case 'execute': {
          const { result, transfer } = session.execute(r);
          port.postMessage({ id: r.id, ok: true, result } satisfies WorkerReply, transfer);
          break;
        }
        case 'close':
          session.close();
          port.postMessage({ id: r.id, ok: true } satisfies WorkerReply);
          break;
      }
    } catch (e) {
      port.postMessage({ id: r.id, ok: false, error: toWire(e) } satisfies WorkerReply);
    }
  });
}
