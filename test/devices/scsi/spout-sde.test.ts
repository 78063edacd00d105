import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bareosClearKeyPage,
  bareosDriveKey,
  bareosLoadKeyPage,
  BAREOS_SDE_PAGE_BYTES,
  decodeSetDataEncryption,
  encodeSetDataEncryption,
  SET_DATA_ENCRYPTION_FIXED,
  type SetDataEncryptionPage,
} from '../../../src/devices/scsi/pages/spout-sde.js';
import { firstReservedBit } from '../../../src/devices/scsi/pages/page-common.js';
import { decodeKads, encodeKads, KAD_HEADER } from '../../../src/devices/scsi/pages/kad.js';
import { SdpipeError } from '../../../src/errors.js';
import { thrown } from '../../support/scsi-expect.js';
import { flatValue, kadArb, kadsArb } from '../../support/scsi-arbitraries.js';
import { hex, PAGE_SAMPLES, toHex } from '../../support/scsi-samples.js';

const PASSPHRASE = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`', 'latin1'); // 32 characters

describe('Set Data Encryption page (SPOUT 0x0010)', () => {
  it("encodes Bareos' LOAD and CLEAR pages byte for byte (spec §2)", () => {
    const load = encodeSetDataEncryption(bareosLoadKeyPage(PASSPHRASE));
    expect(load.length).toBe(BAREOS_SDE_PAGE_BYTES);
    expect(toHex(load)).toBe(toHex(PAGE_SAMPLES.bareosLoad));
    expect(toHex(load.subarray(0, 20))).toBe('001000304000020301000000000000000000' + '0020');
    expect(toHex(encodeSetDataEncryption(bareosClearKeyPage()))).toBe(toHex(PAGE_SAMPLES.bareosClear));
  });

  it('forms the key like bstrncpy(key, pass, 32): 31 characters and a NUL, zeros after an earlier NUL', () => {
    expect(toHex(bareosDriveKey(PASSPHRASE))).toBe(toHex(PASSPHRASE.subarray(0, 31)) + '00');
    expect(toHex(bareosDriveKey(Buffer.from('abc\0def')))).toBe(toHex(Buffer.from('abc')) + '00'.repeat(29));
    expect(bareosDriveKey(new Uint8Array(0))).toEqual(new Uint8Array(32));
  });

  it('decodes every field of the Bareos page and a stenc-style page with a U-KAD', () => {
    const load = decodeSetDataEncryption(PAGE_SAMPLES.bareosLoad);
    expect(load).toMatchObject({
      pageCode: 0x0010,
      pageLength: 0x30,
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
      kads: [],
    });
    expect(load.key.length).toBe(32);
    const stenc = decodeSetDataEncryption(PAGE_SAMPLES.stencWithKad);
    expect(stenc).toMatchObject({
      ceem: 1,
      rdmc: 3,
      ckod: true,
      encryptionMode: 2,
      decryptionMode: 2,
      kadFormat: 2,
    });
    expect(stenc.kads).toEqual([
      { keyDescriptorType: 0, authenticated: 0, keyDescriptor: Uint8Array.from(Buffer.from('BACKUP01')) },
    ]);
    expect(toHex(encodeSetDataEncryption(stenc))).toBe(toHex(PAGE_SAMPLES.stencWithKad));
  });

  it('names the byte at fault when the page is malformed (offset for the 26/00 field pointer)', () => {
    const bad = (mutate: (b: Uint8Array) => void, offset: number) => {
      const b = PAGE_SAMPLES.bareosLoad.slice();
      mutate(b);
      expect(thrown(() => decodeSetDataEncryption(b))).toMatchObject({
        code: 'SDP_SCSI_PAGE_FORMAT',
        context: { offset },
      });
    };
    bad((b) => (b[1] = 0x11), 0);
    bad((b) => (b[3] = 0x0f), 2);
    bad((b) => (b[3] = 0x31), 2);
    bad((b) => (b[19] = 0x21), 18);
    // A KAD header after the key that runs past the page.
    const withKad = encodeSetDataEncryption({
      ...bareosLoadKeyPage(PASSPHRASE),
      kads: [{ keyDescriptorType: 0, authenticated: 0, keyDescriptor: hex('41 42') }],
    });
    withKad[withKad.length - 3] = 9;
    expect(thrown(() => decodeSetDataEncryption(withKad))).toMatchObject({
      code: 'SDP_SCSI_PAGE_FORMAT',
      context: { offset: 54 },
    });
  });

  it('finds set reserved bits for the simulator (byte 10 stays named: SSC-4 KAD FORMAT)', () => {
    const b = PAGE_SAMPLES.bareosLoad.slice();
    expect(firstReservedBit(SET_DATA_ENCRYPTION_FIXED, b)).toBeUndefined();
    b[4] = 0x42;
    expect(firstReservedBit(SET_DATA_ENCRYPTION_FIXED, b)).toEqual({ byte: 4, bit: 1 });
    b[4] = 0x40;
    b[12] = 0x80;
    expect(firstReservedBit(SET_DATA_ENCRYPTION_FIXED, b)).toEqual({ byte: 12, bit: 7 });
    expect(firstReservedBit(KAD_HEADER, hex('00 08 00 00'))).toEqual({ byte: 1, bit: 3 });
  });

  it('decode(encode(page)) = page', () => {
    const arb = fc
      .tuple(
        flatValue(SET_DATA_ENCRYPTION_FIXED, {}, ['pageCode', 'pageLength', 'keyLength']),
        fc.uint8Array({ maxLength: 64 }),
        kadsArb,
      )
      .map(([f, key, kads]) => ({ ...f, key, kads }) as unknown as SetDataEncryptionPage);
    fc.assert(
      fc.property(arb, (p) => {
        const b = encodeSetDataEncryption(p);
        expect(decodeSetDataEncryption(b)).toEqual({ ...p, pageCode: 0x0010, pageLength: b.length - 4 });
      }),
    );
  });

  it('arbitrary bytes give a page or an SdpipeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 90 }), (b) => {
        if (b.length > 1) [b[0], b[1]] = [0x00, 0x10];
        try {
          decodeSetDataEncryption(b);
        } catch (e) {
          expect(e).toBeInstanceOf(SdpipeError);
        }
      }),
    );
  });
});

describe('KAD descriptors', () => {
  it('round-trip, and a descriptor past the end is SDP_SCSI_PAGE_FORMAT', () => {
    fc.assert(
      fc.property(fc.array(kadArb, { maxLength: 4 }), (kads) => {
        const b = encodeKads(kads);
        expect(decodeKads(b, 0, b.length)).toEqual(kads);
      }),
    );
    expect(() => decodeKads(hex('00 00 00 05 41'), 0, 5)).toThrow(
      expect.objectContaining({ code: 'SDP_SCSI_PAGE_FORMAT' }),
    );
    expect(() => decodeKads(hex('00 00'), 0, 2)).toThrow(
      expect.objectContaining({ code: 'SDP_SCSI_PAGE_FORMAT' }),
    );
  });
});
