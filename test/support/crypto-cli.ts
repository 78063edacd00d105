/**
 * Running the key commands in-process with standard input and an injected clock, and as a child
 * process (for `TZ` and for killing a writer mid-way).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bscryptoCommand, type BscryptoDeps } from '../../src/cli/bscrypto.js';
import { main } from '../../src/cli/main.js';
import type { CliResult } from './cli.js';

/** The repository root (children run there so that `tsx` resolves). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `sdpipe …` in-process with `stdin` as standard input. */
export async function runCliWithStdin(
  stdin: Buffer | string | undefined,
  ...argv: string[]
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    ...(stdin === undefined ? {} : { stdin: () => Promise.resolve(Buffer.from(stdin)) }),
  });
  return { code, stdout, stderr };
}

/** Runs `bscrypto …` in-process with injected dependencies (clock, drive) and optional stdin. */
export async function runBscrypto(
  deps: BscryptoDeps,
  stdin: Buffer | string | undefined,
  ...argv: string[]
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await bscryptoCommand(deps).run(argv, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    ...(stdin === undefined ? {} : { stdin: () => Promise.resolve(Buffer.from(stdin)) }),
  });
  return { code, stdout, stderr };
}

const CHILD_CLI = fileURLToPath(new URL('./crypto-cli-child.ts', import.meta.url));

/** Runs `sdpipe …` in a child Node process (through tsx) with extra environment and stdin. */
export function runCliChild(env: NodeJS.ProcessEnv, stdin: string, ...argv: string[]): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD_CLI, ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    input: stdin,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a TypeScript child script through tsx. */
export function spawnTsChild(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
