/**
 * Opens the system libraries the SCSI transports are bound to (libiscsi, libsgutils2) with koffi, on first
 * use only, and turns a missing library into a DeviceError that names the soname and the Debian package.
 */
import { createRequire } from 'node:module';
import type { IKoffiLib } from 'koffi';
import { DeviceError, type Where } from '../../errors.js';

const require = createRequire(import.meta.url);

/** The koffi module, loaded on first use (the transports' only way into C). */
export const koffiModule = (): typeof import('koffi') => require('koffi') as typeof import('koffi');

/** A system library and where it comes from, for messages. */
export interface SystemLibrary {
  /** sonames to try, in order (distributions version the file name differently). */
  readonly sonames: readonly string[];
  /** Debian package(s) that install it, e.g. `libiscsi7`. */
  readonly debianPackage: string;
}

/**
 * Loads the first soname of `library` that opens. Throws DeviceError SDP_DEVICE_OPEN naming every soname
 * tried and the Debian package, with the loader's last message as `cause`; `where` (the device) is added.
 */
export function loadSystemLibrary(library: SystemLibrary, where: Where = {}): IKoffiLib {
  const koffi = koffiModule();
  let failure: unknown;
  for (const soname of library.sonames) {
    try {
      // `deep` (RTLD_DEEPBIND), as for the codec libraries: the library calls its own functions, never
      // same-named ones that node itself exports.
      return koffi.load(soname, { deep: true });
    } catch (e) {
      failure = e;
    }
  }
  const names = library.sonames.join(' or ');
  throw new DeviceError(
    'SDP_DEVICE_OPEN',
    `${names} cannot be loaded: install the Debian package ${library.debianPackage}`,
    { ...where, library: names, package: library.debianPackage },
    { cause: failure },
  );
}
