/**
 * The simulated drive's data encryption (spec scsi.md §2, §3, §8): the parameters of the last accepted
 * Set Data Encryption page, the key (held only here, never returned by any command), the key instance
 * counter, and AES-256-GCM per logical block with node:crypto.
 *
 * Each encrypted block is stored as ciphertext with its 12-byte IV, 16-byte tag and an 8-byte key check
 * value (HMAC-SHA-256 of a fixed label under the key, truncated): the check value lets the drive tell
 * "another key" (74/03) from "damaged block" (74/04) without trying to decrypt, the way a real drive
 * compares its key with the key reference recorded with the block. The block's KAD descriptors are stored
 * beside it (tape-image-format.ts) but not bound into the tag, so a RAW read and an EXTERNAL write move a block
 * between drives whatever KADs they are configured with.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Kad } from '../scsi/pages/kad.js';
import { ENCRYPTION_STATUS } from '../scsi/pages/spin-next-block.js';
import { PARAMETERS_CONTROL } from '../scsi/pages/spin-status.js';
import { DECRYPTION_MODE, ENCRYPTION_MODE } from '../scsi/pages/tde-codes.js';
import {
  GCM_IV_BYTES,
  GCM_TAG_BYTES,
  KEY_CHECK_BYTES,
  type BlockEncryption,
  type TapeEntry,
} from './tape-image-format.js';

/** RDMC values (SDE byte 5 bits 5-4): 1 is reserved. */
export const RAW_DECRYPTION_MODE_CONTROL = { DEFAULT: 0, ENABLED: 2, DISABLED: 3 } as const;
/** CEEM values (SDE byte 5 bits 7-6). */
export const CHECK_EXTERNAL_ENCRYPTION_MODE = { VENDOR: 0, NO_CHECK: 1, EXTERNAL: 2, ENCRYPT: 3 } as const;
/** The one algorithm: index 1 = AES-256-GCM (spec §2; its security algorithm code is 0x00010014, §3). */
export const AES256_GCM_ALGORITHM_INDEX = 1;
/** AES-256 key length. */
export const DRIVE_KEY_BYTES = 32;
/** Bytes a RAW read returns / an EXTERNAL write sends on top of the data: key check, IV, tag. */
export const RAW_BLOCK_OVERHEAD_BYTES = KEY_CHECK_BYTES + GCM_IV_BYTES + GCM_TAG_BYTES;

const KEY_CHECK_LABEL = 'sdpipe simulated drive key check v1';

/** The data encryption parameters the drive holds (from the last accepted SDE page). */
export interface EncryptionParameters {
  /** SCOPE (0 public, 1 local, 2 all I_T nexus), reported back in DES byte 4. */
  readonly scope: number;
  readonly lock: boolean;
  readonly ceem: number;
  readonly rdmc: number;
  readonly ckod: boolean;
  readonly ckorp: boolean;
  readonly ckorl: boolean;
  readonly encryptionMode: number;
  readonly decryptionMode: number;
  readonly algorithmIndex: number;
  readonly kadFormat: number;
  /** KAD descriptors of the page (U-KAD/A-KAD), stored with every block written with them. */
  readonly kads: readonly Kad[];
}

/** Power-on parameters: no encryption, no decryption. */
export const DEFAULT_ENCRYPTION_PARAMETERS: EncryptionParameters = {
  scope: 0,
  lock: false,
  ceem: 0,
  rdmc: 0,
  ckod: false,
  ckorp: false,
  ckorl: false,
  encryptionMode: ENCRYPTION_MODE.DISABLE,
  decryptionMode: DECRYPTION_MODE.DISABLE,
  algorithmIndex: AES256_GCM_ALGORITHM_INDEX,
  kadFormat: 0,
  kads: [],
};

/** ASCQ values under ASC 74h, all with DATA PROTECT (spec §4). */
export const SECURITY_ASCQ = {
  UNABLE_TO_DECRYPT: 0x01,
  UNENCRYPTED_WHILE_DECRYPTING: 0x02,
  INCORRECT_KEY: 0x03,
  INTEGRITY_FAILED: 0x04,
  ENCRYPTION_MODE_MISMATCH: 0x09,
  NOT_RAW_READ_ENABLED: 0x0a,
  INCORRECT_PARAMETERS: 0x0b,
  CONFIGURATION_PREVENTED: 0x21,
} as const;
const refuse = (ascq: number) => ({ kind: 'refused', ascq }) as const;

/** What a READ of one stored block gives under the current parameters (spec §8 table). */
export type BlockReadPlan =
  | { readonly kind: 'plain' }
  | { readonly kind: 'decrypt' }
  | { readonly kind: 'raw' }
  /** DATA PROTECT 74h with this ASCQ (spec §4, §8). */
  | { readonly kind: 'refused'; readonly ascq: number };

const keyCheckOf = (key: Uint8Array): Uint8Array =>
  new Uint8Array(createHmac('sha256', key).update(KEY_CHECK_LABEL).digest().subarray(0, KEY_CHECK_BYTES));

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Key state and per-block cryptography of one drive. The key lives in a Buffer owned here, zeroed when it
 * is replaced or cleared; nothing returns it.
 */
export class DriveCrypto {
  private key: Buffer | undefined;
  private keyCheck: Uint8Array | undefined;
  private params: EncryptionParameters = DEFAULT_ENCRYPTION_PARAMETERS;
  private counter = 0;
  private control: number = PARAMETERS_CONTROL.NOT_REPORTED;

  /** Current parameters (never the key). */
  get parameters(): EncryptionParameters {
    return this.params;
  }
  /** KEY INSTANCE COUNTER (DES bytes 8-11). */
  get keyInstanceCounter(): number {
    return this.counter;
  }
  /** PARAMETERS CONTROL (DES byte 12 bits 6-4). */
  get parametersControl(): number {
    return this.control;
  }
  /** True while a key is loaded. */
  get hasKey(): boolean {
    return this.key !== undefined;
  }

  /**
   * Applies an accepted SDE page (spec §8): the counter goes up by one (also for a CLEAR page), PARAMETERS
   * CONTROL becomes "application managed", and the key is kept only when a mode needs it (a key sent with
   * DISABLE/EXTERNAL + DISABLE/RAW is ignored). `key` is copied; the caller may zero its own copy.
   */
  apply(params: EncryptionParameters, key: Uint8Array | undefined): void {
    this.dropKey();
    this.params = params;
    if (key && needsKey(params)) {
      this.key = Buffer.from(key);
      this.keyCheck = keyCheckOf(this.key);
    }
    this.counter = (this.counter + 1) >>> 0;
    this.control = PARAMETERS_CONTROL.APPLICATION;
  }

  /** Called at demount: with CKOD set the parameters go back to their defaults and the key is cleared. */
  demount(): void {
    if (!this.params.ckod) return;
    this.dropKey();
    this.params = DEFAULT_ENCRYPTION_PARAMETERS;
    this.counter = (this.counter + 1) >>> 0;
  }

  /** A power cycle: key cleared, parameters and counter back to power-on values (spec §8, serverfault 864580). */
  powerCycle(): void {
    this.dropKey();
    this.params = DEFAULT_ENCRYPTION_PARAMETERS;
    this.counter = 0;
    this.control = PARAMETERS_CONTROL.NOT_REPORTED;
  }

  /** Reports parameters as set by a library (DES PARAMETERS CONTROL 3). */
  setLibraryControlled(): void {
    this.control = PARAMETERS_CONTROL.AUTOMATION_INTERFACE;
  }

  /** Counts a parameter change made elsewhere (another I_T nexus, a vendor event; spec §8). */
  bumpCounter(): void {
    this.counter = (this.counter + 1) >>> 0;
  }

  /** Encrypts one block with the loaded key (ENCRYPT mode); a fresh random IV per block. */
  encrypt(plain: Uint8Array): { readonly ciphertext: Buffer; readonly encryption: BlockEncryption } {
    if (!this.key || !this.keyCheck) throw new Error('no key loaded');
    const iv = randomBytes(GCM_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const first = cipher.update(plain);
    const last = cipher.final();
    const ciphertext = last.length === 0 ? first : Buffer.concat([first, last]);
    return {
      ciphertext,
      encryption: {
        external: false,
        rawReadDisabled: this.params.rdmc === RAW_DECRYPTION_MODE_CONTROL.DISABLED,
        keyCheck: this.keyCheck,
        iv,
        tag: cipher.getAuthTag(),
      },
    };
  }

  /** Decrypts one block; undefined when the tag does not verify (74/04). */
  decrypt(ciphertext: Uint8Array, enc: BlockEncryption): Buffer | undefined {
    if (!this.key) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.key, enc.iv);
    decipher.setAuthTag(enc.tag);
    try {
      const first = decipher.update(ciphertext);
      const last = decipher.final();
      return last.length === 0 ? first : Buffer.concat([first, last]);
    } catch {
      return undefined;
    }
  }

  /** True when `enc` was written with the loaded key. */
  keyMatches(enc: BlockEncryption): boolean {
    return this.keyCheck !== undefined && sameBytes(this.keyCheck, enc.keyCheck);
  }

  /** How a READ treats `entry` (a block) under the current decryption mode (spec §8 table). */
  planRead(entry: TapeEntry): BlockReadPlan {
    const mode = this.params.decryptionMode;
    const enc = entry.encryption;
    if (!enc) {
      return mode === DECRYPTION_MODE.DECRYPT
        ? refuse(SECURITY_ASCQ.UNENCRYPTED_WHILE_DECRYPTING)
        : { kind: 'plain' };
    }
    switch (mode) {
      case DECRYPTION_MODE.RAW:
        return enc.rawReadDisabled ? refuse(SECURITY_ASCQ.NOT_RAW_READ_ENABLED) : { kind: 'raw' };
      case DECRYPTION_MODE.DECRYPT:
      case DECRYPTION_MODE.MIXED: {
        const ceem = this.params.ceem;
        if (
          (ceem === CHECK_EXTERNAL_ENCRYPTION_MODE.EXTERNAL && enc.external) ||
          (ceem === CHECK_EXTERNAL_ENCRYPTION_MODE.ENCRYPT && !enc.external)
        )
          return refuse(SECURITY_ASCQ.ENCRYPTION_MODE_MISMATCH);
        return this.keyMatches(enc) ? { kind: 'decrypt' } : refuse(SECURITY_ASCQ.INCORRECT_KEY);
      }
      default:
        return refuse(SECURITY_ASCQ.UNABLE_TO_DECRYPT);
    }
  }

  /** NBES ENCRYPTION STATUS of the object at the position (undefined = end of data). */
  nextBlockStatus(entry: TapeEntry | undefined): number {
    const S = ENCRYPTION_STATUS;
    if (!entry) return S.NOT_AVAILABLE_NOW;
    if (entry.kind === 'filemark') return S.NOT_A_LOGICAL_BLOCK;
    if (!entry.encryption) return S.NOT_ENCRYPTED;
    const decrypting =
      this.params.decryptionMode === DECRYPTION_MODE.DECRYPT ||
      this.params.decryptionMode === DECRYPTION_MODE.MIXED;
    return decrypting && this.keyMatches(entry.encryption) ? S.ENCRYPTED : S.ENCRYPTED_NO_KEY;
  }

  private dropKey(): void {
    this.key?.fill(0);
    this.key = undefined;
    this.keyCheck = undefined;
  }
}

/** True when the modes need a key: ENCRYPT, or DECRYPT/MIXED (spec §2 notes, Quantum LTO-4 manual). */
export const needsKey = (p: Pick<EncryptionParameters, 'encryptionMode' | 'decryptionMode'>): boolean =>
  p.encryptionMode === ENCRYPTION_MODE.ENCRYPT ||
  p.decryptionMode === DECRYPTION_MODE.DECRYPT ||
  p.decryptionMode === DECRYPTION_MODE.MIXED;

/** The raw form of an encrypted block (RAW read, EXTERNAL write): key check ‖ IV ‖ ciphertext ‖ tag. */
export function rawBlock(ciphertext: Uint8Array, enc: BlockEncryption): Buffer {
  return Buffer.concat([enc.keyCheck, enc.iv, ciphertext, enc.tag]);
}

/** Splits a raw block written in EXTERNAL mode; undefined when it is too short to be one. */
export function parseRawBlock(
  raw: Uint8Array,
  rawReadDisabled: boolean,
): { readonly ciphertext: Uint8Array; readonly encryption: BlockEncryption } | undefined {
  if (raw.length < RAW_BLOCK_OVERHEAD_BYTES) return undefined;
  const ivAt = KEY_CHECK_BYTES;
  const dataAt = ivAt + GCM_IV_BYTES;
  const tagAt = raw.length - GCM_TAG_BYTES;
  return {
    ciphertext: raw.subarray(dataAt, tagAt),
    encryption: {
      external: true,
      rawReadDisabled,
      keyCheck: raw.slice(0, ivAt),
      iv: raw.slice(ivAt, dataAt),
      tag: raw.slice(tagAt),
    },
  };
}
