/**
 * Tape data encryption (security protocol 0x20) page codes and the coded values the SPIN/SPOUT pages
 * share, with the names spec scsi.md §2-§3 gives them.
 */

/** Security protocol 0x20 page codes (spec §3). */
export const TDE_PAGE = {
  IN_SUPPORT: 0x0000,
  OUT_SUPPORT: 0x0001,
  DATA_ENCRYPTION_CAPABILITIES: 0x0010,
  SUPPORTED_KEY_FORMATS: 0x0011,
  DATA_ENCRYPTION_MANAGEMENT_CAPABILITIES: 0x0012,
  DATA_ENCRYPTION_STATUS: 0x0020,
  NEXT_BLOCK_ENCRYPTION_STATUS: 0x0021,
  RANDOM_NUMBER: 0x0030,
  DEVICE_SERVER_KEY_WRAPPING_PUBLIC_KEY: 0x0031,
  /** SPOUT page. */
  SET_DATA_ENCRYPTION: 0x0010,
} as const;

/** Security protocol 0x00 (security protocol information) page codes (spec §1). */
export const SECURITY_INFORMATION_PAGE = { SUPPORTED_PROTOCOLS: 0x0000, CERTIFICATE_DATA: 0x0001 } as const;

/** SCOPE (SDE byte 4 bits 7-5) and I_T NEXUS SCOPE (DES byte 4 bits 7-5). */
export const SCOPE = { PUBLIC: 0, LOCAL: 1, ALL_I_T_NEXUS: 2 } as const;
/** ENCRYPTION MODE. */
export const ENCRYPTION_MODE = { DISABLE: 0, EXTERNAL: 1, ENCRYPT: 2 } as const;
/** DECRYPTION MODE. */
export const DECRYPTION_MODE = { DISABLE: 0, RAW: 1, DECRYPT: 2, MIXED: 3 } as const;
/** LOGICAL BLOCK ENCRYPTION KEY FORMAT. */
export const KEY_FORMAT = { PLAIN: 0, VENDOR_REFERENCE: 1, WRAPPED_PUBLIC_KEY: 2, ESP_SCSI: 3 } as const;
/** KAD FORMAT. */
export const KAD_FORMAT = { UNSPECIFIED: 0, BINARY_KEY_NAME: 1, ASCII_KEY_NAME: 2 } as const;

/** Names of SCOPE / I_T NEXUS SCOPE values, for text output. */
export const SCOPE_NAMES: Readonly<Record<number, string>> = { 0: 'public', 1: 'local', 2: 'all I_T nexus' };
/** Names of ENCRYPTION MODE values. */
export const ENCRYPTION_MODE_NAMES: Readonly<Record<number, string>> = {
  0: 'DISABLE',
  1: 'EXTERNAL',
  2: 'ENCRYPT',
};
/** Names of DECRYPTION MODE values. */
export const DECRYPTION_MODE_NAMES: Readonly<Record<number, string>> = {
  0: 'DISABLE',
  1: 'RAW',
  2: 'DECRYPT',
  3: 'MIXED',
};
/** Names of CEEM (check external encryption mode) values. */
export const CEEM_NAMES: Readonly<Record<number, string>> = {
  0: 'vendor specific',
  1: 'do not check',
  2: 'check, error if written EXTERNAL',
  3: 'check, error if written ENCRYPT',
};
/** Names of RDMC (raw decryption mode control) values. */
export const RDMC_NAMES: Readonly<Record<number, string>> = {
  0: 'algorithm default',
  2: 'raw read enabled',
  3: 'raw read disabled',
};
/** Names of LOGICAL BLOCK ENCRYPTION KEY FORMAT values. */
export const KEY_FORMAT_NAMES: Readonly<Record<number, string>> = {
  0: 'plain key',
  1: 'vendor-specific key reference',
  2: 'wrapped by the device public key',
  3: 'ESP-SCSI',
};
/** Names of KAD FORMAT values. */
export const KAD_FORMAT_NAMES: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'binary key name',
  2: 'ASCII key name',
};

/** Security algorithm codes (spec §3, descriptor bytes 20-23). */
export const ALGORITHM_CODE = { AES_256_GCM_128: 0x00010014, AES_256_CCM_128: 0x00010010 } as const;
/** Names of the security algorithm codes (stenc's names). */
export const ALGORITHM_CODE_NAMES: Readonly<Record<number, string>> = {
  0x00010014: 'AES-256-GCM-128',
  0x00010010: 'AES-256-CCM-128',
};
