/**
 * One simulated drive shared by every `sim:` open in this process, as a real drive is shared by commands
 * run one after another: a key loaded by `drive load-key` is still there for `drive status`, and a test
 * injects faults or TapeAlert flags into the same LtoDrive the CLI talks to. Restores the registry's own
 * `sim:` transport on dispose.
 */
import { join } from 'node:path';
import { registerTransport } from '../../src/devices/scsi/transports.js';
import type { ScsiTransport } from '../../src/devices/scsi/transport.js';
import { SimTransport, simTransport } from '../../src/devices/sim/sim-transport.js';
import type { LtoDrive } from '../../src/devices/sim/lto-drive.js';
import { tempDir } from './cli.js';

/** A shared simulated drive: `spec` for the CLI, `drive` for fault injection. */
export interface SharedSimDrive {
  readonly spec: string;
  readonly image: string;
  readonly dir: string;
  readonly drive: LtoDrive;
  dispose(): Promise<void>;
}

/** Opens a drive on a fresh image and makes every `sim:` spec in this process reach it. */
export async function shareSimDrive(query = ''): Promise<SharedSimDrive> {
  const { dir, cleanup } = tempDir('sdpipe-shared-sim-');
  const image = join(dir, 'tape.img');
  const spec = `sim:${image}${query ? `?${query}` : ''}`;
  const real = await SimTransport.open(spec);
  registerTransport({
    name: 'sim',
    matches: (s) => s.startsWith('sim:'),
    open: (s): Promise<ScsiTransport> =>
      Promise.resolve({
        name: s,
        execute: (cmd) => real.execute(cmd),
        close: () => Promise.resolve(), // the drive stays on, as a real one does between commands
      }),
  });
  return {
    spec,
    image,
    dir,
    drive: real.drive,
    async dispose() {
      registerTransport(simTransport);
      await real.close();
      cleanup();
    },
  };
}
