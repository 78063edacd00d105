/**
 * An independent RFC 3394 implementation for cross-checking `src/crypto/key-wrap.ts`: the §2.2.1 wrap
 * and §2.2.2 unwrap loops written out from the RFC over node-forge's AES block cipher (AES-ECB on one
 * 16-byte block at a time). Nothing here shares code with src/ or with OpenSSL.
 */
import forge from 'node-forge';

const DEFAULT_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

type Block = (block: Buffer) => Buffer;
/** One 8-byte semiblock. */
type Semiblock = Buffer<ArrayBufferLike>;

function aesBlock(kek: Uint8Array, decrypt: boolean): Block {
  // A binary string, not a forge buffer: forge consumes a buffer key when it expands it.
  const key = Buffer.from(kek).toString('binary');
  return (block) => {
    const c = decrypt
      ? forge.cipher.createDecipher('AES-ECB', key)
      : forge.cipher.createCipher('AES-ECB', key);
    c.start();
    c.update(forge.util.createBuffer(block.toString('binary')));
    // ECB emits each whole block on update; no padding is involved.
    return Buffer.from(c.output.getBytes(), 'binary');
  };
}

const xorT = (a: Buffer, t: number): Buffer => {
  const out = Buffer.from(a);
  const tb = Buffer.alloc(8);
  tb.writeBigUInt64BE(BigInt(t));
  for (let i = 0; i < 8; i++) out[i] = out[i]! ^ tb[i]!;
  return out;
};

/** RFC 3394 §2.2.1 (index-based form) with node-forge AES. */
export function forgeKeyWrap(kek: Uint8Array, plaintext: Uint8Array, iv: Buffer = DEFAULT_IV): Buffer {
  const n = plaintext.length / 8;
  if (!Number.isInteger(n) || n < 2) throw new Error('plaintext must be n >= 2 semiblocks');
  const encrypt = aesBlock(kek, false);
  let a: Semiblock = Buffer.from(iv);
  const r: Semiblock[] = Array.from({ length: n }, (_, i) =>
    Buffer.from(plaintext.subarray(i * 8, i * 8 + 8)),
  );
  for (let j = 0; j <= 5; j++) {
    for (let i = 1; i <= n; i++) {
      const b = encrypt(Buffer.concat([a, r[i - 1]!]));
      a = xorT(b.subarray(0, 8), n * j + i);
      r[i - 1] = b.subarray(8, 16);
    }
  }
  return Buffer.concat([a, ...r]);
}

/** RFC 3394 §2.2.2 with the §2.2.3 check; returns undefined when the integrity check fails. */
export function forgeKeyUnwrap(
  kek: Uint8Array,
  wrapped: Uint8Array,
  iv: Buffer = DEFAULT_IV,
): Buffer | undefined {
  const n = wrapped.length / 8 - 1;
  if (!Number.isInteger(n) || n < 2) throw new Error('ciphertext must be n + 1 >= 3 semiblocks');
  const decrypt = aesBlock(kek, true);
  let a: Semiblock = Buffer.from(wrapped.subarray(0, 8));
  const r: Semiblock[] = Array.from({ length: n }, (_, i) =>
    Buffer.from(wrapped.subarray(8 + i * 8, 16 + i * 8)),
  );
  for (let j = 5; j >= 0; j--) {
    for (let i = n; i >= 1; i--) {
      const b = decrypt(Buffer.concat([xorT(a, n * j + i), r[i - 1]!]));
      a = b.subarray(0, 8);
      r[i - 1] = b.subarray(8, 16);
    }
  }
  return a.equals(iv) ? Buffer.concat(r) : undefined;
}
