/**
 * The codec registry: the only list of codecs. Lookups by name and by compression-header magic, the CLI
 * `--algorithm` choices, the bench matrix and the property-test matrix all come from {@link CODECS}
 * (style guide §5). Adding a codec = one file + one line here.
 */
import { CodecError } from '../../errors.js';
import type { CodecDescriptor } from './codec.js';
import { gzip } from './gzip.js';
import { lz4 } from './lz4.js';
import { lz4hc } from './lz4hc.js';
import { lzfast } from './lzfast.js';
import { lzo } from './lzo.js';
import { snappy } from './snappy.js';
import { zstd } from './zstd.js';

export type { CodecDescriptor } from './codec.js';

/** Every codec, Bareos's five first in the order of the `AutoDeflateAlgorithm` keywords. */
export const CODECS: readonly CodecDescriptor[] = [gzip, lzo, lzfast, lz4, lz4hc, zstd, snappy];

/** The algorithms Bareos reads and writes (compression.md §3); the rest are sdpipe extensions. */
export const BAREOS_ALGORITHMS: readonly CodecDescriptor[] = CODECS.filter((c) => !c.extension);

/** Codec names (directive keywords), in registry order. */
export const CODEC_NAMES: readonly string[] = CODECS.map((c) => c.name);

const byName = new Map(CODECS.map((c) => [c.name, c]));
const byMagic = new Map(CODECS.map((c) => [c.magic, c]));

/** The magic as hex bytes (`0x4e4f4e45`), for messages about magics that may not be printable. */
const magicHex = (magic: string): string =>
  `0x${[...magic].map((ch) => (ch.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')).join('')}`;

/**
 * The codec for a directive keyword or CLI name, case-insensitive as Bareos's `AutoDeflateAlgorithm`.
 * Throws CodecError SDP_CODEC_UNKNOWN with `algorithm` in the context.
 */
export function codecByName(name: string): CodecDescriptor {
  const codec = byName.get(name.toLowerCase());
  if (!codec) {
    throw new CodecError('SDP_CODEC_UNKNOWN', `unknown compression algorithm ${JSON.stringify(name)}`, {
      algorithm: name,
    });
  }
  return codec;
}

/**
 * The codec for a compression-header magic (4 ASCII chars as the header layout decodes them). Throws
 * CodecError SDP_CODEC_UNKNOWN with the magic in hex, like Bareos's "algorithm 0x… not supported";
 * `NONE` is declared by Bareos but never written, so it is unknown too.
 */
export function codecByMagic(magic: string): CodecDescriptor {
  const codec = byMagic.get(magic);
  if (!codec) {
    const hex = magicHex(magic);
    throw new CodecError('SDP_CODEC_UNKNOWN', `compression algorithm ${hex} not supported`, { magic: hex });
  }
  return codec;
}
