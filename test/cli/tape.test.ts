/**
 * backup → bls → bextract on tape drives: the simulated LTO drive (`sim:<image>`, src/devices/sim) and a
 * real SSC target (tgt over iSCSI on 127.0.0.1, test/support/tgt.ts). Volume keys go into the drive
 * (SPOUT) after the label and are cleared at the end; without the key the first encrypted block is a typed
 * SDP_SCSI_ENCRYPTION error (DATA PROTECT 74/01), never silently dropped.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotTree } from '../support/backup-tree.js';
import { jsonLines, runCli, tempDir } from '../support/cli.js';
import { startTgt, tgtEnvironment, type Tgt } from '../support/tgt.js';
import { encodeKeyBase64 } from '../../src/crypto/bareos-base64.js';
import { wrapVolumeKey } from '../../src/crypto/key-wrap.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A distinctive string that must never appear in an encrypted image. */
const MARKER = 'SDPIPE-PLAINTEXT-MARKER-7f3a9c';

function setUp() {
  const t = tempDir('sdpipe-tape-');
  cleanups.push(t.cleanup);
  const src = join(t.dir, 'src');
  const out = join(t.dir, 'out');
  mkdirSync(join(src, 'sub'), { recursive: true });
  mkdirSync(out);
  writeFileSync(join(src, 'hello.txt'), `${MARKER}\n`.repeat(2000));
  writeFileSync(join(src, 'sub', 'notes.txt'), 'notes\n');
  let x = 7;
  writeFileSync(
    join(src, 'sub', 'random.bin'),
    new Uint8Array(3_000_000).map(() => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 24)),
  );
  const image = join(t.dir, 'tape.img');
  return { dir: t.dir, src, out, image, spec: `sim:${image}` };
}

async function backup(src: string, device: string, ...flags: string[]) {
  const r = await runCli('backup', '--json', ...flags, src, device, '-V', 'Tape-0001');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r;
}

describe('tape volumes on the simulated drive', () => {
  it('backup → bls -j/-k → bextract gives back the tree byte for byte', async () => {
    const { src, out, spec } = setUp();
    await backup(src, spec);
    const j = await runCli('bls', '-j', '--json', spec);
    expect(j.code).toBe(0);
    const sessions = jsonLines(j.stdout).filter((o) => o.kind === 'session');
    expect(sessions.map((s) => s.jobId)).toEqual([1]);
    const k = await runCli('bls', '-k', '--json', spec);
    expect(k.code).toBe(0);
    const blocks = jsonLines(k.stdout).filter((o) => o.kind === 'block');
    expect(blocks.length).toBeGreaterThan(2);
    const x = await runCli('bextract', spec, out);
    expect(x.stderr).toBe('');
    expect(x.code).toBe(0);
    expect(await snapshotTree(join(out, src))).toEqual(await snapshotTree(src));
  });

  it('a second session is appended after the first; both list and restore', async () => {
    const { src, out, spec } = setUp();
    await backup(src, spec, '--jobid', '1');
    writeFileSync(join(src, 'hello.txt'), 'second version\n');
    await backup(src, spec, '--jobid', '2', '--job-level', 'I');
    const j = await runCli('bls', '-j', '--json', '-V', 'Tape-0001', spec);
    expect(
      jsonLines(j.stdout)
        .filter((o) => o.kind === 'session')
        .map((o) => [o.jobId, o.level]),
    ).toEqual([
      [1, 'F'],
      [2, 'I'],
    ]);
    const x = await runCli('bextract', spec, out);
    expect(x.code).toBe(0);
    expect(await snapshotTree(join(out, src))).toEqual(await snapshotTree(src));
  });

  it('with a volume key the image holds no plaintext; the key restores; without it 74/01 at the first data block', async () => {
    const { dir, src, out, image, spec } = setUp();
    const keyFile = join(dir, 'volume.key');
    writeFileSync(keyFile, 'correct horse battery staple 0123\n');
    await backup(src, spec, '--volume-key-file', keyFile);
    expect(readFileSync(image).includes(MARKER)).toBe(false);
    // The label is plain: bls -L prints it without a key, then stops at the first encrypted block.
    const l = await runCli('bls', '-L', spec);
    expect(l.stdout).toContain('VolName           : Tape-0001');
    expect(l.stderr).toContain('SDP_SCSI_ENCRYPTION');

    const x = await runCli('bextract', '--volume-key-file', keyFile, spec, out);
    expect(x.stderr).toBe('');
    expect(x.code).toBe(0);
    expect(await snapshotTree(join(out, src))).toEqual(await snapshotTree(src));

    const none = await runCli('bextract', '--json', spec, join(out, 'nokey'));
    expect(none.code).not.toBe(0);
    const errors = jsonLines(none.stderr);
    expect(errors[0]).toMatchObject({
      error: 'SDP_SCSI_ENCRYPTION',
      senseKey: 7,
      asc: 0x74,
      ascq: 0x01,
      tapeFile: 1,
      tapeBlock: 0,
    });
    for (const output of [x.stdout, x.stderr, none.stdout, none.stderr])
      expect(output).not.toContain('horse');
  });

  it('a wrapped volume key with --kek works the same way', async () => {
    const { dir, src, out, image, spec } = setUp();
    const kek = Buffer.from('0123456789abcdef');
    const passphrase = Buffer.alloc(32);
    passphrase.write('wrapped passphrase for tape 0001');
    writeFileSync(join(dir, 'kek.key'), kek);
    writeFileSync(join(dir, 'wrapped.key'), encodeKeyBase64(wrapVolumeKey(kek, passphrase)));
    const flags = ['--volume-key-file', join(dir, 'wrapped.key'), '--kek', join(dir, 'kek.key')];
    await backup(src, spec, ...flags);
    expect(readFileSync(image).includes(MARKER)).toBe(false);
    const x = await runCli('bextract', ...flags, spec, out);
    expect(x.code).toBe(0);
    expect(await snapshotTree(join(out, src))).toEqual(await snapshotTree(src));
  });

  it('a volume key on a File device is a usage error', async () => {
    const { dir, src } = setUp();
    writeFileSync(join(dir, 'volume.key'), 'abc\n');
    mkdirSync(join(dir, 'dev'));
    const r = await runCli(
      'backup',
      '--volume-key-file',
      join(dir, 'volume.key'),
      src,
      join(dir, 'dev'),
      '-V',
      'V',
    );
    expect(r.code).toBe(2);
  });
});

describe.skipIf(tgtEnvironment.skip)(`tape volumes on a tgt iSCSI LUN${tgtEnvironment.skipNote}`, () => {
  let tgt: Tgt;
  beforeAll(async () => {
    tgt = await startTgt({ tapes: 0 });
  }, 30_000);
  afterAll(async () => {
    await tgt?.stop();
  }, 30_000);

  it('backup → bls → bextract over iSCSI gives back the tree; a second session appends at end of data', async () => {
    const { src, out } = setUp();
    const url = await tgt.addTape({ sizeMb: 256 });
    await backup(src, url, '--jobid', '1');
    writeFileSync(join(src, 'hello.txt'), 'second version\n');
    await backup(src, url, '--jobid', '2', '--job-level', 'I');
    const j = await runCli('bls', '-j', '--json', url);
    expect(j.code).toBe(0);
    expect(
      jsonLines(j.stdout)
        .filter((o) => o.kind === 'session')
        .map((o) => o.jobId),
    ).toEqual([1, 2]);
    const x = await runCli('bextract', url, out);
    expect(x.stderr).toBe('');
    expect(x.code).toBe(0);
    expect(await snapshotTree(join(out, src))).toEqual(await snapshotTree(src));
  }, 60_000);

  it('drive status on tgt: SDP_DRIVE_NO_ENCRYPTION naming the drive; tapealert: SDP_DRIVE_NO_TAPEALERT', async () => {
    const url = await tgt.addTape({ sizeMb: 16 });
    const s = await runCli('drive', 'status', '--json', url);
    expect(s.code).not.toBe(0);
    expect(JSON.parse(s.stderr)).toMatchObject({
      error: 'SDP_DRIVE_NO_ENCRYPTION',
      drive: url,
      senseKey: 5,
      asc: 0x20,
      ascq: 0,
    });
    const t = await runCli('drive', 'tapealert', '--json', url);
    expect(JSON.parse(t.stderr)).toMatchObject({ error: 'SDP_DRIVE_NO_TAPEALERT' });
    // A volume key on a drive without encryption fails the job rather than writing plain data.
    const { dir, src } = setUp();
    writeFileSync(join(dir, 'k'), 'key\n');
    const b = await runCli('backup', '--json', '--volume-key-file', join(dir, 'k'), src, url, '-V', 'T');
    expect(b.code).not.toBe(0);
    expect(b.stderr).toContain('SDP_DRIVE_NO_ENCRYPTION');
  }, 60_000);
});
