/**
 * Writes a large generated volume to a file, streaming (memory stays flat): one session of files whose
 * data records (256 KiB, like Bareos' network buffer) are plain or deflated with a codec as autoxflate
 * OUT writes them. Returns the record payloads' total sizes for the raw-codec baseline.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { deflatePayload } from '../../src/transforms/compressed-record.js';
import { codecByName } from '../../src/transforms/codecs/index.js';
import { buildAttributes, encodeAttributes, FILE_TYPE } from '../../src/volume/attributes.js';
import { BAREOS_BLOCK_BYTES, BlockWriter } from '../../src/volume/block-writer.js';
import {
  encodeEndSessionLabel,
  encodeSessionLabel,
  encodeVolumeLabel,
  LABEL_FLAVOURS,
} from '../../src/volume/label.js';
import { LABEL_TYPE } from '../../src/volume/record-header.js';

export const RECORD_BYTES = 262_144;
const FILE_BYTES = 64 << 20;

/** Deterministic half-compressible data: text-like runs mixed with pseudo-random bytes. */
export function makeChunk(seed: number): Uint8Array {
  const out = new Uint8Array(RECORD_BYTES);
  let x = (seed * 2654435761) >>> 0 || 1;
  const words = new TextEncoder().encode('storage daemon block record volume label session stream ');
  for (let i = 0; i < out.length;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    if ((x & 3) === 0) {
      for (let j = 0; j < 64 && i < out.length; j++) out[i++] = x >>> (j & 24);
    } else {
      const start = x % 40;
      for (let j = 0; j < 48 && i < out.length; j++) out[i++] = words[(start + j) % words.length] ?? 32;
    }
  }
  return out;
}

export interface GeneratedVolume {
  path: string;
  volumeName: string;
  dataBytes: number;
  /** Compressed payloads of a sample of records (for the raw-codec loop). */
  samplePayloads: Uint8Array[];
}

export async function generateVolume(
  path: string,
  volumeName: string,
  dataBytes: number,
  algorithm: string | undefined,
): Promise<GeneratedVolume> {
  const codec = algorithm ? codecByName(algorithm) : undefined;
  const fh = await open(path, 'w');
  const { id, verNum } = LABEL_FLAVOURS.bareos;
  const btime = 1_795_392_000_000_000;
  try {
    const write = async (blocks: Uint8Array[]) => {
      for (const b of blocks) await fh.write(b);
    };
    const labelWriter = new BlockWriter({
      blockBytes: BAREOS_BLOCK_BYTES,
      volSessionId: 0,
      volSessionTime: 0,
    });
    labelWriter.add({
      fileIndex: LABEL_TYPE.VOL_LABEL,
      stream: 0,
      data: encodeVolumeLabel(
        {
          id,
          verNum,
          labelBtime: btime,
          writeBtime: btime,
          writeDate: 0,
          writeTime: 0,
          volumeName,
          prevVolumeName: '',
          poolName: 'Full',
          poolType: 'Backup',
          mediaType: 'File',
          hostName: 'bench',
          labelProg: 'sdpipe',
          progVersion: 'bench',
          progDate: 'bench',
        },
        'bareos',
      ),
    });
    await write(labelWriter.flush());
    const w = new BlockWriter({
      blockBytes: BAREOS_BLOCK_BYTES,
      volSessionId: 1,
      volSessionTime: 1_795_392_000,
    });
    const session = {
      id,
      verNum,
      jobId: 1,
      writeBtime: btime,
      writeTime: 0,
      poolName: 'Full',
      poolType: 'Backup',
      jobName: 'bench',
      clientName: 'bench-fd',
      job: 'bench.1',
      fileSetName: 'bench',
      jobType: 66,
      jobLevel: 70,
      fileSetMd5: '',
    };
    await write(w.add({ fileIndex: LABEL_TYPE.SOS_LABEL, stream: 1, data: encodeSessionLabel(session) }));
    const chunks = Array.from({ length: 16 }, (_, i) => makeChunk(i + 1));
    const payloads = chunks.map((c) => (codec ? deflatePayload(2, c, codec, codec.defaultLevel).data : c));
    let written = 0;
    let fileIndex = 0;
    let jobBytes = 0;
    let k = 0;
    while (written < dataBytes) {
      fileIndex++;
      const size = Math.min(FILE_BYTES, dataBytes - written);
      const md5 = createHash('md5');
      const attr = buildAttributes({
        fileIndex,
        type: FILE_TYPE.REG,
        fname: `/bench/data/file-${fileIndex}.bin`,
        stat: {
          dev: 1,
          ino: fileIndex,
          mode: 0o100644,
          nlink: 1,
          uid: 0,
          gid: 0,
          rdev: 0,
          size,
          blksize: 4096,
          blocks: size / 512,
          atime: 1_795_392_000,
          mtime: 1_795_392_000,
          ctime: 1_795_392_000,
          linkFi: 0,
          flags: 0,
          dataStream: 2,
        },
      });
      const attrData = encodeAttributes(attr);
      jobBytes += attrData.length;
      await write(w.add({ fileIndex, stream: 1, data: attrData }));
      for (let at = 0; at < size; at += RECORD_BYTES) {
        const i = k++ % chunks.length;
        md5.update(chunks[i] ?? new Uint8Array(0));
        const data = payloads[i] ?? new Uint8Array(0);
        jobBytes += data.length;
        await write(w.add({ fileIndex, stream: codec ? 29 : 2, data }));
      }
      const digest = md5.digest();
      jobBytes += digest.length;
      await write(w.add({ fileIndex, stream: 3, data: digest }));
      written += size;
    }
    await write(
      w.add({
        fileIndex: LABEL_TYPE.EOS_LABEL,
        stream: 1,
        data: encodeEndSessionLabel({
          ...session,
          jobFiles: fileIndex,
          jobBytes,
          startBlock: 0,
          endBlock: 0,
          startFile: 0,
          endFile: 0,
          jobErrors: 0,
          jobStatus: 84,
        }),
      }),
    );
    await write(w.flush());
  } finally {
    await fh.close();
  }
  const chunks = Array.from({ length: 16 }, (_, i) => makeChunk(i + 1));
  return {
    path,
    volumeName,
    dataBytes,
    samplePayloads: chunks.map((c) => (codec ? deflatePayload(2, c, codec, codec.defaultLevel).data : c)),
  };
}
