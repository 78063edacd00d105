/**
 * The OUT path's last stage: one session (job) written to volumes as a storage daemon writes it
 * (spec volume-format.md §2–6): label a blank volume or append to a labelled one, SOS label, the
 * records packed into BB02 blocks, EOS label with its counters, and — with a size limit — continuation
 * on the next volume (no EOS on the full one, VOL_LABEL with the job's volume number on the next, block
 * numbers going on, split records continuing as continuation pieces).
 */
import { Writable } from 'node:stream';
import { SdpipeError, VolumeFormatError } from '../errors.js';
import { BACULA_BLOCK_BYTES, BAREOS_BLOCK_BYTES, BlockWriter, type RecordToWrite } from './block-writer.js';
import {
  codeChar,
  decodeVolumeLabel,
  encodeEndSessionLabel,
  encodeSessionLabel,
  encodeVolumeLabel,
  LABEL_FLAVOURS,
  type LabelFlavour,
  type SessionLabel,
  type VolumeLabel,
} from './label.js';
import { decodeRecordHeader, LABEL_TYPE, RECORD_HEADER_V2_BYTES } from './record-header.js';
import { BLOCK_HEADER_V2_BYTES, decodeBlockHeader, verifyBlockChecksum } from './block-header.js';
import type { VolumeSink, VolumeSinkOpener } from './volume-sink.js';

/** The job a session belongs to, as its SOS/EOS labels record it. */
export interface JobInfo {
  readonly jobId: number;
  /** Unique job name, e.g. `backup.2026-11-23_00.04.20_04`. */
  readonly job: string;
  readonly jobName: string;
  readonly clientName: string;
  readonly fileSetName: string;
  /** Level letter: F, I, D. */
  readonly level: string;
  /** Type letter: B (backup), C (copy), M (migrate). */
  readonly type: string;
  readonly fileSetMd5?: string;
}

export interface VolumeWriterOptions {
  readonly flavour: LabelFlavour;
  /** Block size; default 1 MiB (Bareos) or 64512 (Bacula). */
  readonly blockBytes?: number;
  /** Start a new volume before a volume would grow past this many bytes. */
  readonly maxVolumeBytes?: number;
  /** Volume names to use, in order; more are derived from the last one when a job spans further. */
  readonly volumes: readonly string[];
  readonly open: VolumeSinkOpener;
  readonly volSessionId: number;
  /** Shared by all sessions of one daemon run (Unix seconds). */
  readonly volSessionTime: number;
  readonly job: JobInfo;
  readonly poolName?: string;
  readonly poolType?: string;
  readonly mediaType?: string;
  readonly hostName?: string;
  readonly labelProg?: string;
  /** Clock in µs since the epoch (tests pin it). */
  readonly now?: () => number;
  /** Volume label fields to use instead of the generated ones (label copies, golden tests), per volume. */
  readonly labelFields?: Partial<VolumeLabel> | ((volume: string) => Partial<VolumeLabel>);
  /** Session label fields to use instead of the generated ones. */
  readonly sessionFields?: Partial<SessionLabel>;
  /** write_btime of the EOS label, when it must be pinned. */
  readonly endWriteBtime?: number;
}

/** Where a session went on one volume (for JobMedia rows and bootstrap files). */
export interface VolumePart {
  readonly volume: string;
  /** Byte address of the session's first block on this volume. */
  readonly startAddress: number;
  /** Byte address of the last byte of its last block. */
  readonly endAddress: number;
  readonly firstFileIndex: number;
  readonly lastFileIndex: number;
  /** Job's volume number (1 = first volume of the job). */
  readonly volumeIndex: number;
  readonly newlyLabelled: boolean;
}

/** What was written. */
export interface SessionWritten {
  readonly jobFiles: number;
  readonly jobBytes: number;
  readonly blocks: number;
  readonly parts: readonly VolumePart[];
}

/** Bacula and Bareos name the next volume differently; we count up a trailing number (Vol-0001 → Vol-0002). */
export function nextVolumeName(previous: string): string {
  const m = /^(.*?)(\d+)$/.exec(previous);
  if (!m) return `${previous}-2`;
  const digits = m[2] ?? '0';
  return `${m[1] ?? ''}${String(Number(digits) + 1).padStart(digits.length, '0')}`;
}

const ascii = (c: string) => c.charCodeAt(0);

/** Writes one session; call {@link open}, then {@link write} per record, then {@link close}. */
export class VolumeWriter {
  private readonly blockBytes: number;
  private readonly now: () => number;
  private sink: VolumeSink | undefined;
  private blocks!: BlockWriter;
  private volumeIndex = 0;
  private names: string[];
  private readonly parts: VolumePart[] = [];
  private partStart = 0;
  private partFirstIndex = 0;
  private partNew = false;
  private lastFileIndex = 0;
  private jobBytes = 0;
  private blockCount = 0;
  private sessionLabel!: SessionLabel;

  constructor(private readonly o: VolumeWriterOptions) {
    this.blockBytes = o.blockBytes ?? (o.flavour === 'bareos' ? BAREOS_BLOCK_BYTES : BACULA_BLOCK_BYTES);
    this.now = o.now ?? (() => Date.now() * 1000);
    this.names = [...o.volumes];
    if (this.names.length === 0) throw new VolumeFormatError('SDP_LABEL_FORMAT', 'no volume name given', {});
    const min = 2 * (BLOCK_HEADER_V2_BYTES + RECORD_HEADER_V2_BYTES) + 1024 + this.blockBytes;
    if (o.maxVolumeBytes !== undefined && o.maxVolumeBytes < min) {
      throw new VolumeFormatError('SDP_VOLUME_SIZE', `maximum volume size must be at least ${min} bytes`, {
        maxVolumeBytes: o.maxVolumeBytes,
      });
    }
  }

  /** Opens (labels or appends to) the first volume and writes the SOS label. */
  async open(): Promise<void> {
    const { id, verNum } = LABEL_FLAVOURS[this.o.flavour];
    const j = this.o.job;
    this.sessionLabel = {
      id,
      verNum,
      jobId: j.jobId,
      writeBtime: this.now(),
      writeTime: 0,
      poolName: this.o.poolName ?? 'Default',
      poolType: this.o.poolType ?? 'Backup',
      jobName: j.jobName,
      clientName: j.clientName,
      job: j.job,
      fileSetName: j.fileSetName,
      jobType: ascii(j.type),
      jobLevel: ascii(j.level),
      fileSetMd5: j.fileSetMd5 ?? '',
      ...this.o.sessionFields,
    };
    const fresh = await this.mountNext();
    // Bacula numbers a fresh volume's first data block 1 (the label is 0); Bareos re-creates the block
    // and starts at 0 again, and an appended session starts at 0 in both (§2.4).
    this.blocks = new BlockWriter({
      blockBytes: this.blockBytes,
      volSessionId: this.o.volSessionId,
      volSessionTime: this.o.volSessionTime,
      firstBlockNumber: fresh && this.o.flavour === 'bacula' ? 1 : 0,
    });
    await this.emit(
      this.blocks.add({
        fileIndex: LABEL_TYPE.SOS_LABEL,
        stream: j.jobId,
        data: encodeSessionLabel(this.sessionLabel),
      }),
    );
  }

  /** Adds one file record (FileIndex > 0). */
  async write(rec: RecordToWrite): Promise<void> {
    if (rec.fileIndex <= 0) {
      throw new VolumeFormatError('SDP_RECORD_HEADER', 'only file records (FileIndex > 0) can be written', {
        fileIndex: rec.fileIndex,
      });
    }
    if (this.partFirstIndex === 0) this.partFirstIndex = rec.fileIndex;
    this.lastFileIndex = Math.max(this.lastFileIndex, rec.fileIndex);
    this.jobBytes += rec.data.length;
    await this.emit(this.blocks.add(rec));
  }

  /** Writes the EOS label, flushes the last short block and closes the volume. */
  async close(status = 'T', errors = 0): Promise<SessionWritten> {
    const sink = this.requireSink();
    const eosFields = (endAddress: number) =>
      encodeEndSessionLabel({
        ...this.sessionLabel,
        writeBtime: this.o.endWriteBtime ?? this.now(),
        jobFiles: this.lastFileIndex,
        jobBytes: this.jobBytes,
        startBlock: this.partStart % 2 ** 32,
        endBlock: endAddress % 2 ** 32,
        startFile: Math.floor(this.partStart / 2 ** 32),
        endFile: Math.floor(endAddress / 2 ** 32),
        jobErrors: errors,
        jobStatus: ascii(status),
      });
    // EndBlock is the address of the block that will hold the EOS label (Bareos writes that − 1, §3.6).
    // Every finished block is already on the volume, so that block starts at the volume's end, or right
    // after the block being filled when the label does not fit in it (labels are never split).
    const labelBytes = RECORD_HEADER_V2_BYTES + eosFields(0).length;
    const eosBlockAt = this.blocks.fits(labelBytes) ? sink.size : sink.size + this.blocks.pendingBytes;
    const endAddress = this.o.flavour === 'bareos' ? eosBlockAt - 1 : eosBlockAt;
    await this.emit([
      ...this.blocks.add({
        fileIndex: LABEL_TYPE.EOS_LABEL,
        stream: this.o.job.jobId,
        data: eosFields(endAddress),
      }),
      ...this.blocks.flush(),
    ]);
    this.finishPart();
    await this.requireSink().endFile?.();
    await this.requireSink().close();
    this.sink = undefined;
    return {
      jobFiles: this.lastFileIndex,
      jobBytes: this.jobBytes,
      blocks: this.blockCount,
      parts: this.parts,
    };
  }

  /** Aborts: closes the volume without an EOS label (what a crashed daemon leaves). */
  async abort(): Promise<void> {
    await this.sink?.close();
    this.sink = undefined;
  }

  private requireSink(): VolumeSink {
    if (!this.sink)
      throw new SdpipeError('SDP_INTERNAL', 'volume writer used before open() or after close()');
    return this.sink;
  }

  /** Writes finished blocks, moving to the next volume first when one would not fit. */
  private async emit(blocks: Uint8Array[]): Promise<void> {
    for (const block of blocks) {
      const sink = this.requireSink();
      const max = this.o.maxVolumeBytes;
      if (max !== undefined && sink.size + block.length > max && sink.size > this.partStart) {
        this.finishPart();
        await sink.endFile?.();
        await sink.close();
        await this.mountNext();
        this.partFirstIndex = this.lastFileIndex;
      }
      await this.requireSink().write(block);
      this.blockCount++;
    }
  }

  private finishPart(): void {
    const sink = this.requireSink();
    this.parts.push({
      volume: sink.name,
      startAddress: this.partStart,
      endAddress: sink.size - 1,
      firstFileIndex: this.partFirstIndex,
      lastFileIndex: this.lastFileIndex,
      volumeIndex: this.volumeIndex,
      newlyLabelled: this.partNew,
    });
  }

  /** Opens the next volume: labels it when blank, checks its label when appending. Returns "fresh". */
  private async mountNext(): Promise<boolean> {
    this.volumeIndex++;
    const name = this.names[this.volumeIndex - 1] ?? nextVolumeName(this.names.at(-1) ?? 'Vol');
    if (this.volumeIndex > this.names.length) this.names.push(name);
    const sink = await this.o.open(name);
    this.sink = sink;
    if (sink.size === 0) {
      const label = this.volumeLabel(name);
      const w = new BlockWriter({
        blockBytes: this.blockBytes,
        // Bacula's label block carries the session of the job that first wrote it; Bareos keeps 0/0 (§3.4).
        volSessionId: this.o.flavour === 'bacula' ? this.o.volSessionId : 0,
        volSessionTime: this.o.flavour === 'bacula' ? this.o.volSessionTime : 0,
      });
      w.add({
        fileIndex: LABEL_TYPE.VOL_LABEL,
        // On a continuation volume the label record's Stream holds the job's volume number (§3.4).
        stream: this.volumeIndex === 1 ? 0 : this.volumeIndex,
        data: encodeVolumeLabel(label, this.o.flavour),
      });
      for (const b of w.flush()) await sink.write(b);
      await sink.endFile?.();
      this.partNew = true;
    } else {
      await this.checkLabel(sink, name);
      this.partNew = false;
    }
    this.partStart = sink.size;
    return sink.size > 0 && this.partNew;
  }

  private volumeLabel(name: string): VolumeLabel {
    const { id, verNum } = LABEL_FLAVOURS[this.o.flavour];
    const t = this.now();
    return {
      id,
      verNum,
      labelBtime: t,
      writeBtime: t,
      writeDate: 0,
      writeTime: 0,
      prevVolumeName: '',
      poolName: this.o.poolName ?? 'Default',
      poolType: this.o.poolType ?? 'Backup',
      mediaType: this.o.mediaType ?? 'File',
      hostName: this.o.hostName ?? 'sdpipe',
      labelProg: this.o.labelProg ?? 'sdpipe-sd',
      progVersion: 'Ver. sdpipe 0.1.0',
      progDate: 'Build sdpipe',
      ...(typeof this.o.labelFields === 'function' ? this.o.labelFields(name) : this.o.labelFields),
      volumeName: name,
    };
  }

  /** Appending: the volume must be labelled with this name, by a flavour we can continue. */
  private async checkLabel(sink: VolumeSink, name: string): Promise<void> {
    const block = await sink.readLabelBlock();
    const where = { volume: name, offset: 0, blockNumber: 0 };
    if (!block)
      throw new VolumeFormatError('SDP_LABEL_FORMAT', 'volume to append to has no label block', where);
    const header = decodeBlockHeader(block, 0, where);
    verifyBlockChecksum(block.subarray(0, header.length), header, where);
    const rec = decodeRecordHeader(block, header.headerBytes, where);
    if (rec.fileIndex !== LABEL_TYPE.VOL_LABEL && rec.fileIndex !== LABEL_TYPE.PRE_LABEL) {
      throw new VolumeFormatError('SDP_LABEL_FORMAT', 'volume to append to has no volume label', where);
    }
    const start = header.headerBytes + RECORD_HEADER_V2_BYTES;
    const label = decodeVolumeLabel(
      block.subarray(start, Math.min(header.length, start + rec.dataLen)),
      where,
    );
    if (label.volumeName !== name) {
      throw new VolumeFormatError(
        'SDP_LABEL_MISMATCH',
        `volume label names "${label.volumeName}", not "${name}"`,
        {
          ...where,
          expected: name,
          actual: label.volumeName,
        },
      );
    }
  }
}

/** The session's job type/level letters as stored. */
export const jobLetters = (label: SessionLabel) => ({
  type: codeChar(label.jobType),
  level: codeChar(label.jobLevel),
});

/** A Writable over RecordToWrite objects that writes one session through a {@link VolumeWriter}. */
export class VolumeWriteStream extends Writable {
  private opened = false;
  result: SessionWritten | undefined;

  constructor(readonly writer: VolumeWriter) {
    super({ objectMode: true, highWaterMark: 16 });
  }

  override _write(rec: RecordToWrite, _e: BufferEncoding, done: (e?: Error | null) => void): void {
    const run = async () => {
      if (!this.opened) {
        await this.writer.open();
        this.opened = true;
      }
      await this.writer.write(rec);
    };
    run().then(() => done(), done);
  }

  override _final(done: (e?: Error | null) => void): void {
    const run = async () => {
      if (!this.opened) {
        await this.writer.open();
        this.opened = true;
      }
      this.result = await this.writer.close();
    };
    run().then(() => done(), done);
  }
}
