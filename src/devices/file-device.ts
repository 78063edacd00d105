/**
 * A File device: volumes are files in a directory, like a Bareos/Bacula File device's Archive Device.
 * The device argument of the CLI may also be one volume file's path.
 */
import { open, stat, readdir, type FileHandle } from 'node:fs/promises';
import type { VolumeSink } from '../volume/volume-sink.js';
import {
  BLOCK_HEADER_V1,
  BLOCK_HEADER_V1_BYTES,
  BLOCK_HEADER_V2_BYTES,
  MAX_BLOCK_BYTES,
} from '../volume/block-header.js';
import { basename, dirname, join } from 'node:path';
import { DeviceError } from '../errors.js';
import type { ByteSource } from '../volume/byte-source.js';

/** One volume file opened for reading. */
export class VolumeFile implements ByteSource {
  private constructor(
    readonly name: string,
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(name: string, path: string): Promise<VolumeFile> {
    try {
      return new VolumeFile(name, path, await open(path, 'r'));
    } catch (e) {
      throw deviceError(e, path, name);
    }
  }

  async read(buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    try {
      const { bytesRead } = await this.fh.read(buf, offset, length, position);
      return bytesRead;
    } catch (e) {
      throw new DeviceError(
        'SDP_DEVICE_IO',
        `read failed: ${(e as Error).message}`,
        {
          volume: this.name,
          file: this.path,
          offset: position,
        },
        { cause: e },
      );
    }
  }

  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

function deviceError(e: unknown, path: string, volume?: string): DeviceError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new DeviceError(
      'SDP_VOLUME_NOT_FOUND',
      `no such volume file`,
      { file: path, volume },
      { cause: e },
    );
  }
  return new DeviceError(
    'SDP_DEVICE_OPEN',
    `cannot open: ${(e as Error).message}`,
    { file: path, volume },
    { cause: e },
  );
}

/** A directory of volume files (or a single volume file given by path). */
export class FileDevice {
  private constructor(
    /** The Archive Device directory. */
    readonly directory: string,
    /** Set when the device argument named one volume file. */
    readonly singleVolume: string | undefined,
  ) {}

  /** Opens a device from a CLI argument: a directory, or the path of one volume file. */
  static async open(path: string): Promise<FileDevice> {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      throw deviceError(e, path);
    }
    if (st.isDirectory()) return new FileDevice(path, undefined);
    return new FileDevice(dirname(path), basename(path));
  }

  /** Volume names to read when the operator gave none: the named file, or every file in the directory. */
  async defaultVolumes(): Promise<string[]> {
    if (this.singleVolume) return [this.singleVolume];
    const entries = await readdir(this.directory, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  }

  /** The file path of a volume. */
  volumePath(volume: string): string {
    return join(this.directory, volume);
  }

  /** Opens a volume by name for reading. */
  openVolume = (volume: string): Promise<VolumeFile> => VolumeFile.open(volume, this.volumePath(volume));

  /** True when a volume file of that name exists. */
  async hasVolume(volume: string): Promise<boolean> {
    try {
      return (await stat(this.volumePath(volume))).isFile();
    } catch {
      return false;
    }
  }

  /** Creates a new volume file, or opens an existing one at its end to append. */
  openVolumeForWrite = async (volume: string): Promise<VolumeFileSink> =>
    (await this.hasVolume(volume))
      ? VolumeFileSink.append(volume, this.volumePath(volume))
      : VolumeFileSink.create(volume, this.volumePath(volume));
}

/** A volume file opened for writing: created new, or opened at its end to append a session. */
export class VolumeFileSink implements VolumeSink {
  private constructor(
    readonly name: string,
    readonly path: string,
    private readonly fh: FileHandle,
    /** Bytes on the volume (the next write goes here). */
    public size: number,
  ) {}

  /** Creates a new volume file; an existing file is never overwritten (SDP_DEVICE_OPEN). */
  static async create(name: string, path: string): Promise<VolumeFileSink> {
    try {
      return new VolumeFileSink(name, path, await open(path, 'wx', 0o640), 0);
    } catch (e) {
      throw deviceError(e, path, name);
    }
  }

  /** Opens an existing volume file to append at its end. */
  static async append(name: string, path: string): Promise<VolumeFileSink> {
    try {
      const fh = await open(path, 'r+');
      return new VolumeFileSink(name, path, fh, (await fh.stat()).size);
    } catch (e) {
      throw deviceError(e, path, name);
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    try {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done, this.size + done);
        done += bytesWritten;
      }
      this.size += bytes.length;
    } catch (e) {
      throw new DeviceError(
        'SDP_DEVICE_IO',
        `write failed: ${(e as Error).message}`,
        {
          volume: this.name,
          file: this.path,
          offset: this.size,
        },
        { cause: e },
      );
    }
  }

  /** The block at offset 0 (its length comes from its header), or undefined on a blank volume. */
  async readLabelBlock(): Promise<Uint8Array | undefined> {
    if (this.size === 0) return undefined;
    const head = new Uint8Array(BLOCK_HEADER_V2_BYTES);
    const { bytesRead } = await this.fh.read(head, 0, head.length, 0);
    if (bytesRead < BLOCK_HEADER_V1_BYTES) return head.subarray(0, bytesRead);
    const length = Math.min(BLOCK_HEADER_V1.decode(head).length, this.size, MAX_BLOCK_BYTES);
    const block = new Uint8Array(Math.max(length, bytesRead));
    const got = await this.fh.read(block, 0, block.length, 0);
    return block.subarray(0, got.bytesRead);
  }

  async close(): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
  }
}
