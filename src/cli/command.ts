/**
 * The CLI command contract. Each command file exports one {@link CommandDescriptor}; `cli/main.ts` holds
 * the only list. Commands are thin: parse arguments, call library functions, map error codes to exits.
 */
import { SdpipeError, UsageError, type ErrorCode } from '../errors.js';
import { count, describeFlags, parseArgs, type FlagSpec, type ParsedArgs } from './args.js';

/** Where a command writes; tests pass collectors, the launcher passes process streams. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Set when a person watches a terminal: shows a one-line progress report ('' clears it). */
  progress?: (line: string) => void;
  /** Standard input, read to its end; absent when the command has none (tests pass their bytes). */
  stdin?: () => Promise<Buffer>;
}

export interface CommandDescriptor {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Runs the command; resolves to the exit status. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Exit statuses, shared by every command. */
export const EXIT = {
  OK: 0,
  /** The command finished but reported damage or errors (it restored/listed everything else). */
  ERRORS: 1,
  USAGE: 2,
  /** Nothing could be done: device or volume missing, unreadable input. */
  FATAL: 3,
} as const;

const FATAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SDP_DEVICE_OPEN',
  'SDP_VOLUME_NOT_FOUND',
  'SDP_CODEC_UNAVAILABLE',
  'SDP_BSR_SYNTAX',
  'SDP_CATALOG_OPEN',
  'SDP_CATALOG_FORMAT',
  'SDP_BSR_WRITE',
]);

/** Exit status for an error that ended a command. */
export function exitFor(e: unknown): number {
  if (e instanceof SdpipeError) {
    if (e.code === 'SDP_USAGE') return EXIT.USAGE;
    return FATAL_CODES.has(e.code) ? EXIT.FATAL : EXIT.ERRORS;
  }
  return EXIT.FATAL;
}

/** `code: message (context)` for stderr, or the JSON form. */
export function formatError(e: unknown, json = false): string {
  if (e instanceof SdpipeError) {
    if (json) {
      return JSON.stringify({ error: e.code, message: e.message, ...e.context }, (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v,
      );
    }
    return e.describe();
  }
  return `SDP_INTERNAL: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
}

/** What a command body gets once the command line has been parsed. */
export interface CommandContext {
  readonly args: ParsedArgs;
  /** The positional arguments, as many as the command names. */
  readonly positionals: readonly string[];
  readonly io: CliIo;
  /** `--json` was given: errors are printed as JSON objects too. */
  readonly json: boolean;
  /** Registers a cleanup (close a drive, a catalog) run when the command ends, however it ends. */
  readonly defer: (cleanup: () => Promise<void> | void) => void;
}

/** A command's declaration; {@link defineCommand} adds the parsing, help and error handling all share. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** First usage lines, e.g. `usage: sdpipe bls [options] <device>` and notes; the flag table follows. */
  readonly synopsis: string;
  readonly flags: readonly FlagSpec[];
  /** Names of the required positional arguments, in order (for the usage error). */
  readonly positionals: readonly string[];
  run(ctx: CommandContext): Promise<number>;
}

/**
 * Builds a command: parses the flags, answers `--help`, checks the positional arguments, runs the body,
 * and maps any error to `code: message (context)` on stderr (JSON with `--json`) and its exit status.
 */
export function defineCommand(spec: CommandSpec): CommandDescriptor {
  const usage = `${spec.synopsis}\n${describeFlags(spec.flags)}`;
  return {
    name: spec.name,
    summary: spec.summary,
    usage,
    async run(argv: readonly string[], io: CliIo): Promise<number> {
      let args: ParsedArgs;
      try {
        args = parseArgs(argv, spec.flags);
      } catch (e) {
        io.stderr(`${formatError(e)}\n${usage}\n`);
        return exitFor(e);
      }
      const json = count(args, 'json') > 0;
      if (count(args, 'help')) {
        io.stdout(`${usage}\n`);
        return EXIT.OK;
      }
      if (args.positionals.length !== spec.positionals.length) {
        const e = new UsageError(`give ${spec.positionals.map((p) => `<${p}>`).join(' ') || 'no arguments'}`);
        io.stderr(`${formatError(e, json)}\n${json ? '' : `${usage}\n`}`);
        return EXIT.USAGE;
      }
      const cleanups: (() => Promise<void> | void)[] = [];
      try {
        return await spec.run({
          args,
          positionals: args.positionals,
          io,
          json,
          defer: (c) => cleanups.push(c),
        });
      } catch (e) {
        io.stderr(`${formatError(e, json)}\n`);
        return exitFor(e);
      } finally {
        for (const c of cleanups.reverse()) {
          try {
            await c();
          } catch (e) {
            io.stderr(`${formatError(e, json)}\n`);
          }
        }
      }
    },
  };
}
