import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('npm start (sdpipe demo)', () => {
  it('backs up to a File device and to the simulated LTO drive with a volume key, restores and verifies both', async () => {
    const r = await runCli('demo');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/verified: 4 files restored byte for byte/g)).toHaveLength(2);
    expect(r.stdout).toContain('verified: the tape image holds only ciphertext');
    expect(r.stdout).toContain('autoxflate-sd: deflate ratio:');
  });
});
