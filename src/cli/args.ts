/**
 * A small getopt-style parser: short flags (`-v`, `-vv`, `-V vol`, `-Vvol`), long flags (`--json`,
 * `--out=dir`, `--out dir`), and positionals. Unknown flags are usage errors naming the flag.
 */
import { UsageError } from '../errors.js';

export interface FlagSpec {
  /** Short letter without the dash, e.g. 'V'. */
  readonly short?: string;
  /** Long name without dashes, e.g. 'json'. */
  readonly long?: string;
  /** True when the flag takes a value. */
  readonly value?: boolean;
  /** May be given several times (values collected, or a count for switches). */
  readonly repeat?: boolean;
  readonly help: string;
}

export interface ParsedArgs {
  /** Values by flag key (long name if any, else short letter); switches count how often they were given. */
  readonly flags: ReadonlyMap<string, string[] | number>;
  readonly positionals: readonly string[];
}

const keyOf = (s: FlagSpec): string => s.long ?? s.short ?? '';

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const flags = new Map<string, string[] | number>();
  const positionals: string[] = [];
  const set = (spec: FlagSpec, value: string | undefined) => {
    const key = keyOf(spec);
    if (spec.value) {
      if (value === undefined)
        throw new UsageError(`option ${spec.long ? `--${spec.long}` : `-${spec.short}`} needs a value`);
      const prev = flags.get(key);
      if (Array.isArray(prev) && !spec.repeat)
        throw new UsageError(`option -${spec.short ?? spec.long} given twice`);
      flags.set(key, Array.isArray(prev) ? [...prev, value] : [value]);
    } else {
      const prev = flags.get(key);
      flags.set(key, (typeof prev === 'number' ? prev : 0) + 1);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const spec = specs.find((s) => s.long === name);
      if (!spec) throw new UsageError(`unknown option --${name}`);
      if (spec.value) set(spec, eq > 0 ? a.slice(eq + 1) : argv[++i]);
      else set(spec, undefined);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const letter = a[j] ?? '';
        const spec = specs.find((s) => s.short === letter);
        if (!spec) throw new UsageError(`unknown option -${letter}`);
        if (spec.value) {
          const rest = a.slice(j + 1);
          set(spec, rest.length > 0 ? rest : argv[++i]);
          break;
        }
        set(spec, undefined);
      }
      continue;
    }
    positionals.push(a);
  }
  return { flags, positionals };
}

/** The last value of a value flag. */
export function value(args: ParsedArgs, key: string): string | undefined {
  const v = args.flags.get(key);
  return Array.isArray(v) ? v.at(-1) : undefined;
}
/** All values of a repeatable value flag. */
export function values(args: ParsedArgs, key: string): string[] {
  const v = args.flags.get(key);
  return Array.isArray(v) ? v : [];
}
/** How often a switch was given. */
export function count(args: ParsedArgs, key: string): number {
  const v = args.flags.get(key);
  return typeof v === 'number' ? v : 0;
}

/** Help text lines for a flag table. */
export function describeFlags(specs: readonly FlagSpec[]): string {
  return specs
    .map((s) => {
      const names = [s.short ? `-${s.short}` : '', s.long ? `--${s.long}` : ''].filter(Boolean).join(', ');
      return `  ${(names + (s.value ? ' <value>' : '')).padEnd(28)} ${s.help}`;
    })
    .join('\n');
}
