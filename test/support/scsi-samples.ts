/**
 * Sense data and pages published in the spec (scsi.md §2-§5, §8) and measured on tgt
 * (test-environment.md §2), as hex. Where a source states the fields but not the bytes, the bytes are
 * built from the stated fields and marked "constructed".
 */

/** Hex text (spaces allowed) to bytes. */
export const hex = (text: string): Uint8Array =>
  Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
/** Bytes to lower-case hex without spaces. */
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const zeros = (n: number) => ' 00'.repeat(n);

/** Sense data samples, each with what the spec says about it. */
export const SENSE_SAMPLES = {
  /** stenc PR #28: SDE page with ALGORITHM INDEX 0, HP-made drive, 24 bytes (spec §8). */
  stencPr28: hex('70 00 05 00 00 00 00 10 00 00 00 00 26 00 00 8f 00 08 00 00 00 00 00 00'),
  /** sg3_utils issue #71: a bad MODE SELECT parameter byte, pointer byte 3 bit 3, 24 bytes (constructed). */
  sg3Issue71: hex('70 00 05 00 00 00 00 10 00 00 00 00 26 00 00 8b 00 03 00 00 00 00 00 00'),
  /**
   * IBM ULTRIUM-TD8 refusing a SPIN (24/00, stenc #55), 96 bytes with the §4 vendor layout (constructed):
   * 18-19 first-error flag data, 21 b0 VolValid, 22-28 volume label, 29 wrap, 30-33 relative LPOS,
   * 34 SCSI address, 35 frame/drive, then the failing opcode (0xA2).
   */
  ibmTd8Spin: hex(
    '70 00 05 00 00 00 00 58 00 00 00 00 24 00 00 00 00 00' +
      ' 12 34 00 01 54 41 50 45 30 31 4c 05 00 00 12 34 07 21' +
      ' a2' +
      zeros(59),
  ),
  /** mhVTL-style 96-byte sense with VALID set (byte 0 = 0xF0), DATA PROTECT 74/01 (constructed). */
  mhvtlUnableToDecrypt: hex('f0 00 07 00 00 00 00 58 00 00 00 00 74 01' + zeros(82)),
  /** tgt: READ(6) of 4096 on a 1000-byte block: NO SENSE, VALID + ILI, info +3096. */
  tgtShortBlock: hex('f0 00 20 00 00 0c 18 0a 00 00 00 00 00 00 00 00 00 00'),
  /** tgt: READ(6) of 64 KiB on a 1 MiB block: ILI, info −983040. */
  tgtLongBlock: hex('f0 00 20 ff f1 00 00 0a 00 00 00 00 00 00 00 00 00 00'),
  /** tgt: READ(6) of 65536 on a filemark: 00/01, FM, VALID, info = requested length. */
  tgtFilemark: hex('f0 00 80 00 01 00 00 0a 00 00 00 00 00 01 00 00 00 00'),
  /** tgt: fixed READ of 6 blocks over 4 blocks + FM: 00/01, FM, info = 2 blocks not read. */
  tgtFixedFilemark: hex('f0 00 80 00 00 00 02 0a 00 00 00 00 00 01 00 00 00 00'),
  /** tgt: READ(6) at end of data: BLANK CHECK 00/00 with EOM, no VALID. */
  tgtEndOfData: hex('70 00 48 00 00 00 00 0a 00 00 00 00 00 00 00 00 00 00'),
  /** tgt: SPACE at end of data: NO SENSE 00/05, no residue. */
  tgtSpaceEndOfData: hex('70 00 00 00 00 00 00 0a 00 00 00 00 00 05 00 00 00 00'),
  /** tgt: WRITE past the media size: NO SENSE 00/00 with EOM. */
  tgtEarlyWarning: hex('70 00 40 00 00 00 00 0a 00 00 00 00 00 00 00 00 00 00'),
  /** tgt: unsupported command (LOG SENSE, SPIN, SPOUT, LOCATE …): ILLEGAL REQUEST 20/00. */
  tgtInvalidOpcode: hex('70 00 05 00 00 00 00 0a 00 00 00 00 20 00 00 00 00 00'),
  /** tgt: READ POSITION extended form, MODE SENSE page 0x11: ILLEGAL REQUEST 24/00. */
  tgtInvalidFieldInCdb: hex('70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 00 00 00'),
  /** tgt: REQUEST SENSE: NO SENSE. */
  tgtNoSense: hex('70 00 00 00 00 00 00 0a 00 00 00 00 00 00 00 00 00 00'),
  /** Real drives at end of data: BLANK CHECK 00/05 (spec §7). */
  endOfData: hex('70 00 08 00 00 00 00 0a 00 00 00 00 00 05 00 00 00 00'),
  /** §8 read table: encrypted block, no key: DATA PROTECT 74/01. */
  unableToDecrypt: hex('70 00 07 00 00 00 00 0a 00 00 00 00 74 01 00 00 00 00'),
  /** §8: plain block in DECRYPT mode: 74/02. */
  unencryptedWhileDecrypting: hex('70 00 07 00 00 00 00 0a 00 00 00 00 74 02 00 00 00 00'),
  /** §8: other key: 74/03. */
  incorrectKey: hex('70 00 07 00 00 00 00 0a 00 00 00 00 74 03 00 00 00 00'),
  /** §8: RAW read of a raw-read-disabled block: 74/0A. */
  notRawReadEnabled: hex('70 00 07 00 00 00 00 0a 00 00 00 00 74 0a 00 00 00 00'),
  /** §8 library-managed encryption: SPOUT refused, 74/21. */
  configurationPrevented: hex('70 00 07 00 00 00 00 0a 00 00 00 00 74 21 00 00 00 00'),
  /** §4: key instance counter changed: DATA PROTECT 2A/13. */
  keyInstanceCounterChanged: hex('70 00 07 00 00 00 00 0a 00 00 00 00 2a 13 00 00 00 00'),
  /** §4: parameters changed by another I_T nexus: UNIT ATTENTION 2A/11. */
  parametersChangedByOther: hex('70 00 06 00 00 00 00 0a 00 00 00 00 2a 11 00 00 00 00'),
  /** §7: no medium: NOT READY 3A/00. */
  mediumNotPresent: hex('70 00 02 00 00 00 00 0a 00 00 00 00 3a 00 00 00 00 00'),
  /** §7: becoming ready: NOT READY 04/01, progress 25 % (constructed). */
  becomingReady: hex('70 00 02 00 00 00 00 0a 00 00 00 00 04 01 00 80 40 00'),
  /** §7: medium changed: UNIT ATTENTION 28/00. */
  mediumChanged: hex('70 00 06 00 00 00 00 0a 00 00 00 00 28 00 00 00 00 00'),
  /** §7: reset: UNIT ATTENTION 29/00. */
  powerOnReset: hex('70 00 06 00 00 00 00 0a 00 00 00 00 29 00 00 00 00 00'),
  /** §7: write protected: DATA PROTECT 27/00. */
  writeProtected: hex('70 00 07 00 00 00 00 0a 00 00 00 00 27 00 00 00 00 00'),
  /** §7: unrecovered read error: MEDIUM ERROR 11/00, with a retry count (constructed). */
  unrecoveredRead: hex('70 00 03 00 00 00 00 0a 00 00 00 00 11 00 00 80 00 05'),
  /** Write error: MEDIUM ERROR 0C/00. */
  writeError: hex('70 00 03 00 00 00 00 0a 00 00 00 00 0c 00 00 00 00 00'),
  /** Cannot read medium, incompatible format: MEDIUM ERROR 30/02. */
  incompatibleFormat: hex('70 00 03 00 00 00 00 0a 00 00 00 00 30 02 00 00 00 00'),
  /** Sequential positioning error: MEDIUM ERROR 3B/00. */
  positioningError: hex('70 00 03 00 00 00 00 0a 00 00 00 00 3b 00 00 00 00 00'),
  /** Writing at the physical end: VOLUME OVERFLOW 00/02 with EOM, VALID, 1 block not written. */
  volumeOverflow: hex('f0 00 4d 00 00 00 01 0a 00 00 00 00 00 02 00 00 00 00'),
  /** Data decryption key fail limit reached: DATA PROTECT 26/10. */
  keyFailLimit: hex('70 00 07 00 00 00 00 0a 00 00 00 00 26 10 00 00 00 00'),
  /** IBM vendor code, library-managed: DATA PROTECT EF/10 "key required". */
  ibmKeyRequired: hex('70 00 07 00 00 00 00 0a 00 00 00 00 ef 10 00 00 00 00'),
  /** Deferred error (0x71): a buffered write failed, MEDIUM ERROR 0C/00 (constructed). */
  deferredWriteError: hex('71 00 03 00 00 00 00 0a 00 00 00 00 0c 00 00 00 00 00'),
  /** Descriptor format (D_SENSE): 74/01 with an information descriptor (constructed). */
  descriptorUnableToDecrypt: hex('72 07 74 01 00 00 00 0c 00 0a 80 00 00 00 00 00 00 00 00 05'),
  /** Descriptor format: the stenc PR #28 condition with a sense-key specific descriptor (constructed). */
  descriptorFieldPointer: hex('72 05 26 00 00 00 00 08 02 06 00 00 8f 00 08 00'),
  /** Descriptor format: filemark on read with information and stream-commands descriptors (constructed). */
  descriptorFilemark: hex('72 00 00 01 00 00 00 10 00 0a 80 00 00 00 00 00 00 01 00 00 04 02 00 80'),
  /** Descriptor format: end of data with EOM in a stream-commands descriptor (constructed). */
  descriptorEndOfData: hex('72 08 00 05 00 00 00 04 04 02 00 40'),
} as const;

const KEY = Array.from({ length: 31 }, (_, i) => (0x41 + i).toString(16)).join(' ') + ' 00';

/** Pages from spec §2-§5 (the Bareos pages are given as hex there; the others are constructed from fields). */
export const PAGE_SAMPLES = {
  /** Bareos LOAD page (spec §2), key = "ABC…" 31 characters + NUL. */
  bareosLoad: hex(`00 10 00 30 40 00 02 03 01 00 00 00 00 00 00 00 00 00 00 20 ${KEY}`),
  /** Bareos CLEAR page (spec §2). */
  bareosClear: hex(`00 10 00 30 40 00 00 00 01 00 00 00 00 00 00 00 00 00 00 20${zeros(32)}`),
  /** stenc-style SDE: CEEM 1, RDMC 3 (disable), CKOD, KAD format ASCII, U-KAD "BACKUP01" (constructed). */
  stencWithKad: hex(
    `00 10 00 3c 40 74 02 02 01 00 02 00 00 00 00 00 00 00 00 20 ${KEY} 00 00 00 08 42 41 43 4b 55 50 30 31`,
  ),
  /** Data Encryption Status after a Bareos LOAD: scope 2, ENCRYPT/MIXED, index 1, counter 1, params control 1, VCELB (constructed from §3/§8). */
  desAfterLoad: hex('00 20 00 14 40 02 03 01 00 00 00 01 18 00 00 00 00 00 00 00 00 00 00 00'),
  /** DES with a U-KAD echoed (constructed). */
  desWithKad: hex(
    '00 20 00 1c 40 02 02 01 00 00 00 03 10 02 00 00 00 00 00 00 00 00 00 00 00 00 00 04 54 45 53 54',
  ),
  /** mhVTL's DES: PAGE LENGTH 0x20 for a 24-byte page, byte 4 = 0x21 (emulator bug, spec §3). */
  desMhvtl: hex('00 20 00 20 21 02 03 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00'),
  /** Next Block Encryption Status with no medium (Quantum LTO-4, spec §8): page length 0x000C, all 0. */
  nbesNoMedium: hex('00 21 00 0c 00 00 00 00 00 00 00 00 00 00 00 00'),
  /** NBES: block 42 encrypted with the loaded key (status 5), U-KAD "TEST" (constructed). */
  nbesEncrypted: hex('00 21 00 14 00 00 00 00 00 00 00 2a 35 01 00 02 00 00 00 04 54 45 53 54'),
  /** Data Encryption Capabilities, HP LTO-5 style: EXTDECC 10b, CFG_P 01b, one AES-256-GCM descriptor (constructed). */
  capabilitiesHp: hex(
    '00 10 00 28 09' + zeros(15) + ' 01 00 00 14 8a 0c 00 20 00 0c 00 20 16 00 00 00 00 00 00 00 00 01 00 14',
  ),
  /** stenc's two-algorithm page: PAGE LENGTH 0x3C but 64 bytes after the header (spec §3). */
  capabilitiesTwoAlgorithms: hex(
    '00 10 00 3c 09' +
      zeros(15) +
      ' 01 00 00 14 8a 0c 00 20 00 0c 00 20 16 00 00 00 00 00 00 00 00 01 00 14' +
      ' 02 00 00 14 8a 0c 00 20 00 0c 00 20 16 00 00 00 00 00 00 00 00 01 00 10',
  ),
  /** SPIN page 0x0000 of a T10000 / mhVTL (spec §3). */
  inSupportT10000: hex('00 00 00 0e 00 00 00 01 00 10 00 11 00 12 00 20 00 21'),
  /**
   * SPIN page 0x0000 of a Quantum LTO-4 (spec §3): PAGE LENGTH 0x0014 as the spec gives it, with the nine
   * page codes it names (18 bytes; the spec's length and list disagree by one code).
   */
  inSupportQuantum: hex('00 00 00 14 00 00 00 01 00 10 00 11 00 12 00 20 00 21 00 30 00 31'),
  /** SPIN page 0x0001 (spec §3). */
  outSupport: hex('00 01 00 02 00 10'),
  /** Protocol 0x00 page 0x0000: protocols 0x00 and 0x20 (spec §1). */
  supportedProtocols: hex('00 00 00 00 00 00 00 02 00 20'),
  /** Protocol 0x00 page 0x0001 on Quantum/T10000: certificate length 0 (spec §1). */
  certificateEmpty: hex('00 00 00 00'),
} as const;

/** A TapeAlert page as a real drive returns it (spec §5) with the given flags set. */
export function tapeAlertPageHex(set: readonly number[], control = 0x40): Uint8Array {
  let text = '2e 00 01 40';
  for (let n = 1; n <= 64; n++)
    text += ` 00 ${n.toString(16).padStart(2, '0')} ${control.toString(16)} 01 0${set.includes(n) ? 1 : 0}`;
  return hex(text);
}
