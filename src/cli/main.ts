/**
 * The sdpipe command line: the only list of commands, and dispatch. `npx sdpipe <command> …`.
 */
import { backup } from './backup.js';
import { bextract } from './bextract.js';
import { bls } from './bls.js';
import { bscan } from './bscan.js';
import { bscrypto } from './bscrypto.js';
import { copy } from './copy.js';
import { EXIT, type CliIo, type CommandDescriptor } from './command.js';
import { demo } from './demo.js';
import { drive } from './drive.js';
import { keys } from './keys.js';

/** Every command, in the order `sdpipe --help` lists them. */
export const COMMANDS: readonly CommandDescriptor[] = [
  bls,
  bextract,
  bscan,
  backup,
  copy,
  demo,
  bscrypto,
  keys,
  drive,
];

const processIo: CliIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
  ...(process.stderr.isTTY
    ? { progress: (line: string) => void process.stderr.write(`\r\x1b[K${line}`) }
    : {}),
};

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: sdpipe <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'sdpipe <command> --help' for a command's options.",
  ].join('\n');
}

/** Runs a command line; resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${help()}\n`);
    return name ? EXIT.OK : EXIT.USAGE;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`SDP_USAGE: unknown command ${JSON.stringify(name)}\n${help()}\n`);
    return EXIT.USAGE;
  }
  return command.run(rest, io);
}
