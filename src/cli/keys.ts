/**
 * `sdpipe keys`: volume-key administration beyond bscrypto.
 *   rewrap  — KEK rotation: re-wrap every volume key of crypto caches and of a catalog under a new KEK,
 *             all-or-nothing (a wrong old KEK changes nothing; a run cut off is finished by re-running it);
 *   rotate  — give a purged/recycled volume a fresh key, keeping the old one until it is rewritten;
 *   retire  — forget a rewritten volume's previous keys;
 *   list    — which volumes have keys (no key material);
 *   export  — VolumeName<TAB>Key lines of the catalog, for `bscrypto -p` (prints keys, by design).
 * No key or KEK ever appears in a message, an error or `--json` output.
 */
import { CryptoError, UsageError } from '../errors.js';
import { cryptoCacheKeyStore, rewrapVolumeKeyStores, type VolumeKeyStore } from '../crypto/kek-rotation.js';
import { cStringLength, keyFileBits, readKeyFileBytes } from '../crypto/key-file.js';
import { secretCopy, wipe } from '../crypto/key-material.js';
import { KEK_BYTES } from '../crypto/key-wrap.js';
import { isWrappedCatalogKey } from '../crypto/volume-key.js';
import {
  catalogKeyStore,
  catalogVolumeKeys,
  retirePreviousVolumeKeys,
  rotateVolumeKey,
} from '../catalog/encryption-keys.js';
import { count, describeFlags, parseArgs, value, values, type ParsedArgs } from './args.js';
import { EXIT, exitFor, formatError, type CliIo, type CommandDescriptor } from './command.js';

const FLAGS = [
  { long: 'old-kek', value: true, help: 'rewrap: file holding the current KEK (first 16 bytes are used)' },
  { long: 'new-kek', value: true, help: 'rewrap: file holding the new KEK' },
  { long: 'cache', value: true, repeat: true, help: 'rewrap: a crypto cache file (repeatable)' },
  { long: 'catalog', value: true, help: 'the sdpipe catalog (SQLite) file' },
  { long: 'volume', value: true, help: 'rotate/retire/export: the volume' },
  { long: 'kek', value: true, help: "rotate: file holding the director's KEK (when keys are wrapped)" },
  { long: 'previous', help: "export: print volumes' previous keys instead of their current ones" },
  { long: 'json', help: 'print one JSON object per line (never with key material)' },
  { short: 'h', long: 'help', help: 'this help' },
] as const;

const USAGE = `usage: sdpipe keys <subcommand> [options]
  rewrap --old-kek FILE --new-kek FILE [--cache FILE]... [--catalog DB]
         re-wrap every volume key under a new KEK, all-or-nothing; run it again after a crash
  rotate --catalog DB --volume NAME [--kek FILE]
         new key for a Purged/Recycle volume; the old one is kept until the volume is rewritten
  retire --catalog DB --volume NAME     forget the previous keys of a rewritten volume
  list   --catalog DB                   volumes with keys (no key material)
  export --catalog DB [--volume NAME] [--previous]
         VolumeName<TAB>Key lines (the stored form) for 'sdpipe bscrypto -p'
KEK files are read like bscrypto -w (first 64 bytes, trailing newline/CR/spaces removed) and must hold
at least 16 bytes. Keys and KEKs are never printed except by 'export'.
${describeFlags(FLAGS)}`;

/**
 * Reads a KEK file as bscrypto `-w` does, but refuses one shorter than 16 bytes (bscrypto zero-pads it).
 *
 * @throws CryptoError `SDP_KEY_FILE` or `SDP_KEK_SHORT`.
 */
export async function readKekFile(path: string): Promise<Buffer> {
  const content = await readKeyFileBytes(path, { kek: path });
  const bits = keyFileBits(content);
  wipe(content);
  try {
    if (cStringLength(bits) < KEK_BYTES) {
      throw new CryptoError('SDP_KEK_SHORT', 'the KEK file holds fewer than 16 bytes', { file: path });
    }
    return secretCopy(bits, 0, KEK_BYTES);
  } finally {
    wipe(bits);
  }
}

const required = (args: ParsedArgs, key: string): string => {
  const v = value(args, key);
  if (v === undefined) throw new UsageError(`--${key} is required`);
  return v;
};

async function rewrap(args: ParsedArgs, io: CliIo, json: boolean): Promise<number> {
  const caches = values(args, 'cache');
  const catalog = value(args, 'catalog');
  if (caches.length === 0 && catalog === undefined)
    throw new UsageError('give --cache FILE and/or --catalog DB');
  const oldKek = await readKekFile(required(args, 'old-kek'));
  let newKek: Buffer | undefined;
  try {
    newKek = await readKekFile(required(args, 'new-kek'));
    if (oldKek.equals(newKek)) throw new UsageError('the old and the new KEK are the same (first 16 bytes)');
    const stores: VolumeKeyStore[] = [
      ...(catalog === undefined ? [] : [catalogKeyStore(catalog)]),
      ...caches.map((c) => cryptoCacheKeyStore(c)),
    ];
    const reports = await rewrapVolumeKeyStores(stores, oldKek, newKek);
    for (const r of reports) {
      if (json) {
        io.stdout(
          `${JSON.stringify({ kind: 'rewrap', store: r.kind, file: r.path, rewrapped: r.rewrapped, current: r.current, notWrapped: r.notWrapped })}\n`,
        );
      } else {
        io.stdout(
          `${r.kind} ${r.path}: ${r.rewrapped.length} re-wrapped, ${r.current.length} already under the new KEK, ` +
            `${r.notWrapped.length} not wrapped${r.notWrapped.length ? ` (${r.notWrapped.join(', ')})` : ''}\n`,
        );
      }
    }
    return EXIT.OK;
  } finally {
    wipe(oldKek, newKek);
  }
}

async function rotate(args: ParsedArgs, io: CliIo, json: boolean): Promise<number> {
  const catalog = required(args, 'catalog');
  const volume = required(args, 'volume');
  const kekFile = value(args, 'kek');
  const kek = kekFile === undefined ? undefined : await readKekFile(kekFile);
  try {
    const r = rotateVolumeKey(catalog, volume, { kek });
    if (json) {
      io.stdout(
        `${JSON.stringify({ kind: 'rotate', volume: r.volumeName, mediaId: r.mediaId, wrapped: r.wrapped, previousKeys: r.previousKeys })}\n`,
      );
    } else {
      io.stdout(r.messages.map((m) => `${m}\n`).join(''));
    }
    return EXIT.OK;
  } finally {
    wipe(kek);
  }
}

function retire(args: ParsedArgs, io: CliIo, json: boolean): number {
  const volume = required(args, 'volume');
  const n = retirePreviousVolumeKeys(required(args, 'catalog'), volume);
  io.stdout(
    json
      ? `${JSON.stringify({ kind: 'retire', volume, retired: n })}\n`
      : `Forgot ${n} previous encryption key${n === 1 ? '' : 's'} of volume '${volume}'.\n`,
  );
  return EXIT.OK;
}

function list(args: ParsedArgs, io: CliIo, json: boolean): number {
  const keys = catalogVolumeKeys(required(args, 'catalog'));
  try {
    for (const k of keys) {
      const wrapped = isWrappedCatalogKey(k.catalogKey);
      if (json) {
        io.stdout(
          `${JSON.stringify({ kind: 'volumeKey', volume: k.volumeName, role: k.role, wrapped, retiredTime: k.retiredTime })}\n`,
        );
      } else {
        io.stdout(
          `${k.volumeName}\t${k.role}\t${wrapped ? 'wrapped' : 'not wrapped'}${k.retiredTime ? `\tretired ${k.retiredTime}` : ''}\n`,
        );
      }
    }
  } finally {
    for (const k of keys) wipe(k.catalogKey);
  }
  return EXIT.OK;
}

function exportKeys(args: ParsedArgs, io: CliIo, json: boolean): number {
  if (json) throw new UsageError('export prints keys; it has no --json form');
  const volume = value(args, 'volume');
  const role = count(args, 'previous') ? 'previous' : 'current';
  const keys = catalogVolumeKeys(required(args, 'catalog'), volume === undefined ? {} : { volume });
  try {
    for (const k of keys)
      if (k.role === role) io.stdout(`${k.volumeName}\t${k.catalogKey.toString('latin1')}\n`);
  } finally {
    for (const k of keys) wipe(k.catalogKey);
  }
  return EXIT.OK;
}

/** `sdpipe keys`. */
export const keys: CommandDescriptor = {
  name: 'keys',
  summary: 'volume keys: KEK rotation (rewrap), volume-key rotation, list/export catalog keys',
  usage: USAGE,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    let json = false;
    try {
      const args = parseArgs(argv, FLAGS);
      json = count(args, 'json') > 0;
      if (count(args, 'help')) {
        io.stdout(`${USAGE}\n`);
        return EXIT.OK;
      }
      const [sub, ...extra] = args.positionals;
      if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
      switch (sub) {
        case 'rewrap':
          return await rewrap(args, io, json);
        case 'rotate':
          return await rotate(args, io, json);
        case 'retire':
          return retire(args, io, json);
        case 'list':
          return list(args, io, json);
        case 'export':
          return exportKeys(args, io, json);
        case undefined:
          throw new UsageError('give a subcommand');
        default:
          throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}`);
      }
    } catch (e) {
      io.stderr(`${formatError(e, json)}\n${e instanceof UsageError ? `${USAGE}\n` : ''}`);
      return exitFor(e);
    }
  },
};
