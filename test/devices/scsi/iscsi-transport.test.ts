/**
 * IscsiTransport against a real SSC tape LUN served by a private tgtd on 127.0.0.1 (test-environment.md
 * §1–§3). CDBs are raw bytes here (spec scsi.md §7) and sense bytes are read raw (fixed format, §4): this
 * file tests the transport, not the CDB builders or the sense decoder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { DeviceError, SdpipeError } from '../../../src/errors.js';
import { IscsiTransport } from '../../../src/devices/scsi/iscsi-transport.js';
import { parseIscsiUrl } from '../../../src/devices/scsi/iscsi-url.js';
import { LIBISCSI_STATUS, libiscsiTypes } from '../../../src/devices/scsi/libiscsi.js';
import { openTransport, transportFor, transportForms } from '../../../src/devices/scsi/transports.js';
import type { ScsiResult } from '../../../src/devices/scsi/transport.js';
import { compileLayoutProbe, gccWithHeader } from '../../support/scsi-transport-system.js';
import { requireTool } from '../../support/system-tool.js';
import { startTgt, tgtEnvironment, TGT_TARGET, type Tgt } from '../../support/tgt.js';

// ---- raw CDBs (scsi.md §7) -------------------------------------------------------------------------------
const be24 = (n: number) => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const TEST_UNIT_READY = Uint8Array.of(0x00, 0, 0, 0, 0, 0);
const REWIND = Uint8Array.of(0x01, 0, 0, 0, 0, 0);
const inquiry = (alloc: number) => Uint8Array.of(0x12, 0, 0, alloc >> 8, alloc & 0xff, 0);
const read6 = (bytes: number) => Uint8Array.of(0x08, 0, ...be24(bytes), 0);
const write6 = (bytes: number) => Uint8Array.of(0x0a, 0, ...be24(bytes), 0);
const writeFilemarks = (n: number) => Uint8Array.of(0x10, 0, ...be24(n), 0);
/** SPACE(6): code 0 blocks, 1 filemarks, 3 end of data; count is signed 24-bit. */
const space = (code: number, count: number) => Uint8Array.of(0x11, code, ...be24(count & 0xffffff), 0);
const SPACE_BLOCKS = 0;
const SPACE_FILEMARKS = 1;
const SPACE_END_OF_DATA = 3;
/** SECURITY PROTOCOL IN, protocol 0x20 (tape data encryption), page 0x0020, allocation 8196 (scsi.md §1). */
const SPIN_DATA_ENCRYPTION_STATUS = Uint8Array.of(0xa2, 0x20, 0x00, 0x20, 0, 0, 0, 0, 0x20, 0x04, 0, 0);

// ---- raw fixed-format sense (scsi.md §4) -----------------------------------------------------------------
const raw = (s: Uint8Array) => ({
  valid: ((s[0] ?? 0) & 0x80) !== 0,
  responseCode: (s[0] ?? 0) & 0x7f,
  filemark: ((s[2] ?? 0) & 0x80) !== 0,
  eom: ((s[2] ?? 0) & 0x40) !== 0,
  ili: ((s[2] ?? 0) & 0x20) !== 0,
  key: (s[2] ?? 0) & 0x0f,
  information: new DataView(s.buffer, s.byteOffset, s.byteLength).getInt32(3),
  asc: s[12],
  ascq: s[13],
});
const GOOD = 0x00;
const CHECK_CONDITION = 0x02;
const NO_SENSE = 0x0;
const ILLEGAL_REQUEST = 0x5;
const UNIT_ATTENTION = 0x6;
const BLANK_CHECK = 0x8;

/** A block whose bytes depend on its index, so a block read back in the wrong place is noticed. */
function block(index: number, bytes: number): Uint8Array {
  const b = new Uint8Array(bytes);
  let x = (index + 1) * 2654435761;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** The koffi instance the bindings use (same module cache), for sizeof/offsetof of their types. */
const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');

const mbPerSecond = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);

describe('iSCSI drive URLs', () => {
  it('parses portal, target and LUN, and leaves the password out of the display name', () => {
    expect(parseIscsiUrl(`iscsi://127.0.0.1:3262/${TGT_TARGET}/1`)).toEqual({
      portal: '127.0.0.1:3262',
      host: '127.0.0.1',
      port: 3262,
      target: TGT_TARGET,
      lun: 1,
      display: `iscsi://127.0.0.1:3262/${TGT_TARGET}/1`,
    });
    const chap = parseIscsiUrl('iscsi://backup%s3cret@[::1]/iqn.2000-01.com.example:lto/2');
    expect(chap).toMatchObject({ portal: '[::1]:3260', user: 'backup', password: 's3cret', lun: 2 });
    expect(chap.display).toBe('iscsi://backup@[::1]:3260/iqn.2000-01.com.example:lto/2');
  });

  it.each(['iscsi://host/iqn.x', 'iscsi://host:0/iqn.x/1', 'iscsi://host/iqn.x/one', 'iscsi:///iqn.x/1'])(
    'rejects %s with a usage error naming the form',
    (url) => {
      const e = (() => {
        try {
          parseIscsiUrl(url);
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(SdpipeError);
      expect(e).toMatchObject({ code: 'SDP_USAGE', context: { device: url } });
    },
  );

  it('never puts a password into a usage error', () => {
    expect(() => parseIscsiUrl('iscsi://u%pw@host/iqn.x')).toThrow(
      expect.objectContaining({ context: { device: 'iscsi://u@host/iqn.x' } }) as Error,
    );
  });
});

describe('transport registry', () => {
  it.each([
    ['iscsi://127.0.0.1:3262/iqn.2026-01.test.local:tape0/1', 'iscsi'],
    ['/dev/sg0', 'sg'],
    ['/dev/nst0', 'sg'],
    ['/dev/st12', 'sg'],
    ['/dev/nst0l', 'sg'],
  ])('picks the transport for %s', (spec, name) => {
    expect(transportFor(spec).name).toBe(name);
  });

  it('rejects an unknown drive spec with a usage error naming every form', async () => {
    await expect(openTransport('/dev/sda')).rejects.toMatchObject({
      code: 'SDP_USAGE',
      context: { device: '/dev/sda', forms: transportForms().join(', ') },
    });
    expect(transportForms()).toEqual(expect.arrayContaining(['/dev/sgN', '/dev/nstN', '/dev/stN']));
    expect(transportForms().some((f) => f.startsWith('iscsi://'))).toBe(true);
  });
});

describe('libiscsi struct layouts', () => {
  it('match the sizes and offsets of test-environment.md §3', () => {
    const { scsiTask, scsiSense } = libiscsiTypes();
    expect(koffi.sizeof(scsiTask)).toBe(176);
    expect(koffi.sizeof(scsiSense)).toBe(16);
    expect({
      status: koffi.offsetof(scsiTask, 'status'),
      residual: koffi.offsetof(scsiTask, 'residual'),
      sense: koffi.offsetof(scsiTask, 'sense'),
      datain: koffi.offsetof(scsiTask, 'datain'),
    }).toEqual({ status: 0, residual: 40, sense: 48, datain: 64 });
  });

  const INSTALL_DEV = 'apt-get install gcc libiscsi-dev';
  const gcc = gccWithHeader('/usr/include/iscsi/scsi-lowlevel.h', INSTALL_DEV);
  it.skipIf(gcc.skip)(`match the C header, field by field${gcc.skipNote}`, () => {
    const cc = requireTool(gcc, INSTALL_DEV);
    const { scsiTask } = libiscsiTypes();
    const fields = Object.keys(koffi.introspect(scsiTask).members ?? {});
    const c = compileLayoutProbe(
      cc,
      '#include <stddef.h>\n#include <stdint.h>\n#include <iscsi/scsi-lowlevel.h>\n',
      'struct scsi_task',
      fields,
    );
    expect(c.size).toBe(koffi.sizeof(scsiTask));
    expect(c.offsets).toEqual(Object.fromEntries(fields.map((f) => [f, koffi.offsetof(scsiTask, f)])));
  });
});

describe.skipIf(tgtEnvironment.skip)(
  `IscsiTransport against tgt's virtual tape drive${tgtEnvironment.skipNote}`,
  () => {
    let tgt: Tgt;
    let drive: IscsiTransport;
    const run = (cdb: Uint8Array, extra: { dataOut?: Uint8Array; allocationLength?: number } = {}) =>
      drive.execute({
        cdb,
        direction: extra.dataOut ? 'out' : extra.allocationLength !== undefined ? 'in' : 'none',
        ...extra,
      });
    const good = async (cdb: Uint8Array, extra: { dataOut?: Uint8Array; allocationLength?: number } = {}) => {
      const r = await run(cdb, extra);
      expect(r.status, `sense ${Buffer.from(r.sense).toString('hex')}`).toBe(GOOD);
      return r;
    };
    /** Rewinds, writes `records` (a number = that many filemarks) and rewinds again. */
    const writeTape = async (records: (Uint8Array | number)[]) => {
      await good(REWIND);
      for (const r of records) {
        await (typeof r === 'number' ? good(writeFilemarks(r)) : good(write6(r.length), { dataOut: r }));
      }
      await good(REWIND);
    };

    beforeAll(async () => {
      tgt = await startTgt();
      drive = await IscsiTransport.open(tgt.url(1));
    });
    afterAll(async () => {
      await drive?.close();
      await tgt?.stop();
    });

    it('INQUIRY: sequential-access device (PDT 1), vendor IET, 66 bytes with the residual', async () => {
      const r = await good(inquiry(96), { allocationLength: 96 });
      expect(r.dataIn.length).toBe(66);
      expect(r.residual).toBe(96 - 66);
      expect((r.dataIn[0] ?? 0) & 0x1f).toBe(0x01);
      expect(Buffer.from(r.dataIn.subarray(8, 16)).toString('latin1')).toBe('IET     ');
      expect(Buffer.from(r.dataIn.subarray(16, 32)).toString('latin1')).toBe('VIRTUAL-TAPE    ');
      expect(r.sense.length).toBe(0);
    });

    it('TEST UNIT READY and REWIND: GOOD, no data, no sense', async () => {
      for (const cdb of [TEST_UNIT_READY, REWIND]) {
        expect(await run(cdb)).toEqual({
          status: GOOD,
          sense: new Uint8Array(0),
          dataIn: new Uint8Array(0),
          residual: 0,
        });
      }
    });

    it('writes variable blocks of 512 B, 64 KiB and 1 MiB and a filemark, and reads them back identically', async () => {
      const blocks = [block(0, 512), block(1, 64 * 1024), block(2, 1024 * 1024)];
      const copies = blocks.map((b) => b.slice());
      await writeTape([...blocks, 1]);
      // The caller's buffers are neither detached nor changed.
      blocks.forEach((b, i) => expect(Buffer.compare(b, copies[i]!)).toBe(0));
      for (const b of blocks) {
        const r = await good(read6(b.length), { allocationLength: b.length });
        expect(r.residual).toBe(0);
        expect(Buffer.compare(r.dataIn, b)).toBe(0);
      }

      // On the filemark: CHECK CONDITION, NO SENSE 00/01 FILEMARK DETECTED, FILEMARK bit, VALID + residue.
      const fm = await run(read6(4096), { allocationLength: 4096 });
      expect(fm.status).toBe(CHECK_CONDITION);
      expect(raw(fm.sense)).toMatchObject({
        filemark: true,
        key: NO_SENSE,
        asc: 0x00,
        ascq: 0x01,
        valid: true,
      });
      expect(raw(fm.sense).information).toBe(4096);

      // At end of data: BLANK CHECK (tgt: 00/00 with EOM; real drives 00/05 END-OF-DATA DETECTED).
      const eod = await run(read6(4096), { allocationLength: 4096 });
      expect(eod.status).toBe(CHECK_CONDITION);
      expect(raw(eod.sense)).toMatchObject({ key: BLANK_CHECK, asc: 0x00 });
      expect([0x00, 0x05]).toContain(raw(eod.sense).ascq);
    });

    it('a read longer than the block: CHECK with ILI, the residue in the sense, the block in the data', async () => {
      const short = block(3, 1000);
      await writeTape([short, 1]);
      const r = await run(read6(4096), { allocationLength: 4096 });
      expect(r.status).toBe(CHECK_CONDITION);
      expect(raw(r.sense)).toMatchObject({ ili: true, valid: true, key: NO_SENSE, information: 4096 - 1000 });
      expect(Buffer.compare(r.dataIn.subarray(0, 1000), short)).toBe(0);
      // tgt 1.0.85 reports the block length (1000) as the iSCSI residual and sends request − block bytes
      // (the block, then zeros); the transport passes that on unchanged. Only the sense INFORMATION is exact.
      expect(r.dataIn.length + r.residual).toBe(4096);
      expect(r.residual).toBeGreaterThan(0);
    });

    it('a read shorter than the block: CHECK with ILI and a negative residue, position after the block', async () => {
      const big = block(4, 1024 * 1024);
      const next = block(5, 4096);
      await writeTape([big, next]);
      const r = await run(read6(64 * 1024), { allocationLength: 64 * 1024 });
      expect(r.status).toBe(CHECK_CONDITION);
      expect(raw(r.sense)).toMatchObject({ ili: true, valid: true, information: 64 * 1024 - 1024 * 1024 });
      // Whatever arrived is the start of the block. tgt 1.0.85 sends nothing here (iSCSI residual = the whole
      // request) where an SSC drive sends the first 64 KiB; the transport passes on what the target did.
      expect(r.dataIn.length + r.residual).toBe(64 * 1024);
      expect(Buffer.compare(r.dataIn, big.subarray(0, r.dataIn.length))).toBe(0);
      const after = await good(read6(4096), { allocationLength: 4096 });
      expect(Buffer.compare(after.dataIn, next)).toBe(0);
    });

    it('SPACE over filemarks, over blocks and to end of data', async () => {
      const recs = [0, 1, 2, 3, 4].map((i) => block(10 + i, 2048));
      await writeTape([recs[0]!, recs[1]!, recs[2]!, 1, recs[3]!, recs[4]!, 1]);
      const readsBack = async (expected: Uint8Array) => {
        const r = await good(read6(2048), { allocationLength: 2048 });
        expect(Buffer.compare(r.dataIn, expected)).toBe(0);
      };
      await good(space(SPACE_FILEMARKS, 1));
      await readsBack(recs[3]!);
      await good(REWIND);
      await good(space(SPACE_BLOCKS, 2));
      await readsBack(recs[2]!);
      await good(space(SPACE_BLOCKS, -2));
      await readsBack(recs[1]!);
      await good(space(SPACE_END_OF_DATA, 0));
      const eod = await run(read6(2048), { allocationLength: 2048 });
      expect(eod.status).toBe(CHECK_CONDITION);
      expect(raw(eod.sense).key).toBe(BLANK_CHECK);
    });

    it('SECURITY PROTOCOL IN: CHECK CONDITION ILLEGAL REQUEST 20/00, returned as raw sense, not thrown', async () => {
      const r = await run(SPIN_DATA_ENCRYPTION_STATUS, { allocationLength: 8196 });
      expect(r.status).toBe(CHECK_CONDITION);
      expect(r.sense.length).toBeGreaterThanOrEqual(18);
      expect(raw(r.sense)).toMatchObject({ responseCode: 0x70, key: ILLEGAL_REQUEST, asc: 0x20, ascq: 0x00 });
    });

    it('the event loop keeps running while 64 MiB are written and read back (throughput printed)', async () => {
      const BLOCK_BYTES = 256 * 1024;
      const BLOCKS = 256;
      const blocks = Array.from({ length: BLOCKS }, (_, i) => block(100 + i, BLOCK_BYTES));
      let inFlight = false;
      let ticksInFlight = 0;
      // A timer callback can only see inFlight === true if it ran while a command was outstanding, i.e.
      // while the drive worked: a blocking call would resolve before any timer got a turn.
      const timer = setInterval(() => (ticksInFlight += inFlight ? 1 : 0), 1);
      try {
        await good(REWIND);
        const t0 = performance.now();
        for (const b of blocks) {
          inFlight = true;
          const r = await run(write6(BLOCK_BYTES), { dataOut: b });
          inFlight = false;
          expect(r.status).toBe(GOOD);
        }
        const writeMs = performance.now() - t0;
        await good(writeFilemarks(1));
        await good(REWIND);
        const t1 = performance.now();
        let bad = 0;
        for (const b of blocks) {
          inFlight = true;
          const r = await run(read6(BLOCK_BYTES), { allocationLength: BLOCK_BYTES });
          inFlight = false;
          if (r.status !== GOOD || Buffer.compare(r.dataIn, b) !== 0) bad++;
        }
        const readMs = performance.now() - t1;
        expect(bad).toBe(0);
        expect(ticksInFlight).toBeGreaterThan(0);
        const bytes = BLOCK_BYTES * BLOCKS;
        console.log(
          `iSCSI to tgt, 256 KiB blocks, 64 MiB: WRITE(6) ${mbPerSecond(bytes, writeMs)} MB/s, ` +
            `READ(6) ${mbPerSecond(bytes, readMs)} MB/s; timer ticks while commands were in flight: ${ticksInFlight}`,
        );
      } finally {
        clearInterval(timer);
      }
    });

    it('a malformed command is refused before it reaches the drive', async () => {
      await expect(drive.execute({ cdb: Uint8Array.of(0, 0, 0), direction: 'none' })).rejects.toMatchObject({
        code: 'SDP_SCSI_COMMAND',
        context: { device: tgt.url(1) },
      });
      await expect(
        drive.execute({ cdb: TEST_UNIT_READY, direction: 'none', dataOut: new Uint8Array(1) }),
      ).rejects.toMatchObject({ code: 'SDP_SCSI_COMMAND' });
      await good(TEST_UNIT_READY); // and the connection is still fine
    });

    it('commands on several drives of one target run side by side', async () => {
      const url = await tgt.addTape();
      const second = await IscsiTransport.open(url);
      // tgt tells sessions that were logged in when a LUN was added: UNIT ATTENTION 3F/0E (REPORTED LUNS
      // DATA HAS CHANGED), once, on their next command.
      const tur = await drive.execute({ cdb: TEST_UNIT_READY, direction: 'none' });
      if (tur.status !== GOOD) {
        expect(raw(tur.sense)).toMatchObject({ key: UNIT_ATTENTION, asc: 0x3f, ascq: 0x0e });
        await good(TEST_UNIT_READY);
      }
      const both = async (f: (t: IscsiTransport, i: number) => Promise<ScsiResult>) => {
        const results = await Promise.all([drive, second].map(f));
        for (const r of results) expect(r.status, `sense ${Buffer.from(r.sense).toString('hex')}`).toBe(GOOD);
        return results;
      };
      try {
        const blocks = [block(200, 4096), block(201, 4096)];
        await both((t) => t.execute({ cdb: REWIND, direction: 'none' }));
        await both((t, i) => t.execute({ cdb: write6(4096), direction: 'out', dataOut: blocks[i]! }));
        await both((t) => t.execute({ cdb: REWIND, direction: 'none' }));
        const read = await both((t) =>
          t.execute({ cdb: read6(4096), direction: 'in', allocationLength: 4096 }),
        );
        expect(read.map((r) => r.dataIn)).toEqual(blocks);
      } finally {
        await second.close();
      }
    });

    it('login to a target that does not exist fails with SDP_DEVICE_OPEN naming the URL', async () => {
      const url = `iscsi://127.0.0.1:${tgt.port}/iqn.2026-01.test.local:no-such-target/1`;
      await expect(IscsiTransport.open(url)).rejects.toMatchObject({
        name: 'DeviceError',
        code: 'SDP_DEVICE_OPEN',
        context: { device: url },
      });
    });

    it('a connection refused fails with SDP_DEVICE_OPEN naming the URL', async () => {
      const port = await closedPort();
      const url = `iscsi://127.0.0.1:${port}/${TGT_TARGET}/1`;
      const e = await IscsiTransport.open(url).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(DeviceError);
      expect(e).toMatchObject({ code: 'SDP_DEVICE_OPEN', context: { device: url } });
    });

    it('a closed transport refuses further commands', async () => {
      const t = await IscsiTransport.open(tgt.url(1));
      await t.close();
      await t.close(); // closing twice is harmless
      await expect(t.execute({ cdb: TEST_UNIT_READY, direction: 'none' })).rejects.toMatchObject({
        code: 'SDP_SCSI_TRANSPORT',
      });
    });
  },
);

describe.skipIf(tgtEnvironment.skip)(
  `IscsiTransport when the target goes away${tgtEnvironment.skipNote}`,
  () => {
    it('a lost connection is SDP_SCSI_TRANSPORT, and the connection is not used again', async () => {
      const tgt = await startTgt();
      const drive = await IscsiTransport.open(tgt.url(1));
      try {
        expect((await drive.execute({ cdb: TEST_UNIT_READY, direction: 'none' })).status).toBe(GOOD);
        await tgt.stop();
        await expect(drive.execute({ cdb: TEST_UNIT_READY, direction: 'none' })).rejects.toMatchObject({
          code: 'SDP_SCSI_TRANSPORT',
          context: { device: tgt.url(1) },
        });
        await expect(drive.execute({ cdb: TEST_UNIT_READY, direction: 'none' })).rejects.toMatchObject({
          code: 'SDP_SCSI_TRANSPORT',
        });
      } finally {
        await drive.close();
        await tgt.stop();
      }
    });
  },
);

describe.skipIf(tgtEnvironment.skip)(
  `IscsiTransport when the target stalls${tgtEnvironment.skipNote}`,
  () => {
    it('a command past its timeout is SDP_SCSI_TRANSPORT, and the connection is not used again', async () => {
      const tgt = await startTgt();
      const drive = await IscsiTransport.open(tgt.url(1));
      try {
        process.kill(tgt.pid, 'SIGSTOP'); // our own tgtd only: it stops answering
        const e = await drive
          .execute({ cdb: TEST_UNIT_READY, direction: 'none', timeoutMs: 1000 })
          .catch((x: unknown) => x);
        process.kill(tgt.pid, 'SIGCONT');
        expect(e).toBeInstanceOf(DeviceError);
        expect(e).toMatchObject({
          code: 'SDP_SCSI_TRANSPORT',
          context: { device: tgt.url(1), libiscsiStatus: LIBISCSI_STATUS.TIMEOUT },
        });
        await expect(drive.execute({ cdb: TEST_UNIT_READY, direction: 'none' })).rejects.toMatchObject({
          code: 'SDP_SCSI_TRANSPORT',
        });
      } finally {
        process.kill(tgt.pid, 'SIGCONT');
        await drive.close();
        await tgt.stop();
      }
    });
  },
);

describe('IscsiTransport without libiscsi', () => {
  it('fails with SDP_DEVICE_OPEN naming the library and the Debian package', async () => {
    const url = `iscsi://127.0.0.1:3260/${TGT_TARGET}/1`;
    const e = await IscsiTransport.open(url, {
      library: { sonames: ['libiscsi-not-installed.so.7'], debianPackage: 'libiscsi7' },
    }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DeviceError);
    expect(e).toMatchObject({
      code: 'SDP_DEVICE_OPEN',
      context: { device: url, library: 'libiscsi-not-installed.so.7', package: 'libiscsi7' },
    });
  });

  it('names libiscsi.so.7 and libiscsi7 by default', async () => {
    const { LIBISCSI } = await import('../../../src/devices/scsi/libiscsi.js');
    expect(LIBISCSI).toEqual({ sonames: ['libiscsi.so.7'], debianPackage: 'libiscsi7' });
  });
});

// ---- helpers -----------------------------------------------------------------------------------------------

/** A loopback TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}
