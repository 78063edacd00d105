import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACULA9_VOLUMES, BAREOS25_VOLUMES } from '../support/fixtures.js';
import { baculaManifest, bareosManifest, describeTree, type ManifestEntry } from '../support/manifest.js';
import { jsonLines, runCli, tempDir } from '../support/cli.js';
import { readBlocks } from '../../src/volume/block-reader.js';
import { MemorySource } from '../../src/volume/byte-source.js';
import { sealBlock } from '../../src/volume/block-header.js';
import { splitBlock } from '../../src/volume/record-assembler.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function blocksOf(bytes: Uint8Array) {
  const out = [];
  for await (const b of readBlocks(new MemorySource('v', bytes))) out.push(b);
  return out;
}

/** Writes a damaged copy of a fixture volume and returns device dir and output dir. */
function damaged(srcDir: string, vol: string, damage: (b: Uint8Array) => Uint8Array) {
  const dev = tempDir('sdpipe-dev-');
  const outDir = tempDir('sdpipe-out-');
  cleanups.push(dev.cleanup, outDir.cleanup);
  const bytes = new Uint8Array(readFileSync(join(srcDir, vol)));
  writeFileSync(join(dev.dir, vol), damage(bytes));
  return { dev: dev.dir, out: outDir.dir };
}

/** Files of the manifest restored with the right content. */
function intactFiles(restoredRoot: string, manifest: ManifestEntry[]): Set<string> {
  const restored = new Map(describeTree(restoredRoot).map((e) => [e.path, e]));
  return new Set(
    manifest.filter((m) => m.type === 'file' && restored.get(m.path)?.sha256 === m.sha256).map((m) => m.path),
  );
}

describe('damaged volumes: typed errors, everything else restored', () => {
  it('a flipped byte in a block header: SDP_BLOCK_CHECKSUM with volume, block and offset; other files restore', async () => {
    const vol = 'Vol-plain';
    const original = new Uint8Array(readFileSync(join(BACULA9_VOLUMES, vol)));
    const blocks = await blocksOf(original);
    const victim = blocks[40];
    if (!victim) throw new Error('fixture has fewer blocks');
    const { dev, out } = damaged(BACULA9_VOLUMES, vol, (b) => {
      b[victim.offset + 9] = (b[victim.offset + 9] ?? 0) ^ 0x01; // block number field
      return b;
    });
    const r = await runCli('bextract', '--json', '-V', vol, dev, out);
    expect(r.code).toBe(1);
    const errors = jsonLines(r.stderr);
    expect(errors[0]).toMatchObject({ error: 'SDP_BLOCK_CHECKSUM', volume: vol, offset: victim.offset });
    const manifest = baculaManifest('manifest-initial.tsv');
    const intact = intactFiles(join(out, 'tmp/bacula-lab/data'), manifest);
    // Only the file(s) with data in the damaged block are lost (big-3MiB.bin spans blocks 17..66).
    const files = manifest.filter((m) => m.type === 'file').length;
    expect(intact.size).toBe(files - 1);
    expect(intact.has('big/big-3MiB.bin')).toBe(false);
    expect(errors.some((e) => e.error === 'SDP_DIGEST_MISMATCH' || e.error === 'SDP_RECORD_INCOMPLETE')).toBe(
      true,
    );
  });

  it('a flipped byte in a payload: reported, the rest restores', async () => {
    const vol = 'Vol-plain';
    const original = new Uint8Array(readFileSync(join(BACULA9_VOLUMES, vol)));
    const blocks = await blocksOf(original);
    const last = blocks.at(-1);
    if (!last) throw new Error('no blocks');
    const { dev, out } = damaged(BACULA9_VOLUMES, vol, (b) => {
      b[last.offset + 200] = (b[last.offset + 200] ?? 0) ^ 0x55;
      return b;
    });
    const r = await runCli('bextract', '--json', '-V', vol, dev, out);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stderr)[0]).toMatchObject({
      error: 'SDP_BLOCK_CHECKSUM',
      volume: vol,
      offset: last.offset,
    });
    const intact = intactFiles(join(out, 'tmp/bacula-lab/data'), baculaManifest('manifest-initial.tsv'));
    expect(intact.size).toBeGreaterThan(30);
  });

  it('a truncated volume: SDP_BLOCK_TRUNCATED, everything before the cut restores', async () => {
    const vol = 'Vol-plain';
    const { dev, out } = damaged(BACULA9_VOLUMES, vol, (b) => b.subarray(0, b.length - 1000));
    const r = await runCli('bextract', '--json', '-V', vol, dev, out);
    expect(r.code).toBe(1);
    const codes = jsonLines(r.stderr).map((e) => e.error);
    expect(codes[0]).toBe('SDP_BLOCK_TRUNCATED');
    const intact = intactFiles(join(out, 'tmp/bacula-lab/data'), baculaManifest('manifest-initial.tsv'));
    expect(intact.size).toBeGreaterThan(40);
  });

  it('an unknown block id: SDP_BLOCK_ID, reading resumes at the next valid block', async () => {
    const vol = 'Vol-gzip';
    const original = new Uint8Array(readFileSync(join(BACULA9_VOLUMES, vol)));
    const blocks = await blocksOf(original);
    const victim = blocks[3];
    if (!victim) throw new Error('no block');
    const { dev, out } = damaged(BACULA9_VOLUMES, vol, (b) => {
      b[victim.offset + 12] = 0x58; // 'X' instead of 'B'
      return b;
    });
    const r = await runCli('bextract', '--json', '-V', vol, dev, out);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stderr)[0]).toMatchObject({
      error: 'SDP_BLOCK_ID',
      volume: vol,
      offset: victim.offset,
    });
    const intact = intactFiles(join(out, 'tmp/bacula-lab/data'), baculaManifest('manifest-initial.tsv'));
    expect(intact.size).toBeGreaterThan(40);
  });

  async function compressedRecordOf(vol: string) {
    const original = new Uint8Array(readFileSync(join(BAREOS25_VOLUMES, vol)));
    const blocks = await blocksOf(original);
    const target = blocks[1];
    if (!target) throw new Error('no block');
    const piece = splitBlock(target, () => undefined).find((p) => p.stream === 29 && p.data.length > 2000);
    if (!piece) throw new Error('no compressed record');
    return { target, piece };
  }
  /** Record header, compression header, then the 16-byte fastlzlib block header. */
  const FASTLZ_HEADER_AT = 12 + 12;

  it('a corrupt compressed payload under a valid checksum: SDP_CODEC_* naming volume, offset and FileIndex', async () => {
    const vol = 'Vol-lz4';
    const { target, piece } = await compressedRecordOf(vol);
    const { dev, out } = damaged(BAREOS25_VOLUMES, vol, (b) => {
      const original = piece.offset + FASTLZ_HEADER_AT + 12; // the block's original length (LE u32)
      b[original] = (b[original] ?? 0) ^ 0x10;
      sealBlock(b.subarray(target.offset, target.offset + target.header.length));
      return b;
    });
    const r = await runCli('bextract', '--json', '-V', vol, dev, out);
    expect(r.code).toBe(1);
    const errors = jsonLines(r.stderr);
    const codec = errors.find((e) => String(e.error).startsWith('SDP_CODEC'));
    expect(codec).toMatchObject({
      volume: vol,
      offset: piece.offset,
      fileIndex: piece.fileIndex,
      stream: 29,
    });
    const intact = intactFiles(join(out, 'tmp/bareos-lab/data/src'), bareosManifest());
    const files = bareosManifest().filter((m) => m.type === 'file').length;
    expect(intact.size).toBe(files - 1);
  });

  it('compressed bytes that still decode to wrong data are caught by the digest record', async () => {
    const vol = 'Vol-lz4';
    const { target, piece } = await compressedRecordOf(vol);
    const { dev, out } = damaged(BAREOS25_VOLUMES, vol, (b) => {
      const at = piece.offset + FASTLZ_HEADER_AT + 16 + 5; // inside the first literal run
      b[at] = 0xff;
      sealBlock(b.subarray(target.offset, target.offset + target.header.length));
      return b;
    });
    const r = await runCli('bextract', '--json', '-V', vol, dev, out);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stderr)).toEqual([
      expect.objectContaining({ error: 'SDP_DIGEST_MISMATCH', fileIndex: piece.fileIndex, stream: 3 }),
    ]);
    void out;
  });

  it('a session label time no date can hold: SDP_LABEL_FORMAT from bls -j, bls -L and bscan, not a crash', async () => {
    const vol = 'Vol-plain';
    const blocks = await blocksOf(new Uint8Array(readFileSync(join(BACULA9_VOLUMES, vol))));
    const sos = blocks
      .flatMap((b) => splitBlock(b, () => undefined).map((piece) => ({ b, piece })))
      .find(({ piece }) => piece.fileIndex === -4);
    if (!sos) throw new Error('fixture has no SOS label');
    const { dev } = damaged(BACULA9_VOLUMES, vol, (b) => {
      // SOS label: Id (NUL-terminated), VerNum u32, JobId u32, then WriteBtime i64 (microseconds).
      const data = sos.piece.offset + 12;
      const btime = b.indexOf(0, data) + 1 + 4 + 4;
      new DataView(b.buffer, b.byteOffset).setBigInt64(btime, 0x7f00_0000_0000_0000n);
      sealBlock(b.subarray(sos.b.offset, sos.b.offset + sos.b.header.length));
      return b;
    });
    const catalog = join(dev, 'catalog.db');
    for (const argv of [
      ['bls', '--json', '-j', '-V', vol, dev],
      ['bls', '--json', '-L', '-V', vol, dev],
      [
        'bscan',
        '--json',
        '-s',
        '-m',
        '--catalog',
        catalog,
        '--write-bsr',
        join(dev, 'job.bsr'),
        '-V',
        vol,
        dev,
      ],
    ]) {
      const r = await runCli(...argv);
      expect(r.stderr).not.toContain('SDP_INTERNAL');
      expect(r.code).toBe(1);
      expect(jsonLines(r.stderr)).toContainEqual(
        expect.objectContaining({
          error: 'SDP_LABEL_FORMAT',
          volume: vol,
          offset: sos.piece.offset,
          field: 'writeBtime',
        }),
      );
    }
  });
});

describe('a damaged sparse offset', () => {
  it('is reported as SDP_RECORD_HEADER and never creates a huge file or writes out of place', async () => {
    const vol = 'Vol-sparse';
    const original = new Uint8Array(readFileSync(join(BACULA9_VOLUMES, vol)));
    const blocks = await blocksOf(original);
    let victim: { block: (typeof blocks)[number]; offset: number; fileIndex: number } | undefined;
    for (const b of blocks) {
      const piece = splitBlock(b, () => undefined).find((p) => p.stream === 6 && p.data.length > 8);
      if (piece) {
        victim = { block: b, offset: piece.offset, fileIndex: piece.fileIndex };
        break;
      }
    }
    if (!victim) throw new Error('no sparse record');
    const v = victim;
    const { dev, out } = damaged(BACULA9_VOLUMES, vol, (b) => {
      new DataView(b.buffer, b.byteOffset).setBigUint64(v.offset + 12, 1n << 40n); // the record's file offset
      sealBlock(b.subarray(v.block.offset, v.block.offset + v.block.header.length));
      return b;
    });
    const r = await runCli('bextract', '--json', '-V', vol, dev, out);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stderr)).toContainEqual(
      expect.objectContaining({
        error: 'SDP_RECORD_HEADER',
        volume: vol,
        fileIndex: v.fileIndex,
        sparseOffset: String(1n << 40n),
      }),
    );
    for (const e of describeTree(join(out, 'tmp/bacula-lab/data'))) {
      expect(e.size ?? 0).toBeLessThan(2 ** 30);
    }
  });
});
