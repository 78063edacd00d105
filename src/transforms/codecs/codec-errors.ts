/**
 * The CodecErrors every codec throws, built in one place so that codes and context keys stay the same
 * across codecs (style guide §4). `codec` in the context is the codec name (gzip, lz4, …).
 */
import { CodecError, SdpipeError, type Where } from '../../errors.js';

/** SDP_CODEC_CORRUPT: the payload cannot be decoded. */
export const corruptPayload = (codec: string, message: string, context: Where = {}, cause?: unknown) =>
  new CodecError('SDP_CODEC_CORRUPT', `${codec}: ${message}`, { codec, ...context }, { cause });

/** SDP_CODEC_OUTPUT_LIMIT: the payload decodes to more than `maxOut` bytes. */
export const outputLimit = (codec: string, maxOut: number, context: Where = {}) =>
  new CodecError('SDP_CODEC_OUTPUT_LIMIT', `${codec}: decoded data would exceed ${maxOut} bytes`, {
    codec,
    maxOut,
    ...context,
  });

/** SDP_CODEC_LENGTH: the payload decodes to another length than its framing says. */
export const lengthMismatch = (codec: string, expected: number, actual: number, context: Where = {}) =>
  new CodecError('SDP_CODEC_LENGTH', `${codec}: decoded ${actual} bytes, expected ${expected}`, {
    codec,
    expected,
    actual,
    ...context,
  });

/** SDP_CODEC_LEVEL: `level` is not one the algorithm accepts. */
export const badLevel = (codec: string, level: number, accepted: string) =>
  new CodecError('SDP_CODEC_LEVEL', `${codec}: level ${level} is outside ${accepted}`, { codec, level });

/**
 * Runs a decoder and turns anything it throws that is not an SdpipeError (a RangeError from a native
 * addon, a library's own Error) into SDP_CODEC_CORRUPT, so that garbage input only ever yields CodecErrors.
 */
export function guardDecode<T>(codec: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof SdpipeError) throw e;
    throw corruptPayload(codec, e instanceof Error ? e.message : String(e), {}, e);
  }
}
