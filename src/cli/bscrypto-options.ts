/**
 * The command line of `sdpipe bscrypto`, parsed the way Bareos' bscrypto (CLI11) parses it (spec
 * crypto.md §4): the same options, CLI11's "excludes" pairs and exit codes, then bscrypto's own checks.
 */
import { UsageError } from '../errors.js';
import { count, describeFlags, parseArgs, value, values, type FlagSpec } from './args.js';

/** CLI11's exit codes for the parse errors bscrypto can hit (Bareos' bscrypto exits with them). */
export const CLI11_EXIT = {
  CONVERSION: 104,
  EXCLUDES: 108,
  EXTRAS: 109,
  OPTION_NOT_FOUND: 113,
  ARGUMENT_MISMATCH: 114,
} as const;

const FLAGS = [
  { short: 'b', long: 'base64', help: 'Perform base64 encoding of keydata.' },
  { short: 'c', long: 'clear-encryption', help: 'Clear encryption key.' },
  { short: 'D', long: 'dump-cache', value: true, repeat: true, help: 'Dump content of given cachefile.' },
  { short: 'd', long: 'debug-level', value: true, repeat: true, help: 'Set debug level to <level>.' },
  { long: 'dt', help: 'Print timestamps in debug output.' },
  { long: 'debug-timestamps', help: 'Print timestamps in debug output.' },
  { short: 'e', long: 'drive-encryption-status', help: 'Show drive encryption status.' },
  {
    short: 'g',
    long: 'generate-passphrase',
    value: true,
    repeat: true,
    help: 'Generate new encryption passphrase in keyfile.',
  },
  { short: 'k', long: 'show-keyfile', value: true, repeat: true, help: 'Show content of keyfile.' },
  {
    short: 'p',
    long: 'populate-cachefile',
    value: true,
    repeat: true,
    help: 'Populate given cachefile with crypto keys (VolumeName<TAB>Key lines on standard input).',
  },
  {
    short: 'r',
    long: 'reset-expiry-time',
    value: true,
    repeat: true,
    help: 'Reset expiry time for entries of given cachefile.',
  },
  {
    short: 's',
    long: 'set-encryption-key',
    value: true,
    repeat: true,
    help: 'Set encryption key loaded from keyfile.',
  },
  { short: 'v', long: 'volume-encryption-status', help: 'Show volume encryption status.' },
  {
    short: 'w',
    long: 'wrap-unwrap-key',
    value: true,
    repeat: true,
    help: 'Wrap/Unwrap the key using RFC3394 aes-(un)wrap using the key in keyfile as a Key Encryption.',
  },
  { long: 'show-keys', help: 'sdpipe: let debug output (-d 10) print volume keys (never a KEK).' },
  { short: 'h', long: 'help', help: 'Print this help message and exit.' },
  { short: '?', help: 'Print this help message and exit.' },
  { long: 'version', help: 'Display program version information and exit.' },
] as const satisfies readonly FlagSpec[];

/** Help text, with sdpipe's deviations from Bareos' bscrypto. */
export const BSCRYPTO_USAGE = `usage: sdpipe bscrypto [options] [device_name]
The Bareos encryption tool (byte-compatible keys, KEK files and crypto caches).
${describeFlags(FLAGS)}
  device_name                  Name of device (needed for -c -e -s -v).

Differences from Bareos' bscrypto:
  - a wrong KEK (-k/-s with -w), undecodable key text or a failed key write exits 1 (Bareos exits 0);
  - -p reads standard input, one entry per line (Bareos reads file descriptor 1, a terminal only);
  - debug output (-d) never prints a volume key unless --show-keys, and never prints a KEK;
  - a cache file that is truncated or not a crypto cache is reported (exit 1) and left as it is
    (Bareos deletes it, even on -D); cache files are replaced atomically with mode 0600;
  - -g FILE truncates FILE and creates it with mode 0600 (Bareos keeps old bytes after the key, 0644);
  - -c, -e, -s and -v need a SCSI transport this build does not have (exit 1).`;

/** The option letters CLI11 checks, in bscrypto's definition order, with their long names and keys. */
const OPTIONS = {
  b: 'base64',
  c: 'clear-encryption',
  D: 'dump-cache',
  e: 'drive-encryption-status',
  g: 'generate-passphrase',
  k: 'show-keyfile',
  p: 'populate-cachefile',
  r: 'reset-expiry-time',
  s: 'set-encryption-key',
  v: 'volume-encryption-status',
} as const;
type OptionLetter = keyof typeof OPTIONS;
const DEFINITION_ORDER = Object.keys(OPTIONS) as OptionLetter[];

/** bscrypto's CLI11 `excludes`, as declared; CLI11 makes each pair symmetric. */
const EXCLUDES: readonly (readonly [OptionLetter, readonly OptionLetter[]])[] = [
  ['D', ['c']],
  ['e', ['c', 'D']],
  ['g', ['c', 'e']],
  ['k', ['g', 'c', 'e']],
  ['p', ['c', 'e']],
  ['r', ['c', 'e']],
  ['s', ['k', 'c', 'r', 'D', 'e', 'g']],
  ['v', ['c', 's', 'g', 'k', 'D', 'p', 'r']],
];
const EXCLUDED = (() => {
  const m = new Map<OptionLetter, Set<OptionLetter>>(DEFINITION_ORDER.map((l) => [l, new Set()]));
  for (const [a, list] of EXCLUDES) {
    for (const b of list) {
      m.get(a)!.add(b);
      m.get(b)!.add(a);
    }
  }
  return m;
})();

/** The first clash CLI11 reports: options in definition order, each against its excluded ones. */
function firstExclusion(given: ReadonlySet<OptionLetter>): [OptionLetter, OptionLetter] | undefined {
  for (const a of DEFINITION_ORDER) {
    if (!given.has(a)) continue;
    for (const b of DEFINITION_ORDER) if (EXCLUDED.get(a)!.has(b) && given.has(b)) return [a, b];
  }
  return undefined;
}

/** The bscrypto options after parsing. */
export interface BscryptoOptions {
  readonly base64: boolean;
  readonly clear: boolean;
  readonly dumpCache: string | undefined;
  readonly debugLevel: number;
  readonly timestamps: boolean;
  readonly driveStatus: boolean;
  readonly generate: string | undefined;
  readonly show: string | undefined;
  readonly populate: string | undefined;
  readonly reset: string | undefined;
  readonly set: string | undefined;
  readonly volumeStatus: boolean;
  readonly wrapKeyFile: string | undefined;
  readonly showKeys: boolean;
  readonly device: string;
}

/** A parse outcome that ends the command: exit status and what to print. */
export interface ParseExit {
  readonly exit: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

/** CLI11's FailureMessage::help: `ERROR: <error>: <what>`, then the help text. */
const cli11Error = (name: string, what: string, exit: number): ParseExit => ({
  exit,
  stderr: `ERROR: ${name}: ${what}\n${BSCRYPTO_USAGE}\n`,
});

/** Parses a bscrypto command line, or says how the command ends (help, version, CLI11 error). */
export function parseBscryptoOptions(argv: readonly string[]): BscryptoOptions | ParseExit {
  let args;
  try {
    args = parseArgs(argv, FLAGS);
  } catch (e) {
    const message = e instanceof UsageError ? e.message : String(e);
    const unknown = /^unknown option (\S+)$/.exec(message);
    if (unknown) {
      return cli11Error(
        'ExtrasError',
        `The following argument was not expected: ${unknown[1]}`,
        CLI11_EXIT.EXTRAS,
      );
    }
    return cli11Error('ArgumentMismatch', message, CLI11_EXIT.ARGUMENT_MISMATCH);
  }
  if (count(args, 'help') || count(args, '?')) return { exit: 0, stdout: `${BSCRYPTO_USAGE}\n` };
  if (count(args, 'version')) {
    return { exit: 0, stdout: 'sdpipe bscrypto 0.1.0 (compatible with Bareos 25.1.0 bscrypto)\n' };
  }
  let debugLevel = 0;
  for (const d of values(args, 'debug-level')) {
    if (/^\d+$/.test(d)) debugLevel = Number(d);
    else if (d === 't') {
      // bscrypto's own message for the old -dt spelling (CLI11 FailureMessage::simple).
      return {
        exit: CLI11_EXIT.OPTION_NOT_FOUND,
        stderr:
          'The -dt option has changed.\nUse --dt as given in the help.\nRun with --help for more information.\n',
      };
    } else
      return cli11Error('ConversionError', `Could not convert: --debug-level = ${d}`, CLI11_EXIT.CONVERSION);
  }
  const [device = '', ...extra] = args.positionals;
  if (extra.length) {
    const what = `The following argument${extra.length > 1 ? 's were' : ' was'} not expected: ${extra.join(' ')}`;
    return cli11Error('ExtrasError', what, CLI11_EXIT.EXTRAS);
  }
  const given = new Set(DEFINITION_ORDER.filter((l) => args.flags.has(OPTIONS[l])));
  const clash = firstExclusion(given);
  if (clash) {
    const [a, b] = clash;
    return cli11Error('ExcludesError', `--${OPTIONS[a]} excludes --${OPTIONS[b]}`, CLI11_EXIT.EXCLUDES);
  }
  return {
    base64: count(args, 'base64') > 0,
    clear: count(args, 'clear-encryption') > 0,
    dumpCache: value(args, 'dump-cache'),
    debugLevel,
    timestamps: count(args, 'dt') + count(args, 'debug-timestamps') > 0,
    driveStatus: count(args, 'drive-encryption-status') > 0,
    generate: value(args, 'generate-passphrase'),
    show: value(args, 'show-keyfile'),
    populate: value(args, 'populate-cachefile'),
    reset: value(args, 'reset-expiry-time'),
    set: value(args, 'set-encryption-key'),
    volumeStatus: count(args, 'volume-encryption-status') > 0,
    wrapKeyFile: value(args, 'wrap-unwrap-key'),
    showKeys: count(args, 'show-keys') > 0,
    device,
  };
}

/**
 * bscrypto's own checks after parsing (message for stderr, exit 1), in its order. Most pairs they test
 * are already refused by the CLI11 excludes; only the missing device and `-s` with `-p` reach them.
 */
export function bscryptoPostParseError(o: BscryptoOptions): string | undefined {
  const keyOps = o.generate !== undefined || o.show !== undefined;
  const cacheOps = o.dumpCache !== undefined || o.populate !== undefined || o.reset !== undefined;
  const driveOps = o.clear || o.set !== undefined || o.driveStatus || o.volumeStatus;
  if (!keyOps && !cacheOps && o.device === '') return 'Missing device_name argument for this option';
  if (o.generate !== undefined && o.show !== undefined) return 'Either use -g or -k not both';
  if (o.clear && o.set !== undefined) return 'Either use -c or -s not both';
  if ((o.clear || o.set !== undefined) && (o.driveStatus || o.volumeStatus)) {
    return 'Either set or clear the crypto key or ask for status not both';
  }
  if (driveOps && (keyOps || cacheOps)) {
    return "Don't mix operations which are incompatible e.g. generate/show vs set/clear etc.";
  }
  return undefined;
}
