/**
 * Data encryption in the simulated drive (spec scsi.md §2, §3, §8): real AES-256-GCM per block, the key
 * held only in the drive, the §8 read table (74/01, 74/02, 74/03), MIXED, RAW/EXTERNAL, CKOD, power
 * cycle, key instance counter, VCELB, PARAMETERS CONTROL, and the status pages that report it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeKads, encodeKads, KAD_TYPE } from '../../../src/devices/scsi/pages/kad.js';
import {
  decodeNextBlockEncryptionStatus,
  ENCRYPTION_STATUS,
} from '../../../src/devices/scsi/pages/spin-next-block.js';
import { decodeDataEncryptionStatus } from '../../../src/devices/scsi/pages/spin-status.js';
import {
  bareosClearKeyPage,
  bareosLoadKeyPage,
  encodeSetDataEncryption,
} from '../../../src/devices/scsi/pages/spout-sde.js';
import { RAW_BLOCK_OVERHEAD_BYTES } from '../../../src/devices/sim/drive-crypto.js';
import {
  TAPE_ENTRY_HEADER,
  TAPE_ENTRY_HEADER_BYTES,
  TAPE_IMAGE_HEADER_BYTES,
} from '../../../src/devices/sim/tape-image-format.js';
import { SimDrive, testKey } from '../../support/sim-drive.js';

const GOOD = 0;
const DATA_PROTECT = 7;
const ENCRYPT = 2;
const EXTERNAL = 1;
const DISABLE = 0;
const RAW = 1;
const DECRYPT = 2;
const MIXED = 3;

let d: SimDrive;
beforeEach(async () => {
  d = await SimDrive.open();
});
afterEach(async () => {
  await d.dispose();
});

const status = async () => decodeDataEncryptionStatus((await d.spin(0x20)).data);
const nextBlock = async () => decodeNextBlockEncryptionStatus((await d.spin(0x21)).data);
/** A recognisable plaintext: a marker repeated, so a grep of the image would find any copy of it. */
const secret = (i: number) => Buffer.from(`SECRET-PLAINTEXT-${i}-`.repeat(200));

describe('encrypting blocks', () => {
  it('writes ciphertext: the image holds no plaintext; the right key reads it back', async () => {
    expect((await d.setEncryption({ key: testKey(1) })).status).toBe(GOOD);
    for (let i = 0; i < 3; i++) expect((await d.write(secret(i))).status).toBe(GOOD);
    await d.writeFilemarks(1);
    const image = d.imageBytes();
    expect(image.includes('SECRET-PLAINTEXT')).toBe(false);
    expect(image.includes(Buffer.from(testKey(1)))).toBe(false);
    await d.rewind();
    for (let i = 0; i < 3; i++) {
      const r = await d.read(8192, true);
      expect(r.status).toBe(GOOD);
      expect(Buffer.from(r.data).equals(secret(i))).toBe(true);
    }
    await d.reopen();
    expect(d.imageBytes().includes('SECRET-PLAINTEXT')).toBe(false);
  });

  it('after Bareos CLEAR or a power cycle: 74/01; another key: 74/03; the right key again: data', async () => {
    await d.spoutRaw(
      encodeSetDataEncryption(bareosLoadKeyPage(Buffer.from('passphrase-one-for-the-test-1234'))),
    );
    await d.write(secret(1));
    await d.rewind();

    expect((await d.spoutRaw(encodeSetDataEncryption(bareosClearKeyPage()))).status).toBe(GOOD);
    let r = await d.read(8192, true);
    expect(r.sense).toMatchObject({ senseKey: DATA_PROTECT, asc: 0x74, ascq: 0x01 });
    expect(r.data.length).toBe(0);

    await d.spoutRaw(
      encodeSetDataEncryption(bareosLoadKeyPage(Buffer.from('another-passphrase-for-the-test!'))),
    );
    r = await d.read(8192, true);
    expect(r.sense).toMatchObject({ senseKey: DATA_PROTECT, asc: 0x74, ascq: 0x03 });

    await d.spoutRaw(
      encodeSetDataEncryption(bareosLoadKeyPage(Buffer.from('passphrase-one-for-the-test-1234'))),
    );
    r = await d.read(8192, true);
    expect(r.status).toBe(GOOD);
    expect(Buffer.from(r.data).equals(secret(1))).toBe(true);

    d.drive.powerCycle();
    expect((await d.testUnitReady()).sense).toMatchObject({ senseKey: 6, asc: 0x29, ascq: 0 });
    expect(d.drive.keyLoaded).toBe(false);
    r = await d.read(8192, true);
    expect(r.sense).toMatchObject({ senseKey: DATA_PROTECT, asc: 0x74, ascq: 0x01 });
  });

  it('a refused block is not passed: after loading the key the same block reads', async () => {
    await d.setEncryption();
    await d.write(secret(2));
    await d.rewind();
    await d.setEncryption({ encryptionMode: DISABLE, decryptionMode: DISABLE, key: new Uint8Array(0) });
    expect((await d.read(8192, true)).sense?.ascq).toBe(0x01);
    expect(d.drive.position).toBe(0);
    await d.setEncryption();
    expect((await d.read(8192, true)).status).toBe(GOOD);
  });

  it('DECRYPT refuses a plain block with 74/02; MIXED and DISABLE read plain and encrypted blocks', async () => {
    await d.write(Buffer.from('plain block'));
    await d.setEncryption({ decryptionMode: MIXED });
    await d.write(secret(3));
    await d.rewind();
    const both = async () => [await d.read(8192, true), await d.read(8192, true)];
    let [plain, enc] = await both();
    expect(Buffer.from(plain!.data).toString()).toBe('plain block');
    expect(Buffer.from(enc!.data).equals(secret(3))).toBe(true);

    await d.rewind();
    await d.setEncryption({ decryptionMode: DECRYPT });
    [plain, enc] = await both();
    expect(plain!.sense).toMatchObject({ senseKey: DATA_PROTECT, asc: 0x74, ascq: 0x02 });

    await d.rewind();
    await d.setEncryption({ encryptionMode: DISABLE, decryptionMode: DISABLE, key: new Uint8Array(0) });
    [plain, enc] = await both();
    expect(plain!.status).toBe(GOOD);
    expect(enc!.sense).toMatchObject({ senseKey: DATA_PROTECT, asc: 0x74, ascq: 0x01 });
  });

  it('RAW reads the encrypted block (key check + IV + ciphertext + tag); EXTERNAL writes it back, readable with the key', async () => {
    await d.setEncryption();
    await d.write(secret(4));
    await d.rewind();
    await d.setEncryption({ encryptionMode: EXTERNAL, decryptionMode: RAW, key: new Uint8Array(0) });
    const raw = await d.read(16384, true);
    expect(raw.status).toBe(GOOD);
    expect(raw.data.length).toBe(secret(4).length + RAW_BLOCK_OVERHEAD_BYTES);
    expect(Buffer.from(raw.data).includes('SECRET-PLAINTEXT')).toBe(false);
    expect((await d.write(raw.data)).status).toBe(GOOD);
    await d.rewind();
    await d.setEncryption();
    expect(Buffer.from((await d.read(16384, true)).data).equals(secret(4))).toBe(true);
    const copy = await d.read(16384, true);
    expect(Buffer.from(copy.data).equals(secret(4))).toBe(true);
    expect((await nextBlock()).encryptionStatus).toBe(ENCRYPTION_STATUS.NOT_AVAILABLE_NOW);
  });

  it('RAW refuses a block written with raw read disabled (RDMC 3) with 74/0A', async () => {
    await d.setEncryption({ rdmc: 3 });
    await d.write(secret(5));
    expect((await status()).rdmd).toBe(true);
    await d.rewind();
    expect((await nextBlock()).rdmds).toBe(true);
    await d.setEncryption({ encryptionMode: DISABLE, decryptionMode: RAW, key: new Uint8Array(0) });
    expect((await d.read(16384, true)).sense).toMatchObject({
      senseKey: DATA_PROTECT,
      asc: 0x74,
      ascq: 0x0a,
    });
  });

  it('a damaged ciphertext (tag mismatch) is 74/04 — told apart from another key', async () => {
    await d.setEncryption();
    await d.write(secret(6));
    await d.rewind();
    // Flip a ciphertext byte and fix the payload CRC, so only the GCM tag can notice.
    await d.transport.close();
    const img = readFileSync(d.path);
    const at = TAPE_IMAGE_HEADER_BYTES;
    const payloadAt = at + TAPE_ENTRY_HEADER_BYTES;
    img[payloadAt + 10]! ^= 0xff;
    const entry = TAPE_ENTRY_HEADER.decode(img, at);
    const header = TAPE_ENTRY_HEADER.encode({
      ...entry,
      payloadCrc: crc32(img.subarray(payloadAt, payloadAt + entry.payloadLength)),
      headerCrc: 0,
    });
    const crcAt = TAPE_ENTRY_HEADER.offsets.headerCrc!;
    new DataView(header.buffer).setUint32(crcAt, crc32(header.subarray(0, crcAt)));
    img.set(header, at);
    writeFileSync(d.path, img);
    await d.reopen();
    await d.setEncryption();
    expect((await d.read(16384, true)).sense).toMatchObject({
      senseKey: DATA_PROTECT,
      asc: 0x74,
      ascq: 0x04,
    });
  });
});

describe('key lifetime', () => {
  it('the key survives UNLOAD/LOAD (Bareos never sets CKOD)', async () => {
    await d.setEncryption();
    await d.write(secret(7));
    await d.unload();
    await d.load();
    await d.testUnitReady();
    expect(d.drive.keyLoaded).toBe(true);
    expect((await d.read(8192, true)).status).toBe(GOOD);
  });

  it('CKOD: the key and parameters are cleared at unload', async () => {
    await d.setEncryption({ ckod: true });
    await d.write(secret(8));
    await d.unload();
    expect(d.drive.keyLoaded).toBe(false);
    await d.load();
    await d.testUnitReady();
    const s = await status();
    expect(s).toMatchObject({ encryptionMode: DISABLE, decryptionMode: DISABLE });
    expect((await d.read(8192, true)).sense).toMatchObject({ senseKey: DATA_PROTECT, asc: 0x74, ascq: 0x01 });
  });

  it('no command returns the key: it is in no reply, no sense, and not in the image', async () => {
    const key = testKey(9);
    await d.setEncryption({ key });
    await d.write(secret(9));
    const replies = [
      await d.spin(0x20),
      await d.spin(0x21),
      await d.spin(0x10),
      await d.spin(0x00),
      await d.requestSense(),
      await d.logSense(0x2e),
    ];
    const needle = Buffer.from(key);
    for (const r of replies) {
      expect(Buffer.from(r.data).includes(needle)).toBe(false);
      expect(Buffer.from(r.rawSense).includes(needle)).toBe(false);
    }
    expect(d.imageBytes().includes(needle)).toBe(false);
  });
});

describe('Data Encryption Status (SPIN 0x0020)', () => {
  it('power-on: all disabled, counter 0, parameters control 0, page length 0x0014', async () => {
    const page = (await d.spin(0x20)).data;
    expect(page.length).toBe(24);
    expect(decodeDataEncryptionStatus(page)).toMatchObject({
      pageLength: 0x14,
      encryptionMode: 0,
      decryptionMode: 0,
      keyInstanceCounter: 0,
      parametersControl: 0,
      vcelb: false,
      kadFormat: 0,
      asdkCount: 0,
    });
  });

  it('key instance counter: +1 per accepted page including CLEAR, unchanged by a refused page and by unload/load', async () => {
    await d.setEncryption();
    expect((await status()).keyInstanceCounter).toBe(1);
    await d.spoutRaw(encodeSetDataEncryption(bareosClearKeyPage()));
    expect((await status()).keyInstanceCounter).toBe(2);
    expect((await d.setEncryption({ algorithmIndex: 0 })).status).not.toBe(GOOD);
    expect((await status()).keyInstanceCounter).toBe(2);
    await d.unload();
    await d.load();
    expect((await d.testUnitReady()).sense?.asc).toBe(0x28);
    expect((await status()).keyInstanceCounter).toBe(2);
    await d.setEncryption();
    expect((await status()).keyInstanceCounter).toBe(3);
  });

  it('reports modes, algorithm, SCOPE as set, PARAMETERS CONTROL 1 (application), CEEMS', async () => {
    for (const scope of [0, 1, 2]) {
      await d.setEncryption({ scope, ceem: 1 });
      expect(await status()).toMatchObject({
        itNexusScope: scope,
        encryptionMode: ENCRYPT,
        decryptionMode: MIXED,
        algorithmIndex: 1,
        parametersControl: 1,
        ceems: 1,
        rdmd: false,
      });
    }
  });

  it('VCELB: set once the tape holds an encrypted block, cleared when that block is overwritten', async () => {
    await d.write(Buffer.from('plain'));
    expect((await status()).vcelb).toBe(false);
    await d.setEncryption();
    await d.write(secret(10));
    expect((await status()).vcelb).toBe(true);
    await d.reopen();
    expect((await status()).vcelb).toBe(true);
    await d.read(100, true);
    await d.setEncryption({ encryptionMode: DISABLE, decryptionMode: DISABLE, key: new Uint8Array(0) });
    await d.write(Buffer.from('overwrites the encrypted block'));
    expect((await status()).vcelb).toBe(false);
  });

  it('echoes the KADs of the accepted page', async () => {
    const kads = [
      { keyDescriptorType: KAD_TYPE.U_KAD, authenticated: 0, keyDescriptor: Buffer.from('volume-key-0001') },
    ];
    await d.setEncryption({ kads });
    const s = await status();
    expect(s.kads).toHaveLength(1);
    expect(Buffer.from(s.kads[0]!.keyDescriptor).toString()).toBe('volume-key-0001');
    expect(s.pageLength).toBe(0x14 + encodeKads(kads).length);
  });
});

describe('Next Block Encryption Status (SPIN 0x0021)', () => {
  it('status per next object: 3 plain, 5 encrypted with the key, 6 without, 2 filemark, 1 end of data', async () => {
    await d.write(Buffer.from('plain'));
    const kads = [
      { keyDescriptorType: KAD_TYPE.A_KAD, authenticated: 0, keyDescriptor: Buffer.from('alias-01') },
    ];
    await d.setEncryption({ kads });
    await d.write(secret(11));
    await d.writeFilemarks(1);
    await d.rewind();
    expect(await nextBlock()).toMatchObject({
      logicalObjectNumber: 0,
      encryptionStatus: 3,
      compressionStatus: 3,
    });
    await d.read(100, true);
    const enc = await nextBlock();
    expect(enc).toMatchObject({
      logicalObjectNumber: 1,
      encryptionStatus: 5,
      algorithmIndex: 1,
      emes: false,
    });
    expect(
      enc.kads.map((k) => [k.keyDescriptorType, k.authenticated, Buffer.from(k.keyDescriptor).toString()]),
    ).toEqual([[KAD_TYPE.A_KAD, 3, 'alias-01']]);
    await d.setEncryption({ key: testKey(2) });
    expect((await nextBlock()).encryptionStatus).toBe(6);
    await d.setEncryption({ encryptionMode: DISABLE, decryptionMode: DISABLE, key: new Uint8Array(0) });
    expect((await nextBlock()).encryptionStatus).toBe(6);
    await d.space(0, 1);
    expect(await nextBlock()).toMatchObject({
      logicalObjectNumber: 2,
      encryptionStatus: 2,
      compressionStatus: 2,
    });
    await d.space(3, 0);
    expect(await nextBlock()).toMatchObject({ logicalObjectNumber: 3, encryptionStatus: 1 });
    expect(decodeKads(encodeKads(kads), 0, encodeKads(kads).length)).toHaveLength(1);
  });

  it('without a medium: GOOD, page length 0x000C, all zero (default); NOT READY 3A/00 or BLANK CHECK when chosen', async () => {
    await d.unload();
    const r = await d.spin(0x21);
    expect(r.status).toBe(GOOD);
    expect(Array.from(r.data)).toEqual([0, 0x21, 0, 0x0c, ...new Array<number>(12).fill(0)]);
    for (const [nbes, key] of [
      ['not-ready', 2],
      ['blank-check', 8],
    ] as const) {
      await d.reopen(`nbes=${nbes}`);
      await d.unload();
      expect((await d.spin(0x21)).sense?.senseKey).toBe(key);
    }
  });
});
