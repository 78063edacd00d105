/**
 * Drive operations beyond SSC reads and writes, as Bareos' scsicrypto-sd and scsitapealert-sd send them
 * (spec scsi.md §1–§3, §5): the SPIN encryption pages (status 0x0020, capabilities 0x0010, next block
 * 0x0021), SPOUT Set Data Encryption with Bareos' LOAD and CLEAR pages, and the LOG SENSE TapeAlert page.
 * A drive without the command (tgt answers ILLEGAL REQUEST 20/00, test-environment.md §2) gives one clear
 * typed error: SDP_DRIVE_NO_ENCRYPTION or SDP_DRIVE_NO_TAPEALERT naming the drive.
 */
import { DeviceError, type ErrorCode } from '../errors.js';
import type { DriveEncryption } from '../crypto/drive-encryption.js';
import { wipe } from '../crypto/key-material.js';
import {
  BAREOS_LOG_SENSE_ALLOCATION_BYTES,
  BAREOS_SPIN_ALLOCATION_BYTES,
  logSense,
  securityProtocolIn,
  securityProtocolOut,
  SECURITY_PROTOCOL,
} from './scsi/cdb.js';
import { ScsiError } from './scsi/scsi-error.js';
import { SENSE_KEY } from './scsi/asc-names.js';
import {
  decodeDataEncryptionCapabilities,
  type DataEncryptionCapabilitiesPage,
} from './scsi/pages/spin-capabilities.js';
import {
  decodeDataEncryptionStatus,
  formatDriveEncryptionStatus,
  type DataEncryptionStatusPage,
} from './scsi/pages/spin-status.js';
import {
  decodeNextBlockEncryptionStatus,
  formatVolumeEncryptionStatus,
  type NextBlockEncryptionStatusPage,
} from './scsi/pages/spin-next-block.js';
import { bareosClearKeyPage, bareosLoadKeyPage, encodeSetDataEncryption } from './scsi/pages/spout-sde.js';
import { decodeTapeAlertPage, TAPE_ALERT_PAGE_CODE, type TapeAlertPage } from './scsi/pages/log-tapealert.js';
import { TDE_PAGE } from './scsi/pages/tde-codes.js';
import { openTransport } from './scsi/transports.js';
import type { ScsiTransport } from './scsi/transport.js';
import { TapeDrive } from './tape-drive.js';

/** ASC of INVALID COMMAND OPERATION CODE (SPC-4): the drive does not implement the command. */
const ASC_INVALID_COMMAND_OPERATION_CODE = 0x20;

/** True when `e` is ILLEGAL REQUEST 20/00: the drive does not implement the command at all. */
export const isUnsupportedCommand = (e: unknown): e is ScsiError =>
  e instanceof ScsiError &&
  e.senseKey === SENSE_KEY.ILLEGAL_REQUEST &&
  e.asc === ASC_INVALID_COMMAND_OPERATION_CODE &&
  e.ascq === 0;

/** Encryption and TapeAlert commands of one drive. */
export class DriveOperations {
  constructor(readonly drive: TapeDrive) {}

  /** Runs `step`; ILLEGAL REQUEST 20/00 becomes `code` naming the drive and the command. */
  private async supported<T>(
    code: ErrorCode,
    message: string,
    command: string,
    step: () => Promise<T>,
  ): Promise<T> {
    try {
      return await step();
    } catch (e) {
      if (!isUnsupportedCommand(e)) throw e;
      throw new DeviceError(
        code,
        `${message}: ${this.drive.name}`,
        { drive: this.drive.name, command, senseKey: e.senseKey, asc: e.asc, ascq: e.ascq },
        { cause: e },
      );
    }
  }

  /** SPIN protocol 0x20, `page`, allocation as Bareos sends it (8196). */
  private spin(page: number, what: string): Promise<Uint8Array> {
    return this.supported('SDP_DRIVE_NO_ENCRYPTION', 'drive does not support encryption', what, async () => {
      const r = await this.drive.must(
        {
          cdb: securityProtocolIn({
            securityProtocol: SECURITY_PROTOCOL.TAPE_DATA_ENCRYPTION,
            securityProtocolSpecific: page,
            allocationLength: BAREOS_SPIN_ALLOCATION_BYTES,
          }),
          direction: 'in',
          allocationLength: BAREOS_SPIN_ALLOCATION_BYTES,
        },
        what,
      );
      return r.dataIn;
    });
  }

  /** SPIN page 0x0020 Data Encryption Status. */
  async encryptionStatus(): Promise<DataEncryptionStatusPage> {
    const what = 'SECURITY PROTOCOL IN 0x0020';
    return decodeDataEncryptionStatus(await this.spin(TDE_PAGE.DATA_ENCRYPTION_STATUS, what), {
      file: this.drive.name,
      command: what,
    });
  }

  /** SPIN page 0x0010 Data Encryption Capabilities (every descriptor received, as stenc reads it). */
  async capabilities(): Promise<DataEncryptionCapabilitiesPage> {
    const what = 'SECURITY PROTOCOL IN 0x0010';
    return decodeDataEncryptionCapabilities(await this.spin(TDE_PAGE.DATA_ENCRYPTION_CAPABILITIES, what), {
      file: this.drive.name,
      command: what,
    });
  }

  /** SPIN page 0x0021 Next Block Encryption Status. */
  async nextBlockStatus(): Promise<NextBlockEncryptionStatusPage> {
    const what = 'SECURITY PROTOCOL IN 0x0021';
    return decodeNextBlockEncryptionStatus(await this.spin(TDE_PAGE.NEXT_BLOCK_ENCRYPTION_STATUS, what), {
      file: this.drive.name,
      command: what,
    });
  }

  /** SPOUT page 0x0010 with the page bytes; the page is wiped afterwards (it may hold a key). */
  private spout(page: Uint8Array, what: string): Promise<void> {
    return this.supported('SDP_DRIVE_NO_ENCRYPTION', 'drive does not support encryption', what, async () => {
      try {
        await this.drive.must(
          {
            cdb: securityProtocolOut({
              securityProtocol: SECURITY_PROTOCOL.TAPE_DATA_ENCRYPTION,
              securityProtocolSpecific: TDE_PAGE.SET_DATA_ENCRYPTION,
              transferLength: page.length,
            }),
            direction: 'out',
            dataOut: page,
          },
          what,
        );
      } finally {
        wipe(page);
      }
    });
  }

  /**
   * Loads a volume key the way Bareos does (scsi.md §2): the passphrase's first 31 bytes and a NUL in a
   * LOAD page (ENCRYPT, MIXED, algorithm index 1, scope all I_T nexus). The caller keeps and wipes
   * `passphrase`; the page copy is wiped here.
   */
  async loadKey(passphrase: Uint8Array): Promise<void> {
    const page = bareosLoadKeyPage(passphrase);
    try {
      await this.spout(encodeSetDataEncryption(page), 'SECURITY PROTOCOL OUT 0x0010 (load key)');
    } finally {
      wipe(page.key);
    }
  }

  /** Clears the key with Bareos' CLEAR page (DISABLE/DISABLE, 32 zero key bytes). */
  async clearKey(): Promise<void> {
    await this.spout(
      encodeSetDataEncryption(bareosClearKeyPage()),
      'SECURITY PROTOCOL OUT 0x0010 (clear key)',
    );
  }

  /** LOG SENSE page 0x2E as Bareos asks for it (PC 0, allocation 2048); reading clears the drive's flags. */
  async tapeAlerts(): Promise<TapeAlertPage> {
    const what = 'LOG SENSE 0x2E';
    const bytes = await this.supported(
      'SDP_DRIVE_NO_TAPEALERT',
      'drive does not support TapeAlert',
      what,
      async () =>
        (
          await this.drive.must(
            {
              cdb: logSense({
                pageCode: TAPE_ALERT_PAGE_CODE,
                allocationLength: BAREOS_LOG_SENSE_ALLOCATION_BYTES,
              }),
              direction: 'in',
              allocationLength: BAREOS_LOG_SENSE_ALLOCATION_BYTES,
            },
            what,
          )
        ).dataIn,
    );
    return decodeTapeAlertPage(bytes, { file: this.drive.name, command: what });
  }
}

/** Opens `spec`, runs `fn` with its operations, closes the drive. */
export async function withDriveOperations<T>(
  spec: string,
  fn: (ops: DriveOperations) => Promise<T>,
  open: (spec: string) => Promise<ScsiTransport> = openTransport,
): Promise<T> {
  const drive = new TapeDrive(await open(spec));
  try {
    return await fn(new DriveOperations(drive));
  } finally {
    await drive.close();
  }
}

/**
 * bscrypto's drive commands (-s, -c, -e, -v) over a real transport: each opens the drive spec, sends the
 * command and closes it. `setKey` takes the key text bscrypto hands over (the passphrase, unwrapped).
 */
export function tapeDriveEncryption(
  open: (spec: string) => Promise<ScsiTransport> = openTransport,
): DriveEncryption {
  return {
    setKey: (device, key) => withDriveOperations(device, (ops) => ops.loadKey(key), open),
    clearKey: (device) => withDriveOperations(device, (ops) => ops.clearKey(), open),
    driveStatus: (device) =>
      withDriveOperations(
        device,
        async (ops) => formatDriveEncryptionStatus(await ops.encryptionStatus()),
        open,
      ),
    volumeStatus: (device) =>
      withDriveOperations(
        device,
        async (ops) => formatVolumeEncryptionStatus(await ops.nextBlockStatus()),
        open,
      ),
  };
}
