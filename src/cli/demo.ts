/**
 * `sdpipe demo` (what `npm start` runs): the main job on embedded defaults, with nothing to configure.
 * A generated tree is backed up twice — to a File device with autoxflate LZ4, and to the simulated LTO
 * drive with a volume key loaded (hardware encryption) — then each volume is listed with bls, restored
 * with bextract through the IN path, and checked byte for byte. The tape image is checked to hold no
 * plaintext.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePassphrase } from '../crypto/passphrase.js';
import { SdpipeError } from '../errors.js';
import { CODEC_NAMES } from '../transforms/codecs/index.js';
import { count, value, type FlagSpec } from './args.js';
import { backup } from './backup.js';
import { bextract } from './bextract.js';
import { bls } from './bls.js';
import { defineCommand, EXIT, type CliIo, type CommandDescriptor } from './command.js';

const FLAGS: readonly FlagSpec[] = [
  {
    long: 'algorithm',
    value: true,
    help: `AutoDeflateAlgorithm on the File device (${CODEC_NAMES.join(', ')}); default lz4`,
  },
  { long: 'keep', help: 'keep the work directory (tree, volumes, tape image, restores) and print its path' },
  { short: 'h', long: 'help', help: 'show this help' },
];

/** A line that must appear in the restored files and never in the encrypted tape image. */
const MARKER = 'sdpipe demo: the quick brown fox jumps over the lazy dog';

/** The demo tree: text, random and empty files, a symlink and a nested directory. */
async function makeTree(root: string): Promise<string[]> {
  const files: [string, Uint8Array][] = [
    ['README.txt', new TextEncoder().encode('sdpipe demo tree\n')],
    [
      'logs/app.log',
      new TextEncoder().encode(Array.from({ length: 20_000 }, (_, i) => `${i}: ${MARKER}\n`).join('')),
    ],
    ['logs/empty.log', new Uint8Array(0)],
    ['blobs/random.bin', randomBytes(300_000)],
  ];
  for (const [path, data] of files) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), data);
  }
  return files.map(([p]) => p);
}

async function step(io: CliIo, title: string, command: CommandDescriptor, argv: string[]): Promise<void> {
  io.stdout(`\n$ sdpipe ${command.name} ${title}\n`);
  const rc = await command.run(argv, io);
  if (rc !== EXIT.OK)
    throw new SdpipeError('SDP_INTERNAL', `demo step "${command.name} ${title}" exited ${rc}`);
}

async function verify(io: CliIo, src: string, restored: string, files: string[]): Promise<void> {
  for (const f of files) {
    const [a, b] = await Promise.all([readFile(join(src, f)), readFile(join(restored, src, f))]);
    if (!a.equals(b)) {
      throw new SdpipeError('SDP_DIGEST_MISMATCH', 'restored file differs from the source', { file: f });
    }
  }
  io.stdout(`verified: ${files.length} files restored byte for byte\n`);
}

export const demo: CommandDescriptor = defineCommand({
  name: 'demo',
  summary:
    'the main job on embedded defaults: back up to a File device and a simulated LTO drive, restore, verify',
  synopsis: 'usage: sdpipe demo [options]',
  flags: FLAGS,
  positionals: [],
  async run({ args, io, defer }) {
    const algorithm = value(args, 'algorithm') ?? 'lz4';
    const keep = count(args, 'keep') > 0;
    const work = await mkdtemp(join(tmpdir(), 'sdpipe-demo-'));
    if (!keep) defer(() => rm(work, { recursive: true, force: true }));
    const src = join(work, 'src');
    const storage = join(work, 'storage');
    await mkdir(storage);
    const files = await makeTree(src);

    io.stdout(`== File device ${storage}, autoxflate ${algorithm}\n`);
    await step(io, `--algorithm ${algorithm} <tree> <storage> -V Demo-0001`, backup, [
      '--algorithm',
      algorithm,
      src,
      storage,
      '-V',
      'Demo-0001',
    ]);
    await step(io, '-j -V Demo-0001 <storage>', bls, ['-j', '-V', 'Demo-0001', storage]);
    await step(io, '-V Demo-0001 <storage> <restore>', bextract, [
      '-V',
      'Demo-0001',
      storage,
      join(work, 'restore-file'),
    ]);
    await verify(io, src, join(work, 'restore-file'), files);

    const tape = `sim:${join(work, 'tape0.img')}`;
    const keyFile = join(work, 'Tape-0001.key');
    const passphrase = generatePassphrase();
    await writeFile(keyFile, passphrase, { mode: 0o600 });
    passphrase.fill(0);
    io.stdout(`\n== Simulated LTO drive ${tape}, volume key loaded after the label (hardware encryption)\n`);
    await step(io, '--volume-key-file <key> <tree> <tape> -V Tape-0001', backup, [
      '--volume-key-file',
      keyFile,
      src,
      tape,
      '-V',
      'Tape-0001',
    ]);
    await step(io, '-j <tape>', bls, ['-j', '--volume-key-file', keyFile, tape]);
    await step(io, '--volume-key-file <key> <tape> <restore>', bextract, [
      '--volume-key-file',
      keyFile,
      tape,
      join(work, 'restore-tape'),
    ]);
    await verify(io, src, join(work, 'restore-tape'), files);
    const image = await readFile(join(work, 'tape0.img'));
    if (image.includes(Buffer.from(MARKER))) {
      throw new SdpipeError(
        'SDP_INTERNAL',
        'the tape image holds plaintext although a volume key was loaded',
      );
    }
    io.stdout('verified: the tape image holds only ciphertext\n');
    if (keep) io.stdout(`\nwork directory kept: ${work}\n`);
    return EXIT.OK;
  },
});
