/**
 * A File device: volumes are files in a directory, like a Bareos/Bacula File device's Archive Device.
 * The device argument of the CLI may also be one volume file's path.
 */
import { open, stat, readdir, type FileHandle } from 'node:fs/promises';
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
}
