/**
 * SNAPPY (magic `SNPY`, bytes `53 4E 50 59`): an sdpipe extension that Bareos cannot read. The payload
 * behind the 12-byte compression header is one raw Snappy block (the Snappy "format_description": a
 * varint of the uncompressed length, then the elements), not the framed `.sz` stream. Snappy has no
 * levels; the header level is informational.
 */
import type { CodecDescriptor } from './codec.js';
import { corruptPayload, lengthMismatch, outputLimit } from './codec-errors.js';
import { lazyBackend } from './native/backend-loader.js';

/** The parts of `@napi-rs/snappy` used here. */
interface NapiSnappy {
  compressSync(input: Buffer): Buffer;
  uncompressSync(compressed: Buffer): Buffer;
}

/** The `@napi-rs/snappy` package, opened on first use. */
const napiSnappy = lazyBackend(
  '@napi-rs/snappy (npm)',
  (loader) => loader.requirePackage('@napi-rs/snappy') as NapiSnappy,
);

/** A varint holds 7 bits per byte; a 32-bit length takes at most 5 bytes. */
const VARINT_MAX_BYTES = 5;

/** The uncompressed length a raw Snappy block starts with, or undefined when the varint is malformed. */
function declaredLength(payload: Uint8Array): number | undefined {
  let value = 0;
  for (let i = 0; i < Math.min(VARINT_MAX_BYTES, payload.length); i++) {
    const byte = payload[i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return value <= 0xffffffff ? value : undefined;
  }
  return undefined;
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.length);

function decompress(payload: Uint8Array, maxOut: number): Uint8Array {
  const snappy = napiSnappy.require('snappy');
  const declared = declaredLength(payload);
  if (declared === undefined) throw corruptPayload('snappy', 'bad uncompressed-length varint');
  // Check the bound before the decoder allocates what the (possibly hostile) varint claims.
  if (declared > maxOut) throw outputLimit('snappy', maxOut, { original: declared });
  let out: Buffer;
  try {
    out = snappy.uncompressSync(asBuffer(payload));
  } catch (e) {
    throw corruptPayload('snappy', e instanceof Error ? e.message : String(e), {}, e);
  }
  if (out.length !== declared) throw lengthMismatch('snappy', declared, out.length);
  return out;
}

/** The Snappy codec (sdpipe extension). Backend: `@napi-rs/snappy`. */
export const snappy: CodecDescriptor = {
  name: 'snappy',
  magic: 'SNPY',
  displayName: 'SNAPPY',
  extension: true,
  defaultLevel: 0,
  backend: () =>
    napiSnappy.get() ? '@napi-rs/snappy' : `unavailable (${napiSnappy.label} cannot be loaded)`,
  compress: (data) => napiSnappy.require('snappy').compressSync(asBuffer(data)),
  decompress,
};
