/**
 * Round trips for the backup walker: its records are packed into an in-memory volume with
 * `buildVolumeImage`, read back with the production reader and restored with the Restorer. Compressed
 * streams are inflated here knowing the file daemon's layout (stream 30: only the data is compressed).
 */
import type { SdpipeError } from '../../src/errors.js';
import { Restorer, type RestoreSummary } from '../../src/restore/restorer.js';
import {
  inflateBaculaGzip,
  inflatePayload,
  SPARSE_OFFSET_BYTES,
} from '../../src/transforms/compressed-record.js';
import { decodeAttributes } from '../../src/volume/attributes.js';
import { BACULA_BLOCK_BYTES, BAREOS_BLOCK_BYTES, type RecordToWrite } from '../../src/volume/block-writer.js';
import { MemorySource } from '../../src/volume/byte-source.js';
import { buildVolumeImage } from '../../src/volume/volume-image.js';
import { readRecords } from '../../src/volume/volume-reader.js';

export const WALK_VOLUME = 'Walk-0001';
const DIGEST_STREAMS: ReadonlySet<number> = new Set([3, 10, 17, 18]);

/** The bytes of a one-session volume holding `records` (Bareos or Bacula labels and block size). */
export function walkVolume(records: readonly RecordToWrite[], flavour: 'bareos' | 'bacula'): Uint8Array {
  return buildVolumeImage({
    volumeName: WALK_VOLUME,
    flavour,
    blockBytes: flavour === 'bareos' ? BAREOS_BLOCK_BYTES : BACULA_BLOCK_BYTES,
    volSessionTime: 1_795_392_249,
    btime: 1_795_392_249_000_000,
    sessions: [{ jobId: 1, volSessionId: 1, job: 'walk.2026-11-23_00.00.00_01', records }],
  });
}

const offsetOf = (data: Uint8Array): number =>
  Number(Buffer.from(data.buffer, data.byteOffset, SPARSE_OFFSET_BYTES).readBigUInt64BE(0));

/** Restores a volume image under `outDir`; every warning of the reader and the Restorer is returned. */
export async function restoreVolume(
  image: Uint8Array,
  outDir: string,
): Promise<{ summary: RestoreSummary; warnings: SdpipeError[] }> {
  const warnings: SdpipeError[] = [];
  const onWarning = (e: SdpipeError) => warnings.push(e);
  const restorer = new Restorer({ outDir, onWarning });
  const source = new MemorySource(WALK_VOLUME, image);
  for await (const r of readRecords([WALK_VOLUME], () => Promise.resolve(source), { onWarning })) {
    if (r.fileIndex <= 0) continue;
    const session = { volSessionId: r.volSessionId, volSessionTime: r.volSessionTime };
    const data = r.data;
    switch (r.stream) {
      case 1:
        await restorer.beginFile(decodeAttributes(data, {}), session);
        break;
      case 2:
        await restorer.writeData(data);
        break;
      case 4:
        await restorer.writeData(inflateBaculaGzip(data));
        break;
      case 6:
        await restorer.writeData(data.subarray(SPARSE_OFFSET_BYTES), offsetOf(data));
        break;
      case 7:
        await restorer.writeData(inflateBaculaGzip(data.subarray(SPARSE_OFFSET_BYTES)), offsetOf(data));
        break;
      case 29:
        await restorer.writeData(inflatePayload(29, data).data);
        break;
      case 30: {
        const plain = inflatePayload(30, data, {}, { sparseLayout: 'data-only' }).data;
        await restorer.writeData(plain.subarray(SPARSE_OFFSET_BYTES), offsetOf(plain));
        break;
      }
      default:
        if (!DIGEST_STREAMS.has(r.stream)) throw new Error(`unexpected stream ${r.stream}`);
        await restorer.digest(r.stream, data);
    }
  }
  return { summary: await restorer.finish(), warnings };
}
