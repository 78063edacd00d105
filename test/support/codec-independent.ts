/**
 * Independent decoders for cross-checking codec output: nothing here shares code with src/transforms.
 * GZIP goes through fflate; FZ4L/FZ4H through a separate fastlzlib walk (compression.md §3.3) and
 * lz4-napi's LZ4 block decoder (lz4_flex, not liblz4).
 */
import { createRequire } from 'node:module';
import { unzlibSync } from 'fflate';

const require = createRequire(import.meta.url);
const lz4Napi = require('lz4-napi') as { uncompressSync(data: Buffer): Buffer };

/** Decodes a zlib (RFC 1950) stream with fflate. */
export const fflateInflate = (payload: Uint8Array): Uint8Array => unzlibSync(payload);

/** Decodes one raw LZ4 block of known size with lz4-napi (its API wants a 4-byte LE size prefix). */
export function lz4NapiBlock(block: Uint8Array, original: number): Uint8Array {
  const prefixed = Buffer.alloc(4 + block.length);
  prefixed.writeUInt32LE(original, 0);
  prefixed.set(block, 4);
  return lz4Napi.uncompressSync(prefixed);
}

/** One fastlzlib block as a separate reading of the spec sees it. */
export interface FastlzlibBlock {
  readonly type: number;
  readonly stored: Uint8Array;
  readonly original: number;
}

/** Splits a fastlzlib payload into its data blocks (end marker excluded); throws on anything odd. */
export function fastlzlibBlocks(payload: Uint8Array): FastlzlibBlock[] {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const blocks: FastlzlibBlock[] = [];
  let p = 0;
  for (;;) {
    if (buf.toString('latin1', p, p + 7) !== 'FastLZ\0') throw new Error(`no fastlzlib magic at ${p}`);
    const type = buf[p + 7]!;
    const stored = buf.readUInt32LE(p + 8);
    const original = buf.readUInt32LE(p + 12);
    p += 16;
    if (type === 0xc8 && stored === 0 && original === 0) break;
    blocks.push({ type, stored: payload.subarray(p, p + stored), original });
    p += stored;
  }
  if (p !== payload.length) throw new Error('bytes after the end marker');
  return blocks;
}

/** Decodes an FZ4L/FZ4H payload with the independent walk and lz4-napi. */
export function independentLz4Unframe(payload: Uint8Array): Uint8Array {
  const parts = fastlzlibBlocks(payload).map((b) =>
    b.type >> 4 === 1 ? b.stored : lz4NapiBlock(b.stored, b.original),
  );
  return Buffer.concat(parts);
}
