/**
 * SECURITY PROTOCOL OUT validation and SECURITY PROTOCOL IN pages of the simulated drive (spec scsi.md
 * §1-§3, §8): every refused Set Data Encryption page gets ILLEGAL REQUEST 26/00 with the field pointer at
 * the first bad byte (the stenc PR #28 example byte for byte), Bareos' pages are accepted, the support,
 * capabilities and management pages, and library-managed encryption.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { securityProtocolIn, securityProtocolOut } from '../../../src/devices/scsi/cdb.js';
import { KAD_TYPE, type Kad } from '../../../src/devices/scsi/pages/kad.js';
import { decodeDataEncryptionCapabilities } from '../../../src/devices/scsi/pages/spin-capabilities.js';
import { decodeDataEncryptionStatus } from '../../../src/devices/scsi/pages/spin-status.js';
import {
  decodeCertificate,
  decodeSupportedPages,
  decodeSupportedProtocols,
} from '../../../src/devices/scsi/pages/spin-support.js';
import { bareosClearKeyPage, encodeSetDataEncryption } from '../../../src/devices/scsi/pages/spout-sde.js';
import { SimDrive, patternBlock, sdePage } from '../../support/sim-drive.js';

const GOOD = 0;
const CHECK = 2;

let d: SimDrive;
beforeEach(async () => {
  d = await SimDrive.open();
});
afterEach(async () => {
  await d.dispose();
});

/** Sends `bytes` as an SDE page and expects 26/00 pointing at `fieldPointer`, `bitPointer`. */
async function refused(bytes: Uint8Array, fieldPointer: number, bitPointer = 7): Promise<void> {
  const r = await d.spoutRaw(bytes);
  expect(r.status).toBe(CHECK);
  expect(r.sense).toMatchObject({
    senseKey: 5,
    asc: 0x26,
    ascq: 0,
    sksv: true,
    cd: false,
    bpv: true,
    fieldPointer,
    bitPointer,
  });
  expect(decodeDataEncryptionStatus((await d.spin(0x20)).data).keyInstanceCounter).toBe(0);
}
const page = (over: Parameters<typeof sdePage>[0] = {}) => encodeSetDataEncryption(sdePage(over));
const patched = (bytes: Uint8Array, at: number, value: number) => {
  const b = Uint8Array.from(bytes);
  b[at] = value;
  return b;
};
const kad = (keyDescriptorType: number, length: number, authenticated = 0): Kad => ({
  keyDescriptorType,
  authenticated,
  keyDescriptor: new Uint8Array(length).fill(0x41),
});

describe('Set Data Encryption validation (26/00 + field pointer)', () => {
  it('algorithm index 0: exactly the 24-byte sense of stenc PR #28 (HP personality)', async () => {
    const r = await d.spoutRaw(page({ algorithmIndex: 0 }));
    expect(r.status).toBe(CHECK);
    expect(Array.from(r.rawSense)).toEqual([
      0x70, 0, 0x05, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0x26, 0x00, 0, 0x8f, 0x00, 0x08, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it('algorithm index 10 (stenc PR #30) → byte 8', () => refused(page({ algorithmIndex: 10 }), 8));
  it('page code ≠ 0x0010 → byte 0', () => refused(patched(page(), 1, 0x11), 0));
  it('PAGE LENGTH < 16 → byte 2', () => refused(patched(page(), 3, 15), 2));
  it('PAGE LENGTH past the data → byte 2', () => refused(patched(page(), 3, 0x31), 2));
  it('SCOPE 3 → byte 4 bit 7', () => refused(page({ scope: 3 }), 4, 7));
  it('a reserved bit of byte 4 → byte 4, that bit', () => refused(patched(page(), 4, 0x40 | 0x04), 4, 2));
  it('RDMC 1 (reserved) → byte 5 bit 5', () => refused(page({ rdmc: 1 }), 5, 5));
  it('SDK → byte 5 bit 3', () => refused(page({ sdk: true }), 5, 3));
  it('CKORP → byte 5 bit 1', () => refused(page({ ckorp: true }), 5, 1));
  it('ENCRYPTION MODE 3 → byte 6', () => refused(page({ encryptionMode: 3 }), 6));
  it('DECRYPTION MODE 4 → byte 7', () => refused(page({ decryptionMode: 4 }), 7));
  it('KEY FORMAT 1 → byte 9', () => refused(page({ keyFormat: 1 }), 9));
  it('KAD FORMAT 3 → byte 10', () => refused(page({ kadFormat: 3 }), 10));
  it('a reserved byte (12) → byte 12', () => refused(patched(page(), 12, 0x01), 12, 0));
  it('ENCRYPT without a key → byte 18 (KEY LENGTH)', () => refused(page({ key: new Uint8Array(0) }), 18));
  it('MIXED with a 16-byte key → byte 18', () =>
    refused(page({ encryptionMode: 0, key: new Uint8Array(16) }), 18));
  it('a nonce KAD (not supported) → its type byte', () =>
    refused(page({ kads: [kad(KAD_TYPE.NONCE, 8)] }), 52));
  it('a KAD with byte 1 ≠ 0 → that byte, its highest set bit', () =>
    refused(page({ kads: [kad(KAD_TYPE.U_KAD, 4, 2)] }), 53, 1));
  it('a U-KAD over 32 bytes → its length field', () =>
    refused(page({ kads: [kad(KAD_TYPE.U_KAD, 33)] }), 54));
  it('an A-KAD over 12 bytes → its length field', () =>
    refused(page({ kads: [kad(KAD_TYPE.A_KAD, 13)] }), 54));
  it('two U-KADs → the second type byte', () =>
    refused(page({ kads: [kad(KAD_TYPE.U_KAD, 4), kad(KAD_TYPE.U_KAD, 4)] }), 60));
  it('a KAD running past the page → its length field', async () => {
    const b = page({ kads: [kad(KAD_TYPE.U_KAD, 4)] });
    await refused(patched(b, 55, 9), 54);
  });
  it('several problems: the first byte is reported', () =>
    refused(page({ algorithmIndex: 0, scope: 5, keyFormat: 2 }), 4));

  it('SSC-3 layout (ssc3=1): a non-zero byte 10 is refused', async () => {
    expect((await d.setEncryption({ kadFormat: 2 })).status).toBe(GOOD);
    await d.reopen('ssc3=1');
    const r = await d.setEncryption({ kadFormat: 1 });
    expect(r.sense).toMatchObject({ senseKey: 5, asc: 0x26, fieldPointer: 10, bitPointer: 7 });
  });

  it('a parameter list shorter than the fixed part is 1A/00 PARAMETER LIST LENGTH ERROR', async () => {
    const r = await d.spoutRaw(page().subarray(0, 12));
    expect(r.sense).toMatchObject({ senseKey: 5, asc: 0x1a, ascq: 0 });
  });

  it('IBM personality: the same answer in 96 bytes', async () => {
    await d.reopen('personality=ibm');
    const r = await d.spoutRaw(page({ algorithmIndex: 0 }));
    expect(r.rawSense.length).toBe(96);
    expect(r.sense).toMatchObject({ additionalSenseLength: 0x58, asc: 0x26, fieldPointer: 8, bitPointer: 7 });
  });
});

describe('accepted pages', () => {
  it("Bareos' CLEAR page (DISABLE/DISABLE, 32 zero key bytes) is accepted and loads no key", async () => {
    expect((await d.spoutRaw(encodeSetDataEncryption(bareosClearKeyPage()))).status).toBe(GOOD);
    expect(d.drive.keyLoaded).toBe(false);
  });

  it('DISABLE/RAW and EXTERNAL/DISABLE without a key are accepted; a key sent with them is ignored', async () => {
    expect(
      (await d.setEncryption({ encryptionMode: 0, decryptionMode: 1, key: new Uint8Array(0) })).status,
    ).toBe(GOOD);
    expect(
      (await d.setEncryption({ encryptionMode: 1, decryptionMode: 0, key: new Uint8Array(5) })).status,
    ).toBe(GOOD);
    expect(d.drive.keyLoaded).toBe(false);
  });

  it('a U-KAD of 32 and an A-KAD of 12 bytes are accepted', async () => {
    expect((await d.setEncryption({ kads: [kad(KAD_TYPE.U_KAD, 32), kad(KAD_TYPE.A_KAD, 12)] })).status).toBe(
      GOOD,
    );
  });

  it('INC_512: the transfer length counts 512-byte units', async () => {
    const b = new Uint8Array(512);
    b.set(page());
    const cdb = securityProtocolOut({
      securityProtocol: 0x20,
      securityProtocolSpecific: 0x10,
      transferLength: 1,
      inc512: true,
    });
    expect((await d.run(cdb, { dataOut: b })).status).toBe(GOOD);
  });
});

describe('SECURITY PROTOCOL OUT/IN CDB checks', () => {
  it('SPOUT protocol ≠ 0x20 → 24/00 at CDB byte 1; page ≠ 0x0010 → byte 2', async () => {
    const data = page();
    let r = await d.run(
      securityProtocolOut({
        securityProtocol: 0x00,
        securityProtocolSpecific: 0x10,
        transferLength: data.length,
      }),
      {
        dataOut: data,
      },
    );
    expect(r.sense).toMatchObject({ senseKey: 5, asc: 0x24, cd: true, fieldPointer: 1, bitPointer: 7 });
    r = await d.run(
      securityProtocolOut({
        securityProtocol: 0x20,
        securityProtocolSpecific: 0x11,
        transferLength: data.length,
      }),
      {
        dataOut: data,
      },
    );
    expect(r.sense).toMatchObject({ senseKey: 5, asc: 0x24, cd: true, fieldPointer: 2 });
  });

  it('SPIN of an unknown protocol or page → 24/00 at byte 1 / byte 2', async () => {
    expect((await d.spin(0x0000, 0x40)).sense).toMatchObject({
      senseKey: 5,
      asc: 0x24,
      cd: true,
      fieldPointer: 1,
    });
    expect((await d.spin(0x0030)).sense).toMatchObject({ senseKey: 5, asc: 0x24, cd: true, fieldPointer: 2 });
    expect((await d.spin(0x0002, 0x00)).sense).toMatchObject({ senseKey: 5, asc: 0x24, fieldPointer: 2 });
  });

  it('the reply is cut to the allocation length', async () => {
    const r = await d.run(
      securityProtocolIn({ securityProtocol: 0x20, securityProtocolSpecific: 0x20, allocationLength: 8 }),
      {
        allocationLength: 8,
      },
    );
    expect(r.status).toBe(GOOD);
    expect(Array.from(r.data)).toEqual([0, 0x20, 0, 0x14, 0, 0, 0, 1]);
  });
});

describe('SECURITY PROTOCOL IN pages', () => {
  it('protocol 0x00: supported protocols 0x00 and 0x20; certificate of length 0', async () => {
    const protocols = await d.spin(0x0000, 0x00);
    expect(Array.from(protocols.data)).toEqual([0, 0, 0, 0, 0, 0, 0, 2, 0x00, 0x20]);
    expect(decodeSupportedProtocols(protocols.data).securityProtocols).toEqual([0x00, 0x20]);
    const certificate = await d.spin(0x0001, 0x00);
    expect(decodeCertificate(certificate.data).certificateLength).toBe(0);
  });

  it('0x0000 lists the SPIN pages, 0x0001 the SPOUT page 0x0010, 0x0011 the plain-key format', async () => {
    expect(decodeSupportedPages((await d.spin(0x0000)).data).pageCodes).toEqual([
      0x0000, 0x0001, 0x0010, 0x0011, 0x0012, 0x0020, 0x0021,
    ]);
    expect(decodeSupportedPages((await d.spin(0x0001)).data, 0x0001).pageCodes).toEqual([0x0010]);
    expect(Array.from((await d.spin(0x0011)).data)).toEqual([0, 0x11, 0, 2, 0, 0]);
  });

  it('0x0012 management capabilities: LOCK_C, CKOD_C, AITN_C, LOCAL_C, PUBLIC_C', async () => {
    expect(Array.from((await d.spin(0x0012)).data)).toEqual([
      0, 0x12, 0, 0x0c, 0x01, 0x04, 0, 0x07, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it('0x0010 capabilities: one AES-256-GCM algorithm, index 1, CFG_P 01b, AVFMV only with a tape threaded', async () => {
    const dec = decodeDataEncryptionCapabilities((await d.spin(0x0010)).data, {}, { strict: true });
    expect(dec).toMatchObject({ cfgP: 1, extdecc: 2 });
    expect(dec.algorithms).toHaveLength(1);
    expect(dec.algorithms[0]).toMatchObject({
      algorithmIndex: 1,
      avfmv: true,
      keyLength: 32,
      maximumUkadLength: 32,
      maximumAkadLength: 12,
      vcelbC: true,
      kadfC: true,
      algorithmCode: 0x00010014,
    });
    await d.unload();
    expect(decodeDataEncryptionCapabilities((await d.spin(0x0010)).data).algorithms[0]?.avfmv).toBe(false);
  });
});

describe('library-managed encryption (library=1)', () => {
  it('CFG_P 10b, PARAMETERS CONTROL 3, SPOUT refused with DATA PROTECT 74/21, writes refused with EF/10', async () => {
    await d.reopen('library=1&personality=ibm');
    expect(decodeDataEncryptionCapabilities((await d.spin(0x0010)).data).cfgP).toBe(2);
    expect(decodeDataEncryptionStatus((await d.spin(0x0020)).data).parametersControl).toBe(3);
    expect((await d.setEncryption()).sense).toMatchObject({ senseKey: 7, asc: 0x74, ascq: 0x21 });
    expect((await d.write(patternBlock(1, 10))).sense).toMatchObject({ senseKey: 7, asc: 0xef, ascq: 0x10 });
  });
});
