/**
 * Volume labels (VOL_LABEL / PRE_LABEL) and session labels (SOS_LABEL / EOS_LABEL).
 * See spec volume-format.md §3.5 and §3.6. Readers accept Bareos "2.0"/VerNum 20 and Bacula "1.0"/VerNum 11.
 */
import { VolumeFormatError, type Where } from '../errors.js';
import { cstring, f64be, field, i64be, layout, u32be, u64be, type ValueOf } from '../layout.js';

/** Label flavours sdpipe reads and writes. */
export const LABEL_FLAVOURS = {
  bareos: { id: 'Bareos 2.0 immortal\n', verNum: 20 },
  bacula: { id: 'Bacula 1.0 immortal\n', verNum: 11 },
} as const;
export type LabelFlavour = keyof typeof LABEL_FLAVOURS;

/** Volume label payload (§3.5) up to ProgDate; Bacula ≥ 8 appends {@link BACULA_LABEL_TAIL}. */
export const VOLUME_LABEL = layout('VolumeLabel', [
  field('id', cstring),
  field('verNum', u32be),
  field('labelBtime', i64be),
  field('writeBtime', i64be),
  field('writeDate', f64be),
  field('writeTime', f64be),
  field('volumeName', cstring),
  field('prevVolumeName', cstring),
  field('poolName', cstring),
  field('poolType', cstring),
  field('mediaType', cstring),
  field('hostName', cstring),
  field('labelProg', cstring),
  field('progVersion', cstring),
  field('progDate', cstring),
]);
/** The 21 bytes Bacula ≥ 8 writes after ProgDate (all zero on the fixtures). */
export const BACULA_LABEL_TAIL = layout('BaculaLabelTail', [
  field('alignedVolumeName', cstring),
  field('firstData', u64be),
  field('fileAlignment', u32be),
  field('paddingSize', u32be),
  field('blockSize', u32be),
]);
export type VolumeLabel = ValueOf<typeof VOLUME_LABEL>;

/** Session label payload common to SOS and EOS (§3.6). */
export const SESSION_LABEL = layout('SessionLabel', [
  field('id', cstring),
  field('verNum', u32be),
  field('jobId', u32be),
  field('writeBtime', i64be),
  field('writeTime', f64be),
  field('poolName', cstring),
  field('poolType', cstring),
  field('jobName', cstring),
  field('clientName', cstring),
  field('job', cstring),
  field('fileSetName', cstring),
  field('jobType', u32be),
  field('jobLevel', u32be),
  field('fileSetMd5', cstring),
]);
/** Fields the EOS label appends (§3.6). */
export const EOS_TAIL = layout('EosTail', [
  field('jobFiles', u32be),
  field('jobBytes', u64be),
  field('startBlock', u32be),
  field('endBlock', u32be),
  field('startFile', u32be),
  field('endFile', u32be),
  field('jobErrors', u32be),
  field('jobStatus', u32be),
]);
export type SessionLabel = ValueOf<typeof SESSION_LABEL>;
export type EosTail = ValueOf<typeof EOS_TAIL>;
export type EndSessionLabel = SessionLabel & EosTail;

function checkVersion(id: string, verNum: number, where: Where): void {
  const ok = Object.values(LABEL_FLAVOURS).some((f) => f.id === id && f.verNum === verNum);
  if (!ok) {
    throw new VolumeFormatError(
      'SDP_LABEL_VERSION',
      `unsupported label ${JSON.stringify(id)} VerNum ${verNum}`,
      {
        ...where,
        verNum,
      },
    );
  }
}

/** Decodes a volume label record's data; unknown trailing bytes after ProgDate are ignored (§3.5). */
export function decodeVolumeLabel(data: Uint8Array, where: Where): VolumeLabel {
  const label = VOLUME_LABEL.decode(data, 0, where);
  checkVersion(label.id, label.verNum, where);
  return label;
}

/** Encodes a volume label in the given flavour (Bacula appends its 21-byte zero tail). */
export function encodeVolumeLabel(label: VolumeLabel, flavour: LabelFlavour): Uint8Array {
  const head = VOLUME_LABEL.encode(label);
  if (flavour === 'bareos') return head;
  const tail = BACULA_LABEL_TAIL.encode({
    alignedVolumeName: '',
    firstData: 0,
    fileAlignment: 0,
    paddingSize: 0,
    blockSize: 0,
  });
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** Decodes an SOS label record's data. */
export function decodeSessionLabel(data: Uint8Array, where: Where): SessionLabel {
  const label = SESSION_LABEL.decode(data, 0, where);
  checkVersion(label.id, label.verNum, where);
  return label;
}

/** Decodes an EOS label record's data (the session fields plus the counters). */
export function decodeEndSessionLabel(data: Uint8Array, where: Where): EndSessionLabel {
  const [label, end] = SESSION_LABEL.decodeWithEnd(data, 0, where);
  checkVersion(label.id, label.verNum, where);
  return { ...label, ...EOS_TAIL.decode(data, end, where) };
}

export const encodeSessionLabel = (label: SessionLabel): Uint8Array => SESSION_LABEL.encode(label);
export function encodeEndSessionLabel(label: EndSessionLabel): Uint8Array {
  const head = SESSION_LABEL.encode(label);
  const tail = EOS_TAIL.encode(label);
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** The most microseconds either side of the epoch that a Date can hold (±8.64e15 ms). */
const MAX_DATE_MICROS = 8.64e18;

/** A label btime (microseconds since the epoch) as a Date; undefined when no Date can hold it (damage). */
export function btimeDate(btimeMicros: number): Date | undefined {
  return Math.abs(btimeMicros) <= MAX_DATE_MICROS ? new Date(btimeMicros / 1000) : undefined;
}

/**
 * SDP_LABEL_FORMAT for a label time that no date can hold, else undefined. The rest of such a label is
 * still good (the volume and its sessions are read), so callers report this and go on without the time.
 */
export function labelTimeError(
  btimeMicros: number,
  field: string,
  where: Where,
): VolumeFormatError | undefined {
  if (btimeDate(btimeMicros)) return undefined;
  return new VolumeFormatError('SDP_LABEL_FORMAT', `label ${field} is out of range`, {
    ...where,
    field,
    value: btimeMicros,
  });
}

/** A JobType/JobLevel u32 holds an ASCII code (`B`, `F`, `I`). */
export const codeChar = (n: number): string => (n > 0 && n < 128 ? String.fromCharCode(n) : String(n));
