/**
 * `--volume-key-file FILE [--kek FILE]` for commands that read or write tape volumes: the volume key a
 * tape drive encrypts with, read like Bareos reads it (spec scsi.md §2 "How the Bareos key bytes are
 * formed"): the key file's text is the passphrase, or with `--kek` a wrapped key (base64, RFC 3394)
 * unwrapped with the KEK file's first 16 bytes. Keys are never taken from the command line or printed.
 */
import { readKeyFileBytes, keyFileText, kekFromKeyFile } from '../crypto/key-file.js';
import { wipe } from '../crypto/key-material.js';
import { unwrapKeyText } from '../crypto/bscrypto-keys.js';
import { UsageError } from '../errors.js';
import { value, type FlagSpec, type ParsedArgs } from './args.js';

/** The volume-key flags. */
export const VOLUME_KEY_FLAGS: readonly FlagSpec[] = [
  {
    long: 'volume-key-file',
    value: true,
    help: 'tape drives: load this volume key (passphrase, or wrapped key with --kek) after the label; cleared at the end',
  },
  { long: 'kek', value: true, help: 'key-encryption key file: the volume key file holds a wrapped key' },
];

/** Reads the passphrase of a key file (unwrapped with the KEK file when given). The caller wipes it. */
export async function readVolumeKeyFile(keyFile: string, kekFile?: string): Promise<Buffer> {
  const content = await readKeyFileBytes(keyFile);
  const text = keyFileText(content);
  wipe(content);
  if (kekFile === undefined) return text;
  const kekContent = await readKeyFileBytes(kekFile);
  const kek = kekFromKeyFile(kekContent);
  wipe(kekContent);
  try {
    return unwrapKeyText(text, kek, { file: keyFile });
  } finally {
    wipe(kek, text);
  }
}

/** The volume key the flags name, or undefined when `--volume-key-file` is not given. */
export async function volumeKeyFrom(args: ParsedArgs): Promise<Buffer | undefined> {
  const keyFile = value(args, 'volume-key-file');
  const kekFile = value(args, 'kek');
  if (keyFile === undefined) {
    if (kekFile !== undefined) throw new UsageError('--kek needs --volume-key-file', { field: 'kek' });
    return undefined;
  }
  return readVolumeKeyFile(keyFile, kekFile);
}
