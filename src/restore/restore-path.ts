/**
 * Where a stored name lands on disk. Names are raw bytes (spec volume-format.md §7: UTF-8 names are
 * stored as bytes, others too), so paths stay Buffers end to end and never go through a string decode.
 */
import { resolve } from 'node:path';

const SLASH = 0x2f;
const DOT = 0x2e;

/** A stored name placed under the output folder. */
export interface RestorePath {
  /** Absolute path on disk: the output folder, then the stored components joined by `/`. */
  readonly bytes: Buffer;
  /** A lossless string form of `bytes` (latin1), for maps and sets. */
  readonly key: string;
  /** Number of stored components; 0 is the stored root `/`, that is the output folder itself. */
  readonly depth: number;
  /** Byte length of the output folder prefix in `bytes`. */
  readonly rootLength: number;
}

/** A string key for any path bytes, the same mapping {@link RestorePath.key} uses. */
export const pathKey = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** The output folder as bytes: absolute, without a trailing slash (empty for `/`). */
export function outputRoot(outDir: string): Buffer {
  const abs = resolve(outDir);
  return Buffer.from(abs === '/' ? '' : abs.replace(/\/+$/, ''), 'utf8');
}

/**
 * Places a stored name (absolute, or a Windows-style `C:/…`) under `root`. Empty and `.` components are
 * dropped so one entry has one key; a `..` component would leave the output folder, so such a name gives
 * undefined and the caller skips the entry.
 */
export function restorePath(root: Buffer, stored: Uint8Array): RestorePath | undefined {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= stored.length; i++) {
    if (i < stored.length && stored[i] !== SLASH) continue;
    const part = stored.subarray(start, i);
    start = i + 1;
    if (part.length === 0 || (part.length === 1 && part[0] === DOT)) continue;
    if (part.length === 2 && part[0] === DOT && part[1] === DOT) return undefined;
    parts.push(part);
  }
  const pieces: Uint8Array[] = [root];
  for (const p of parts) pieces.push(Buffer.of(SLASH), p);
  let bytes = Buffer.concat(pieces);
  if (bytes.length === 0) bytes = Buffer.of(SLASH);
  return { bytes, key: pathKey(bytes), depth: parts.length, rootLength: root.length };
}

/** The parent folder of a restored path (the output folder's parent for the stored root). */
export function parentOf(p: RestorePath): Buffer {
  const at = p.bytes.lastIndexOf(SLASH);
  return p.bytes.subarray(0, at <= 0 ? 1 : at);
}

/**
 * The keys of the folders between the output folder (excluded) and `p` (excluded), outermost first, each
 * with its bytes. Used to find restored symlinks standing where a folder must be.
 */
export function ancestorsOf(p: RestorePath): { bytes: Buffer; key: string }[] {
  const out: { bytes: Buffer; key: string }[] = [];
  for (let i = p.rootLength + 1; i < p.bytes.length; i++) {
    if (p.bytes[i] !== SLASH) continue;
    const bytes = p.bytes.subarray(0, i);
    out.push({ bytes, key: pathKey(bytes) });
  }
  return out;
}
