/**
 * ScsiTransport over iSCSI with libiscsi (test-environment.md §1–§3): how the tests reach tgt's virtual
 * tape drive, and how sdpipe reaches any iSCSI tape target. One worker thread (iscsi-worker.ts) owns the
 * connection and runs libiscsi's blocking calls; this side only posts messages, so the event loop never
 * waits for the drive. Commands run one at a time, in the order `execute` was called (tape commands must
 * not be reordered). A CHECK CONDITION is a result (status 2 and the raw sense bytes), not an exception;
 * exceptions are DeviceErrors: SDP_DEVICE_OPEN (libiscsi missing, login failed), SDP_SCSI_TRANSPORT
 * (connection lost, timeout: the outcome is unknown and the connection is not used again), and
 * SDP_SCSI_COMMAND (a malformed command).
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DeviceError, type ErrorCode, type Where } from '../../errors.js';
import { checkCommand } from './command-check.js';
import { ISCSI_URL_FORM, isIscsiUrl, parseIscsiUrl } from './iscsi-url.js';
import type { WireError, WorkerReply, WorkerRequest } from './iscsi-worker.js';
import { LIBISCSI } from './libiscsi.js';
import type { SystemLibrary } from './system-library.js';
import type { ScsiCommand, ScsiResult, ScsiTransport, TransportDescriptor } from './transport.js';

/** Default limit for one command: long enough for a full rewind or a space to end of data on LTO. */
export const DEFAULT_ISCSI_COMMAND_TIMEOUT_MS = 15 * 60 * 1000;
/** Default limit for one login PDU exchange. */
export const DEFAULT_ISCSI_CONNECT_TIMEOUT_MS = 30 * 1000;

/** How to open an iSCSI drive. */
export interface IscsiTransportOptions {
  /** iSCSI initiator name (IQN); default `iqn.2026-01.io.sdpipe:<host name>`. */
  readonly initiatorName?: string;
  /** Milliseconds a login step may take (default {@link DEFAULT_ISCSI_CONNECT_TIMEOUT_MS}). */
  readonly connectTimeoutMs?: number;
  /** Milliseconds a command may take when it names none (default {@link DEFAULT_ISCSI_COMMAND_TIMEOUT_MS}). */
  readonly commandTimeoutMs?: number;
  /** The library to load (default libiscsi.so.7); tests name a missing one to see the error. */
  readonly library?: SystemLibrary;
}

/** The initiator name used when none is given: a valid IQN derived from the host name. */
export function defaultInitiatorName(): string {
  const host =
    hostname()
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, '-') || 'localhost';
  return `iqn.2026-01.io.sdpipe:${host}`;
}

/** libiscsi timeouts are whole seconds; round up so that a limit is never shorter than asked. */
const toSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** A request without its id, kind by kind (a distributive Omit keeps each kind's own fields). */
type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;
type RequestBody = WithoutId<WorkerRequest>;

interface Pending {
  /** Code for a failure the worker itself could not report (it died). */
  readonly failureCode: ErrorCode;
  resolve(reply: WorkerReply): void;
  reject(e: DeviceError): void;
}

/**
 * Starts the worker: the compiled `iscsi-worker.js` next to this file (dist/), or, when running from the
 * TypeScript sources (vitest, tsx), `iscsi-worker.ts` compiled on the fly by tsx inside the worker.
 */
function startWorker(): Worker {
  const compiled = new URL('./iscsi-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled);
  const source = new URL('./iscsi-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => m.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}));`;
  return new Worker(boot, { eval: true });
}

/** One iSCSI logical unit (a tape drive), reached through libiscsi in a worker thread. */
export class IscsiTransport implements ScsiTransport {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker is gone or close() was called: every later request fails with it. */
  private ended: DeviceError | undefined;

  private constructor(
    /** The URL without any password. */
    readonly name: string,
    private readonly worker: Worker,
    private readonly commandTimeoutMs: number,
  ) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (e) => this.end(`the iSCSI worker thread failed: ${e.message}`, e));
    worker.on('exit', (code) => this.end(`the iSCSI worker thread exited (code ${code})`));
    worker.unref();
  }

  /**
   * Logs in to the logical unit named by `url` (`iscsi://host[:port]/target-iqn/lun`). Throws UsageError
   * for a malformed URL, DeviceError SDP_DEVICE_OPEN naming the URL when libiscsi is missing or the login
   * fails.
   */
  static async open(url: string, options: IscsiTransportOptions = {}): Promise<IscsiTransport> {
    const parsed = parseIscsiUrl(url);
    let worker: Worker;
    try {
      worker = startWorker();
    } catch (e) {
      throw new DeviceError(
        'SDP_DEVICE_OPEN',
        `the iSCSI worker thread cannot be started for ${parsed.display}`,
        { device: parsed.display },
        { cause: e },
      );
    }
    const transport = new IscsiTransport(
      parsed.display,
      worker,
      options.commandTimeoutMs ?? DEFAULT_ISCSI_COMMAND_TIMEOUT_MS,
    );
    try {
      await transport.request('SDP_DEVICE_OPEN', {
        kind: 'connect',
        device: parsed.display,
        portal: parsed.portal,
        target: parsed.target,
        lun: parsed.lun,
        initiatorName: options.initiatorName ?? defaultInitiatorName(),
        ...(parsed.user === undefined ? {} : { user: parsed.user }),
        ...(parsed.password === undefined ? {} : { password: parsed.password }),
        library: options.library ?? LIBISCSI,
        timeoutSeconds: toSeconds(options.connectTimeoutMs ?? DEFAULT_ISCSI_CONNECT_TIMEOUT_MS),
      });
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    return transport;
  }

  /** Runs one command; resolves with its status, raw sense bytes, data and residual. */
  async execute(cmd: ScsiCommand): Promise<ScsiResult> {
    const c = checkCommand(cmd, this.name, this.commandTimeoutMs);
    // Our own copy of the data goes to the worker by transfer, so the caller's buffer stays usable.
    const dataOut = c.dataOut?.slice();
    const reply = await this.request(
      'SDP_SCSI_TRANSPORT',
      {
        kind: 'execute',
        cdb: c.cdb.slice(),
        direction: c.direction,
        ...(dataOut === undefined ? {} : { dataOut }),
        allocationLength: c.allocationLength,
        timeoutSeconds: toSeconds(c.timeoutMs),
      },
      dataOut ? [dataOut.buffer] : [],
    );
    if (!reply.ok || !reply.result) throw new Error('unreachable: request() resolves only with results');
    return reply.result;
  }

  /** Logs out and stops the worker. Commands already issued finish first; later ones fail. */
  async close(): Promise<void> {
    if (this.ended) return;
    try {
      await this.request('SDP_SCSI_TRANSPORT', { kind: 'close' });
    } finally {
      this.ended ??= new DeviceError('SDP_SCSI_TRANSPORT', `${this.name} is closed`, { device: this.name });
      await this.worker.terminate();
    }
  }

  private request(
    failureCode: ErrorCode,
    body: RequestBody,
    transfer: ArrayBuffer[] = [],
  ): Promise<WorkerReply & { ok: true }> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        failureCode,
        resolve: (reply) => (reply.ok ? resolve(reply) : reject(fromWire(failureCode, reply.error))),
        reject,
      });
      // Keep the process alive only while the drive has work to do.
      if (this.pending.size === 1) this.worker.ref();
      const request: WorkerRequest = { ...body, id };
      this.worker.postMessage(request, transfer);
    });
  }

  private settle(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    p.resolve(reply);
  }

  private end(message: string, cause?: unknown): void {
    const where = { device: this.name };
    this.ended ??= new DeviceError('SDP_SCSI_TRANSPORT', `${this.name}: ${message}`, where, { cause });
    for (const p of this.pending.values()) {
      p.reject(new DeviceError(p.failureCode, `${this.name}: ${message}`, where, { cause }));
    }
    this.pending.clear();
  }
}

/** Rebuilds a worker's error on this thread; errors the worker could not classify get `fallback`. */
function fromWire(fallback: ErrorCode, e: WireError): DeviceError {
  const code = e.code === 'SDP_INTERNAL' ? fallback : e.code;
  const context: Where = { ...e.context };
  return new DeviceError(code, e.message, context, e.cause === undefined ? undefined : { cause: e.cause });
}

/** The `iscsi` transport: `iscsi://host[:port]/target-iqn/lun`. */
export const iscsiTransport: TransportDescriptor = {
  name: 'iscsi',
  forms: [ISCSI_URL_FORM],
  matches: isIscsiUrl,
  open: (spec) => IscsiTransport.open(spec),
};
