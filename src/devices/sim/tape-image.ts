/**
 * The simulated cartridge: a tape image file (format: tape-image-format.ts) and its index, rebuilt by
 * walking the entry headers on open. Writing anywhere but at end of data truncates the image there first:
 * like a real drive, a write makes the new object the last one on the tape (SSC: a write sets end of data).
 *
 * Durability: every append is one positioned `writev` into the file (in the OS page cache as soon as the
 * call returns, so a crash of the process loses nothing). `fsync` follows the {@link SyncPolicy}: `flush`
 * (default) at the drive's synchronisation points — WRITE FILEMARKS without IMMED, REWIND, SPACE, LOAD/
 * UNLOAD, MODE SELECT, a READ after a WRITE, a power cycle, close — like a drive emptying its buffer to
 * tape; `always` after every object; `never` leaves it to the OS (benchmarks on throw-away images).
 */
import {
  closeSync,
  unlinkSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { DeviceError } from '../../errors.js';
import {
  DEFAULT_CAPACITY_BYTES,
  defaultEarlyWarningBytes,
  GCM_IV_BYTES,
  GCM_TAG_BYTES,
  KEY_CHECK_BYTES,
  TAPE_ENTRY_HEADER,
  TAPE_ENTRY_HEADER_BYTES,
  TAPE_ENTRY_KIND,
  TAPE_ENTRY_MAGIC,
  TAPE_IMAGE_HEADER,
  TAPE_IMAGE_HEADER_BYTES,
  TAPE_IMAGE_MAGIC,
  TAPE_IMAGE_VERSION,
  type NewObject,
  type SyncPolicy,
  type TapeEntry,
  type TapeImageOptions,
} from './tape-image-format.js';

const IMAGE_HEADER_BYTES = TAPE_IMAGE_HEADER_BYTES;
const ENTRY_CRC_AT = TAPE_ENTRY_HEADER.offsets.headerCrc!;
const IMAGE_CRC_AT = TAPE_IMAGE_HEADER.offsets.headerCrc!;
const ZERO8 = new Uint8Array(KEY_CHECK_BYTES);
const ZERO12 = new Uint8Array(GCM_IV_BYTES);
const ZERO16 = new Uint8Array(GCM_TAG_BYTES);
const EMPTY = new Uint8Array(0);

/** Images open in this process: a cartridge is in one drive at a time. */
const OPEN_IMAGES = new Set<string>();

const damaged = (path: string, message: string, extra: Record<string, number> = {}) =>
  new DeviceError('SDP_SIM_IMAGE_FORMAT', message, { file: path, ...extra });

/** A tape image file opened by the simulated drive. One process holds it at a time. */
export class TapeImage {
  private readonly entries: TapeEntry[] = [];
  private fd: number | undefined;
  private dirty = false;
  private encryptedBlocks = 0;
  /** Bytes after end of data (a torn tail) are still in the file: the next write cuts them off. */
  private tornTail: boolean;

  private constructor(
    /** Image file path. */
    readonly path: string,
    fd: number,
    /** Capacity: medium bytes up to the physical end of the partition. */
    readonly capacityBytes: number,
    /** Medium bytes after which a write reports early warning. */
    readonly earlyWarningBytes: number,
    /** Cartridge barcode (volume serial). */
    readonly barcode: string,
    /** The cartridge's write-protect tab. */
    readonly writeProtected: boolean,
    private readonly sync: SyncPolicy,
    /** Bytes after the last whole entry that were found on open (a torn tail; overwritten by the next write). */
    readonly discardedTailBytes: number,
    private end: number,
  ) {
    this.fd = fd;
    this.tornTail = discardedTailBytes > 0;
  }

  /** Opens `path`, creating an empty image when it is missing (unless `mustExist`); rebuilds the index. */
  static open(path: string, options: TapeImageOptions = {}): TapeImage {
    const key = resolve(path);
    if (OPEN_IMAGES.has(key))
      throw new DeviceError('SDP_DEVICE_OPEN', 'tape image is already in a simulated drive', { file: path });
    const image = TapeImage.openFile(path, options);
    OPEN_IMAGES.add(key);
    return image;
  }

  private static openFile(path: string, options: TapeImageOptions): TapeImage {
    let fd: number;
    let created = false;
    let header: Uint8Array | undefined;
    try {
      fd = openSync(path, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || options.mustExist)
        throw new DeviceError('SDP_DEVICE_OPEN', 'tape image cannot be opened', { file: path }, { cause: e });
      header = TapeImage.newHeader(options);
      try {
        fd = openSync(path, 'wx+', 0o600);
        created = true;
      } catch (e2) {
        throw new DeviceError(
          'SDP_DEVICE_OPEN',
          'tape image cannot be created',
          { file: path },
          { cause: e2 },
        );
      }
    }
    try {
      if (created && header) {
        writeSync(fd, header, 0, header.length, 0);
        fsyncSync(fd);
      }
      return TapeImage.load(path, fd, options.sync ?? 'flush');
    } catch (e) {
      closeSync(fd);
      if (created) unlinkSync(path);
      throw e;
    }
  }

  /** The header of a new image; SDP_CONFIG for a capacity that is not a positive byte count. */
  private static newHeader(o: TapeImageOptions): Uint8Array {
    const capacityBytes = o.capacityBytes ?? DEFAULT_CAPACITY_BYTES;
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes <= 0)
      throw new DeviceError('SDP_CONFIG', 'tape image capacity must be a positive number of bytes', {
        capacityBytes,
      });
    const distance = Math.min(
      capacityBytes,
      o.earlyWarningDistanceBytes ?? defaultEarlyWarningBytes(capacityBytes),
    );
    const header = TAPE_IMAGE_HEADER.encode({
      magic: TAPE_IMAGE_MAGIC,
      version: TAPE_IMAGE_VERSION,
      headerBytes: IMAGE_HEADER_BYTES,
      capacityBytes,
      earlyWarningBytes: capacityBytes - distance,
      barcode: (o.barcode ?? '').slice(0, 16),
      writeProtected: o.writeProtected ?? false,
      headerCrc: 0,
    });
    new DataView(header.buffer).setUint32(IMAGE_CRC_AT, crc32(header.subarray(0, IMAGE_CRC_AT)));
    return header;
  }

  private static load(path: string, fd: number, sync: SyncPolicy): TapeImage {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(IMAGE_HEADER_BYTES);
    if (size < IMAGE_HEADER_BYTES || readSync(fd, head, 0, IMAGE_HEADER_BYTES, 0) !== IMAGE_HEADER_BYTES)
      throw damaged(path, 'not an sdpipe tape image (shorter than its header)', { length: size });
    const h = TAPE_IMAGE_HEADER.decode(head, 0, { file: path });
    if (h.magic !== TAPE_IMAGE_MAGIC) throw damaged(path, 'not an sdpipe tape image (magic)');
    if (h.version !== TAPE_IMAGE_VERSION || h.headerBytes !== IMAGE_HEADER_BYTES)
      throw damaged(path, 'unsupported tape image version', { version: h.version });
    if (h.headerCrc !== crc32(head.subarray(0, IMAGE_CRC_AT)))
      throw damaged(path, 'tape image header checksum mismatch');
    const entries: TapeEntry[] = [];
    const hb = new Uint8Array(TAPE_ENTRY_HEADER_BYTES);
    let at = IMAGE_HEADER_BYTES;
    let mediumEnd = 0;
    let filemarks = 0;
    for (;;) {
      if (at + TAPE_ENTRY_HEADER_BYTES > size) break;
      if (readSync(fd, hb, 0, TAPE_ENTRY_HEADER_BYTES, at) !== TAPE_ENTRY_HEADER_BYTES) break;
      const e = TAPE_ENTRY_HEADER.decode(hb);
      const valid =
        e.magic === TAPE_ENTRY_MAGIC &&
        e.headerCrc === crc32(hb.subarray(0, ENTRY_CRC_AT)) &&
        (e.kind === TAPE_ENTRY_KIND.BLOCK || e.kind === TAPE_ENTRY_KIND.FILEMARK);
      const next = at + TAPE_ENTRY_HEADER_BYTES + e.kadLength + e.payloadLength;
      if (!valid || next > size) break;
      let kad = EMPTY;
      if (e.kadLength > 0) {
        kad = new Uint8Array(e.kadLength);
        readSync(fd, kad, 0, e.kadLength, at + TAPE_ENTRY_HEADER_BYTES);
      }
      mediumEnd += e.payloadLength;
      entries.push({
        kind: e.kind === TAPE_ENTRY_KIND.BLOCK ? 'block' : 'filemark',
        offset: at,
        payloadLength: e.payloadLength,
        payloadCrc: e.payloadCrc,
        kad,
        encryption: e.encrypted
          ? {
              external: e.external,
              rawReadDisabled: e.rawReadDisabled,
              keyCheck: e.keyCheck,
              iv: e.iv,
              tag: e.tag,
            }
          : undefined,
        mediumEnd,
        filemarksBefore: filemarks,
      });
      if (e.kind === TAPE_ENTRY_KIND.FILEMARK) filemarks++;
      at = next;
    }
    const image = new TapeImage(
      path,
      fd,
      h.capacityBytes,
      Math.min(h.earlyWarningBytes, h.capacityBytes),
      h.barcode.replace(/\0+$/, ''),
      h.writeProtected,
      sync,
      size - at,
      at,
    );
    image.entries.push(...entries);
    image.encryptedBlocks = entries.filter((e) => e.encryption !== undefined).length;
    return image;
  }

  /** Number of logical objects; the end-of-data position. */
  get length(): number {
    return this.entries.length;
  }

  /** The object at position `i` (0-based), or undefined at end of data. */
  entry(i: number): TapeEntry | undefined {
    return this.entries[i];
  }

  /** Medium bytes used before position `i`. */
  mediumBytesBefore(i: number): number {
    return i <= 0 ? 0 : (this.entries[Math.min(i, this.entries.length) - 1]?.mediumEnd ?? 0);
  }

  /** Filemarks before position `i` (the SSC logical file identifier of that position). */
  filemarksBefore(i: number): number {
    const e = this.entries[i];
    if (e) return e.filemarksBefore;
    const last = this.entries[this.entries.length - 1];
    return last ? last.filemarksBefore + (last.kind === 'filemark' ? 1 : 0) : 0;
  }

  /** True when some block on the tape is encrypted (DES VCELB, spec scsi.md §8). */
  holdsEncryptedBlocks(): boolean {
    return this.encryptedBlocks > 0;
  }

  /**
   * Writes `object` at position `at`: everything from `at` on is cut off first (the new object becomes the
   * last one, SSC end of data), then it is appended with one positioned write.
   */
  write(at: number, object: NewObject): void {
    const fd = this.openFd();
    if (at < this.entries.length) {
      const cut = this.entries[at]!.offset;
      for (let i = at; i < this.entries.length; i++) if (this.entries[i]!.encryption) this.encryptedBlocks--;
      this.entries.length = at;
      this.end = cut;
      ftruncateSync(fd, cut);
      this.tornTail = false;
    } else if (at === this.entries.length && this.tornTail) {
      ftruncateSync(fd, this.end);
    } else if (at > this.entries.length) {
      throw new DeviceError('SDP_INTERNAL', 'tape write past end of data', { blockNumber: at });
    }
    const isBlock = object.kind === 'block';
    const payload = isBlock ? object.payload : EMPTY;
    const kad = (isBlock ? object.kad : undefined) ?? EMPTY;
    const enc = isBlock ? object.encryption : undefined;
    const payloadCrc = crc32(payload);
    const header = TAPE_ENTRY_HEADER.encode({
      magic: TAPE_ENTRY_MAGIC,
      kind: isBlock ? TAPE_ENTRY_KIND.BLOCK : TAPE_ENTRY_KIND.FILEMARK,
      rawReadDisabled: enc?.rawReadDisabled ?? false,
      external: enc?.external ?? false,
      encrypted: enc !== undefined,
      kadLength: kad.length,
      payloadLength: payload.length,
      payloadCrc,
      keyCheck: enc?.keyCheck ?? ZERO8,
      iv: enc?.iv ?? ZERO12,
      tag: enc?.tag ?? ZERO16,
      headerCrc: 0,
    });
    new DataView(header.buffer).setUint32(ENTRY_CRC_AT, crc32(header.subarray(0, ENTRY_CRC_AT)));
    const parts = [header, kad, payload].filter((p) => p.length > 0);
    const total = header.length + kad.length + payload.length;
    // A short writev (disk full) leaves a torn tail that the next open ignores; report it as an I/O error.
    const written = writevSync(fd, parts, this.end);
    if (written !== total)
      throw new DeviceError('SDP_DEVICE_IO', 'tape image write was cut short', {
        file: this.path,
        offset: this.end,
      });
    const previous = this.entries[this.entries.length - 1];
    this.entries.push({
      kind: object.kind,
      offset: this.end,
      payloadLength: payload.length,
      payloadCrc,
      kad: kad.length > 0 ? Uint8Array.prototype.slice.call(kad) : EMPTY,
      encryption: enc
        ? {
            external: enc.external,
            rawReadDisabled: enc.rawReadDisabled,
            keyCheck: Uint8Array.prototype.slice.call(enc.keyCheck),
            iv: Uint8Array.prototype.slice.call(enc.iv),
            tag: Uint8Array.prototype.slice.call(enc.tag),
          }
        : undefined,
      mediumEnd: (previous?.mediumEnd ?? 0) + payload.length,
      filemarksBefore: this.filemarksBefore(this.entries.length),
    });
    this.end += total;
    this.tornTail = false;
    if (enc) this.encryptedBlocks++;
    this.dirty = true;
    if (this.sync === 'always') this.flush();
  }

  /**
   * Reads the stored payload of block `i` (ciphertext for an encrypted block). Returns undefined when the
   * bytes no longer match their CRC (a damaged image: the drive reports an unrecovered read error).
   */
  readPayload(i: number): Buffer | undefined {
    const e = this.entries[i];
    if (!e || e.kind !== 'block') throw new DeviceError('SDP_INTERNAL', 'not a block', { blockNumber: i });
    const out = Buffer.allocUnsafe(e.payloadLength);
    const got = readSync(
      this.openFd(),
      out,
      0,
      e.payloadLength,
      e.offset + TAPE_ENTRY_HEADER_BYTES + e.kad.length,
    );
    if (got !== e.payloadLength || crc32(out) !== e.payloadCrc) return undefined;
    return out;
  }

  /** Forces appended objects to stable storage (the drive's buffer flush). No-op when nothing changed. */
  flush(): void {
    if (!this.dirty || this.fd === undefined) return;
    if (this.sync !== 'never') fsyncSync(this.fd);
    this.dirty = false;
  }

  /** Flushes and closes the file. Idempotent. */
  close(): void {
    if (this.fd === undefined) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
      OPEN_IMAGES.delete(resolve(this.path));
    }
  }

  private openFd(): number {
    if (this.fd === undefined)
      throw new DeviceError('SDP_DEVICE_IO', 'tape image is closed', { file: this.path });
    return this.fd;
  }
}
