/**
 * The autoxflate directives of a Bareos storage daemon (spec compression.md §4.1, §4.6) parsed into the
 * settings the autoxflate blocks run on. Keywords and values are Bareos's own, so a Device resource from a
 * real `bareos-sd.conf` can be handed over as it is; sdpipe's additions (the zstd and snappy algorithms,
 * the sparse layouts) are options beside the directives, not new directives.
 */
import { SdpipeError, hasCode } from '../errors.js';
import { codecByName, type CodecDescriptor } from './codecs/index.js';
import type { SparseLayout } from './compressed-record.js';

/** OUT = daemon → device (writing a volume); IN = device → daemon (reading one) (§4). */
export type XflateDirection = 'in' | 'out';

/** The directions one directive (AutoDeflate or AutoInflate) is on for. */
export interface DirectionSet {
  readonly in: boolean;
  readonly out: boolean;
}

/** Neither direction: a directive that is not set, or one cleared by the replication rule (§4.6). */
export const NO_DIRECTIONS: DirectionSet = Object.freeze({ in: false, out: false });
const IN_ONLY: DirectionSet = Object.freeze({ in: true, out: false });
const OUT_ONLY: DirectionSet = Object.freeze({ in: false, out: true });
const BOTH: DirectionSet = Object.freeze({ in: true, out: true });

/** The keywords AutoDeflate and AutoInflate accept, lower-case (Bareos matches them case-insensitively). */
export const DIRECTION_KEYWORDS: ReadonlyMap<string, DirectionSet> = new Map([
  ['in', IN_ONLY],
  ['read', IN_ONLY],
  ['readonly', IN_ONLY],
  ['out', OUT_ONLY],
  ['write', OUT_ONLY],
  ['writeonly', OUT_ONLY],
  ['both', BOTH],
  ['readwrite', BOTH],
]);

/** `AutoDeflateLevel` when the directive is absent (§4.1). */
export const DEFAULT_AUTODEFLATE_LEVEL = 6;
/** `AutoDeflateLevel` is stored in the u16 header `level` (§2), so the directive accepts 0..65535. */
export const MAX_AUTODEFLATE_LEVEL = 0xffff;

/** The settings one autoxflate block runs on. Build them with {@link parseAutoxflateSettings}. */
export interface AutoxflateSettings {
  /** `AutoDeflate`: compress plain data records (2/6/11) in these directions. */
  readonly deflate: DirectionSet;
  /** `AutoInflate`: decompress compressed data records (29/30/31) in these directions. */
  readonly inflate: DirectionSet;
  /** `AutoDeflateAlgorithm`; always set when {@link deflate} is on in some direction. */
  readonly algorithm: CodecDescriptor | undefined;
  /** `AutoDeflateLevel`: the zlib level for gzip and the header `level` for every algorithm (§2.1). */
  readonly level: number;
  /** `AutoXFlateOnReplication` (Storage resource): translate in copy and migrate jobs too. */
  readonly onReplication: boolean;
  /**
   * sdpipe option (quirk Q1). When false (the default) a sparse record (stream 6) is deflated the way the
   * Bareos file daemon does it, `[offset][hdr][compress(data)]`: the layout an FD restore and bextract
   * expect. When true it is deflated byte for byte like Bareos's autoxflate,
   * `[offset][hdr][compress(offset ‖ data)]`, which those readers restore with 8 stray bytes per record.
   */
  readonly bareosSparseQuirk: boolean;
  /**
   * sdpipe option: how inflate reads a stream-30 payload. `detect` (the default) reads both layouts; it
   * takes a payload whose decoded bytes start with the record's own offset for the autoxflate layout, so a
   * data-only record whose file data happens to begin with those 8 bytes needs `data-only` here.
   */
  readonly sparseReadLayout: SparseLayout;
}

/** No directive set: every record passes untouched. */
export const DEFAULT_AUTOXFLATE_SETTINGS: AutoxflateSettings = Object.freeze({
  deflate: NO_DIRECTIONS,
  inflate: NO_DIRECTIONS,
  algorithm: undefined,
  level: DEFAULT_AUTODEFLATE_LEVEL,
  onReplication: false,
  bareosSparseQuirk: false,
  sparseReadLayout: 'detect',
});

/** A directive's value as a configuration reader hands it over. */
export type DirectiveValue = string | number | boolean;

/**
 * Directives by keyword, e.g. `{ AutoDeflate: 'out', AutoDeflateAlgorithm: 'gzip' }`. Keywords match as
 * Bareos matches them: case-insensitively, spaces ignored (`Auto Deflate Level`). Keywords that are not
 * autoxflate directives are ignored, so a whole Device resource can be passed.
 */
export type AutoxflateDirectives = Readonly<Record<string, DirectiveValue | undefined>>;

/** sdpipe options beside the directives. */
export interface AutoxflateParseOptions {
  /** Refuse the sdpipe-only algorithms (zstd, snappy) that Bareos cannot read (SDP_CONFIG). */
  readonly strictCompat?: boolean;
  /** See {@link AutoxflateSettings.bareosSparseQuirk}; default false. */
  readonly bareosSparseQuirk?: boolean;
  /** See {@link AutoxflateSettings.sparseReadLayout}; default `detect`. */
  readonly sparseReadLayout?: SparseLayout;
}

/** The directive keywords as Bareos spells them, by their normalised (lower-case, no spaces) form. */
const KEYWORDS = {
  autodeflate: 'AutoDeflate',
  autoinflate: 'AutoInflate',
  autodeflatealgorithm: 'AutoDeflateAlgorithm',
  autodeflatelevel: 'AutoDeflateLevel',
  autoxflateonreplication: 'AutoXFlateOnReplication',
} as const;
type Keyword = (typeof KEYWORDS)[keyof typeof KEYWORDS];

/** Bareos's boolean directive words. */
const BOOLEAN_KEYWORDS: ReadonlyMap<string, boolean> = new Map([
  ['yes', true],
  ['true', true],
  ['no', false],
  ['false', false],
]);

const configError = (
  directive: Keyword,
  value: DirectiveValue | undefined,
  message: string,
  cause?: unknown,
) =>
  new SdpipeError(
    'SDP_CONFIG',
    `${directive}: ${message}`,
    { directive, value: value === undefined ? undefined : String(value) },
    cause === undefined ? undefined : { cause },
  );

function pickDirectives(directives: AutoxflateDirectives): Map<Keyword, DirectiveValue> {
  const found = new Map<Keyword, DirectiveValue>();
  for (const [key, value] of Object.entries(directives)) {
    const normalised = key.replace(/\s+/g, '').toLowerCase();
    if (!Object.hasOwn(KEYWORDS, normalised) || value === undefined) continue;
    const keyword = KEYWORDS[normalised as keyof typeof KEYWORDS];
    if (found.has(keyword)) throw configError(keyword, value, 'given twice');
    found.set(keyword, value);
  }
  return found;
}

function parseDirections(keyword: Keyword, value: DirectiveValue | undefined): DirectionSet {
  if (value === undefined) return NO_DIRECTIONS;
  const set = typeof value === 'string' ? DIRECTION_KEYWORDS.get(value.trim().toLowerCase()) : undefined;
  if (!set) throw configError(keyword, value, `expected one of ${[...DIRECTION_KEYWORDS.keys()].join(', ')}`);
  return set;
}

function parseLevel(value: DirectiveValue | undefined): number {
  if (value === undefined) return DEFAULT_AUTODEFLATE_LEVEL;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value.trim())
        ? Number(value)
        : NaN;
  if (!Number.isInteger(n) || n < 0 || n > MAX_AUTODEFLATE_LEVEL) {
    throw configError('AutoDeflateLevel', value, `expected an integer 0..${MAX_AUTODEFLATE_LEVEL}`);
  }
  return n;
}

function parseBoolean(keyword: Keyword, value: DirectiveValue | undefined): boolean {
  if (value === undefined) return false;
  const b =
    typeof value === 'boolean'
      ? value
      : typeof value === 'string'
        ? BOOLEAN_KEYWORDS.get(value.trim().toLowerCase())
        : undefined;
  if (b === undefined) throw configError(keyword, value, 'expected yes or no');
  return b;
}

function parseAlgorithm(
  value: DirectiveValue | undefined,
  strictCompat: boolean,
): CodecDescriptor | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw configError('AutoDeflateAlgorithm', value, 'expected an algorithm keyword');
  let codec: CodecDescriptor;
  try {
    codec = codecByName(value.trim());
  } catch (e) {
    if (!hasCode(e, 'SDP_CODEC_UNKNOWN')) throw e;
    throw configError('AutoDeflateAlgorithm', value, 'unknown compression algorithm', e);
  }
  if (strictCompat && codec.extension) {
    throw configError(
      'AutoDeflateAlgorithm',
      value,
      `${codec.name} is an sdpipe extension that Bareos cannot read`,
    );
  }
  return codec;
}

/**
 * Parses the autoxflate directives (§4.1). Throws SdpipeError SDP_CONFIG, with `directive` and `value` in
 * its context, for a value Bareos would refuse, for AutoDeflate without AutoDeflateAlgorithm, for a
 * directive given twice, and with `strictCompat` for an sdpipe-only algorithm.
 */
export function parseAutoxflateSettings(
  directives: AutoxflateDirectives,
  options: AutoxflateParseOptions = {},
): AutoxflateSettings {
  const d = pickDirectives(directives);
  const deflate = parseDirections('AutoDeflate', d.get('AutoDeflate'));
  const algorithm = parseAlgorithm(d.get('AutoDeflateAlgorithm'), options.strictCompat ?? false);
  if ((deflate.in || deflate.out) && !algorithm) {
    throw configError('AutoDeflateAlgorithm', undefined, 'required when AutoDeflate is set');
  }
  return {
    deflate,
    inflate: parseDirections('AutoInflate', d.get('AutoInflate')),
    algorithm,
    level: parseLevel(d.get('AutoDeflateLevel')),
    onReplication: parseBoolean('AutoXFlateOnReplication', d.get('AutoXFlateOnReplication')),
    bareosSparseQuirk: options.bareosSparseQuirk ?? false,
    sparseReadLayout: options.sparseReadLayout ?? 'detect',
  };
}

/**
 * The settings a copy or migrate job runs on (§4.6). With `AutoXFlateOnReplication = no`, on the read
 * side (`side` = `in`) each of AutoDeflate and AutoInflate whose value includes IN is cleared, and on the
 * write side (`out`) each one that includes OUT; a directive set to `both` therefore loses both directions
 * on either side, while e.g. `AutoDeflate = out` survives on the read side. Backups and restores
 * (`isReplication` false) and `AutoXFlateOnReplication = yes` keep the settings as they are.
 */
export function applyReplicationRule(
  settings: AutoxflateSettings,
  isReplication: boolean,
  side: XflateDirection,
): AutoxflateSettings {
  if (!isReplication || settings.onReplication) return settings;
  const clear = (set: DirectionSet): DirectionSet => (set[side] ? NO_DIRECTIONS : set);
  return { ...settings, deflate: clear(settings.deflate), inflate: clear(settings.inflate) };
}
