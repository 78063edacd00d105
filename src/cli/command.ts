/**
 * The CLI command contract. Each command file exports one {@link CommandDescriptor}; `cli/main.ts` holds
 * the only list. Commands are thin: parse arguments, call library functions, map error codes to exits.
 */
import { SdpipeError, type ErrorCode } from '../errors.js';

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
