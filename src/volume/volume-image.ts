/**
 * A whole small volume built in memory: label block, then per session SOS, the records and EOS, packed
 * into blocks. For tests, the `npm start` demo and property checks of the reader; the streaming volume
 * writer of the OUT path builds on the same pieces.
 */
import { BlockWriter, type RecordToWrite } from './block-writer.js';
import {
  encodeEndSessionLabel,
  encodeSessionLabel,
  encodeVolumeLabel,
  LABEL_FLAVOURS,
  type LabelFlavour,
} from './label.js';
import { LABEL_TYPE } from './record-header.js';

/** One session (job) to put on the volume. */
export interface SessionToWrite {
  readonly jobId: number;
  readonly volSessionId: number;
  readonly job: string;
  readonly jobName?: string;
  readonly level?: string;
  /** File records (FileIndex > 0), in order. */
  readonly records: readonly RecordToWrite[];
}

export interface VolumeImageOptions {
  readonly volumeName: string;
  readonly flavour?: LabelFlavour;
  readonly blockBytes: number;
  readonly volSessionTime: number;
  /** btime (µs since the epoch) for labels. */
  readonly btime: number;
  readonly poolName?: string;
  readonly mediaType?: string;
  readonly sessions: readonly SessionToWrite[];
}

const ascii = (c: string) => c.charCodeAt(0);

/** Builds the bytes of a file volume. */
export function buildVolumeImage(o: VolumeImageOptions): Uint8Array {
  const flavour = o.flavour ?? 'bareos';
  const { id, verNum } = LABEL_FLAVOURS[flavour];
  const blocks: Uint8Array[] = [];
  const labelWriter = new BlockWriter({ blockBytes: o.blockBytes, volSessionId: 0, volSessionTime: 0 });
  labelWriter.add({
    fileIndex: LABEL_TYPE.VOL_LABEL,
    stream: 0,
    data: encodeVolumeLabel(
      {
        id,
        verNum,
        labelBtime: o.btime,
        writeBtime: o.btime,
        writeDate: 0,
        writeTime: 0,
        volumeName: o.volumeName,
        prevVolumeName: '',
        poolName: o.poolName ?? 'Full',
        poolType: 'Backup',
        mediaType: o.mediaType ?? 'File',
        hostName: 'sdpipe',
        labelProg: 'sdpipe',
        progVersion: 'Ver. 0.1.0',
        progDate: 'Build sdpipe',
      },
      flavour,
    ),
  });
  blocks.push(...labelWriter.flush());
  let offset = blocks.reduce((n, b) => n + b.length, 0);
  for (const s of o.sessions) {
    const w = new BlockWriter({
      blockBytes: o.blockBytes,
      volSessionId: s.volSessionId,
      volSessionTime: o.volSessionTime,
    });
    const common = {
      id,
      verNum,
      jobId: s.jobId,
      writeBtime: o.btime,
      writeTime: 0,
      poolName: o.poolName ?? 'Full',
      poolType: 'Backup',
      jobName: s.jobName ?? s.job.replace(/\..*$/, ''),
      clientName: 'sdpipe-fd',
      job: s.job,
      fileSetName: 'sdpipe-fileset',
      jobType: ascii('B'),
      jobLevel: ascii(s.level ?? 'F'),
      fileSetMd5: '',
    };
    const startBlock = offset;
    const sessionBlocks: Uint8Array[] = [];
    sessionBlocks.push(
      ...w.add({ fileIndex: LABEL_TYPE.SOS_LABEL, stream: s.jobId, data: encodeSessionLabel(common) }),
    );
    let jobBytes = 0;
    let jobFiles = 0;
    for (const r of s.records) {
      jobBytes += r.data.length;
      jobFiles = Math.max(jobFiles, r.fileIndex);
      sessionBlocks.push(...w.add(r));
    }
    const before = offset + sessionBlocks.reduce((n, b) => n + b.length, 0);
    sessionBlocks.push(
      ...w.add({
        fileIndex: LABEL_TYPE.EOS_LABEL,
        stream: s.jobId,
        data: encodeEndSessionLabel({
          ...common,
          jobFiles,
          jobBytes,
          startBlock,
          endBlock: before,
          startFile: 0,
          endFile: 0,
          jobErrors: 0,
          jobStatus: ascii('T'),
        }),
      }),
      ...w.flush(),
    );
    blocks.push(...sessionBlocks);
    offset += sessionBlocks.reduce((n, b) => n + b.length, 0);
  }
  const out = new Uint8Array(offset);
  let p = 0;
  for (const b of blocks) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}
