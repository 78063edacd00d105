/**
 * `--volume-key-file FILE [--kek FILE]` for commands that read or write tape volumes: the volume key a
 * tape drive encrypts with, read like Bareos reads it (spec scsi.md §2 "How the Bareos key bytes are
 * formed"): the key file's text is the passphrase, or with `--kek` a wrapped key (base64, RFC 3394)
 * unwrapped with the KEK file's first 16 bytes. Keys are never taken from the command line or printed.
 */
import { readKeyFileBytes, keyFileText, kekFromKeyFile } from '../crypto/key-file.js';
import { wipe } from '../crypto/key-material.js';
import { unwrapKeyText } from '../crypto/bscrypto-keys.js';
import { CryptoError, UsageError, type Where } from '../errors.js';
import { lookupCryptoCache } from '../crypto/crypto-cache.js';
import { readCryptoCacheFile } from '../crypto/crypto-cache-file.js';
import { value, type FlagSpec, type ParsedArgs } from './args.js';

/** The volume-key flags. */
export const VOLUME_KEY_FLAGS: readonly FlagSpec[] = [
  {
    long: 'volume-key-file',
    value: true,
    help: 'tape drives: load this volume key (passphrase, or wrapped key with --kek) after the label; cleared at the end',
  },
  {
    long: 'kek',
    value: true,
    help: 'key-encryption key file: the volume key (file or cache entry) is wrapped',
  },
  {
    long: 'crypto-cache',
    value: true,
    help: "tape drives: take the volume's key from this crypto cache (bareos-sd.<port>.cryptoc), by volume name",
  },
];

/** Reads the passphrase of a key file (unwrapped with the KEK file when given). The caller wipes it. */
export async function readVolumeKeyFile(keyFile: string, kekFile?: string): Promise<Buffer> {
  const content = await readKeyFileBytes(keyFile);
  const text = keyFileText(content);
  wipe(content);
  return passphraseFromKeyText(text, kekFile, { file: keyFile });
}

/** A stored key's text as the drive's passphrase: unwrapped with the KEK file when given. Wipes `text`. */
async function passphraseFromKeyText(
  text: Buffer,
  kekFile: string | undefined,
  where: Where,
): Promise<Buffer> {
  if (kekFile === undefined) return text;
  const kekContent = await readKeyFileBytes(kekFile);
  const kek = kekFromKeyFile(kekContent);
  wipe(kekContent);
  try {
    return unwrapKeyText(text, kek, where);
  } finally {
    wipe(kek, text);
  }
}

/** The volume key the flags name, or undefined when `--volume-key-file` is not given. */
export async function volumeKeyFrom(args: ParsedArgs): Promise<Buffer | undefined> {
  const keyFile = value(args, 'volume-key-file');
  const kekFile = value(args, 'kek');
  if (keyFile === undefined) {
    if (kekFile !== undefined && value(args, 'crypto-cache') === undefined) {
      throw new UsageError('--kek needs --volume-key-file or --crypto-cache', { field: 'kek' });
    }
    return undefined;
  }
  return readVolumeKeyFile(keyFile, kekFile);
}

/**
 * The key of `volume` from the crypto cache `--crypto-cache` names (as Bareos' scsicrypto looks it up
 * when no director is there): undefined without the flag; a typed error when the cache has no entry.
 */
export async function volumeKeyFromCache(args: ParsedArgs, volume: string): Promise<Buffer | undefined> {
  const cachePath = value(args, 'crypto-cache');
  if (cachePath === undefined) return undefined;
  const file = await readCryptoCacheFile(cachePath, { volume });
  const key = lookupCryptoCache(file?.cache, volume);
  if (!key) {
    throw new CryptoError('SDP_KEY_NOT_FOUND', 'the crypto cache holds no key for this volume', {
      volume,
      file: cachePath,
    });
  }
  return passphraseFromKeyText(keyFileText(key), value(args, 'kek'), { volume, file: cachePath });
}
