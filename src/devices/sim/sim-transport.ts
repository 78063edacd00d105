/**
 * The simulated drive behind the ScsiTransport interface: `sim:<image>[?option=value&…]`. The image is
 * created when missing (test-environment.md §6.3). Options (sizes take K/M/G/T, powers of 1024):
 * - `capacity` (new image; default 2G), `ew` early-warning distance before the end (new image; default
 *   1 % of the capacity, at least 64K), `barcode` (new image), `wp=1` write-protect tab (new image);
 * - `sync=flush|always|never` (tape-image.ts; default flush);
 * - `personality=hp|ibm` (24- or 96-byte sense; default hp), `ssc3=1`, `dsense=1` (descriptor sense),
 *   `library=1` (library-managed encryption), `ua=1` (UNIT ATTENTION 29/00 at start),
 *   `nbes=good|not-ready|blank-check` (SPIN 0x0021 without medium), `serial=…`.
 * The image path may not contain `?`.
 */
import { UsageError } from '../../errors.js';
import { checkCommand } from '../scsi/command-check.js';
import type { ScsiCommand, ScsiResult, ScsiTransport, TransportDescriptor } from '../scsi/transport.js';
import type { DriveOptions, NoMediumNextBlockAnswer } from './drive-state.js';
import { LtoDrive } from './lto-drive.js';
import { PERSONALITY_NAMES, type PersonalityName } from './personality.js';
import type { SyncPolicy, TapeImageOptions } from './tape-image-format.js';
import { TapeImage } from './tape-image.js';

/** The spec prefix. */
export const SIM_PREFIX = 'sim:';
/** The form accepted, for messages. */
export const SIM_SPEC_FORM = 'sim:<image>[?capacity=2G&personality=hp|ibm&sync=flush|always|never&…]';
/** Timeout a command gets when it names none (the simulator never waits; the check only rejects nonsense). */
const DEFAULT_TIMEOUT_MS = 60_000;

/** A parsed `sim:` spec. */
export interface SimSpec {
  readonly path: string;
  readonly image: TapeImageOptions;
  readonly drive: DriveOptions;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** Parses a size such as `2G`, `512M`, `65536` (bytes). */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * SIZE_UNITS[m[2]!.toUpperCase()]!;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

const SYNC_POLICIES: readonly SyncPolicy[] = ['flush', 'always', 'never'];
const NBES_ANSWERS: readonly NoMediumNextBlockAnswer[] = ['good', 'not-ready', 'blank-check'];

/** Parses `sim:<image>[?…]`; throws UsageError naming the bad option. */
export function parseSimSpec(spec: string): SimSpec {
  if (!spec.startsWith(SIM_PREFIX))
    throw new UsageError(`not a simulated drive: expected ${SIM_SPEC_FORM}`, { device: spec });
  const body = spec.slice(SIM_PREFIX.length);
  const q = body.indexOf('?');
  const path = q < 0 ? body : body.slice(0, q);
  if (path === '')
    throw new UsageError(`simulated drive without an image path: expected ${SIM_SPEC_FORM}`, {
      device: spec,
    });
  const image: Record<string, unknown> = {};
  const drive: Record<string, unknown> = {};
  const bad = (name: string, value: string) =>
    new UsageError(`bad option ${name}=${value} for a simulated drive (${SIM_SPEC_FORM})`, {
      device: spec,
      option: name,
    });
  const flagValue = (name: string, value: string): boolean => {
    if (value === '1' || value === 'true' || value === 'yes') return true;
    if (value === '0' || value === 'false' || value === 'no') return false;
    throw bad(name, value);
  };
  const oneOf = <T extends string>(name: string, value: string, allowed: readonly T[]): T => {
    if (!(allowed as readonly string[]).includes(value)) throw bad(name, value);
    return value as T;
  };
  for (const [name, value] of new URLSearchParams(q < 0 ? '' : body.slice(q + 1))) {
    switch (name) {
      case 'capacity':
      case 'ew': {
        const size = parseSize(value);
        if (size === undefined) throw bad(name, value);
        image[name === 'capacity' ? 'capacityBytes' : 'earlyWarningDistanceBytes'] = size;
        break;
      }
      case 'barcode':
        image.barcode = value;
        break;
      case 'wp':
        image.writeProtected = flagValue(name, value);
        break;
      case 'sync':
        image.sync = oneOf(name, value, SYNC_POLICIES);
        break;
      case 'personality':
        drive.personality = oneOf<PersonalityName>(name, value, PERSONALITY_NAMES);
        break;
      case 'ssc3':
        drive.ssc3SdeLayout = flagValue(name, value);
        break;
      case 'dsense':
        drive.descriptorSense = flagValue(name, value);
        break;
      case 'library':
        drive.libraryManagedEncryption = flagValue(name, value);
        break;
      case 'ua':
        drive.powerOnUnitAttention = flagValue(name, value);
        break;
      case 'nbes':
        drive.noMediumNextBlockAnswer = oneOf(name, value, NBES_ANSWERS);
        break;
      case 'serial':
        drive.serialNumber = value;
        break;
      default:
        throw new UsageError(`unknown option ${name} for a simulated drive (${SIM_SPEC_FORM})`, {
          device: spec,
          option: name,
        });
    }
  }
  return { path, image: image, drive: drive };
}

/** A ScsiTransport to a simulated drive; `drive` gives tests the fault-injection and cartridge controls. */
export class SimTransport implements ScsiTransport {
  constructor(
    /** `sim:<image>` as given. */
    readonly name: string,
    readonly drive: LtoDrive,
  ) {}

  /** Opens the drive a `sim:` spec names (creating the image when missing). */
  static open(spec: string): Promise<SimTransport> {
    return settle(() => {
      const parsed = parseSimSpec(spec);
      return new SimTransport(spec, new LtoDrive(parsed.drive, TapeImage.open(parsed.path, parsed.image)));
    });
  }

  /** Runs one command; malformed commands and image I/O errors reject with DeviceError. */
  execute(cmd: ScsiCommand): Promise<ScsiResult> {
    return settle(() => {
      checkCommand(cmd, this.name, DEFAULT_TIMEOUT_MS);
      return this.drive.execute(cmd);
    });
  }

  /** Flushes and closes the image. */
  close(): Promise<void> {
    return settle(() => this.drive.close());
  }
}

/** Runs `step` now and settles a promise with its result or its exception (the drive is synchronous). */
const settle = <T>(step: () => T): Promise<T> => new Promise<T>((resolve) => resolve(step()));

/** The `sim:` transport for the registry (transports.ts). */
export const simTransport: TransportDescriptor = {
  name: 'sim',
  forms: [SIM_SPEC_FORM],
  matches: (spec) => spec.startsWith(SIM_PREFIX),
  open: (spec) => SimTransport.open(spec),
};
