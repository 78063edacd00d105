/**
 * The IN path's first stage: the records of one or more volumes, read in order as one job would read
 * them (spec volume-format.md §4–6). Checks each volume's label against the name it was asked for,
 * carries split records from volume N to N+1, and reports damage without stopping.
 */
import { Readable } from 'node:stream';
import { SdpipeError, VolumeFormatError } from '../errors.js';
import { readBlocks, type Block } from './block-reader.js';
import { isBlockSource, type BlockSource, type ByteSource } from './byte-source.js';
import { decodeVolumeLabel, type VolumeLabel } from './label.js';
import { RecordAssembler } from './record-assembler.js';
import { LABEL_TYPE } from './record-header.js';
import type { DeviceRecord } from './record.js';

/** Byte range of a volume to read (bootstrap VolAddr), end exclusive. */
export interface ReadRange {
  readonly start: number;
  readonly end: number;
}

export interface VolumeReadOptions {
  /** Called for every problem that did not stop the read (damaged block, orphan piece, label mismatch …). */
  onWarning?: (e: SdpipeError) => void;
  /** Throw the first problem instead of reporting it. */
  strict?: boolean;
  /** Called for every verified block (bls -k). */
  onBlock?: (block: Block) => void;
  /** Called with each volume's decoded label. */
  onVolumeLabel?: (volume: string, label: VolumeLabel) => void;
  /** Check that each label names the volume it was opened as (default true). */
  checkVolumeName?: boolean;
  /** Blocks of sessions this returns false for are skipped without splitting (bootstrap selection). */
  wantSession?: (volume: string, volSessionId: number, volSessionTime: number) => boolean;
  /** Byte ranges per volume (bootstrap VolAddr); the label block is always read. */
  ranges?: (volume: string) => ReadRange[] | undefined;
}

/** Opens a volume by name (a device's job). */
export type VolumeOpener = (volume: string) => Promise<ByteSource | BlockSource>;

/** Reads the records of `volumes` in order, as one stream of records. */
export async function* readRecords(
  volumes: readonly string[],
  open: VolumeOpener,
  opts: VolumeReadOptions = {},
): AsyncGenerator<DeviceRecord> {
  const report = (e: SdpipeError) => {
    if (opts.strict) throw e;
    opts.onWarning?.(e);
  };
  const assembler = new RecordAssembler(report);
  for (const volume of volumes) {
    const src = await open(volume);
    try {
      yield* readOneVolume(src, assembler, opts, report);
    } finally {
      await src.close();
    }
  }
  yield* assembler.end();
}

async function* readOneVolume(
  src: ByteSource | BlockSource,
  assembler: RecordAssembler,
  opts: VolumeReadOptions,
  report: (e: SdpipeError) => void,
): AsyncGenerator<DeviceRecord> {
  const blockOpts = { onWarning: report, strict: opts.strict ?? false };
  // The label block first; it tells whether this is the volume we were asked for.
  let labelEnd = -1;
  for await (const block of readBlocks(src, blockOpts)) {
    labelEnd = block.offset + block.header.length;
    const label = checkLabel(block, src.name, assembler, opts, report);
    if (label === 'mismatch') return;
    opts.onBlock?.(block);
    yield* label;
    break;
  }
  if (labelEnd < 0) {
    report(
      new VolumeFormatError('SDP_LABEL_FORMAT', 'volume has no label block', { volume: src.name, offset: 0 }),
    );
    return;
  }
  const ranges = opts.ranges?.(src.name) ?? [{ start: labelEnd, end: Number.MAX_SAFE_INTEGER }];
  for (const range of ranges) {
    // A tape reads on from where the label left it; its addresses are file/block, not byte offsets.
    const startOffset = isBlockSource(src)
      ? opts.ranges
        ? range.start
        : 0
      : Math.max(range.start, labelEnd);
    if (startOffset >= range.end) continue;
    for await (const block of readBlocks(src, { ...blockOpts, startOffset, endOffset: range.end })) {
      opts.onBlock?.(block);
      const { volSessionId, volSessionTime } = block.header;
      if (opts.wantSession && !opts.wantSession(src.name, volSessionId, volSessionTime)) continue;
      yield* assembler.push(block);
    }
  }
}

/** Splits the first block, checks its label record; returns the block's records or 'mismatch'. */
function checkLabel(
  block: Block,
  volume: string,
  assembler: RecordAssembler,
  opts: VolumeReadOptions,
  report: (e: SdpipeError) => void,
): DeviceRecord[] | 'mismatch' {
  const records = assembler.push(block);
  const first = records[0];
  const where = { volume, blockNumber: block.header.blockNumber, offset: block.offset };
  if (!first || (first.fileIndex !== LABEL_TYPE.VOL_LABEL && first.fileIndex !== LABEL_TYPE.PRE_LABEL)) {
    report(new VolumeFormatError('SDP_LABEL_FORMAT', 'first block holds no volume label', where));
    return records;
  }
  let label: VolumeLabel;
  try {
    label = decodeVolumeLabel(first.data, where);
  } catch (e) {
    if (!(e instanceof SdpipeError)) throw e;
    report(e);
    return records;
  }
  if ((opts.checkVolumeName ?? true) && label.volumeName !== volume) {
    report(
      new VolumeFormatError(
        'SDP_LABEL_MISMATCH',
        `volume label names "${label.volumeName}", not "${volume}"`,
        {
          ...where,
          expected: volume,
          actual: label.volumeName,
        },
      ),
    );
    return 'mismatch';
  }
  opts.onVolumeLabel?.(volume, label);
  return records;
}

/** The records of `volumes` as a Node object-mode Readable (for `stream.pipeline`). */
export function createRecordStream(
  volumes: readonly string[],
  open: VolumeOpener,
  opts: VolumeReadOptions = {},
): Readable {
  return Readable.from(readRecords(volumes, open, opts), { objectMode: true, highWaterMark: 64 });
}
