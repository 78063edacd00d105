import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FileSelection, Glob, parsePatternList } from '../../src/volume/file-selection.js';
import { readBlsFileLines } from '../support/attr-fixtures.js';

const DATA = '/tmp/bacula-lab/data';

describe('Glob (fnmatch without flags)', () => {
  it.each([
    ['*.txt', 'hello.txt', true],
    ['*.txt', 'hello.txt.bak', false],
    ['*', '/a/b/c', true], // no FNM_PATHNAME: * crosses /
    ['/tmp/*/hello.txt', '/tmp/x/y/hello.txt', true],
    ['h?llo', 'hallo', true],
    ['h?llo', 'hllo', false],
    ['doc0[0-4].txt', 'doc03.txt', true],
    ['doc0[0-4].txt', 'doc07.txt', false],
    ['doc0[!0-4].txt', 'doc07.txt', true],
    ['doc0[^0-4].txt', 'doc03.txt', false],
    ['[]x]', ']', true],
    ['[!]x]', ']', false],
    ['a[', 'a[', true], // unterminated set is a literal [
    ['a\\*', 'a*', true],
    ['a\\*', 'ab', false],
    ['[a\\]]', ']', true],
    ['emoji-?.txt', 'emoji-🙂.txt', true], // ? is one character, not one UTF-16 unit
    ['Grüße-*', 'Grüße-ñandú-日本語.txt', true],
    ['***a', 'bba', true],
    ['', '', true],
    ['', 'a', false],
    ['a*b*c', 'a-b-b-c', true],
    ['a*b*c', 'a-b-b-', false],
  ])('%j vs %j → %s', (pattern, text, expected) => {
    expect(new Glob(pattern).matches(text)).toBe(expected);
  });

  it('a pattern without glob characters matches only itself', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/[*?[\\]/.test(s)),
        fc.string(),
        (p, t) => {
          expect(new Glob(p).matches(t)).toBe(p === t);
          expect(new Glob(p).matches(p)).toBe(true);
        },
      ),
    );
  });

  it('agrees with a regular-expression translation on random ASCII patterns', () => {
    const toRegex = (p: string) =>
      new RegExp(
        `^${[...p].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|\\]/g, '\\$&'))).join('')}$`,
        's',
      );
    const alphabet = fc.constantFrom('a', 'b', '/', '.', '*', '?');
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet, maxLength: 8 }),
        fc.string({ unit: fc.constantFrom('a', 'b', '/', '.'), maxLength: 10 }),
        (p, t) => {
          expect(new Glob(p).matches(t)).toBe(toRegex(p).test(t));
        },
      ),
    );
  });

  it('stays fast on patterns that make naive backtracking explode', () => {
    expect(new Glob(`${'*a'.repeat(30)}b`).matches('a'.repeat(200))).toBe(false);
  });
});

describe('parsePatternList', () => {
  it('one pattern per line; blank lines and CR dropped; other spaces kept', () => {
    expect(parsePatternList('/a\r\n\n  /b c \n/d')).toEqual(['/a', '  /b c ', '/d']);
    expect(parsePatternList('')).toEqual([]);
  });
});

describe('FileSelection (bextract -i / -e)', () => {
  it('an empty include list takes everything; excludes still apply', () => {
    const all = FileSelection.all();
    expect(all.matches(`${DATA}/hello.txt`)).toBe(true);
    const noTxt = FileSelection.fromLists({ exclude: '*.txt\n' });
    expect(noTxt.matches(`${DATA}/hello.txt`)).toBe(false);
    expect(noTxt.matches(`${DATA}/links/`)).toBe(true);
  });

  it('a pattern selects the path itself or anything under a leading directory', () => {
    const s = new FileSelection([`${DATA}/nested`, `${DATA}/hello.txt`]);
    expect(s.matches(`${DATA}/nested/`)).toBe(true);
    expect(s.matches(`${DATA}/nested/a/b/c/deep.txt`)).toBe(true);
    expect(s.matches(`${DATA}/nested-other/x`)).toBe(false); // a prefix that is not a directory boundary
    expect(s.matches(`${DATA}/hello.txt`)).toBe(true);
    expect(s.matches(`${DATA}/hello.txt.bak`)).toBe(false);
    expect(s.matches(`${DATA}/`)).toBe(false); // the parent itself is not selected
  });

  it('trailing slashes on patterns and on stored directory names do not matter', () => {
    const s = new FileSelection([`${DATA}/unicode/`]);
    expect(s.matches(`${DATA}/unicode/`)).toBe(true);
    expect(s.matches(`${DATA}/unicode`)).toBe(true);
    expect(s.matches(`${DATA}/unicode/emoji-🙂.txt`)).toBe(true);
    expect(new FileSelection(['/']).matches(`${DATA}/x`)).toBe(true);
  });

  it('globs match the whole path or a leading directory', () => {
    const s = new FileSelection([`${DATA}/text/doc0[0-4].txt`, `${DATA}/*/a`]);
    expect(s.matches(`${DATA}/text/doc03.txt`)).toBe(true);
    expect(s.matches(`${DATA}/text/doc07.txt`)).toBe(false);
    expect(s.matches(`${DATA}/nested/a/b/c/deep.txt`)).toBe(true);
  });

  it('exclude wins over include', () => {
    const s = FileSelection.fromLists({ include: [`${DATA}/text`], exclude: [`${DATA}/text/doc0?.txt`] });
    expect(s.matches(`${DATA}/text/doc01.txt`)).toBe(false);
    expect(s.matches(`${DATA}/text/`)).toBe(true);
  });

  it('selects from the Vol-plain listing what an include file names', () => {
    const paths = readBlsFileLines('bacula-9', 'tool-output', 'Vol-plain', 'bls-files.txt').map(
      (l) =>
        l
          .split('  ')
          .at(-1)
          ?.replace(/ -> .*$/, '') ?? '',
    );
    expect(paths).toHaveLength(68);
    const s = FileSelection.fromLists({ include: `${DATA}/links\n${DATA}/hello.txt\n` });
    expect(paths.filter((p) => s.matches(p)).map((p) => p.slice(DATA.length))).toEqual([
      '/hello.txt',
      '/links/dangling-link',
      '/links/hardlink-to-hello.txt',
      '/links/link-to-hello',
      '/links/dir-link',
      '/links/',
    ]);
  });
});
