/**
 * What bls and bextract share: turning `<device> -V … -b …` into the volumes to read, an opener, and
 * the warning sink. No configuration file: the device argument is a directory or a volume file.
 */
import { readFile } from 'node:fs/promises';
import { openDevice, type StorageDevice } from '../devices/device.js';
import { SdpipeError, UsageError } from '../errors.js';
import type { CliIo } from './command.js';
import { formatError } from './command.js';
import { count, value, type FlagSpec, type ParsedArgs } from './args.js';
import { wipe } from '../crypto/key-material.js';
import { VOLUME_KEY_FLAGS, volumeKeyFrom, volumeKeyFromCache } from './volume-key.js';
import { isDriveSpec } from '../devices/tape-device.js';

/** Flags every reading command takes. */
export const READ_FLAGS: readonly FlagSpec[] = [
  { short: 'V', long: 'volume', value: true, help: "volume name(s) to read, several as 'Vol1|Vol2'" },
  {
    short: 'b',
    long: 'bootstrap',
    value: true,
    help: 'bootstrap (.bsr) file selecting volumes, sessions and files',
  },
  { short: 'i', long: 'include', value: true, help: 'file with paths/patterns to include, one per line' },
  { short: 'e', long: 'exclude', value: true, help: 'file with paths/patterns to exclude, one per line' },
  { short: 'v', long: 'verbose', repeat: true, help: 'more detail (repeat for more)' },
  ...VOLUME_KEY_FLAGS,
  { long: 'json', help: 'print one JSON object per line' },
  { long: 'strict', help: 'stop at the first damaged block instead of reporting it and going on' },
  { short: 'h', long: 'help', help: 'show this help' },
];

/** The resolved read: device, volumes in order, and a warning collector. */
export interface ReadJob {
  readonly device: StorageDevice;
  readonly volumes: string[];
  readonly warnings: SdpipeError[];
  readonly onWarning: (e: SdpipeError) => void;
  readonly strict: boolean;
  readonly json: boolean;
  readonly verbose: number;
}

/** Splits `-V 'Vol1|Vol2'`. */
export const splitVolumes = (v: string): string[] =>
  v
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean);

/** Reads a list file (-i/-e): one entry per line, blank lines and surrounding whitespace ignored. */
export async function readListFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read list file: ${(e as Error).message}`, { file: path });
  }
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim().length > 0);
}

/** Resolves device and volumes; warnings go to stderr as they happen (and are kept for the exit status). */
export async function openReadJob(
  args: ParsedArgs,
  devicePath: string,
  io: CliIo,
  bsrVolumes: string[] | undefined,
  defer: (cleanup: () => Promise<void>) => void,
): Promise<ReadJob> {
  const volumeKey = await volumeKeyFrom(args);
  let device: StorageDevice;
  try {
    device = await openDevice(devicePath, { volumeKey });
  } finally {
    wipe(volumeKey);
  }
  let current = device;
  defer(() => current.close());
  const v = value(args, 'volume');
  let volumes: string[];
  if (v !== undefined) volumes = splitVolumes(v);
  else if (bsrVolumes) volumes = bsrVolumes;
  else if (!device.needsVolumeNames) volumes = await device.defaultVolumes();
  else {
    throw new UsageError(
      'the device is a directory: name the volume(s) with -V or give a bootstrap with -b',
      {
        file: devicePath,
      },
    );
  }
  if (volumes.length === 0) {
    throw new UsageError('no volume named, and the device has no labelled volume', { file: devicePath });
  }
  // Disaster recovery without a director: the tape's key from the crypto cache, by its volume name.
  const first = volumes[0];
  if (value(args, 'crypto-cache') !== undefined && isDriveSpec(devicePath) && first !== undefined) {
    const cached = await volumeKeyFromCache(args, first);
    await device.close();
    try {
      device = await openDevice(devicePath, { volumeKey: cached });
    } finally {
      wipe(cached);
    }
    current = device;
  }
  const json = count(args, 'json') > 0;
  const warnings: SdpipeError[] = [];
  return {
    device,
    volumes,
    warnings,
    strict: count(args, 'strict') > 0,
    json,
    verbose: count(args, 'verbose'),
    onWarning: (e) => {
      warnings.push(e);
      io.stderr(`${formatError(e, json)}\n`);
    },
  };
}
