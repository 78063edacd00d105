/**
 * Key material hygiene. Volume keys, passphrases and KEKs live in Buffers that are overwritten with
 * zeros as soon as they are no longer needed (style guide §4: key material never reaches a message).
 */

/** Overwrites every buffer with zeros. Safe to call with the same buffer twice or with `undefined`. */
export function wipe(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

/**
 * Runs `fn` with `secret` and wipes `secret` afterwards, whether `fn` returns or throws. The value
 * `fn` returns must not alias `secret` (copy out what must live longer).
 */
export function usingSecret<T>(secret: Uint8Array, fn: (secret: Uint8Array) => T): T {
  try {
    return fn(secret);
  } finally {
    secret.fill(0);
  }
}

/**
 * A copy of `bytes` in its own, zero-initialised allocation. `Buffer.from` and `Buffer.allocUnsafe` may
 * hand out a slice of Node's shared 8 KiB pool, which lives on after the buffer and is reused without
 * clearing; key material always gets a buffer of its own, wiped when done.
 */
export function secretCopy(bytes: Uint8Array, start = 0, end = bytes.length): Buffer {
  const out = Buffer.alloc(Math.max(0, end - start));
  out.set(bytes.subarray(start, end));
  return out;
}

/** UTF-8 bytes of `text` (volume keys are ASCII) in a non-pooled buffer. */
export function secretFromText(text: string): Buffer {
  const out = Buffer.alloc(Buffer.byteLength(text, 'utf8'));
  out.write(text, 'utf8');
  return out;
}
