/**
 * A simulated drive in a temporary directory for tests (src/devices/sim): opens `sim:<dir>/tape.img?…`
 * through the transport registry, sends CDBs built with cdb.ts and decodes the sense with sense.ts, so
 * every test reads like the host's side of the wire.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cdb from '../../src/devices/scsi/cdb.js';
import { decodeSense, type Sense } from '../../src/devices/scsi/sense.js';
import { openTransport } from '../../src/devices/scsi/transports.js';
import type { DataDirection } from '../../src/devices/scsi/transport.js';
import {
  encodeSetDataEncryption,
  type SetDataEncryptionPage,
} from '../../src/devices/scsi/pages/spout-sde.js';
import { SimTransport } from '../../src/devices/sim/sim-transport.js';
import type { LtoDrive } from '../../src/devices/sim/lto-drive.js';

/** What came back, with the sense decoded. */
export interface SimReply {
  readonly status: number;
  readonly sense: Sense | undefined;
  readonly rawSense: Uint8Array;
  readonly data: Uint8Array;
  readonly residual: number;
}

/** A 32-byte AES-256 key whose bytes depend on `seed`. */
export const testKey = (seed: number): Uint8Array =>
  Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i * 7) & 0xff);

/** An SDE page with Bareos' defaults, overridden by `over`. */
export function sdePage(over: Partial<SetDataEncryptionPage> = {}): SetDataEncryptionPage {
  return {
    scope: 2,
    lock: false,
    ceem: 0,
    rdmc: 0,
    sdk: false,
    ckod: false,
    ckorp: false,
    ckorl: false,
    encryptionMode: 2,
    decryptionMode: 3,
    algorithmIndex: 1,
    keyFormat: 0,
    kadFormat: 0,
    key: testKey(1),
    kads: [],
    ...over,
  };
}

/** A block whose bytes depend on `seed` (a block read back in the wrong place is noticed). */
export function patternBlock(seed: number, bytes: number): Uint8Array {
  const b = new Uint8Array(bytes);
  let x = (seed + 1) * 2654435761;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** One simulated drive on a fresh image in its own temporary directory. */
export class SimDrive {
  private constructor(
    readonly dir: string,
    readonly path: string,
    readonly query: string,
    public transport: SimTransport,
  ) {}

  /** A new drive; `query` is the `?…` part of the spec without the `?` (e.g. `personality=ibm`). */
  static async open(query = ''): Promise<SimDrive> {
    const dir = mkdtempSync(join(tmpdir(), 'sdpipe-sim-'));
    const path = join(dir, 'tape.img');
    return new SimDrive(dir, path, query, await SimDrive.connect(path, query));
  }

  private static async connect(path: string, query: string): Promise<SimTransport> {
    const t = await openTransport(`sim:${path}${query ? `?${query}` : ''}`);
    if (!(t instanceof SimTransport)) throw new Error('sim: did not give a SimTransport');
    return t;
  }

  /** The drive behind the transport (fault injection, cartridge, power). */
  get drive(): LtoDrive {
    return this.transport.drive;
  }

  /** Closes the drive and opens a new one on the same image (a restart), with `query` (default the same). */
  async reopen(query = this.query): Promise<void> {
    await this.transport.close();
    this.transport = await SimDrive.connect(this.path, query);
  }

  /** The image file's bytes. */
  imageBytes(): Buffer {
    return readFileSync(this.path);
  }

  /** Closes the drive and removes the directory. */
  async dispose(): Promise<void> {
    await this.transport.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Sends a CDB. */
  async run(
    bytes: Uint8Array,
    { dataOut, allocationLength }: { dataOut?: Uint8Array; allocationLength?: number } = {},
  ): Promise<SimReply> {
    const direction: DataDirection = dataOut ? 'out' : allocationLength !== undefined ? 'in' : 'none';
    const r = await this.transport.execute({
      cdb: bytes,
      direction,
      ...(dataOut ? { dataOut } : {}),
      ...(allocationLength !== undefined ? { allocationLength } : {}),
    });
    return {
      status: r.status,
      sense: r.sense.length ? decodeSense(r.sense) : undefined,
      rawSense: r.sense,
      // A plain Uint8Array view (the drive may hand out Buffers), so toEqual compares bytes only.
      data: new Uint8Array(r.dataIn.buffer, r.dataIn.byteOffset, r.dataIn.length),
      residual: r.residual,
    };
  }

  testUnitReady = () => this.run(cdb.testUnitReady());
  rewind = () => this.run(cdb.rewind());
  write = (data: Uint8Array) => this.run(cdb.write6({ transferLength: data.length }), { dataOut: data });
  writeFixed = (data: Uint8Array, blocks: number) =>
    this.run(cdb.write6({ transferLength: blocks, fixed: true }), { dataOut: data });
  read = (bytes: number, sili = false) =>
    this.run(cdb.read6({ transferLength: bytes, sili }), { allocationLength: bytes });
  readFixed = (blocks: number, blockLength: number) =>
    this.run(cdb.read6({ transferLength: blocks, fixed: true }), { allocationLength: blocks * blockLength });
  writeFilemarks = (count: number, immed = false) =>
    this.run(cdb.writeFilemarks6({ transferLength: count, immed }));
  space = (code: number, count: number) => this.run(cdb.space6({ code, count }));
  readPosition = () => this.run(cdb.readPosition(), { allocationLength: 20 });
  load = () => this.run(cdb.loadUnload({ load: true }));
  unload = () => this.run(cdb.loadUnload({ load: false }));
  requestSense = (allocationLength = 252) =>
    this.run(cdb.requestSense({ allocationLength }), { allocationLength });
  logSense = (pageCode: number, allocationLength = 2048) =>
    this.run(cdb.logSense({ pageCode, allocationLength }), { allocationLength });
  spin = (page: number, protocol = 0x20, allocationLength = 8196) =>
    this.run(
      cdb.securityProtocolIn({
        securityProtocol: protocol,
        securityProtocolSpecific: page,
        allocationLength,
      }),
      { allocationLength },
    );
  spoutRaw = (bytes: Uint8Array) =>
    this.run(
      cdb.securityProtocolOut({
        securityProtocol: 0x20,
        securityProtocolSpecific: 0x10,
        transferLength: bytes.length,
      }),
      { dataOut: bytes },
    );
  setEncryption = (over: Partial<SetDataEncryptionPage> = {}) =>
    this.spoutRaw(encodeSetDataEncryption(sdePage(over)));
}
