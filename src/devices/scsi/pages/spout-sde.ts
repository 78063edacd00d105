/**
 * SPOUT page 0x0010 Set Data Encryption (spec scsi.md §2): the 20-byte fixed part, the key, and KAD
 * descriptors; plus the exact pages Bareos sends to load and clear a key, and how it forms the key bytes.
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
  u8,
  type FlatValueOf,
} from '../../../layout.js';
import type { Where } from '../../../errors.js';
import { decodeKads, encodeKadsInto, kadsSize, type Kad } from './kad.js';
import { decodeStep, expectPageCode, PAGE_HEADER_BYTES, pageError } from './page-common.js';
import { DECRYPTION_MODE, ENCRYPTION_MODE, KAD_FORMAT, KEY_FORMAT, SCOPE, TDE_PAGE } from './tde-codes.js';

/** The fixed part of the Set Data Encryption page (bytes 0-19). */
export const SET_DATA_ENCRYPTION_FIXED = flatLayout('SetDataEncryptionPage', [
  field('pageCode', u16be),
  field('pageLength', u16be),
  field('byte4', packed(bitTable('SdeByte4', 4, 1, [bits('scope', 4, 7, 5), flag('lock', 4, 0)]))),
  field(
    'byte5',
    packed(
      bitTable('SdeByte5', 5, 1, [
        bits('ceem', 5, 7, 6),
        bits('rdmc', 5, 5, 4),
        flag('sdk', 5, 3),
        flag('ckod', 5, 2),
        flag('ckorp', 5, 1),
        flag('ckorl', 5, 0),
      ]),
    ),
  ),
  field('encryptionMode', u8),
  field('decryptionMode', u8),
  field('algorithmIndex', u8),
  // LOGICAL BLOCK ENCRYPTION KEY FORMAT.
  field('keyFormat', u8),
  // SSC-4 KAD FORMAT; reserved in SSC-3 (LTO-4-era drives may reject a non-zero value).
  field('kadFormat', u8),
  field('reserved11', reserved(7)),
  field('keyLength', u16be),
]);

/** PAGE LENGTH may not be less than this (the fixed part after the 4-byte header). */
export const SDE_MIN_PAGE_LENGTH = 16;
/** Key size of AES-256, what Bareos and LTO drives use. */
export const SDE_KEY_BYTES = 32;
/** Bareos' SPOUT transfer length: 20 fixed bytes + a 32-byte key (spec §1). */
export const BAREOS_SDE_PAGE_BYTES = 52;

type SdeFixed = FlatValueOf<typeof SET_DATA_ENCRYPTION_FIXED>;
/** A Set Data Encryption page. */
export interface SetDataEncryptionPage extends Omit<SdeFixed, 'pageCode' | 'pageLength' | 'keyLength'> {
  /** Default 0x0010. */
  readonly pageCode?: number;
  /** PAGE LENGTH (total − 4); derived when left out. */
  readonly pageLength?: number;
  /** The key (KEY LENGTH is its length). Never log it. */
  readonly key: Uint8Array;
  readonly kads: readonly Kad[];
}

/**
 * Decodes a Set Data Encryption page. SDP_SCSI_PAGE_FORMAT, with `offset` at the field at fault, for a
 * wrong page code (0), PAGE LENGTH below 16 or beyond the bytes (2), a key past the page (18), or a KAD
 * descriptor past the page.
 */
export function decodeSetDataEncryption(b: Uint8Array, where: Where = {}): SetDataEncryptionPage {
  const f = decodeStep(where, () => SET_DATA_ENCRYPTION_FIXED.decode(b, 0, where));
  expectPageCode(f.pageCode, TDE_PAGE.SET_DATA_ENCRYPTION, 'Set Data Encryption', where);
  const o = SET_DATA_ENCRYPTION_FIXED.offsets;
  if (f.pageLength < SDE_MIN_PAGE_LENGTH || PAGE_HEADER_BYTES + f.pageLength > b.length)
    throw pageError(
      `Set Data Encryption: PAGE LENGTH ${f.pageLength} does not fit the page`,
      where,
      o.pageLength!,
      {
        pageLength: f.pageLength,
        length: b.length,
      },
    );
  const end = PAGE_HEADER_BYTES + f.pageLength;
  const keyAt = SET_DATA_ENCRYPTION_FIXED.size!;
  if (keyAt + f.keyLength > end)
    throw pageError('Set Data Encryption: KEY LENGTH runs past the page', where, o.keyLength!, {
      keyLength: f.keyLength,
    });
  const { keyLength, ...fixed } = f;
  return {
    ...fixed,
    key: b.slice(keyAt, keyAt + keyLength),
    kads: decodeKads(b, keyAt + keyLength, end, where),
  };
}

/** Encodes a Set Data Encryption page. */
export function encodeSetDataEncryption(p: SetDataEncryptionPage): Uint8Array {
  const keyAt = SET_DATA_ENCRYPTION_FIXED.size!;
  const out = new Uint8Array(keyAt + p.key.length + kadsSize(p.kads));
  const { key, kads, pageCode, pageLength, ...fixed } = p;
  SET_DATA_ENCRYPTION_FIXED.encodeInto(
    {
      ...fixed,
      pageCode: pageCode ?? TDE_PAGE.SET_DATA_ENCRYPTION,
      pageLength: pageLength ?? out.length - PAGE_HEADER_BYTES,
      keyLength: key.length,
    },
    out,
    0,
  );
  out.set(key, keyAt);
  encodeKadsInto(kads, out, keyAt + key.length);
  return out;
}

/**
 * The 32 key bytes Bareos loads for a passphrase (spec §2 "How the Bareos key bytes are formed"): its
 * `bstrncpy(key, pass, 32)` copies at most 31 characters, stops at a NUL, and forces byte 31 to 0.
 */
export function bareosDriveKey(passphrase: Uint8Array): Uint8Array {
  const key = new Uint8Array(SDE_KEY_BYTES);
  for (let i = 0; i < SDE_KEY_BYTES - 1 && i < passphrase.length && passphrase[i] !== 0; i++)
    key[i] = passphrase[i]!;
  return key;
}

const bareosPage = (
  encryptionMode: number,
  decryptionMode: number,
  key: Uint8Array,
): SetDataEncryptionPage => ({
  scope: SCOPE.ALL_I_T_NEXUS,
  lock: false,
  ceem: 0,
  rdmc: 0,
  sdk: false,
  ckod: false,
  ckorp: false,
  ckorl: false,
  encryptionMode,
  decryptionMode,
  algorithmIndex: 1,
  keyFormat: KEY_FORMAT.PLAIN,
  kadFormat: KAD_FORMAT.UNSPECIFIED,
  key,
  kads: [],
});

/**
 * Bareos' LOAD page: scope all I_T nexus, ENCRYPT, MIXED, algorithm index 1, the key from
 * {@link bareosDriveKey}: `00 10 00 30 40 00 02 03 01 00 … 00 20` + 32 key bytes.
 */
export const bareosLoadKeyPage = (passphrase: Uint8Array): SetDataEncryptionPage =>
  bareosPage(ENCRYPTION_MODE.ENCRYPT, DECRYPTION_MODE.MIXED, bareosDriveKey(passphrase));

/** Bareos' CLEAR page: DISABLE/DISABLE, algorithm index 1, key length 32 with a zero key. */
export const bareosClearKeyPage = (): SetDataEncryptionPage =>
  bareosPage(ENCRYPTION_MODE.DISABLE, DECRYPTION_MODE.DISABLE, new Uint8Array(SDE_KEY_BYTES));
