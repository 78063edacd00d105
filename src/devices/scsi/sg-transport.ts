/**
 * ScsiTransport over Linux SG_IO (spec scsi.md §6) through sg3_utils' libsgutils2: the production path to a
 * real drive, `/dev/sg*` (SCSI generic) or the tape's own `/dev/nst*` / `/dev/st*` node (the st driver takes
 * SG_IO too). The blocking pass-through call runs on a koffi worker thread, so the event loop never waits
 * for the drive; commands run one at a time in the order `execute` was called. A CHECK CONDITION is a
 * result (status 2 and the raw sense bytes); failures to open or to issue the ioctl are DeviceErrors naming
 * the path and the errno.
 */
import { constants } from 'node:os';
import { DeviceError, type Where } from '../../errors.js';
import { checkCommand } from './command-check.js';
import {
  LIBSGUTILS,
  SCSI_PT_DO,
  SCSI_PT_RESULT,
  openLibsgutils,
  type CBuffer,
  type Libsgutils,
} from './libsgutils.js';
import type { SystemLibrary } from './system-library.js';
import type { ScsiCommand, ScsiResult, ScsiTransport, TransportDescriptor } from './transport.js';

/** Device nodes the `sg` transport is picked for: SCSI generic and (non-)rewinding tape nodes. */
export const SG_DEVICE_PATTERN = /^\/dev\/(?:sg\d+|n?st\d+[lma]?)$/;
/** The forms, for usage messages. */
export const SG_DEVICE_FORMS = ['/dev/sgN', '/dev/nstN', '/dev/stN'] as const;
/** Default limit for one command: long enough for a full rewind or a space to end of data on LTO. */
export const DEFAULT_SG_COMMAND_TIMEOUT_MS = 15 * 60 * 1000;
/** Sense buffer size: the largest sense data SPC allows (8 + 244 additional bytes). */
export const SENSE_BUFFER_BYTES = 252;

/** How to open a pass-through device. */
export interface SgTransportOptions {
  /** Open O_RDONLY instead of O_RDWR (enough for SPIN, LOG SENSE and INQUIRY on most kernels). */
  readonly readOnly?: boolean;
  /** Milliseconds a command may take when it names none (default {@link DEFAULT_SG_COMMAND_TIMEOUT_MS}). */
  readonly commandTimeoutMs?: number;
  /** The library to load (default: libsgutils2 under its Debian names); tests name a missing one. */
  readonly library?: SystemLibrary;
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** Context naming an errno by number and name (`{ errno: 2, errnoName: 'ENOENT' }`). */
export const errnoContext = (errno: number): Where => ({
  errno,
  errnoName: ERRNO_NAMES.get(errno) ?? 'unknown',
});

/** One drive reached through SG_IO. */
export class SgTransport implements ScsiTransport {
  private queue: Promise<unknown> = Promise.resolve();
  private fd: number | undefined;

  private constructor(
    /** The device path. */
    readonly name: string,
    private readonly lib: Libsgutils,
    fd: number,
    private readonly commandTimeoutMs: number,
  ) {
    this.fd = fd;
  }

  /**
   * Opens `path` for pass-through. Throws DeviceError SDP_DEVICE_OPEN naming the path and errno (ENOENT,
   * EACCES …) or, when libsgutils2 is missing, the library and its Debian package.
   */
  static async open(path: string, options: SgTransportOptions = {}): Promise<SgTransport> {
    const where = { device: path };
    const lib = openLibsgutils(options.library ?? LIBSGUTILS, where);
    const fd = await lib.openDeviceAsync(path, options.readOnly ?? false);
    if (fd < 0) {
      const ctx = errnoContext(-fd);
      throw new DeviceError('SDP_DEVICE_OPEN', `cannot open ${path}: ${String(ctx.errnoName)}`, {
        ...where,
        ...ctx,
      });
    }
    return new SgTransport(path, lib, fd, options.commandTimeoutMs ?? DEFAULT_SG_COMMAND_TIMEOUT_MS);
  }

  /** Runs one command; resolves with its status, raw sense bytes, data and residual. */
  execute(cmd: ScsiCommand): Promise<ScsiResult> {
    const run = this.queue.then(() => this.run(cmd));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Closes the device once the commands already issued have finished. */
  async close(): Promise<void> {
    await this.queue;
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) this.lib.closeDevice(fd);
  }

  private async run(cmd: ScsiCommand): Promise<ScsiResult> {
    const c = checkCommand(cmd, this.name, this.commandTimeoutMs);
    const fd = this.fd;
    if (fd === undefined) {
      throw new DeviceError('SDP_SCSI_TRANSPORT', `${this.name} is closed`, { device: this.name });
    }
    const { lib } = this;
    const dataLength = c.dataOut?.length ?? c.allocationLength;
    const obj = lib.construct();
    if (!obj) throw this.failure('sg3_utils could not create a pass-through object (out of memory)', {});
    // C memory: the pass-through object holds these pointers while do_scsi_pt runs on another thread.
    const cdb = lib.alloc(c.cdb.length);
    const sense = lib.alloc(SENSE_BUFFER_BYTES);
    const data: CBuffer | undefined = dataLength > 0 ? lib.alloc(dataLength) : undefined;
    try {
      lib.view(cdb, c.cdb.length).set(c.cdb);
      lib.setCdb(obj, cdb, c.cdb.length);
      lib.setSense(obj, sense, SENSE_BUFFER_BYTES);
      if (data && c.dataOut) {
        lib.view(data, dataLength).set(c.dataOut);
        lib.setDataOut(obj, data, dataLength);
      } else if (data) {
        lib.setDataIn(obj, data, dataLength);
      }
      const seconds = Math.max(1, Math.ceil(c.timeoutMs / 1000));
      const rc = await lib.doScsiPtAsync(obj, fd, seconds);
      if (rc < 0) throw this.osFailure(-rc);
      if (rc === SCSI_PT_DO.TIMEOUT) throw this.failure(`command timed out after ${seconds} s`, {});
      if (rc !== SCSI_PT_DO.START_OK) {
        throw this.failure(rc === SCSI_PT_DO.BAD_PARAMS ? 'bad pass-through parameters' : 'not supported', {
          passThroughResult: rc,
        });
      }
      const category = lib.resultCategory(obj);
      if (category === SCSI_PT_RESULT.OS_ERR) throw this.osFailure(lib.osError(obj));
      if (category === SCSI_PT_RESULT.TRANSPORT_ERR) {
        throw this.failure('host or driver reported a transport error', {
          transportError: lib.transportError(obj),
        });
      }
      const resid = Math.min(Math.max(0, lib.resid(obj)), dataLength);
      const senseLength = Math.min(Math.max(0, lib.senseLength(obj)), SENSE_BUFFER_BYTES);
      const received = c.direction === 'in' ? dataLength - resid : 0;
      return {
        status: lib.statusResponse(obj),
        sense: senseLength > 0 ? lib.view(sense, senseLength).slice() : new Uint8Array(0),
        dataIn: data && received > 0 ? lib.view(data, received).slice() : new Uint8Array(0),
        residual: resid,
      };
    } finally {
      lib.destruct(obj);
      lib.free(cdb);
      lib.free(sense);
      if (data) lib.free(data);
    }
  }

  private osFailure(errno: number): DeviceError {
    const ctx = errnoContext(errno);
    // ENOTTY: the file is no SCSI device (a regular file, /dev/null, a disk partition without SG_IO).
    const hint = ctx.errnoName === 'ENOTTY' ? ' (not a SCSI device)' : '';
    return this.failure(`SG_IO failed: ${String(ctx.errnoName)}${hint}`, ctx);
  }

  private failure(reason: string, context: Where): DeviceError {
    return new DeviceError('SDP_SCSI_TRANSPORT', `SCSI command on ${this.name} failed: ${reason}`, {
      device: this.name,
      ...context,
    });
  }
}

/** The `sg` transport: `/dev/sgN`, `/dev/nstN`, `/dev/stN`. */
export const sgTransport: TransportDescriptor = {
  name: 'sg',
  forms: SG_DEVICE_FORMS,
  matches: (spec) => SG_DEVICE_PATTERN.test(spec),
  open: (spec) => SgTransport.open(spec),
};
