/**
 * SECURITY PROTOCOL IN and OUT of the simulated drive (spec scsi.md §1-§3, §8): protocol 0x00 (supported
 * protocols, certificate) and protocol 0x20 tape data encryption — support pages 0x0000/0x0001, Data
 * Encryption Capabilities 0x0010, Supported Key Formats 0x0011, Management Capabilities 0x0012, Data
 * Encryption Status 0x0020, Next Block Encryption Status 0x0021; SPOUT page 0x0010 Set Data Encryption.
 */
import { DeviceError } from '../../errors.js';
import { bitTable, field, flag, flatLayout, packed, reserved, u16be } from '../../layout.js';
import { SENSE_KEY } from '../scsi/asc-names.js';
import { SECURITY_PROTOCOL } from '../scsi/cdb.js';
import { decodeKads, KAD_TYPE, type Kad } from '../scsi/pages/kad.js';
import { PAGE_HEADER_BYTES } from '../scsi/pages/page-common.js';
import { CFG_P, encodeDataEncryptionCapabilities } from '../scsi/pages/spin-capabilities.js';
import { COMPRESSION_STATUS, encodeNextBlockEncryptionStatus } from '../scsi/pages/spin-next-block.js';
import { encodeDataEncryptionStatus } from '../scsi/pages/spin-status.js';
import {
  encodeCertificate,
  encodeSupportedPages,
  encodeSupportedProtocols,
} from '../scsi/pages/spin-support.js';
import { SDE_KEY_BYTES } from '../scsi/pages/spout-sde.js';
import { ALGORITHM_CODE, KEY_FORMAT, SECURITY_INFORMATION_PAGE, TDE_PAGE } from '../scsi/pages/tde-codes.js';
import { ASC, CheckCondition, invalidFieldInCdb, notReady, securityError } from './drive-conditions.js';
import { AES256_GCM_ALGORITHM_INDEX, RAW_DECRYPTION_MODE_CONTROL, SECURITY_ASCQ } from './drive-crypto.js';
import { cdbFields, type CommandHandler, type DriveState } from './drive-state.js';
import { cdbFieldPosition } from './field-pointer.js';
import { MAX_AKAD_BYTES, MAX_UKAD_BYTES, validateSetDataEncryption } from './sde-validation.js';

/** SPIN page 0x0012 Data Encryption Management Capabilities (HP LTO-5 manual, spec §3), 16 bytes. */
const MANAGEMENT_CAPABILITIES_PAGE = flatLayout('DataEncryptionManagementCapabilities', [
  field('pageCode', u16be),
  field('pageLength', u16be),
  field('byte4', packed(bitTable('DemcByte4', 4, 1, [flag('lockC', 4, 0)]))),
  field(
    'byte5',
    packed(bitTable('DemcByte5', 5, 1, [flag('ckodC', 5, 2), flag('ckorpC', 5, 1), flag('ckorlC', 5, 0)])),
  ),
  field('reserved6', reserved(1)),
  field(
    'byte7',
    packed(bitTable('DemcByte7', 7, 1, [flag('aitnC', 7, 2), flag('localC', 7, 1), flag('publicC', 7, 0)])),
  ),
  field('reserved8', reserved(8)),
]);

/** The SPIN pages of protocol 0x20 this drive answers (page 0x0000 lists them). */
const SPIN_PAGES = [
  TDE_PAGE.IN_SUPPORT,
  TDE_PAGE.OUT_SUPPORT,
  TDE_PAGE.DATA_ENCRYPTION_CAPABILITIES,
  TDE_PAGE.SUPPORTED_KEY_FORMATS,
  TDE_PAGE.DATA_ENCRYPTION_MANAGEMENT_CAPABILITIES,
  TDE_PAGE.DATA_ENCRYPTION_STATUS,
  TDE_PAGE.NEXT_BLOCK_ENCRYPTION_STATUS,
] as const;
/** ENCRYPT_C / DECRYPT_C 10b: capable, controlled by this interface (HP LTO-5 manual). */
const CAPABLE = 2;
/** EXTDECC 10b: external data encryption control capable (HP LTO-5, spec §3). */
const EXTDECC_CAPABLE = 2;
/** AUTHENTICATED values reported for stored KADs (spec §3: U-KAD 1, A-KAD 3, as mhVTL reports them). */
const KAD_AUTHENTICATED = { [KAD_TYPE.U_KAD]: 1, [KAD_TYPE.A_KAD]: 3 } as Readonly<Record<number, number>>;

const refuse = (key: 'securityProtocolIn' | 'securityProtocolOut', name: string) =>
  new CheckCondition(invalidFieldInCdb(cdbFieldPosition(key, name)));

function capabilitiesPage(s: DriveState): Uint8Array {
  return encodeDataEncryptionCapabilities({
    extdecc: EXTDECC_CAPABLE,
    cfgP: s.options.libraryManagedEncryption ? CFG_P.NOT_CHANGEABLE : CFG_P.CHANGEABLE,
    algorithms: [
      {
        algorithmIndex: AES256_GCM_ALGORITHM_INDEX,
        // AVFMV only while a cartridge is threaded (every simulated cartridge can be encrypted).
        avfmv: s.threaded !== undefined,
        sdkC: false,
        macC: false,
        delbC: false,
        decryptC: CAPABLE,
        encryptC: CAPABLE,
        avfcp: 0,
        nonceC: 0,
        kadfC: !s.ssc3SdeLayout,
        vcelbC: true,
        ukadf: false,
        akadf: false,
        maximumUkadLength: MAX_UKAD_BYTES,
        maximumAkadLength: MAX_AKAD_BYTES,
        keyLength: SDE_KEY_BYTES,
        dkadC: 0,
        eemcC: 0,
        rdmcC: 0,
        earem: false,
        maximumEedkCount: 0,
        msdkCount: 0,
        maximumEedkSize: 0,
        algorithmCode: ALGORITHM_CODE.AES_256_GCM_128,
      },
    ],
  });
}

function statusPage(s: DriveState): Uint8Array {
  const p = s.crypto.parameters;
  return encodeDataEncryptionStatus({
    itNexusScope: p.scope,
    keyScope: p.scope,
    encryptionMode: p.encryptionMode,
    decryptionMode: p.decryptionMode,
    algorithmIndex: p.algorithmIndex,
    keyInstanceCounter: s.crypto.keyInstanceCounter,
    parametersControl: s.crypto.parametersControl,
    vcelb: s.threaded?.holdsEncryptedBlocks() ?? false,
    ceems: p.ceem,
    rdmd: p.rdmc === RAW_DECRYPTION_MODE_CONTROL.DISABLED,
    kadFormat: 0,
    asdkCount: 0,
    kads: p.kads,
  });
}

function nextBlockPage(s: DriveState): Uint8Array {
  const image = s.threaded;
  if (!image) {
    switch (s.options.noMediumNextBlockAnswer ?? 'good') {
      case 'not-ready':
        throw new CheckCondition(notReady(ASC.MEDIUM_NOT_PRESENT));
      case 'blank-check':
        throw new CheckCondition({ senseKey: SENSE_KEY.BLANK_CHECK, asc: 0, ascq: 0 });
      case 'good':
        break;
    }
  }
  const entry = image?.entry(s.position);
  const enc = entry?.encryption;
  const kads: Kad[] = entry?.kad.length
    ? decodeKads(entry.kad, 0, entry.kad.length).map((k) => ({
        ...k,
        authenticated: KAD_AUTHENTICATED[k.keyDescriptorType] ?? 0,
      }))
    : [];
  return encodeNextBlockEncryptionStatus({
    logicalObjectNumber: image ? s.position : 0,
    compressionStatus: !entry
      ? COMPRESSION_STATUS.UNKNOWN
      : entry.kind === 'filemark'
        ? COMPRESSION_STATUS.NOT_A_LOGICAL_BLOCK
        : COMPRESSION_STATUS.NOT_COMPRESSED,
    encryptionStatus: image ? s.crypto.nextBlockStatus(entry) : 0,
    algorithmIndex: enc ? AES256_GCM_ALGORITHM_INDEX : 0,
    emes: enc?.external ?? false,
    rdmds: enc?.rawReadDisabled ?? false,
    nextBlockKadFormat: 0,
    kads,
  });
}

function managementCapabilitiesPage(): Uint8Array {
  return MANAGEMENT_CAPABILITIES_PAGE.encode({
    pageCode: TDE_PAGE.DATA_ENCRYPTION_MANAGEMENT_CAPABILITIES,
    pageLength: MANAGEMENT_CAPABILITIES_PAGE.size! - PAGE_HEADER_BYTES,
    lockC: true,
    ckodC: true,
    ckorpC: false,
    ckorlC: false,
    aitnC: true,
    localC: true,
    publicC: true,
  });
}

function tapeDataEncryptionPage(s: DriveState, page: number): Uint8Array {
  switch (page) {
    case TDE_PAGE.IN_SUPPORT:
      return encodeSupportedPages({ pageCode: TDE_PAGE.IN_SUPPORT, pageCodes: SPIN_PAGES });
    case TDE_PAGE.OUT_SUPPORT:
      return encodeSupportedPages({
        pageCode: TDE_PAGE.OUT_SUPPORT,
        pageCodes: [TDE_PAGE.SET_DATA_ENCRYPTION],
      });
    case TDE_PAGE.DATA_ENCRYPTION_CAPABILITIES:
      return capabilitiesPage(s);
    case TDE_PAGE.SUPPORTED_KEY_FORMATS:
      // Same shape as a support page: a list of BE16 codes (spec §3: one entry, 0x0000 plain key).
      return encodeSupportedPages({
        pageCode: TDE_PAGE.SUPPORTED_KEY_FORMATS,
        pageCodes: [KEY_FORMAT.PLAIN],
      });
    case TDE_PAGE.DATA_ENCRYPTION_MANAGEMENT_CAPABILITIES:
      return managementCapabilitiesPage();
    case TDE_PAGE.DATA_ENCRYPTION_STATUS:
      return statusPage(s);
    case TDE_PAGE.NEXT_BLOCK_ENCRYPTION_STATUS:
      return nextBlockPage(s);
    default:
      throw refuse('securityProtocolIn', 'securityProtocolSpecific');
  }
}

/** Bytes a SPIN/SPOUT length field stands for (INC_512: in 512-byte units, spec §1). */
const lengthInBytes = (length: number, inc512: boolean) => (inc512 ? length * 512 : length);

/** SECURITY PROTOCOL IN. The reply is cut to the allocation length. */
export const securityProtocolIn: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'securityProtocolIn');
  let page: Uint8Array;
  switch (f.securityProtocol) {
    case SECURITY_PROTOCOL.INFORMATION:
      if (f.securityProtocolSpecific === SECURITY_INFORMATION_PAGE.SUPPORTED_PROTOCOLS)
        page = encodeSupportedProtocols({
          securityProtocols: [SECURITY_PROTOCOL.INFORMATION, SECURITY_PROTOCOL.TAPE_DATA_ENCRYPTION],
        });
      else if (f.securityProtocolSpecific === SECURITY_INFORMATION_PAGE.CERTIFICATE_DATA)
        page = encodeCertificate({ certificate: new Uint8Array(0) });
      else throw refuse('securityProtocolIn', 'securityProtocolSpecific');
      break;
    case SECURITY_PROTOCOL.TAPE_DATA_ENCRYPTION:
      page = tapeDataEncryptionPage(s, f.securityProtocolSpecific);
      break;
    default:
      throw refuse('securityProtocolIn', 'securityProtocol');
  }
  return page.subarray(0, lengthInBytes(f.allocationLength, f.inc512));
};

/**
 * SECURITY PROTOCOL OUT, protocol 0x20 page 0x0010 only: the page is checked (sde-validation.ts) and,
 * when accepted, applied — the key instance counter goes up, the key is held by the drive only.
 * With library-managed encryption every page is refused with DATA PROTECT 74/21 (spec §8).
 */
export const securityProtocolOut: CommandHandler = (s, request) => {
  const f = cdbFields(request, 'securityProtocolOut');
  if (f.securityProtocol !== SECURITY_PROTOCOL.TAPE_DATA_ENCRYPTION)
    throw refuse('securityProtocolOut', 'securityProtocol');
  if (f.securityProtocolSpecific !== TDE_PAGE.SET_DATA_ENCRYPTION)
    throw refuse('securityProtocolOut', 'securityProtocolSpecific');
  const length = lengthInBytes(f.transferLength, f.inc512);
  if (request.dataOut.length !== length)
    throw new DeviceError(
      'SDP_SCSI_COMMAND',
      `SECURITY PROTOCOL OUT announces ${length} bytes but ${request.dataOut.length} were sent`,
      { transferLength: f.transferLength },
    );
  if (s.options.libraryManagedEncryption)
    throw new CheckCondition(securityError(SECURITY_ASCQ.CONFIGURATION_PREVENTED));
  const accepted = validateSetDataEncryption(request.dataOut, s.ssc3SdeLayout);
  try {
    s.crypto.apply(accepted.parameters, accepted.key.length > 0 ? accepted.key : undefined);
  } finally {
    accepted.key.fill(0);
  }
  return undefined;
};
