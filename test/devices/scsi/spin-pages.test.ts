import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ALGORITHM_DESCRIPTOR,
  CAPABILITIES_HEADER,
  decodeDataEncryptionCapabilities,
  encodeDataEncryptionCapabilities,
  type DataEncryptionCapabilitiesPage,
} from '../../../src/devices/scsi/pages/spin-capabilities.js';
import {
  DATA_ENCRYPTION_STATUS_FIXED,
  decodeDataEncryptionStatus,
  encodeDataEncryptionStatus,
  formatDriveEncryptionStatus,
  isEncryptionEnabled,
  volumeNeedsKey,
  type DataEncryptionStatusPage,
} from '../../../src/devices/scsi/pages/spin-status.js';
import {
  decodeNextBlockEncryptionStatus,
  encodeNextBlockEncryptionStatus,
  formatVolumeEncryptionStatus,
  NEXT_BLOCK_ENCRYPTION_STATUS_FIXED,
  nextBlockNeedsKey,
  type NextBlockEncryptionStatusPage,
} from '../../../src/devices/scsi/pages/spin-next-block.js';
import {
  decodeCertificate,
  decodeSupportedPages,
  decodeSupportedProtocols,
  encodeCertificate,
  encodeSupportedPages,
  encodeSupportedProtocols,
} from '../../../src/devices/scsi/pages/spin-support.js';
import { ALGORITHM_CODE, TDE_PAGE } from '../../../src/devices/scsi/pages/tde-codes.js';
import { SdpipeError } from '../../../src/errors.js';
import { thrown } from '../../support/scsi-expect.js';
import { flatValue, kadsArb } from '../../support/scsi-arbitraries.js';
import { hex, PAGE_SAMPLES as P, toHex } from '../../support/scsi-samples.js';

const total = (decode: (b: Uint8Array) => unknown, pageCode: number) =>
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 90 }), (b) => {
      if (b.length > 1) [b[0], b[1]] = [pageCode >> 8, pageCode & 0xff];
      try {
        decode(b);
      } catch (e) {
        expect(e).toBeInstanceOf(SdpipeError);
      }
    }),
  );

describe('support pages (SPIN 0x0000 / 0x0001, protocol 0x00 pages)', () => {
  it('decode the published lists', () => {
    expect(decodeSupportedPages(P.inSupportT10000)).toEqual({
      pageCode: 0,
      pageLength: 14,
      pageCodes: [0x0000, 0x0001, 0x0010, 0x0011, 0x0012, 0x0020, 0x0021],
    });
    // The spec's Quantum PAGE LENGTH (0x14) promises one code more than it lists: read what arrived.
    expect(decodeSupportedPages(P.inSupportQuantum).pageCodes).toEqual([
      0, 1, 0x10, 0x11, 0x12, 0x20, 0x21, 0x30, 0x31,
    ]);
    expect(decodeSupportedPages(P.outSupport, TDE_PAGE.OUT_SUPPORT)).toEqual({
      pageCode: 1,
      pageLength: 2,
      pageCodes: [0x10],
    });
    expect(decodeSupportedProtocols(P.supportedProtocols)).toEqual({
      supportedSecurityProtocolListLength: 2,
      securityProtocols: [0x00, 0x20],
    });
    expect(decodeCertificate(P.certificateEmpty)).toEqual({
      certificateLength: 0,
      certificate: new Uint8Array(0),
    });
    expect(() => decodeSupportedPages(P.outSupport)).toThrow(
      expect.objectContaining({ code: 'SDP_SCSI_PAGE_FORMAT' }),
    );
  });
  it('round-trip', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1),
        fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 }),
        (pageCode, pageCodes) => {
          expect(decodeSupportedPages(encodeSupportedPages({ pageCode, pageCodes }), pageCode)).toEqual({
            pageCode,
            pageLength: 2 * pageCodes.length,
            pageCodes,
          });
        },
      ),
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xff }), { maxLength: 8 }), (securityProtocols) => {
        expect(decodeSupportedProtocols(encodeSupportedProtocols({ securityProtocols }))).toEqual({
          supportedSecurityProtocolListLength: securityProtocols.length,
          securityProtocols,
        });
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (certificate) => {
        expect(decodeCertificate(encodeCertificate({ certificate }))).toEqual({
          certificateLength: certificate.length,
          certificate,
        });
      }),
    );
    expect(
      toHex(encodeSupportedPages({ pageCode: 0, pageCodes: [0, 1, 0x10, 0x11, 0x12, 0x20, 0x21] })),
    ).toBe(toHex(P.inSupportT10000));
  });
  it('arbitrary bytes give a page or an SdpipeError', () => {
    total((b) => decodeSupportedPages(b), 0);
    total((b) => decodeSupportedProtocols(b), 0);
    total((b) => decodeCertificate(b), 0);
  });
});

describe('Data Encryption Capabilities (SPIN 0x0010)', () => {
  it('decodes an HP LTO-5 style page: EXTDECC 10b, CFG_P 01b, AES-256-GCM with a 32-byte key', () => {
    const v = decodeDataEncryptionCapabilities(P.capabilitiesHp);
    expect(v).toMatchObject({ pageCode: 0x10, pageLength: 40, extdecc: 2, cfgP: 1 });
    expect(v.algorithms).toEqual([
      {
        algorithmIndex: 1,
        avfmv: true,
        sdkC: false,
        macC: false,
        delbC: false,
        decryptC: 2,
        encryptC: 2,
        avfcp: 0,
        nonceC: 0,
        kadfC: true,
        vcelbC: true,
        ukadf: false,
        akadf: false,
        maximumUkadLength: 32,
        maximumAkadLength: 12,
        keyLength: 32,
        dkadC: 0,
        eemcC: 1,
        rdmcC: 3,
        earem: false,
        maximumEedkCount: 0,
        msdkCount: 0,
        maximumEedkSize: 0,
        algorithmCode: ALGORITHM_CODE.AES_256_GCM_128,
      },
    ]);
    expect(toHex(encodeDataEncryptionCapabilities(v))).toBe(toHex(P.capabilitiesHp));
  });
  it("stenc's page (PAGE LENGTH 0x3C, 64 bytes): lenient reads both algorithms, strict reports the mismatch", () => {
    const v = decodeDataEncryptionCapabilities(P.capabilitiesTwoAlgorithms);
    expect(v.algorithms.map((a) => [a.algorithmIndex, a.algorithmCode])).toEqual([
      [1, ALGORITHM_CODE.AES_256_GCM_128],
      [2, ALGORITHM_CODE.AES_256_CCM_128],
    ]);
    expect(v.pageLength).toBe(0x3c);
    expect(toHex(encodeDataEncryptionCapabilities(v))).toBe(toHex(P.capabilitiesTwoAlgorithms));
    expect(
      thrown(() => decodeDataEncryptionCapabilities(P.capabilitiesTwoAlgorithms, {}, { strict: true })),
    ).toMatchObject({ code: 'SDP_SCSI_PAGE_FORMAT', context: { offset: 2 } });
    expect(decodeDataEncryptionCapabilities(P.capabilitiesHp, {}, { strict: true }).algorithms).toHaveLength(
      1,
    );
  });
  it('round-trips and survives arbitrary bytes', () => {
    const arb = fc
      .tuple(
        flatValue(CAPABILITIES_HEADER, {}, ['pageCode', 'pageLength']),
        fc.array(flatValue(ALGORITHM_DESCRIPTOR, {}, ['descriptorLength']), { maxLength: 3 }),
      )
      .map(([h, algorithms]) => ({ ...h, algorithms }) as unknown as DataEncryptionCapabilitiesPage);
    fc.assert(
      fc.property(arb, (v) => {
        const b = encodeDataEncryptionCapabilities(v);
        expect(decodeDataEncryptionCapabilities(b, {}, { strict: true })).toEqual({
          ...v,
          pageCode: 0x10,
          pageLength: b.length - 4,
        });
      }),
    );
    total((b) => decodeDataEncryptionCapabilities(b), 0x10);
    total((b) => decodeDataEncryptionCapabilities(b, {}, { strict: true }), 0x10);
  });
});

describe('Data Encryption Status (SPIN 0x0020)', () => {
  it('decodes a page after a Bareos LOAD and prints what Bareos prints', () => {
    const v = decodeDataEncryptionStatus(P.desAfterLoad);
    expect(v).toEqual({
      pageCode: 0x20,
      pageLength: 0x14,
      itNexusScope: 2,
      keyScope: 0,
      encryptionMode: 2,
      decryptionMode: 3,
      algorithmIndex: 1,
      keyInstanceCounter: 1,
      parametersControl: 1,
      vcelb: true,
      ceems: 0,
      rdmd: false,
      kadFormat: 0,
      asdkCount: 0,
      kads: [],
    });
    expect(isEncryptionEnabled(v)).toBe(true);
    expect(volumeNeedsKey(v)).toBe(true);
    expect(formatDriveEncryptionStatus(v, 4)).toBe(
      [
        '    Drive encryption status:',
        '       Encryption Mode: Encrypt',
        '       Decryption Mode: Mixed',
        '       Raw Decryption Mode Disabled (RDMD): Disabled',
        '       Volume Contains Encrypted Logical Blocks (VCELB): Enabled',
        '       Logical Block encryption parameters: Application Managed',
        '       Key Associated Data (KAD) Descriptor: Normal key',
        '',
      ].join('\n'),
    );
    expect(
      formatDriveEncryptionStatus(
        { ...v, encryptionMode: 0, decryptionMode: 0, ceems: 1, rdmd: true },
        40,
      ).split('\n'),
    ).toEqual([
      '                Drive encryption status:',
      '                   Encryption Mode: Disabled',
      '                   Decryption Mode: Disabled',
      '                   Raw Decryption Mode Disabled (RDMD): Enabled',
      '                   Check External Encryption Mode Status (CEEMS) : No',
      '                   Volume Contains Encrypted Logical Blocks (VCELB): Enabled',
      '                   Logical Block encryption parameters: Application Managed',
      '',
    ]);
  });
  it("reads KADs, and mhVTL's PAGE LENGTH 0x20 on a 24-byte page as no KADs", () => {
    expect(decodeDataEncryptionStatus(P.desWithKad).kads).toEqual([
      { keyDescriptorType: 0, authenticated: 0, keyDescriptor: hex('54 45 53 54') },
    ]);
    expect(decodeDataEncryptionStatus(P.desMhvtl)).toMatchObject({ itNexusScope: 1, keyScope: 1, kads: [] });
  });
  it('round-trips and survives arbitrary bytes', () => {
    const arb = fc
      .tuple(flatValue(DATA_ENCRYPTION_STATUS_FIXED, {}, ['pageCode', 'pageLength']), kadsArb)
      .map(([f, kads]) => ({ ...f, kads }) as unknown as DataEncryptionStatusPage);
    fc.assert(
      fc.property(arb, (v) => {
        const b = encodeDataEncryptionStatus(v);
        expect(decodeDataEncryptionStatus(b)).toEqual({ ...v, pageCode: 0x20, pageLength: b.length - 4 });
      }),
    );
    total((b) => decodeDataEncryptionStatus(b), 0x20);
  });
});

describe('Next Block Encryption Status (SPIN 0x0021)', () => {
  it('decodes the no-medium answer and an encrypted block, with Bareos text', () => {
    expect(decodeNextBlockEncryptionStatus(P.nbesNoMedium)).toMatchObject({
      pageLength: 12,
      logicalObjectNumber: 0,
      encryptionStatus: 0,
      kads: [],
    });
    const v = decodeNextBlockEncryptionStatus(P.nbesEncrypted);
    expect(v).toMatchObject({
      logicalObjectNumber: 42,
      compressionStatus: 3,
      encryptionStatus: 5,
      algorithmIndex: 1,
      emes: false,
      rdmds: false,
      nextBlockKadFormat: 2,
    });
    expect(v.kads).toHaveLength(1);
    expect(nextBlockNeedsKey(v)).toBe(true);
    expect(formatVolumeEncryptionStatus(v)).toBe(
      [
        'Volume encryption status:',
        '   Compression Status: Compression Disabled',
        '   Encryption Status: Encryption Enabled',
        '   Raw Decryption Mode Disabled Status (RDMDS): Disabled',
        '   Encryption Mode External Status (EMES): Disabled',
        '   Next Block Key Associated Data (KAD) Descriptor: Wrapped public key',
        '',
      ].join('\n'),
    );
  });
  it('round-trips and survives arbitrary bytes', () => {
    const arb = fc
      .tuple(flatValue(NEXT_BLOCK_ENCRYPTION_STATUS_FIXED, {}, ['pageCode', 'pageLength']), kadsArb)
      .map(([f, kads]) => ({ ...f, kads }) as unknown as NextBlockEncryptionStatusPage);
    fc.assert(
      fc.property(arb, (v) => {
        const b = encodeNextBlockEncryptionStatus(v);
        expect(decodeNextBlockEncryptionStatus(b)).toEqual({
          ...v,
          pageCode: 0x21,
          pageLength: b.length - 4,
        });
      }),
    );
    total((b) => decodeNextBlockEncryptionStatus(b), 0x21);
  });
});
