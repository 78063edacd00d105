/**
 * `sdpipe demo` (what `npm start` runs): the main job on embedded defaults, with nothing to configure.
 * It builds a small Bareos volume on a File device — a generated tree whose data records are compressed
 * as autoxflate writes them — then lists it with bls and restores it with bextract through the IN path,
 * and checks the restored tree byte for byte. The write path and the simulated LTO drive join this job
 * as their issues land.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflatePayload } from '../transforms/compressed-record.js';
import { CODEC_NAMES, codecByName } from '../transforms/codecs/index.js';
import { buildAttributes, encodeAttributes, FILE_TYPE } from '../volume/attributes.js';
import type { RecordToWrite } from '../volume/block-writer.js';
import { BAREOS_BLOCK_BYTES } from '../volume/block-writer.js';
import { buildVolumeImage } from '../volume/volume-image.js';
import { count, describeFlags, parseArgs, value } from './args.js';
import { EXIT, exitFor, formatError, type CliIo, type CommandDescriptor } from './command.js';
import { bextract } from './bextract.js';
import { bls } from './bls.js';

const FLAGS = [
  {
    long: 'algorithm',
    value: true,
    help: `AutoDeflateAlgorithm for the data records (${CODEC_NAMES.join(', ')}); default lz4`,
  },
  { long: 'keep', help: 'keep the work directory (volume and restored tree) and print its path' },
  { short: 'h', long: 'help', help: 'show this help' },
] as const;
const USAGE = `usage: sdpipe demo [options]\n${describeFlags(FLAGS)}`;

/** Bareos network buffer: one data record per 256 KiB of file data (volume-format.md §4). */
const RECORD_DATA_BYTES = 262_144;
const ROOT = '/srv/demo/';
const NOW_S = 1_795_392_000;

/** The demo tree: deterministic text, binary and empty files and a nested directory. */
function demoFiles(): { path: string; data: Uint8Array }[] {
  const text = (n: number) =>
    new TextEncoder().encode(
      Array.from({ length: n }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog\n`).join(
        '',
      ),
    );
  let x = 0x12345678;
  const random = new Uint8Array(300_000).map(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
  return [
    { path: 'README.txt', data: new TextEncoder().encode('sdpipe demo volume\n') },
    { path: 'logs/app.log', data: text(20_000) },
    { path: 'logs/empty.log', data: new Uint8Array(0) },
    { path: 'blobs/random.bin', data: random },
  ];
}

/** The records a file daemon would send for the demo tree, data deflated as autoxflate OUT does. */
function demoRecords(algorithm: string): RecordToWrite[] {
  const codec = codecByName(algorithm);
  const records: RecordToWrite[] = [];
  let fileIndex = 0;
  const stat = (mode: number, size: number) => ({
    dev: 2049,
    ino: 1000 + fileIndex,
    mode,
    nlink: 1,
    uid: 0,
    gid: 0,
    rdev: 0,
    size,
    blksize: 4096,
    blocks: Math.ceil(size / 512),
    atime: NOW_S,
    mtime: NOW_S - 3600,
    ctime: NOW_S,
    linkFi: 0,
    flags: 0,
    dataStream: 2,
  });
  const dirs = new Set<string>();
  for (const f of demoFiles()) {
    fileIndex++;
    const attr = buildAttributes({
      fileIndex,
      type: f.data.length ? FILE_TYPE.REG : FILE_TYPE.REGE,
      fname: ROOT + f.path,
      stat: stat(0o100644, f.data.length),
    });
    records.push({ fileIndex, stream: 1, data: encodeAttributes(attr) });
    for (let at = 0; at < f.data.length; at += RECORD_DATA_BYTES) {
      const chunk = f.data.subarray(at, at + RECORD_DATA_BYTES);
      const { stream, data } = deflatePayload(2, chunk, codec, codec.defaultLevel);
      records.push({ fileIndex, stream, data });
    }
    records.push({ fileIndex, stream: 3, data: createHash('md5').update(f.data).digest() });
    const dir = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/') + 1) : '';
    if (dir) dirs.add(dir);
  }
  for (const dir of [...dirs, '']) {
    fileIndex++;
    const attr = buildAttributes({
      fileIndex,
      type: FILE_TYPE.DIREND,
      fname: ROOT + dir,
      stat: stat(0o40755, 4096),
    });
    records.push({ fileIndex, stream: 1, data: encodeAttributes(attr) });
  }
  return records;
}

export const demo: CommandDescriptor = {
  name: 'demo',
  summary: 'the main job on embedded defaults: write a volume, list it, restore it, verify (npm start)',
  usage: USAGE,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    let work: string | undefined;
    let keep = false;
    try {
      const args = parseArgs(argv, FLAGS);
      if (count(args, 'help')) {
        io.stdout(`${USAGE}\n`);
        return EXIT.OK;
      }
      keep = count(args, 'keep') > 0;
      const algorithm = value(args, 'algorithm') ?? 'lz4';
      work = await mkdtemp(join(tmpdir(), 'sdpipe-demo-'));
      const device = join(work, 'storage');
      const restore = join(work, 'restore');
      await mkdir(device);
      const image = buildVolumeImage({
        volumeName: 'Demo-0001',
        blockBytes: BAREOS_BLOCK_BYTES,
        volSessionTime: NOW_S,
        btime: NOW_S * 1_000_000,
        sessions: [
          { jobId: 1, volSessionId: 1, job: 'demo.2026-11-23_00.00.00_01', records: demoRecords(algorithm) },
        ],
      });
      await writeFile(join(device, 'Demo-0001'), image);
      io.stdout(
        `File device ${device}: volume Demo-0001, ${image.length} bytes, data records deflated with ${algorithm}\n\n`,
      );
      io.stdout('$ sdpipe bls -j -V Demo-0001 <device>\n');
      let rc = await bls.run(['-j', '-V', 'Demo-0001', device], io);
      if (rc !== EXIT.OK) return rc;
      io.stdout('\n$ sdpipe bls -V Demo-0001 <device>\n');
      rc = await bls.run(['-V', 'Demo-0001', device], io);
      if (rc !== EXIT.OK) return rc;
      io.stdout('\n$ sdpipe bextract -V Demo-0001 <device> <restore>\n');
      rc = await bextract.run(['-V', 'Demo-0001', device, restore], io);
      if (rc !== EXIT.OK) return rc;
      for (const f of demoFiles()) {
        const back = await readFile(join(restore, ROOT, f.path));
        if (!back.equals(f.data)) {
          io.stderr(`SDP_DIGEST_MISMATCH: restored ${ROOT}${f.path} differs from the source\n`);
          return EXIT.ERRORS;
        }
      }
      io.stdout(`\nverified: ${demoFiles().length} files restored byte for byte\n`);
      if (keep) io.stdout(`work directory kept: ${work}\n`);
      return EXIT.OK;
    } catch (e) {
      io.stderr(`${formatError(e)}\n`);
      return exitFor(e);
    } finally {
      if (work && !keep) await rm(work, { recursive: true, force: true });
    }
  },
};
