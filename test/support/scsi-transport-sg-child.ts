/**
 * Child process for the SG transport tests: opens the path in argv[2] with SgTransport and prints the
 * outcome as one JSON line. The test runs it as an unprivileged user, because root opens a chmod 000 file.
 */
import { SgTransport } from '../../src/devices/scsi/sg-transport.js';
import { SdpipeError } from '../../src/errors.js';

const path = process.argv[2] ?? '';
try {
  const t = await SgTransport.open(path);
  await t.close();
  console.log(JSON.stringify({ opened: true }));
} catch (e) {
  console.log(
    JSON.stringify(e instanceof SdpipeError ? { code: e.code, context: e.context } : { error: String(e) }),
  );
}
