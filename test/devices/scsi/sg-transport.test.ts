/**
 * SgTransport (SG_IO through libsgutils2) without a SCSI device: the machines that run the tests have no
 * /dev/sg* or /dev/nst* (test-environment.md §4), so these are the error paths a real drive never shows, and
 * the `struct sg_io_hdr` table checked against the C header.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceError } from '../../../src/errors.js';
import { LIBSGUTILS } from '../../../src/devices/scsi/libsgutils.js';
import {
  SG_DXFER,
  SG_INTERFACE_ID,
  SG_IO_HEADER,
  SG_IO_HEADER_BYTES,
  decodeSgIoHeader,
  encodeSgIoHeader,
  sgIoFailed,
  type SgIoHeader,
} from '../../../src/devices/scsi/sg-io-header.js';
import { SgTransport } from '../../../src/devices/scsi/sg-transport.js';
import { compileLayoutProbe, gccWithHeader, systemLibrary } from '../../support/scsi-transport-system.js';
import { requireTool } from '../../support/system-tool.js';

const INSTALL = 'apt-get install sg3-utils libsgutils2-1.46-2';
const libsgutils = systemLibrary(LIBSGUTILS.sonames, INSTALL);
const INQUIRY = Uint8Array.of(0x12, 0, 0, 0, 96, 0);
/** uid and gid of `nobody` on Debian. */
const NOBODY = 65534;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
/** A fresh temp dir others may enter (the permission test runs a child as an unprivileged user). */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdpipe-sg-'));
  chmodSync(dir, 0o755);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
/** The rejection of `p` (fails the test when `p` resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e,
  );
}

describe.skipIf(libsgutils.skip)(`SgTransport error paths${libsgutils.skipNote}`, () => {
  beforeAll(() => void requireTool(libsgutils, INSTALL));

  it('a missing device: SDP_DEVICE_OPEN naming the path and ENOENT', async () => {
    const path = join(tempDir(), 'nst0');
    const e = await rejection(SgTransport.open(path));
    expect(e).toBeInstanceOf(DeviceError);
    expect(e).toMatchObject({
      code: 'SDP_DEVICE_OPEN',
      context: { device: path, errno: 2, errnoName: 'ENOENT' },
    });
  });

  it('a directory: SDP_DEVICE_OPEN naming the path and EISDIR', async () => {
    const path = tempDir();
    expect(await rejection(SgTransport.open(path))).toMatchObject({
      code: 'SDP_DEVICE_OPEN',
      context: { device: path, errnoName: 'EISDIR' },
    });
  });

  it('permission denied: SDP_DEVICE_OPEN naming the path and EACCES', async () => {
    const path = join(tempDir(), 'sg0');
    writeFileSync(path, '');
    chmodSync(path, 0o000);
    if (process.getuid?.() !== 0) {
      expect(await rejection(SgTransport.open(path))).toMatchObject({
        code: 'SDP_DEVICE_OPEN',
        context: { device: path, errno: 13, errnoName: 'EACCES' },
      });
      return;
    }
    // Root opens any file: ask an unprivileged user (nobody) to do it.
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('../../support/scsi-transport-sg-child.ts', import.meta.url)),
        path,
      ],
      {
        uid: NOBODY,
        gid: NOBODY,
        encoding: 'utf8',
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      },
    );
    expect(JSON.parse(out.trim())).toEqual({
      code: 'SDP_DEVICE_OPEN',
      context: { device: path, errno: 13, errnoName: 'EACCES' },
    });
  });

  it.each([
    ['a regular file', () => join(tempDir(), 'not-a-drive')],
    ['/dev/null', () => '/dev/null'],
  ])(
    '%s is no SCSI device: the SG_IO ioctl fails with SDP_SCSI_TRANSPORT naming the path and ENOTTY',
    async (_what, make) => {
      const path = make();
      if (path !== '/dev/null') writeFileSync(path, 'not a tape');
      const t = await SgTransport.open(path);
      try {
        const e = await rejection(t.execute({ cdb: INQUIRY, direction: 'in', allocationLength: 96 }));
        expect(e).toBeInstanceOf(DeviceError);
        expect(e).toMatchObject({
          code: 'SDP_SCSI_TRANSPORT',
          context: { device: path, errno: 25, errnoName: 'ENOTTY' },
        });
        // The transport stays usable for the next command (which fails the same way).
        expect(
          await rejection(t.execute({ cdb: INQUIRY, direction: 'in', allocationLength: 96 })),
        ).toMatchObject({
          code: 'SDP_SCSI_TRANSPORT',
        });
      } finally {
        await t.close();
      }
    },
  );

  it('a malformed command is refused before any ioctl, and a closed transport refuses everything', async () => {
    const path = join(tempDir(), 'not-a-drive');
    writeFileSync(path, '');
    const t = await SgTransport.open(path);
    expect(await rejection(t.execute({ cdb: new Uint8Array(17), direction: 'none' }))).toMatchObject({
      code: 'SDP_SCSI_COMMAND',
      context: { device: path },
    });
    expect(
      await rejection(t.execute({ cdb: INQUIRY, direction: 'out', allocationLength: 96 })),
    ).toMatchObject({ code: 'SDP_SCSI_COMMAND' });
    await t.close();
    await t.close();
    expect(await rejection(t.execute({ cdb: INQUIRY, direction: 'in', allocationLength: 96 }))).toMatchObject(
      {
        code: 'SDP_SCSI_TRANSPORT',
        context: { device: path },
      },
    );
  });
});

describe('SgTransport without libsgutils2', () => {
  it('fails with SDP_DEVICE_OPEN naming the library and the Debian package', async () => {
    const e = await rejection(
      SgTransport.open('/dev/nst0', {
        library: { sonames: ['libsgutils2-not-installed.so.2'], debianPackage: 'libsgutils2-1.46-2' },
      }),
    );
    expect(e).toBeInstanceOf(DeviceError);
    expect(e).toMatchObject({
      code: 'SDP_DEVICE_OPEN',
      context: {
        device: '/dev/nst0',
        library: 'libsgutils2-not-installed.so.2',
        package: 'libsgutils2-1.46-2',
      },
    });
  });
});

describe('struct sg_io_hdr layout', () => {
  it('is 88 bytes with the offsets of scsi.md §6', () => {
    expect(SG_IO_HEADER_BYTES).toBe(88);
    expect(SG_IO_HEADER.offsets).toEqual({
      interface_id: 0,
      dxfer_direction: 4,
      cmd_len: 8,
      mx_sb_len: 9,
      iovec_count: 10,
      dxfer_len: 12,
      dxferp: 16,
      cmdp: 24,
      sbp: 32,
      timeout: 40,
      flags: 44,
      pack_id: 48,
      padding: 52,
      usr_ptr: 56,
      status: 64,
      masked_status: 65,
      msg_status: 66,
      sb_len_wr: 67,
      host_status: 68,
      driver_status: 70,
      resid: 72,
      duration: 76,
      info: 80,
      trailing_padding: 84,
    });
  });

  const INSTALL_GCC = 'apt-get install gcc libc6-dev';
  const gcc = gccWithHeader('/usr/include/scsi/sg.h', INSTALL_GCC);
  it.skipIf(gcc.skip)(`matches <scsi/sg.h> as compiled by gcc, field by field${gcc.skipNote}`, () => {
    const cc = requireTool(gcc, INSTALL_GCC);
    const isHole = (name: string) => name === 'padding' || name === 'trailing_padding';
    const fields = SG_IO_HEADER.fields.map((f) => f.name).filter((f) => !isHole(f));
    const c = compileLayoutProbe(cc, '#include <scsi/sg.h>\n', 'struct sg_io_hdr', fields);
    expect(c.size).toBe(SG_IO_HEADER_BYTES);
    expect(c.offsets).toEqual(Object.fromEntries(fields.map((f) => [f, SG_IO_HEADER.offsets[f]])));
    expect(c.sizes).toEqual(
      Object.fromEntries(
        SG_IO_HEADER.fields.filter((f) => !isHole(f.name)).map((f) => [f.name, f.type.size]),
      ),
    );
  });

  const header = fc.record({
    interface_id: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    dxfer_direction: fc.constantFrom(...Object.values(SG_DXFER)),
    cmd_len: fc.integer({ min: 0, max: 255 }),
    mx_sb_len: fc.integer({ min: 0, max: 255 }),
    iovec_count: fc.integer({ min: 0, max: 0xffff }),
    dxfer_len: fc.nat({ max: 2 ** 32 - 1 }),
    dxferp: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    cmdp: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    sbp: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    timeout: fc.nat({ max: 2 ** 32 - 1 }),
    flags: fc.nat({ max: 2 ** 32 - 1 }),
    pack_id: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    padding: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    usr_ptr: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    status: fc.integer({ min: 0, max: 255 }),
    masked_status: fc.integer({ min: 0, max: 255 }),
    msg_status: fc.integer({ min: 0, max: 255 }),
    sb_len_wr: fc.integer({ min: 0, max: 255 }),
    host_status: fc.integer({ min: 0, max: 0xffff }),
    driver_status: fc.integer({ min: 0, max: 0xffff }),
    resid: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    duration: fc.nat({ max: 2 ** 32 - 1 }),
    info: fc.nat({ max: 2 ** 32 - 1 }),
    trailing_padding: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  }) satisfies fc.Arbitrary<SgIoHeader>;

  it('decode(encode(h)) is h, and encode(decode(b)) is b', () => {
    fc.assert(
      fc.property(header, (h) => {
        expect(decodeSgIoHeader(encodeSgIoHeader(h))).toEqual(h);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 88, maxLength: 88 }), (b) => {
        expect(encodeSgIoHeader(decodeSgIoHeader(b))).toEqual(b);
      }),
    );
  });

  it('encodes the fields Bareos sets for a SECURITY PROTOCOL IN, little-endian', () => {
    const h: SgIoHeader = {
      ...decodeSgIoHeader(new Uint8Array(88)),
      interface_id: SG_INTERFACE_ID,
      dxfer_direction: SG_DXFER.FROM_DEV,
      cmd_len: 12,
      mx_sb_len: 127,
      dxfer_len: 8196,
      info: 1,
    };
    const b = encodeSgIoHeader(h);
    expect([...b.subarray(0, 16)]).toEqual([
      0x53, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff, 12, 127, 0, 0, 0x04, 0x20, 0, 0,
    ]);
    expect(sgIoFailed(h)).toBe(true);
    expect(() => decodeSgIoHeader(b.subarray(0, 87))).toThrow(
      expect.objectContaining({ code: 'SDP_LAYOUT_SHORT' }),
    );
  });
});
