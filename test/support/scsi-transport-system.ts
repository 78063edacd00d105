/**
 * System pieces the SCSI transport tests need, in the shape of {@link systemTool}: a shared library that
 * must load with koffi, or a C header gcc must find. Missing: skipped with the install command, except
 * with CI=true, where the test fails (.ci/run installs them).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemTool, type SystemTool } from './system-tool.js';

const inCi = () => process.env.CI === 'true' || process.env.CI === '1';

const missing = (what: string, install: string): SystemTool => ({
  path: undefined,
  skip: !inCi(),
  skipNote: ` (needs ${what}: ${install})`,
});

/** The first of `sonames` that koffi can load, as a SystemTool. */
export function systemLibrary(sonames: readonly string[], install: string): SystemTool {
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  for (const soname of sonames) {
    try {
      koffi.load(soname).unload();
      return { path: soname, skip: false, skipNote: '' };
    } catch {
      // try the next name
    }
  }
  return missing(sonames.join(' or '), install);
}

/** gcc, able to compile against `header` (e.g. `/usr/include/scsi/sg.h`). */
export function gccWithHeader(header: string, install: string): SystemTool {
  const gcc = systemTool(['/usr/bin/gcc', '/usr/local/bin/gcc'], install);
  if (gcc.path === undefined) return gcc;
  return existsSync(header) ? gcc : missing(header, install);
}

/** What a C compiler says about a struct: its size and the offset and size of each field. */
export interface CLayout {
  readonly size: number;
  readonly offsets: Record<string, number>;
  readonly sizes: Record<string, number>;
}

/**
 * Compiles and runs a C program (with `cc`) that prints sizeof(`type`) and, for each of `fields`, its offsetof
 * and sizeof, after `includes`. Only facts about the system headers come back; nothing of them is copied.
 */
export function compileLayoutProbe(
  cc: string,
  includes: string,
  type: string,
  fields: readonly string[],
): CLayout {
  const dir = mkdtempSync(join(tmpdir(), 'sdpipe-layout-'));
  try {
    const src = join(dir, 'layout.c');
    const exe = join(dir, 'layout');
    const lines = fields
      .map((f) => `  printf("%s %zu %zu\\n", "${f}", offsetof(${type}, ${f}), sizeof(((${type} *)0)->${f}));`)
      .join('\n');
    writeFileSync(
      src,
      `${includes}#include <stddef.h>\n#include <stdio.h>\nint main(void) {\n` +
        `  printf("sizeof %zu 0\\n", sizeof(${type}));\n${lines}\n  return 0;\n}\n`,
    );
    execFileSync(cc, ['-o', exe, src]);
    const rows = execFileSync(exe, { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    const size = Number(rows.find((r) => r[0] === 'sizeof')?.[1]);
    const fieldRows = rows.filter((r) => r[0] !== 'sizeof');
    return {
      size,
      offsets: Object.fromEntries(fieldRows.map((r) => [r[0] ?? '', Number(r[1])])),
      sizes: Object.fromEntries(fieldRows.map((r) => [r[0] ?? '', Number(r[2])])),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
