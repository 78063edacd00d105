/**
 * `npm run bench [scenario…]`: builds, then runs each bench scenario in its own process so one
 * scenario's memory does not skew the next. Scenarios: the .ts files in bench/ (this runner aside).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.replace(/\.ts$/, ''));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const extra = process.argv.slice(2).filter((a) => a.startsWith('-'));
const scenarios = wanted.length ? wanted : all;
for (const s of scenarios) {
  if (!all.includes(s)) {
    console.error(`unknown scenario ${s}; known: ${all.join(', ')}`);
    process.exit(2);
  }
}
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
let failed = 0;
for (const s of scenarios) {
  console.log(`\n=== ${s}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, `${s}.ts`), ...extra], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
