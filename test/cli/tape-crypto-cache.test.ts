/**
 * Disaster recovery with a tape, a crypto cache and nothing else: bls/bextract take the volume's key
 * from the cache by the volume name in the tape's label (as Bareos' scsicrypto looks it up) and load it
 * into the drive after the label.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePassphrase } from '../../src/crypto/passphrase.js';
import { jsonLines, runCli, tempDir } from '../support/cli.js';
import { runCliWithStdin } from '../support/crypto-cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('tape restore with the key from the crypto cache', () => {
  it('bls and bextract find Tape-0001’s key in the cache; without an entry the error names the volume', async () => {
    const t = tempDir('sdpipe-cache-tape-');
    cleanups.push(t.cleanup);
    const src = join(t.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'secret.txt'), 'RECOVER-ME-0451\n'.repeat(1000));
    const passphrase = generatePassphrase();
    writeFileSync(join(t.dir, 'key'), passphrase);
    const spec = `sim:${join(t.dir, 'tape.img')}`;
    const b = await runCli('backup', '--volume-key-file', join(t.dir, 'key'), src, spec, '-V', 'Tape-0001');
    expect(b.code).toBe(0);
    expect(readFileSync(join(t.dir, 'tape.img')).includes('RECOVER-ME-0451')).toBe(false);

    const cache = join(t.dir, 'bareos-sd.9103.cryptoc');
    const p = await runCliWithStdin(`Tape-0001\t${passphrase.toString('latin1')}\n`, 'bscrypto', '-p', cache);
    expect(p.code).toBe(0);

    const j = await runCli('bls', '-j', '--json', '--crypto-cache', cache, spec);
    expect(j.stderr).toBe('');
    expect(
      jsonLines(j.stdout)
        .filter((o) => o.kind === 'session')
        .map((o) => o.files),
    ).toEqual([2]);
    const out = join(t.dir, 'out');
    const x = await runCli('bextract', '--crypto-cache', cache, spec, out);
    expect(x.stderr).toBe('');
    expect(x.code).toBe(0);
    expect(readFileSync(join(out, src, 'secret.txt'), 'utf8')).toBe('RECOVER-ME-0451\n'.repeat(1000));

    const other = join(t.dir, 'other.cryptoc');
    await runCliWithStdin(`Tape-0002\t${generatePassphrase().toString('latin1')}\n`, 'bscrypto', '-p', other);
    const miss = await runCli('bextract', '--json', '--crypto-cache', other, spec, join(t.dir, 'out2'));
    expect(miss.code).not.toBe(0);
    expect(jsonLines(miss.stderr)[0]).toMatchObject({ error: 'SDP_KEY_NOT_FOUND', volume: 'Tape-0001' });
    expect(miss.stderr + miss.stdout + j.stdout + x.stdout).not.toContain(passphrase.toString('latin1'));
  });
});
