import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SdpipeError } from '../../src/errors.js';
import {
  DEFAULT_AUTOXFLATE_SETTINGS,
  DIRECTION_KEYWORDS,
  NO_DIRECTIONS,
  applyReplicationRule,
  parseAutoxflateSettings,
  type AutoxflateDirectives,
  type AutoxflateSettings,
  type DirectionSet,
} from '../../src/transforms/autoxflate-settings.js';
import { CODECS } from '../../src/transforms/codecs/index.js';
import { BAREOS25 } from '../support/fixtures.js';

const IN: DirectionSet = { in: true, out: false };
const OUT: DirectionSet = { in: false, out: true };
const BOTH: DirectionSet = { in: true, out: true };

/** The SdpipeError `f` throws (fails the test if it throws nothing or something else). */
function configErrorOf(f: () => unknown): SdpipeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SdpipeError);
    return e as SdpipeError;
  }
  expect.unreachable('no error thrown');
}

/** Mixes the case of a keyword the way fast-check picks it. */
const anyCase = (word: string) =>
  fc
    .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((upper) => [...word].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join(''));

describe('parseAutoxflateSettings: the Bareos directives (compression.md §4.1)', () => {
  it('nothing set: every direction off, level 6, no replication, FD sparse layout, detect on read', () => {
    expect(parseAutoxflateSettings({})).toEqual(DEFAULT_AUTOXFLATE_SETTINGS);
    expect(DEFAULT_AUTOXFLATE_SETTINGS).toMatchObject({
      deflate: NO_DIRECTIONS,
      inflate: NO_DIRECTIONS,
      algorithm: undefined,
      level: 6,
      onReplication: false,
      bareosSparseQuirk: false,
      sparseReadLayout: 'detect',
    });
  });

  it.each([
    ['in', IN],
    ['read', IN],
    ['readonly', IN],
    ['out', OUT],
    ['write', OUT],
    ['writeonly', OUT],
    ['both', BOTH],
    ['readwrite', BOTH],
  ])('AutoDeflate / AutoInflate = %s', (keyword, set) => {
    const s = parseAutoxflateSettings({
      AutoDeflate: keyword,
      AutoInflate: keyword,
      AutoDeflateAlgorithm: 'lz4',
    });
    expect(s.deflate).toEqual(set);
    expect(s.inflate).toEqual(set);
  });

  it('direction keywords are case-insensitive (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DIRECTION_KEYWORDS.keys()).chain((k) => anyCase(k).map((v) => [k, v] as const)),
        ([keyword, written]) => {
          const s = parseAutoxflateSettings({ AutoInflate: written });
          expect(s.inflate).toEqual(DIRECTION_KEYWORDS.get(keyword));
        },
      ),
    );
  });

  it('every algorithm in the registry is accepted, case-insensitively', () => {
    for (const codec of CODECS) {
      for (const written of [codec.name, codec.name.toUpperCase()]) {
        const s = parseAutoxflateSettings({ AutoDeflate: 'out', AutoDeflateAlgorithm: written });
        expect(s.algorithm).toBe(codec);
      }
    }
  });

  it('keywords match as Bareos matches them: any case, spaces ignored; other directives are ignored', () => {
    const s = parseAutoxflateSettings({
      Name: 'D-gzip',
      'Archive Device': '/tmp/bareos-lab/storage/gzip',
      'auto deflate': 'Out',
      AUTODEFLATEALGORITHM: 'GZIP',
      'Auto Deflate Level': '9',
      autoxflateonreplication: 'Yes',
    });
    expect(s).toMatchObject({ deflate: OUT, level: 9, onReplication: true });
    expect(s.algorithm?.name).toBe('gzip');
  });

  it('the Device resources of the lab bareos-sd.conf parse to what their job logs show', () => {
    const conf = readFileSync(join(BAREOS25, 'configs', 'bareos-sd.conf'), 'utf8');
    const devices = [...conf.matchAll(/Device \{([^}]*)\}/g)].map((m) => {
      const directives: Record<string, string> = {};
      for (const line of m[1]!.split('\n')) {
        const kv = /^\s*([^=]+?)\s*=\s*(.*?)\s*$/.exec(line);
        if (kv) directives[kv[1]!] = kv[2]!;
      }
      return directives;
    });
    const deflating = devices.map((d) => [d.Name, parseAutoxflateSettings(d)] as const);
    const gzip = deflating.find(([name]) => name === 'D-gzip')?.[1];
    expect(gzip).toMatchObject({ deflate: OUT, inflate: NO_DIRECTIONS, level: 6 });
    expect(gzip?.algorithm?.name).toBe('gzip');
    expect(deflating.filter(([, s]) => s.deflate.out).map(([name]) => name)).toEqual([
      'D-gzip',
      'D-lzo',
      'D-lz4',
      'D-lz4hc',
      'D-lzfast',
    ]);
  });

  it('AutoDeflateLevel: 0..65535, default 6, number or decimal text', () => {
    expect(parseAutoxflateSettings({ AutoDeflateLevel: 0 }).level).toBe(0);
    expect(parseAutoxflateSettings({ AutoDeflateLevel: '65535' }).level).toBe(65535);
    expect(parseAutoxflateSettings({ AutoDeflateLevel: ' 7 ' }).level).toBe(7);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), (n) => {
        expect(parseAutoxflateSettings({ AutoDeflateLevel: n }).level).toBe(n);
        expect(parseAutoxflateSettings({ AutoDeflateLevel: String(n) }).level).toBe(n);
      }),
    );
  });

  it.each<[string, AutoxflateDirectives, string]>([
    ['an unknown direction', { AutoDeflate: 'sideways', AutoDeflateAlgorithm: 'gzip' }, 'AutoDeflate'],
    ['none is not a keyword', { AutoInflate: 'none' }, 'AutoInflate'],
    ['a number as direction', { AutoInflate: 1 }, 'AutoInflate'],
    ['AutoDeflate without an algorithm', { AutoDeflate: 'out' }, 'AutoDeflateAlgorithm'],
    ['an unknown algorithm', { AutoDeflate: 'out', AutoDeflateAlgorithm: 'bzip2' }, 'AutoDeflateAlgorithm'],
    ['an algorithm that is not a word', { AutoDeflateAlgorithm: true }, 'AutoDeflateAlgorithm'],
    ['a negative level', { AutoDeflateLevel: -1 }, 'AutoDeflateLevel'],
    ['a level above 65535', { AutoDeflateLevel: 65536 }, 'AutoDeflateLevel'],
    ['a fractional level', { AutoDeflateLevel: 6.5 }, 'AutoDeflateLevel'],
    ['a level that is not a number', { AutoDeflateLevel: 'six' }, 'AutoDeflateLevel'],
    ['a hexadecimal level', { AutoDeflateLevel: '0x6' }, 'AutoDeflateLevel'],
    ['a boolean level', { AutoDeflateLevel: true }, 'AutoDeflateLevel'],
    [
      'a replication value that is not yes/no',
      { AutoXFlateOnReplication: 'maybe' },
      'AutoXFlateOnReplication',
    ],
    ['a directive given twice', { AutoInflate: 'in', 'Auto Inflate': 'out' }, 'AutoInflate'],
  ])('%s is SDP_CONFIG naming the directive', (_what, directives, directive) => {
    const e = configErrorOf(() => parseAutoxflateSettings(directives));
    expect(e.code).toBe('SDP_CONFIG');
    expect(e.context.directive).toBe(directive);
  });

  it('arbitrary directive values give settings or SDP_CONFIG, never another exception', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(undefined));
    fc.assert(
      fc.property(
        fc.record({
          AutoDeflate: value,
          AutoInflate: value,
          AutoDeflateAlgorithm: fc.oneof(value, fc.constantFrom(...CODECS.map((c) => c.name))),
          AutoDeflateLevel: value,
          AutoXFlateOnReplication: value,
        }),
        (directives) => {
          try {
            const s = parseAutoxflateSettings(directives);
            if (s.deflate.in || s.deflate.out) expect(s.algorithm).toBeDefined();
          } catch (e) {
            expect(e).toBeInstanceOf(SdpipeError);
            expect((e as SdpipeError).code).toBe('SDP_CONFIG');
          }
        },
      ),
    );
  });

  it('AutoXFlateOnReplication takes Bareos booleans and JS booleans', () => {
    for (const [v, b] of [
      ['yes', true],
      ['YES', true],
      ['true', true],
      ['no', false],
      ['False', false],
      [true, true],
      [false, false],
    ] as const) {
      expect(parseAutoxflateSettings({ AutoXFlateOnReplication: v }).onReplication).toBe(b);
    }
  });

  it('strictCompat refuses the sdpipe-only algorithms; without it they parse', () => {
    for (const codec of CODECS.filter((c) => c.extension)) {
      const e = configErrorOf(() =>
        parseAutoxflateSettings(
          { AutoDeflate: 'out', AutoDeflateAlgorithm: codec.name },
          { strictCompat: true },
        ),
      );
      expect(e.code).toBe('SDP_CONFIG');
      expect(e.context).toMatchObject({ directive: 'AutoDeflateAlgorithm', value: codec.name });
      expect(
        parseAutoxflateSettings({ AutoDeflate: 'out', AutoDeflateAlgorithm: codec.name }).algorithm,
      ).toBe(codec);
    }
    for (const codec of CODECS.filter((c) => !c.extension)) {
      const s = parseAutoxflateSettings(
        { AutoDeflate: 'out', AutoDeflateAlgorithm: codec.name },
        { strictCompat: true },
      );
      expect(s.algorithm).toBe(codec);
    }
  });

  it('the sdpipe options are carried into the settings', () => {
    const s = parseAutoxflateSettings({}, { bareosSparseQuirk: true, sparseReadLayout: 'data-only' });
    expect(s).toMatchObject({ bareosSparseQuirk: true, sparseReadLayout: 'data-only' });
  });
});

describe('applyReplicationRule (compression.md §4.6)', () => {
  const settings = (deflate: string | undefined, inflate: string | undefined, onReplication = 'no') =>
    parseAutoxflateSettings({
      AutoDeflate: deflate,
      AutoInflate: inflate,
      AutoDeflateAlgorithm: 'gzip',
      AutoXFlateOnReplication: onReplication,
    });

  it('backups and restores keep their settings (same object)', () => {
    const s = settings('both', 'both');
    expect(applyReplicationRule(s, false, 'in')).toBe(s);
    expect(applyReplicationRule(s, false, 'out')).toBe(s);
  });

  it('AutoXFlateOnReplication = yes keeps both sides translating', () => {
    const s = settings('both', 'both', 'yes');
    expect(applyReplicationRule(s, true, 'in')).toBe(s);
    expect(applyReplicationRule(s, true, 'out')).toBe(s);
  });

  it('read side: directives that include IN are cleared, `both` loses both directions, `out` survives', () => {
    const both = applyReplicationRule(settings('both', 'in'), true, 'in');
    expect(both.deflate).toEqual(NO_DIRECTIONS);
    expect(both.inflate).toEqual(NO_DIRECTIONS);
    const out = applyReplicationRule(settings('out', 'readwrite'), true, 'in');
    expect(out.deflate).toEqual(OUT);
    expect(out.inflate).toEqual(NO_DIRECTIONS);
  });

  it('write side: directives that include OUT are cleared, `both` loses both directions, `in` survives', () => {
    const s = applyReplicationRule(settings('both', 'in'), true, 'out');
    expect(s.deflate).toEqual(NO_DIRECTIONS);
    expect(s.inflate).toEqual(IN);
    const w = applyReplicationRule(settings('writeonly', 'readwrite'), true, 'out');
    expect(w.deflate).toEqual(NO_DIRECTIONS);
    expect(w.inflate).toEqual(NO_DIRECTIONS);
  });

  it('property: after the rule no directive on side X includes X, and untouched ones are unchanged', () => {
    const keyword = fc.constantFrom(undefined, ...DIRECTION_KEYWORDS.keys());
    fc.assert(
      fc.property(keyword, keyword, fc.constantFrom('in' as const, 'out' as const), (d, i, side) => {
        const before: AutoxflateSettings = settings(d, i);
        const after = applyReplicationRule(before, true, side);
        for (const key of ['deflate', 'inflate'] as const) {
          expect(after[key][side]).toBe(false);
          expect(after[key]).toEqual(before[key][side] ? NO_DIRECTIONS : before[key]);
        }
        expect(after.algorithm).toBe(before.algorithm);
        expect(after.level).toBe(before.level);
      }),
    );
  });
});
