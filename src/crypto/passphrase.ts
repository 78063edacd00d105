/**
 * Volume key (passphrase) generation (spec crypto.md §3): 32 characters from Bareos' 90-character set.
 * Bareos maps RAND_bytes through `% 90`, which slightly favours the first 76 characters; sdpipe draws
 * each character with `crypto.randomInt` (a CSPRNG, uniform), so its keys have the same shape and
 * charset and a little more entropy.
 */
import { randomInt } from 'node:crypto';
import { VOLUME_KEY_BYTES } from './key-wrap.js';

/** Bareos' passphrase characters, in its order: no quotes, backslash, backtick or space. */
export const PASSPHRASE_ALPHABET =
  'abcdefghijklmnopqrstuvwxyz' + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' + '0123456789' + '!@#$%^&*()-_=+|[]{};:,.<>?/~';

/** Passphrase length (DEFAULT_PASSPHRASE_LENGTH). */
export const PASSPHRASE_LENGTH = VOLUME_KEY_BYTES;

const ALPHABET_BYTES = Buffer.from(PASSPHRASE_ALPHABET, 'latin1');

/** A fresh passphrase as ASCII bytes in a buffer of its own (wipe it when done). */
export function generatePassphrase(length: number = PASSPHRASE_LENGTH): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = ALPHABET_BYTES[randomInt(ALPHABET_BYTES.length)]!;
  return out;
}

/** True when every byte of `bytes` is a passphrase character. */
export function isPassphraseText(bytes: Uint8Array): boolean {
  return bytes.every((b) => ALPHABET_BYTES.includes(b));
}
