/**
 * Include/exclude lists as bextract's `-i FILE` / `-e FILE` use them: one pattern per line; a pattern
 * selects a path when it matches the whole path or one of its leading directories; shell globs `*`, `?`,
 * `[…]` work like fnmatch(3) without flags (so `*` also matches `/`).
 */

/** One compiled glob element. */
type GlobToken =
  | { kind: 'literal'; char: string }
  | { kind: 'any' } // `?`
  | { kind: 'star' } // `*`
  | { kind: 'set'; negated: boolean; items: { from: string; to: string }[] }; // `[…]`

/** A glob pattern compiled once, matched many times. */
export class Glob {
  private readonly tokens: GlobToken[];

  /** @param pattern an fnmatch(3) pattern: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`/`[^x]`, `\` escapes. */
  constructor(readonly pattern: string) {
    this.tokens = compileGlob(pattern);
  }

  /** True when the pattern has no glob characters: matching is then plain string equality. */
  get isLiteral(): boolean {
    return this.tokens.every((t) => t.kind === 'literal');
  }

  /** True when the whole of `text` matches the pattern. */
  matches(text: string): boolean {
    return matchTokens(this.tokens, [...text]);
  }
}

/** Reads a `[…]` set starting after its `[`; returns the token and the index after `]`, or undefined. */
function compileSet(chars: string[], start: number): { token: GlobToken; next: number } | undefined {
  let i = start;
  const negated = chars[i] === '!' || chars[i] === '^';
  if (negated) i++;
  const items: { from: string; to: string }[] = [];
  // A `]` right after `[` or `[!` is a member, not the end (fnmatch rule).
  let first = true;
  while (i < chars.length) {
    let c = chars[i] ?? '';
    if (c === ']' && !first) return { token: { kind: 'set', negated, items }, next: i + 1 };
    first = false;
    if (c === '\\' && i + 1 < chars.length) c = chars[++i] ?? '';
    let to = c;
    if (chars[i + 1] === '-' && i + 2 < chars.length && chars[i + 2] !== ']') {
      to = chars[i + 2] ?? c;
      if (to === '\\' && i + 3 < chars.length) {
        to = chars[i + 3] ?? c;
        i++;
      }
      i += 2;
    }
    items.push({ from: c, to });
    i++;
  }
  return undefined;
}

function compileGlob(pattern: string): GlobToken[] {
  const chars = [...pattern];
  const tokens: GlobToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    if (c === '*') {
      // Runs of `*` mean the same as one; collapsing them keeps matching linear in practice.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
    } else if (c === '[') {
      const set = compileSet(chars, i + 1);
      // An unterminated `[` is an ordinary character, as in fnmatch.
      if (set === undefined) tokens.push({ kind: 'literal', char: c });
      else {
        tokens.push(set.token);
        i = set.next - 1;
      }
    } else if (c === '\\' && i + 1 < chars.length) {
      tokens.push({ kind: 'literal', char: chars[++i] ?? '' });
    } else {
      tokens.push({ kind: 'literal', char: c });
    }
  }
  return tokens;
}

/** Compares by code point, so ranges like `[а-я]` and astral characters behave. */
const codePoint = (c: string): number => c.codePointAt(0) ?? 0;

function matchOne(token: GlobToken, c: string): boolean {
  switch (token.kind) {
    case 'literal':
      return token.char === c;
    case 'any':
      return true;
    case 'star':
      return true;
    case 'set': {
      const n = codePoint(c);
      const hit = token.items.some((r) => n >= codePoint(r.from) && n <= codePoint(r.to));
      return hit !== token.negated;
    }
  }
}

/**
 * Glob matching with single-star backtracking: on a mismatch, retry from the last `*` with one more
 * character swallowed. O(pattern × text) at worst, never exponential.
 */
function matchTokens(tokens: readonly GlobToken[], text: readonly string[]): boolean {
  let t = 0;
  let s = 0;
  let starToken = -1;
  let starText = 0;
  while (s < text.length) {
    const token = tokens[t];
    if (token?.kind === 'star') {
      starToken = t++;
      starText = s;
    } else if (token !== undefined && matchOne(token, text[s] ?? '')) {
      t++;
      s++;
    } else if (starToken >= 0) {
      t = starToken + 1;
      s = ++starText;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

/**
 * The patterns of a list file: one per line, blank lines skipped, a trailing `\r` removed. Other
 * whitespace is kept: it may be part of a name.
 */
export function parsePatternList(text: string): string[] {
  return text
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line !== '');
}

/** Bacula stores directories with a trailing `/` (§7); a pattern `/a/b/` and a path `/a/b/` mean `/a/b`. */
function withoutTrailingSlash(path: string): string {
  let end = path.length;
  while (end > 1 && path.charAt(end - 1) === '/') end--;
  return path.slice(0, end);
}

/** The path itself and each leading directory of it, longest first: `/a/b/c` → `/a/b/c`, `/a/b`, `/a`, `/`. */
function pathAndLeadingDirectories(path: string): string[] {
  const full = withoutTrailingSlash(path);
  const out = [full];
  for (let i = full.lastIndexOf('/'); i >= 0; i = full.lastIndexOf('/', i - 1)) {
    out.push(i === 0 ? '/' : full.slice(0, i));
    if (i === 0) break;
  }
  return out;
}

/** A pattern of a list, compiled. */
class ListPattern {
  private readonly glob: Glob;
  private readonly literal: string;

  constructor(pattern: string) {
    this.literal = withoutTrailingSlash(pattern);
    this.glob = new Glob(this.literal);
  }

  /** True when the pattern matches the path or one of its leading directories. */
  selects(candidates: readonly string[]): boolean {
    if (this.glob.isLiteral) return candidates.includes(this.literal);
    return candidates.some((c) => this.glob.matches(c));
  }
}

/** The include and exclude lists of a restore. */
export interface FileSelectionLists {
  /** Patterns or list-file text (one pattern per line). Empty or absent = everything is included. */
  include?: string | readonly string[];
  /** Patterns or list-file text (one pattern per line). */
  exclude?: string | readonly string[];
}

/**
 * Which paths a restore takes: those selected by the include list (all when it is empty) and not
 * selected by the exclude list. A pattern selects a path when it matches the whole path or a leading
 * directory of it, so `/data/etc` selects `/data/etc/passwd`.
 */
export class FileSelection {
  private readonly includes: ListPattern[];
  private readonly excludes: ListPattern[];

  /**
   * @param include patterns; empty = include everything.
   * @param exclude patterns.
   */
  constructor(include: readonly string[] = [], exclude: readonly string[] = []) {
    this.includes = include.map((p) => new ListPattern(p));
    this.excludes = exclude.map((p) => new ListPattern(p));
  }

  /** Builds a selection from pattern arrays or the text of `-i`/`-e` list files. */
  static fromLists(lists: FileSelectionLists): FileSelection {
    const patterns = (l: string | readonly string[] | undefined): readonly string[] =>
      l === undefined ? [] : typeof l === 'string' ? parsePatternList(l) : l;
    return new FileSelection(patterns(lists.include), patterns(lists.exclude));
  }

  /** A selection that takes every path. */
  static all(): FileSelection {
    return new FileSelection();
  }

  /** True when `path` (as stored: absolute, directories with a trailing `/`) is to be restored. */
  matches(path: string): boolean {
    const candidates = pathAndLeadingDirectories(path);
    if (this.includes.length > 0 && !this.includes.some((p) => p.selects(candidates))) return false;
    return !this.excludes.some((p) => p.selects(candidates));
  }
}
