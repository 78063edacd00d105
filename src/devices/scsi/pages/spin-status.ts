/**
 * SPIN page 0x0020 Data Encryption Status (spec scsi.md §3): 24 bytes and KAD descriptors; plus the
 * text Bareos prints for it (GetScsiDriveEncryptionStatus) and its two yes/no questions.
 */
import {
  bitTable,
  bits,
  field,
  flag,
  flatLayout,
  packed,
  reserved,
  u16be,
  u32be,
  u8,
  type FlatValueOf,
} from '../../../layout.js';
import type { Where } from '../../../errors.js';
import { kadPage, type Kad } from './kad.js';
import { TDE_PAGE } from './tde-codes.js';

/** The fixed part of the Data Encryption Status page (bytes 0-23). */
export const DATA_ENCRYPTION_STATUS_FIXED = flatLayout('DataEncryptionStatusPage', [
  field('pageCode', u16be),
  field('pageLength', u16be),
  field(
    'byte4',
    packed(bitTable('DesByte4', 4, 1, [bits('itNexusScope', 4, 7, 5), bits('keyScope', 4, 2, 0)])),
  ),
  field('encryptionMode', u8),
  field('decryptionMode', u8),
  field('algorithmIndex', u8),
  field('keyInstanceCounter', u32be),
  field(
    'byte12',
    packed(
      bitTable('DesByte12', 12, 1, [
        bits('parametersControl', 12, 6, 4),
        flag('vcelb', 12, 3),
        bits('ceems', 12, 2, 1),
        flag('rdmd', 12, 0),
      ]),
    ),
  ),
  // SSC-4 KAD FORMAT; reserved on HP LTO-5. Bareos prints it with key-format names (spec §3).
  field('kadFormat', u8),
  field('asdkCount', u16be),
  field('reserved16', reserved(8)),
]);

/** PARAMETERS CONTROL values (HP LTO-5 manual, spec §3). */
export const PARAMETERS_CONTROL = {
  NOT_REPORTED: 0,
  APPLICATION: 1,
  DEVICE_SERVER: 2,
  AUTOMATION_INTERFACE: 3,
  MANAGEMENT_INTERFACE: 4,
} as const;

type DesFixed = FlatValueOf<typeof DATA_ENCRYPTION_STATUS_FIXED>;
/** The Data Encryption Status page. */
export interface DataEncryptionStatusPage extends Omit<DesFixed, 'pageCode' | 'pageLength'> {
  readonly pageCode?: number;
  /** PAGE LENGTH as received (0x0014 without KADs on real drives); derived when left out. */
  readonly pageLength?: number;
  readonly kads: readonly Kad[];
}

const DATA_ENCRYPTION_STATUS_PAGE = kadPage(
  DATA_ENCRYPTION_STATUS_FIXED,
  TDE_PAGE.DATA_ENCRYPTION_STATUS,
  'Data Encryption Status',
);

/** Decodes page 0x0020; KADs up to 4 + PAGE LENGTH or the bytes received, whichever ends first. */
export const decodeDataEncryptionStatus = (b: Uint8Array, where: Where = {}): DataEncryptionStatusPage =>
  DATA_ENCRYPTION_STATUS_PAGE.decode(b, where);

/** Encodes the page; PAGE CODE and PAGE LENGTH are derived when left out. */
export const encodeDataEncryptionStatus = (v: DataEncryptionStatusPage): Uint8Array =>
  DATA_ENCRYPTION_STATUS_PAGE.encode(v);

/** Bareos IsScsiEncryptionEnabled: encryption or decryption mode is not DISABLE. */
export const isEncryptionEnabled = (s: Pick<DataEncryptionStatusPage, 'encryptionMode' | 'decryptionMode'>) =>
  s.encryptionMode !== 0 || s.decryptionMode !== 0;

/** Bareos NeedScsiCryptoKey(use_drive_status=true): the loaded volume holds encrypted blocks (VCELB). */
export const volumeNeedsKey = (s: Pick<DataEncryptionStatusPage, 'vcelb'>) => s.vcelb;

const ENCRYPTION_MODE_TEXT = ['Disabled', 'External', 'Encrypt'];
const DECRYPTION_MODE_TEXT = ['Disabled', 'Raw', 'Decrypt', 'Mixed'];
const CEEMS_TEXT = [undefined, 'No', 'External', 'Encrypt'];
const PARAMETERS_CONTROL_TEXT = [
  'No report',
  'Application Managed',
  'Drive Managed',
  'Library/Key Management Appliance Managed',
  'Unsupported',
];
/** Bareos' names for DES byte 13 (it uses the key-format names there, spec §3). */
export const BAREOS_KAD_TEXT = [
  'Normal key',
  'Vendor-specific reference',
  'Wrapped public key',
  'Key using ESP-SCSI',
];
/** Bareos caps the indent of its status text at 16. */
const MAX_INDENT = 16;

/**
 * Bareos' status-text shape: the title indented by `indent` (at most 16), each item line by 3 more,
 * every line ending in a newline. Items that are undefined (a value Bareos has no text for) print nothing.
 */
export function statusText(title: string, indent: number, items: readonly (string | undefined)[]): string {
  const first = ' '.repeat(Math.min(indent, MAX_INDENT));
  const pad = `${first}   `;
  return [`${first}${title}`, ...items.filter((l): l is string => l !== undefined).map((l) => `${pad}${l}`)]
    .map((l) => `${l}\n`)
    .join('');
}
const enabled = (b: boolean) => (b ? 'Enabled' : 'Disabled');
/** `label: text`, or undefined when there is no text. */
export const labelled = (label: string, text: string | undefined) => (text ? `${label}: ${text}` : undefined);

/**
 * The drive encryption status exactly as Bareos prints it (spec §3 table): first line indented by
 * `indent` (at most 16), the others by `indent + 3`, each ending in a newline. SD status uses 4, bscrypto -e 0.
 */
export function formatDriveEncryptionStatus(s: DataEncryptionStatusPage, indent = 0): string {
  const kad = BAREOS_KAD_TEXT[s.kadFormat];
  return statusText('Drive encryption status:', indent, [
    labelled('Encryption Mode', ENCRYPTION_MODE_TEXT[s.encryptionMode]),
    labelled('Decryption Mode', DECRYPTION_MODE_TEXT[s.decryptionMode]),
    `Raw Decryption Mode Disabled (RDMD): ${enabled(s.rdmd)}`,
    labelled('Check External Encryption Mode Status (CEEMS) ', CEEMS_TEXT[s.ceems]),
    `Volume Contains Encrypted Logical Blocks (VCELB): ${enabled(s.vcelb)}`,
    labelled('Logical Block encryption parameters', PARAMETERS_CONTROL_TEXT[s.parametersControl]),
    s.encryptionMode !== 0 && s.decryptionMode !== 0
      ? labelled('Key Associated Data (KAD) Descriptor', kad)
      : undefined,
  ]);
}
