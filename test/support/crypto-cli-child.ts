/** Child-process entry of the sdpipe CLI for tests (run through tsx): real stdin, stdout, env. */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
