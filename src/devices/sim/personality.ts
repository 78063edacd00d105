/**
 * Drive personalities of the simulator: what differs between vendors in what the host sees — INQUIRY
 * identity, sense data length and vendor bytes (spec scsi.md §4 "Sense length and format by source",
 * §8 "Sense data shape"), block limits, density, and the SSC-3 treatment of SDE byte 10 (§2, §8).
 */
import { ascii, bitTable, field, flag, flatLayout, packed, reserved, u32be, u8 } from '../../layout.js';

/** Personality names a `sim:` spec accepts. */
export const PERSONALITY_NAMES = ['hp', 'ibm'] as const;
/** A personality name. */
export type PersonalityName = (typeof PERSONALITY_NAMES)[number];

/** What the vendor bytes of the sense data may show about the drive's state. */
export interface SenseVendorContext {
  /** Barcode of the loaded cartridge, undefined when none is loaded. */
  readonly volume: string | undefined;
  /** Current logical object number (stands in for the longitudinal position). */
  readonly position: number;
}

/** One drive personality. */
export interface DrivePersonality {
  readonly name: PersonalityName;
  /** INQUIRY VENDOR IDENTIFICATION (8), PRODUCT IDENTIFICATION (16), PRODUCT REVISION LEVEL (4). */
  readonly vendor: string;
  readonly product: string;
  readonly revision: string;
  /** Total fixed-format sense bytes (ADDITIONAL SENSE LENGTH = this − 8). */
  readonly senseBytes: number;
  /** Bytes 18.. of fixed-format sense data. */
  vendorSenseBytes(context: SenseVendorContext): Uint8Array;
  /** READ BLOCK LIMITS maximum block length, and the largest block WRITE accepts. */
  readonly maxBlockBytes: number;
  /** Density code reported in the mode block descriptor (LTO generation). */
  readonly densityCode: number;
  /** SSC-3 SDE layout: byte 10 (KAD FORMAT in SSC-4) is reserved and must be 0 (Quantum LTO-4, T10000). */
  readonly ssc3SdeLayout: boolean;
}

// IBM LTO vendor sense bytes 18-35 (spec §4; IBM LTO sense-data appendix), offsets from sense byte 18.
const IBM_VENDOR_SENSE = flatLayout('IbmVendorSense', [
  field('firstErrorFlagData', ascii(2)),
  field('reserved20', reserved(1)),
  // Sense byte 21.
  field('byte21', packed(bitTable('IbmSenseByte21', 3, 1, [flag('volValid', 3, 0)]))),
  field('volumeLabel', ascii(7)),
  field('wrap', u8),
  field('relativeLpos', u32be),
  field('scsiAddress', u8),
  field('frameDrive', u8),
]);
const IBM_SENSE_BYTES = 96;
const HP_SENSE_BYTES = 24;
const FIXED_SENSE_HEAD_BYTES = 18;

const hpVendorBytes = new Uint8Array(HP_SENSE_BYTES - FIXED_SENSE_HEAD_BYTES);

/** HP-made LTO-6: 24-byte sense, bytes 18-23 zero (stenc PR #28, sg3_utils issue #71). */
export const HP_PERSONALITY: DrivePersonality = {
  name: 'hp',
  vendor: 'HP',
  product: 'Ultrium 6-SCSI',
  revision: 'J5SW',
  senseBytes: HP_SENSE_BYTES,
  vendorSenseBytes: () => hpVendorBytes,
  maxBlockBytes: 0xffffff,
  densityCode: 0x5a,
  ssc3SdeLayout: false,
};

/** IBM ULTRIUM-TD6: 96-byte sense with the vendor bytes 18-35 of spec §4 (stenc #15, #55). */
export const IBM_PERSONALITY: DrivePersonality = {
  name: 'ibm',
  vendor: 'IBM',
  product: 'ULTRIUM-TD6',
  revision: 'J4D0',
  senseBytes: IBM_SENSE_BYTES,
  vendorSenseBytes: ({ volume, position }) => {
    const out = new Uint8Array(IBM_SENSE_BYTES - FIXED_SENSE_HEAD_BYTES);
    IBM_VENDOR_SENSE.encodeInto(
      {
        firstErrorFlagData: '',
        volValid: volume !== undefined,
        volumeLabel: (volume ?? '').slice(0, 7),
        wrap: 0,
        relativeLpos: position >>> 0,
        scsiAddress: 0,
        frameDrive: 0,
      },
      out,
      0,
    );
    return out;
  },
  maxBlockBytes: 0x800000,
  densityCode: 0x5a,
  ssc3SdeLayout: false,
};

/** Every personality, by name (the only list). */
export const PERSONALITIES: Readonly<Record<PersonalityName, DrivePersonality>> = {
  hp: HP_PERSONALITY,
  ibm: IBM_PERSONALITY,
};
