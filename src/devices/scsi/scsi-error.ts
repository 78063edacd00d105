/**
 * ScsiError: a DeviceError that carries the sense key, ASC and ASCQ of the CHECK CONDITION behind it
 * (style guide §4: DeviceError → ScsiError). Built from decoded sense data by `senseToError` (sense.ts).
 */
import { DeviceError, SdpipeError, type ErrorCode, type Where } from '../../errors.js';

/** A SCSI command failed with CHECK CONDITION; `code` names the condition (see `senseToError`). */
export class ScsiError extends DeviceError {
  constructor(
    code: ErrorCode,
    message: string,
    /** Sense key (0x0-0xF). */
    readonly senseKey: number,
    /** Additional sense code. */
    readonly asc: number,
    /** Additional sense code qualifier. */
    readonly ascq: number,
    context: Where = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, { ...context, senseKey, asc, ascq }, options);
    Object.defineProperty(this, 'name', { value: 'ScsiError' });
  }
}

/**
 * Runs a decoder step and turns any SdpipeError it throws (a layout running short) into a DeviceError
 * with `code`, keeping its message and context, so SCSI decoders fail with SCSI codes only.
 */
export function withScsiCode<T>(code: ErrorCode, where: Where, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof SdpipeError && e.code !== code) {
      throw new DeviceError(code, e.message, { ...where, ...e.context }, { cause: e });
    }
    throw e;
  }
}
