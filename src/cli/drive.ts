/**
 * `sdpipe drive <subcommand>`: tape drive tools. `drive decode --page <page> [--json] <hex…|->` decodes
 * bytes an operator captured from a real drive (sense data, SPIN/SPOUT encryption pages, the TapeAlert log
 * page) and prints every field; `--json` prints one object with the T10 field names in camelCase. Keys in
 * a Set Data Encryption page are never printed (only their length). `status`, `capabilities`,
 * `tapealert`, `load-key` and `clear-key` talk to a drive (`sim:<image>`, `iscsi://…`, `/dev/sgN`) with
 * the commands Bareos' scsicrypto-sd and scsitapealert-sd send (drive-operations.ts).
 */
import { UsageError } from '../errors.js';
import { wipe } from '../crypto/key-material.js';
import { withDriveOperations } from '../devices/drive-operations.js';
import { activeTapeAlerts } from '../devices/scsi/pages/log-tapealert.js';
import { ScsiError } from '../devices/scsi/scsi-error.js';
import { readVolumeKeyFile } from './volume-key.js';
import { describeFlags, parseArgs, value, count, type FlagSpec } from './args.js';
import { EXIT, exitFor, formatError, type CliIo, type CommandDescriptor } from './command.js';
import { SENSE_KEYS } from '../devices/scsi/asc-names.js';
import { decodeSense, type Sense } from '../devices/scsi/sense.js';
import { formatSense } from '../devices/scsi/sense-text.js';
import { decodeDataEncryptionCapabilities } from '../devices/scsi/pages/spin-capabilities.js';
import {
  decodeDataEncryptionStatus,
  formatDriveEncryptionStatus,
} from '../devices/scsi/pages/spin-status.js';
import {
  decodeNextBlockEncryptionStatus,
  formatVolumeEncryptionStatus,
} from '../devices/scsi/pages/spin-next-block.js';
import {
  decodeCertificate,
  decodeSupportedPages,
  decodeSupportedProtocols,
} from '../devices/scsi/pages/spin-support.js';
import { decodeSetDataEncryption } from '../devices/scsi/pages/spout-sde.js';
import { decodeTapeAlertPage } from '../devices/scsi/pages/log-tapealert.js';
import { KAD_TYPE_NAMES } from '../devices/scsi/pages/kad.js';
import {
  ALGORITHM_CODE_NAMES,
  CEEM_NAMES,
  DECRYPTION_MODE_NAMES,
  ENCRYPTION_MODE_NAMES,
  KAD_FORMAT_NAMES,
  KEY_FORMAT_NAMES,
  RDMC_NAMES,
  SCOPE_NAMES,
  TDE_PAGE,
} from '../devices/scsi/pages/tde-codes.js';

type Annotations = Readonly<Record<string, (v: unknown) => string | undefined>>;

/** One kind of bytes `drive decode` understands. */
interface PageDecoder {
  readonly name: string;
  readonly title: string;
  /** The decoded value as printed (JSON) and walked for text; secrets already removed. */
  decode(bytes: Uint8Array, strict: boolean): Record<string, unknown>;
  /** Text printed before the field list (sg3_utils-style sense text, Bareos' status lines). */
  preamble?(decoded: Record<string, unknown>): string;
  readonly annotations?: Annotations;
  /** Lists printed one line per item (long lists such as the 64 TapeAlert parameters). */
  readonly oneLine?: Readonly<Record<string, (item: Record<string, unknown>) => string>>;
}

const hex = (n: number, width = 2) => `0x${n.toString(16).padStart(width, '0')}`;
const named =
  (table: Readonly<Record<number, string>>) =>
  (v: unknown): string | undefined =>
    typeof v === 'number' ? table[v] : undefined;
const asHex =
  (width = 2) =>
  (v: unknown): string | undefined =>
    typeof v === 'number' ? hex(v, width) : undefined;

const TDE_PAGE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(TDE_PAGE)
    .filter(([k]) => k !== 'SET_DATA_ENCRYPTION')
    .map(([k, v]) => [v, k.toLowerCase().replaceAll('_', ' ')]),
);

const ENCRYPTION_ANNOTATIONS: Annotations = {
  pageCode: asHex(4),
  scope: named(SCOPE_NAMES),
  itNexusScope: named(SCOPE_NAMES),
  encryptionMode: named(ENCRYPTION_MODE_NAMES),
  decryptionMode: named(DECRYPTION_MODE_NAMES),
  ceem: named(CEEM_NAMES),
  rdmc: named(RDMC_NAMES),
  keyFormat: named(KEY_FORMAT_NAMES),
  kadFormat: named(KAD_FORMAT_NAMES),
  nextBlockKadFormat: named(KAD_FORMAT_NAMES),
  keyDescriptorType: named(KAD_TYPE_NAMES),
  algorithmCode: (v) =>
    typeof v === 'number'
      ? `${hex(v, 8)}${ALGORITHM_CODE_NAMES[v] ? ` ${ALGORITHM_CODE_NAMES[v]}` : ''}`
      : undefined,
};

const asRecord = (v: object): Record<string, unknown> => ({ ...v });

const PAGES: readonly PageDecoder[] = [
  {
    name: 'sense',
    title: 'Sense data',
    decode: (b) => asRecord(decodeSense(b)),
    preamble: (d) => `${formatSense(d as unknown as Sense)}\n`,
    annotations: {
      responseCode: asHex(),
      senseKeySpecific: asHex(6),
      senseKey: named(Object.fromEntries(SENSE_KEYS.map((k) => [k.senseKey, k.name]))),
      asc: asHex(),
      ascq: asHex(),
    },
  },
  {
    name: 'spin-0000',
    title: 'SPIN protocol 0x20 page 0x0000 Tape Data Encryption In Support',
    decode: (b) => asRecord(decodeSupportedPages(b, TDE_PAGE.IN_SUPPORT)),
    annotations: {
      pageCode: asHex(4),
      pageCodes: (v) =>
        typeof v === 'number' ? `${hex(v, 4)} ${TDE_PAGE_NAMES[v] ?? ''}`.trim() : undefined,
    },
  },
  {
    name: 'spin-0001',
    title: 'SPIN protocol 0x20 page 0x0001 Tape Data Encryption Out Support',
    decode: (b) => asRecord(decodeSupportedPages(b, TDE_PAGE.OUT_SUPPORT)),
    annotations: { pageCode: asHex(4), pageCodes: asHex(4) },
  },
  {
    name: 'spin-00-0000',
    title: 'SPIN protocol 0x00 page 0x0000 Supported Security Protocols',
    decode: (b) => asRecord(decodeSupportedProtocols(b)),
    annotations: { securityProtocols: asHex() },
  },
  {
    name: 'spin-00-0001',
    title: 'SPIN protocol 0x00 page 0x0001 Certificate Data',
    decode: (b) => asRecord(decodeCertificate(b)),
  },
  {
    name: 'spin-0010',
    title: 'SPIN page 0x0010 Data Encryption Capabilities',
    decode: (b, strict) => asRecord(decodeDataEncryptionCapabilities(b, {}, { strict })),
    annotations: ENCRYPTION_ANNOTATIONS,
  },
  {
    name: 'spin-0020',
    title: 'SPIN page 0x0020 Data Encryption Status',
    decode: (b) => asRecord(decodeDataEncryptionStatus(b)),
    preamble: (d) =>
      `${formatDriveEncryptionStatus(d as unknown as Parameters<typeof formatDriveEncryptionStatus>[0])}\n`,
    annotations: ENCRYPTION_ANNOTATIONS,
  },
  {
    name: 'spin-0021',
    title: 'SPIN page 0x0021 Next Block Encryption Status',
    decode: (b) => asRecord(decodeNextBlockEncryptionStatus(b)),
    preamble: (d) =>
      `${formatVolumeEncryptionStatus(d as unknown as Parameters<typeof formatVolumeEncryptionStatus>[0])}\n`,
    annotations: ENCRYPTION_ANNOTATIONS,
  },
  {
    name: 'spout-0010',
    title: 'SPOUT page 0x0010 Set Data Encryption',
    decode: (b) => {
      // The key is secret: only its length is shown.
      const { key, ...rest } = decodeSetDataEncryption(b);
      return { ...rest, keyLength: key.length };
    },
    annotations: ENCRYPTION_ANNOTATIONS,
  },
  {
    name: 'log-2e',
    title: 'LOG SENSE page 0x2E TapeAlert',
    decode: (b) => asRecord(decodeTapeAlertPage(b)),
    annotations: { pageCode: asHex() },
    oneLine: {
      parameters: (q) =>
        Object.entries(q)
          .map(([k, v]) => `${k}=${scalarText(v)}`)
          .join(' '),
      flags: (f) =>
        `${String(f.number).padStart(2)} ${String(f.name)} (${typeof f.severity === 'string' ? f.severity : 'severity unknown'}${f.severityVerified ? '' : ', unverified'}; Bareos: ${String(f.bareos)}): ${f.set ? 'SET' : 'clear'}`,
    },
  },
];

/** Parses hex text: bytes with or without spaces, commas, colons or `0x` prefixes. */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (!/^[0-9a-f]*$/i.test(digits) || digits.length % 2 !== 0)
    throw new UsageError('the bytes must be hexadecimal, two digits per byte');
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

const jsonText = (o: unknown) =>
  JSON.stringify(o, (_k, v: unknown) =>
    v instanceof Uint8Array ? toHex(v) : typeof v === 'bigint' ? v.toString() : v,
  );

function scalarText(v: unknown): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v instanceof Uint8Array) return v.length ? toHex(v) : '(none)';
  return String(v);
}

/** Every field of a decoded value, one per line; lists numbered, coded values with their meaning. */
function fieldLines(
  o: Record<string, unknown>,
  notes: Annotations,
  oneLine: PageDecoder['oneLine'] = {},
  indent = '',
): string[] {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      lines.push(`${indent}${k}: ${v.length}`);
      const line = oneLine[k];
      v.forEach((item: unknown, i) => {
        if (item !== null && typeof item === 'object' && !(item instanceof Uint8Array)) {
          if (line) {
            lines.push(`${indent}  [${i}] ${line(item as Record<string, unknown>)}`);
            return;
          }
          lines.push(`${indent}  [${i}]`);
          lines.push(...fieldLines(item as Record<string, unknown>, notes, oneLine, `${indent}    `));
        } else {
          const note = notes[k]?.(item);
          lines.push(`${indent}  [${i}] ${scalarText(item)}${note ? ` (${note})` : ''}`);
        }
      });
      continue;
    }
    const note = notes[k]?.(v);
    lines.push(`${indent}${k}: ${scalarText(v)}${note ? ` (${note})` : ''}`);
  }
  return lines;
}

const DECODE_FLAGS: readonly FlagSpec[] = [
  { long: 'page', value: true, help: `what the bytes are: ${PAGES.map((p) => p.name).join('|')}` },
  { long: 'json', help: 'print one JSON object (camelCase T10 field names)' },
  { long: 'strict', help: 'spin-0010: PAGE LENGTH must match the bytes (default: read every byte received)' },
  { short: 'h', long: 'help', help: 'show this help' },
];
const DECODE_USAGE = `usage: sdpipe drive decode --page <page> [--json] <hex…|->
  Decodes bytes captured from a tape drive and prints every field. The bytes are hex, with or without
  spaces, as arguments or on standard input (-).
${describeFlags(DECODE_FLAGS)}`;

async function readBytes(positionals: readonly string[], io: CliIo): Promise<Uint8Array> {
  if (positionals.length === 1 && positionals[0] === '-') {
    if (!io.stdin) throw new UsageError('standard input is not available here');
    return fromHex((await io.stdin()).toString('latin1'));
  }
  if (positionals.length === 0)
    throw new UsageError('give the bytes as hex arguments, or - for standard input');
  return fromHex(positionals.join(' '));
}

async function runDecode(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, DECODE_FLAGS);
  if (count(args, 'help')) {
    io.stdout(`${DECODE_USAGE}\n`);
    return EXIT.OK;
  }
  const json = count(args, 'json') > 0;
  const pageName = value(args, 'page');
  const page = PAGES.find((p) => p.name === pageName);
  if (!page)
    throw new UsageError(
      pageName === undefined ? 'give --page' : `unknown page ${JSON.stringify(pageName)}`,
      { pages: PAGES.map((p) => p.name).join('|') },
    );
  const bytes = await readBytes(args.positionals, io);
  const decoded = page.decode(bytes, count(args, 'strict') > 0);
  if (json) {
    io.stdout(`${jsonText({ page: page.name, ...decoded })}\n`);
    return EXIT.OK;
  }
  const preamble = page.preamble?.(decoded) ?? '';
  io.stdout(
    `${page.title} (${bytes.length} bytes)\n${preamble}${fieldLines(decoded, page.annotations ?? {}, page.oneLine).join('\n')}\n`,
  );
  return EXIT.OK;
}

/** A `drive` subcommand. */
interface DriveSubcommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** What a drive-facing subcommand prints: text lines, or one JSON object (camelCase fields). */
interface DriveOutput {
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** A subcommand that opens `<device>`, runs its operation and prints the outcome. */
function driveSubcommand(
  name: string,
  summary: string,
  extraFlags: readonly FlagSpec[],
  operation: (device: string, args: ReturnType<typeof parseArgs>) => Promise<DriveOutput>,
): DriveSubcommand {
  const flags: readonly FlagSpec[] = [
    ...extraFlags,
    { long: 'json', help: 'print one JSON object (camelCase field names)' },
    { short: 'h', long: 'help', help: 'show this help' },
  ];
  const usage = `usage: sdpipe drive ${name}${extraFlags.some((f) => f.long === 'key-file') ? ' --key-file FILE [--kek FILE]' : ''} [--json] <device>
  ${summary}. <device>: sim:<image>, iscsi://host[:port]/target-iqn/lun or /dev/sgN.
${describeFlags(flags)}`;
  return {
    name,
    summary,
    usage,
    async run(argv, io) {
      const args = parseArgs(argv, flags);
      if (count(args, 'help')) {
        io.stdout(`${usage}\n`);
        return EXIT.OK;
      }
      const [device, ...extra] = args.positionals;
      if (device === undefined || extra.length > 0) throw new UsageError('give one <device>');
      const out = await operation(device, args);
      io.stdout(count(args, 'json') ? `${jsonText({ device, ...out.json })}\n` : out.text);
      return EXIT.OK;
    },
  };
}

/** Key options of load-key: the key comes from files only, never from the command line. */
const KEY_FLAGS: readonly FlagSpec[] = [
  {
    long: 'key-file',
    value: true,
    help: 'file holding the volume key passphrase (or the wrapped key with --kek)',
  },
  {
    long: 'kek',
    value: true,
    help: 'key-encryption key file: --key-file holds a wrapped key (Bareos catalog form)',
  },
];

const SUBCOMMANDS: readonly DriveSubcommand[] = [
  {
    name: 'decode',
    summary: 'decode sense data or a SPIN/SPOUT/LOG SENSE page given as hex',
    usage: DECODE_USAGE,
    run: runDecode,
  },
  driveSubcommand(
    'status',
    'drive and volume encryption status (SPIN pages 0x0020 and 0x0021), as Bareos prints them',
    [],
    (device) =>
      withDriveOperations(device, async (ops) => {
        const status = await ops.encryptionStatus();
        // The next-block page needs a medium positioned on data; a drive that cannot tell is no error here.
        const volume = await ops.nextBlockStatus().catch((e: unknown) => {
          if (e instanceof ScsiError) return undefined;
          throw e;
        });
        return {
          text: formatDriveEncryptionStatus(status) + (volume ? formatVolumeEncryptionStatus(volume) : ''),
          json: { drive: asRecord(status), ...(volume ? { volume: asRecord(volume) } : {}) },
        };
      }),
  ),
  driveSubcommand('capabilities', 'data encryption capabilities (SPIN page 0x0010)', [], (device) =>
    withDriveOperations(device, async (ops) => {
      const caps = asRecord(await ops.capabilities());
      return {
        text: `${PAGES.find((p) => p.name === 'spin-0010')!.title}\n${fieldLines(caps, ENCRYPTION_ANNOTATIONS).join('\n')}\n`,
        json: caps,
      };
    }),
  ),
  driveSubcommand(
    'tapealert',
    'TapeAlert flags set (LOG SENSE page 0x2E; reading clears them on the drive)',
    [],
    (device) =>
      withDriveOperations(device, async (ops) => {
        const flags = activeTapeAlerts(await ops.tapeAlerts()).map((f) => ({
          number: f.number,
          name: f.name,
          severity: f.severity ?? 'unknown',
          bareos: f.bareos,
        }));
        const text = flags.length
          ? `TapeAlert flags set:\n${flags.map((f) => `  ${String(f.number).padStart(2)} ${f.name} (${f.severity})`).join('\n')}\n`
          : 'TapeAlert: no flags set\n';
        return { text, json: { flags } };
      }),
  ),
  driveSubcommand(
    'load-key',
    'load a volume key into the drive (SPOUT Set Data Encryption, Bareos LOAD page)',
    KEY_FLAGS,
    async (device, args) => {
      const keyFile = value(args, 'key-file');
      if (keyFile === undefined)
        throw new UsageError('give the key with --key-file FILE (never on the command line)');
      const key = await readVolumeKeyFile(keyFile, value(args, 'kek'));
      try {
        await withDriveOperations(device, (ops) => ops.loadKey(key));
      } finally {
        wipe(key);
      }
      return { text: `Volume key loaded into ${device}\n`, json: { keyLoaded: true } };
    },
  ),
  driveSubcommand(
    'clear-key',
    'clear the drive key (SPOUT Set Data Encryption, Bareos CLEAR page)',
    [],
    async (device) => {
      await withDriveOperations(device, (ops) => ops.clearKey());
      return { text: `Volume key cleared in ${device}\n`, json: { keyLoaded: false } };
    },
  ),
];

const USAGE = `usage: sdpipe drive <subcommand> [options]
subcommands:
${SUBCOMMANDS.map((s) => `  ${s.name.padEnd(14)} ${s.summary}`).join('\n')}
Run 'sdpipe drive <subcommand> --help' for its options.`;

/** The `drive` command. */
export const drive: CommandDescriptor = {
  name: 'drive',
  summary:
    'tape drive tools: encryption status, capabilities, TapeAlert, load/clear key; decode captured pages',
  usage: USAGE,
  async run(argv, io) {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout(`${USAGE}\n`);
      return name === undefined ? EXIT.USAGE : EXIT.OK;
    }
    const json = rest.includes('--json');
    const sub = SUBCOMMANDS.find((s) => s.name === name);
    try {
      if (!sub) {
        throw new UsageError(`unknown drive subcommand ${JSON.stringify(name)}`);
      }
      return await sub.run(rest, io);
    } catch (e) {
      io.stderr(
        `${formatError(e, json)}\n${exitFor(e) === EXIT.USAGE && !json ? `${sub?.usage ?? USAGE}\n` : ''}`,
      );
      return exitFor(e);
    }
  },
};
