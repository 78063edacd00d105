/**
 * SPIN page 0x0021 Next Block Encryption Status (spec scsi.md §3): 16 bytes and the next block's KAD
 * descriptors; plus the text Bareos prints for it (GetScsiVolumeEncryptionStatus).
 */
import {
  bitTable,
  bits,
  field,
  flag,
  flatLayout,
  packed,
  u16be,
  u64be,
  u8,
  type FlatValueOf,
} from '../../../layout.js';
import type { Where } from '../../../errors.js';
import { kadPage, type Kad } from './kad.js';
import { TDE_PAGE } from './tde-codes.js';
import { BAREOS_KAD_TEXT, labelled, statusText } from './spin-status.js';

/** The fixed part of the Next Block Encryption Status page (bytes 0-15). */
export const NEXT_BLOCK_ENCRYPTION_STATUS_FIXED = flatLayout('NextBlockEncryptionStatusPage', [
  field('pageCode', u16be),
  field('pageLength', u16be),
  field('logicalObjectNumber', u64be),
  field(
    'byte12',
    packed(
      bitTable('NbesByte12', 12, 1, [
        bits('compressionStatus', 12, 7, 4),
        bits('encryptionStatus', 12, 3, 0),
      ]),
    ),
  ),
  field('algorithmIndex', u8),
  field('byte14', packed(bitTable('NbesByte14', 14, 1, [flag('emes', 14, 1), flag('rdmds', 14, 0)]))),
  field('nextBlockKadFormat', u8),
]);

/** COMPRESSION STATUS values. */
export const COMPRESSION_STATUS = {
  UNKNOWN: 0,
  UNAVAILABLE: 1,
  NOT_A_LOGICAL_BLOCK: 2,
  NOT_COMPRESSED: 3,
  COMPRESSED: 4,
} as const;
/** ENCRYPTION STATUS values (0: cannot be determined; 1: capable but not now, e.g. at end of data). */
export const ENCRYPTION_STATUS = {
  CANNOT_DETERMINE: 0,
  NOT_AVAILABLE_NOW: 1,
  NOT_A_LOGICAL_BLOCK: 2,
  NOT_ENCRYPTED: 3,
  ENCRYPTED_UNSUPPORTED_ALGORITHM: 4,
  ENCRYPTED: 5,
  ENCRYPTED_NO_KEY: 6,
} as const;

type NbesFixed = FlatValueOf<typeof NEXT_BLOCK_ENCRYPTION_STATUS_FIXED>;
/** The Next Block Encryption Status page. */
export interface NextBlockEncryptionStatusPage extends Omit<NbesFixed, 'pageCode' | 'pageLength'> {
  readonly pageCode?: number;
  /** PAGE LENGTH as received (0x000C without KADs, and for "no medium" on a Quantum LTO-4). */
  readonly pageLength?: number;
  readonly kads: readonly Kad[];
}

const NEXT_BLOCK_ENCRYPTION_STATUS_PAGE = kadPage(
  NEXT_BLOCK_ENCRYPTION_STATUS_FIXED,
  TDE_PAGE.NEXT_BLOCK_ENCRYPTION_STATUS,
  'Next Block Encryption Status',
);

/** Decodes page 0x0021; KADs up to 4 + PAGE LENGTH or the bytes received, whichever ends first. */
export const decodeNextBlockEncryptionStatus = (
  b: Uint8Array,
  where: Where = {},
): NextBlockEncryptionStatusPage => NEXT_BLOCK_ENCRYPTION_STATUS_PAGE.decode(b, where);

/** Encodes the page; PAGE CODE and PAGE LENGTH are derived when left out. */
export const encodeNextBlockEncryptionStatus = (v: NextBlockEncryptionStatusPage): Uint8Array =>
  NEXT_BLOCK_ENCRYPTION_STATUS_PAGE.encode(v);

/** Bareos NeedScsiCryptoKey(use_drive_status=false): the next block is encrypted (status 5 or 6). */
export const nextBlockNeedsKey = (s: Pick<NextBlockEncryptionStatusPage, 'encryptionStatus'>) =>
  s.encryptionStatus === ENCRYPTION_STATUS.ENCRYPTED ||
  s.encryptionStatus === ENCRYPTION_STATUS.ENCRYPTED_NO_KEY;

const COMPRESSION_TEXT = [
  'Unknown',
  'Unavailable',
  'Illegal logical block',
  'Compression Disabled',
  'Compression Enabled',
];
const ENCRYPTION_TEXT = [
  'Unknown',
  'Unavailable',
  'Illegal logical block',
  'Encryption Disabled',
  'Encryption Enabled but with non supported algorithm',
  'Encryption Enabled',
  'Encryption Enabled but no valid key available for decryption',
];

/**
 * The volume encryption status as Bareos prints it (spec §3), with the indenting of
 * `formatDriveEncryptionStatus`. A coded value Bareos has no text for prints no line.
 */
export function formatVolumeEncryptionStatus(s: NextBlockEncryptionStatusPage, indent = 0): string {
  const enabled = (b: boolean) => (b ? 'Enabled' : 'Disabled');
  return statusText('Volume encryption status:', indent, [
    labelled('Compression Status', COMPRESSION_TEXT[s.compressionStatus]),
    labelled('Encryption Status', ENCRYPTION_TEXT[s.encryptionStatus]),
    `Raw Decryption Mode Disabled Status (RDMDS): ${enabled(s.rdmds)}`,
    `Encryption Mode External Status (EMES): ${enabled(s.emes)}`,
    s.encryptionStatus === ENCRYPTION_STATUS.ENCRYPTED
      ? labelled('Next Block Key Associated Data (KAD) Descriptor', BAREOS_KAD_TEXT[s.nextBlockKadFormat])
      : undefined,
  ]);
}
