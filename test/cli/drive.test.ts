import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shareSimDrive, type SharedSimDrive } from '../support/tape-sim.js';
import { main } from '../../src/cli/main.js';
import { PAGE_SAMPLES, SENSE_SAMPLES, tapeAlertPageHex, toHex } from '../support/scsi-samples.js';

async function drive(args: string[], stdin?: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(['drive', ...args], {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    ...(stdin !== undefined ? { stdin: () => Promise.resolve(Buffer.from(stdin)) } : {}),
  });
  return { code, stdout, stderr };
}
const spaced = (b: Uint8Array) => toHex(b).replace(/(..)(?!$)/g, '$1 ');

describe('sdpipe drive decode', () => {
  it('--page sense: sg3_utils-style text, then every field', async () => {
    const r = await drive(['decode', '--page', 'sense', ...spaced(SENSE_SAMPLES.stencPr28).split(' ')]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(
      'Sense data (24 bytes)\nFixed format, current; Sense key: Illegal Request\n' +
        'Additional sense: Invalid field in parameter list\n  Sense Key Specific: Error in Data parameters: byte 8 bit 7\n',
    );
    for (const line of [
      'senseKey: 5 (ILLEGAL REQUEST)',
      'asc: 38 (0x26)',
      'ascq: 0 (0x00)',
      'sksv: 1',
      'cd: 0',
      'bpv: 1',
      'bitPointer: 7',
      'fieldPointer: 8',
      'vendorBytes: 00 00 00 00 00 00',
    ])
      expect(r.stdout.split('\n')).toContain(line);
  });

  it('--page sense --json: camelCase field names, bytes as hex', async () => {
    const r = await drive(['decode', '--page', 'sense', '--json', toHex(SENSE_SAMPLES.tgtLongBlock)]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      page: 'sense',
      format: 'fixed',
      senseKey: 0,
      senseKeyName: 'NO SENSE',
      asc: 0,
      ascq: 0,
      ili: true,
      valid: true,
      information: -983040,
      vendorBytes: '',
    });
  });

  it('reads hex from standard input with -', async () => {
    const r = await drive(
      ['decode', '--page', 'sense', '--json', '-'],
      `${spaced(SENSE_SAMPLES.unableToDecrypt)}\n`,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({
      senseKey: 7,
      asc: 0x74,
      ascq: 1,
      ascName: 'Unable to decrypt data',
    });
  });

  it('--page spin-0020: Bareos status text and every field, in text and JSON', async () => {
    const r = await drive(['decode', '--page', 'spin-0020', toHex(PAGE_SAMPLES.desAfterLoad)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Drive encryption status:\n   Encryption Mode: Encrypt\n');
    for (const line of [
      'pageCode: 32 (0x0020)',
      'itNexusScope: 2 (all I_T nexus)',
      'encryptionMode: 2 (ENCRYPT)',
      'decryptionMode: 3 (MIXED)',
      'keyInstanceCounter: 1',
      'parametersControl: 1',
      'vcelb: 1',
      'kads: 0',
    ])
      expect(r.stdout.split('\n')).toContain(line);
    const j = await drive(['decode', '--page', 'spin-0020', '--json', toHex(PAGE_SAMPLES.desWithKad)]);
    expect(JSON.parse(j.stdout)).toMatchObject({
      page: 'spin-0020',
      itNexusScope: 2,
      keyScope: 0,
      encryptionMode: 2,
      decryptionMode: 2,
      algorithmIndex: 1,
      keyInstanceCounter: 3,
      parametersControl: 1,
      vcelb: false,
      kadFormat: 2,
      kads: [{ keyDescriptorType: 0, authenticated: 0, keyDescriptor: '54 45 53 54' }],
    });
  });

  it('--page spin-0021, spin-0010, spin-0000, spin-0001, log-2e', async () => {
    const nbes = await drive(['decode', '--page', 'spin-0021', '--json', toHex(PAGE_SAMPLES.nbesEncrypted)]);
    expect(JSON.parse(nbes.stdout)).toMatchObject({
      logicalObjectNumber: 42,
      compressionStatus: 3,
      encryptionStatus: 5,
      nextBlockKadFormat: 2,
    });
    const nbesText = await drive(['decode', '--page', 'spin-0021', toHex(PAGE_SAMPLES.nbesEncrypted)]);
    expect(nbesText.stdout).toContain(
      'Volume encryption status:\n   Compression Status: Compression Disabled\n',
    );

    const dec = await drive(['decode', '--page', 'spin-0010', toHex(PAGE_SAMPLES.capabilitiesTwoAlgorithms)]);
    expect(dec.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'algorithms: 2',
        '  [0]',
        '    algorithmIndex: 1',
        '    keyLength: 32',
        '    algorithmCode: 65556 (0x00010014 AES-256-GCM-128)',
        '    algorithmCode: 65552 (0x00010010 AES-256-CCM-128)',
      ]),
    );
    const decJson = await drive([
      'decode',
      '--page',
      'spin-0010',
      '--json',
      toHex(PAGE_SAMPLES.capabilitiesHp),
    ]);
    expect(JSON.parse(decJson.stdout)).toMatchObject({
      extdecc: 2,
      cfgP: 1,
      algorithms: [{ algorithmIndex: 1, keyLength: 32, algorithmCode: 0x00010014, avfmv: true }],
    });
    const strict = await drive([
      'decode',
      '--page',
      'spin-0010',
      '--strict',
      toHex(PAGE_SAMPLES.capabilitiesTwoAlgorithms),
    ]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^SDP_SCSI_PAGE_FORMAT: .*offset=2/);

    const ins = await drive(['decode', '--page', 'spin-0000', toHex(PAGE_SAMPLES.inSupportT10000)]);
    expect(ins.stdout).toContain(
      'pageCodes: 7\n  [0] 0 (0x0000 in support)\n  [1] 1 (0x0001 out support)\n  [2] 16 (0x0010 data encryption capabilities)\n',
    );
    const outs = await drive(['decode', '--page', 'spin-0001', '--json', toHex(PAGE_SAMPLES.outSupport)]);
    expect(JSON.parse(outs.stdout)).toEqual({
      page: 'spin-0001',
      pageCode: 1,
      pageLength: 2,
      pageCodes: [16],
    });

    const ta = await drive(['decode', '--page', 'log-2e', '--json', toHex(tapeAlertPageHex([20]))]);
    const flags = (
      JSON.parse(ta.stdout) as { flags: { number: number; name: string; severity?: string; set: boolean }[] }
    ).flags;
    expect(flags).toHaveLength(64);
    expect(flags.filter((f) => f.set)).toEqual([
      expect.objectContaining({ number: 20, name: 'Clean Now', severity: 'critical' }),
    ]);
    const taText = await drive(['decode', '--page', 'log-2e', toHex(tapeAlertPageHex([20]))]);
    expect(taText.stdout).toContain(
      '  [0] parameterCode=1 du=0 ds=1 tsd=0 etc=0 tmc=0 formatAndLinking=0 value=00\n',
    );
    expect(taText.stdout).toContain('  [19] 20 Clean Now (critical; Bareos: yes): SET\n');
    expect(taText.stdout).toContain(
      '  [46] 47 External data encryption control - communication failure (severity unknown, unverified; Bareos: no): clear\n',
    );
  });

  it('--page spout-0010: every field but the key, which is never printed', async () => {
    const r = await drive(['decode', '--page', 'spout-0010', toHex(PAGE_SAMPLES.bareosLoad)]);
    expect(r.code).toBe(0);
    for (const line of [
      'scope: 2 (all I_T nexus)',
      'lock: 0',
      'ceem: 0 (vendor specific)',
      'rdmc: 0 (algorithm default)',
      'ckod: 0',
      'encryptionMode: 2 (ENCRYPT)',
      'decryptionMode: 3 (MIXED)',
      'algorithmIndex: 1',
      'keyFormat: 0 (plain key)',
      'kadFormat: 0 (unspecified)',
      'keyLength: 32',
    ])
      expect(r.stdout.split('\n')).toContain(line);
    const key = toHex(PAGE_SAMPLES.bareosLoad.subarray(20));
    const j = await drive(['decode', '--page', 'spout-0010', '--json', toHex(PAGE_SAMPLES.bareosLoad)]);
    for (const out of [r.stdout, j.stdout]) {
      expect(out.replace(/\s/g, '')).not.toContain(key.slice(0, 16));
      expect(out).not.toContain('ABCDEFGH');
    }
    expect(JSON.parse(j.stdout)).toMatchObject({
      scope: 2,
      ckod: false,
      kadFormat: 0,
      keyLength: 32,
      kads: [],
    });
    expect(JSON.parse(j.stdout)).not.toHaveProperty('key');
  });

  it('errors: bad hex and unknown pages are usage errors (2), undecodable bytes exit 1', async () => {
    expect((await drive(['decode', '--page', 'sense', 'zz'])).code).toBe(2);
    expect((await drive(['decode', '--page', 'sense', '7'])).code).toBe(2);
    expect((await drive(['decode', '--page', 'nope', '00'])).code).toBe(2);
    expect((await drive(['decode', '00'])).code).toBe(2);
    expect((await drive(['decode', '--page', 'sense'])).code).toBe(2);
    const bad = await drive(['decode', '--page', 'sense', '--json', '7f 00 00 00 00 00 00 00']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stderr)).toMatchObject({ error: 'SDP_SCSI_SENSE_FORMAT' });
    const wrong = await drive(['decode', '--page', 'spin-0020', toHex(PAGE_SAMPLES.nbesNoMedium)]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^SDP_SCSI_PAGE_FORMAT/);
  });

  it('subcommands: help for each; unknown ones are usage errors', async () => {
    expect((await drive(['--help'])).stdout).toContain('usage: sdpipe drive <subcommand>');
    expect((await drive(['decode', '--help'])).stdout).toContain('usage: sdpipe drive decode --page <page>');
    for (const sub of ['status', 'capabilities', 'tapealert', 'load-key', 'clear-key']) {
      const r = await drive([sub, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`usage: sdpipe drive ${sub}`);
      expect((await drive([sub])).code).toBe(2);
    }
    expect((await drive(['frobnicate'])).code).toBe(2);
    expect((await drive([])).code).toBe(2);
  });
});

describe('sdpipe drive status|capabilities|tapealert|load-key|clear-key on the simulated drive', () => {
  let sim: SharedSimDrive;
  beforeEach(async () => {
    sim = await shareSimDrive();
  });
  afterEach(async () => {
    await sim.dispose();
  });
  const PASSPHRASE = 'drive-cli secret passphrase 42';
  const keyFile = () => {
    const f = join(sim.dir, 'volume.key');
    writeFileSync(f, `${PASSPHRASE}\n`);
    return f;
  };

  it('status: Bareos QueryCryptoStatus text, camelCase JSON; load-key/clear-key change it; the key is never printed', async () => {
    const before = await drive(['status', sim.spec]);
    expect(before).toMatchObject({ code: 0, stderr: '' });
    expect(before.stdout).toContain(
      'Drive encryption status:\n   Encryption Mode: Disabled\n   Decryption Mode: Disabled\n',
    );
    const load = await drive(['load-key', '--key-file', keyFile(), sim.spec]);
    expect(load).toMatchObject({ code: 0, stderr: '' });
    expect(sim.drive.keyLoaded).toBe(true);
    const after = await drive(['status', sim.spec]);
    expect(after.stdout).toContain('   Encryption Mode: Encrypt\n   Decryption Mode: Mixed\n');
    expect(after.stdout).toContain('   Logical Block encryption parameters: Application Managed\n');
    const json = await drive(['status', '--json', sim.spec]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      device: sim.spec,
      drive: { encryptionMode: 2, decryptionMode: 3, algorithmIndex: 1, parametersControl: 1 },
    });
    const jl = await drive(['load-key', '--json', '--key-file', keyFile(), sim.spec]);
    expect(JSON.parse(jl.stdout)).toEqual({ device: sim.spec, keyLoaded: true });
    const clear = await drive(['clear-key', sim.spec]);
    expect(clear.code).toBe(0);
    expect(sim.drive.keyLoaded).toBe(false);
    expect((await drive(['status', sim.spec])).stdout).toContain('   Encryption Mode: Disabled\n');
    for (const r of [before, load, after, json, jl, clear]) {
      expect(r.stdout + r.stderr).not.toContain('secret passphrase');
    }
    // The key is never taken from the command line.
    const inline = await drive(['load-key', '--key', PASSPHRASE, sim.spec]);
    expect(inline.code).toBe(2);
    expect(inline.stderr).not.toContain(PASSPHRASE);
  });

  it('capabilities: the algorithm descriptor (AES-256-GCM, 32-byte key), text and JSON', async () => {
    const t = await drive(['capabilities', sim.spec]);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('algorithmCode: 65556 (0x00010014 AES-256-GCM-128)');
    const j = JSON.parse((await drive(['capabilities', '--json', sim.spec])).stdout) as {
      algorithms: { keyLength: number; algorithmIndex: number }[];
    };
    expect(j.algorithms[0]).toMatchObject({ algorithmIndex: 1, keyLength: 32 });
  });

  it('tapealert: injected flags appear with number, name and severity, and are cleared after reading', async () => {
    sim.drive.raiseTapeAlert(4, 20);
    const t = await drive(['tapealert', sim.spec]);
    expect(t.code).toBe(0);
    expect(t.stdout).toBe('TapeAlert flags set:\n   4 Media (critical)\n  20 Clean Now (critical)\n');
    expect((await drive(['tapealert', sim.spec])).stdout).toBe('TapeAlert: no flags set\n');
    sim.drive.raiseTapeAlert(1);
    const j = await drive(['tapealert', '--json', sim.spec]);
    expect(JSON.parse(j.stdout)).toEqual({
      device: sim.spec,
      flags: [{ number: 1, name: 'Read Warning', severity: 'warning', bareos: 'yes' }],
    });
    expect(sim.drive.pendingTapeAlerts()).toEqual([]);
  });

  it('bscrypto -s/-e/-c/-v reach the drive through its transport', async () => {
    const s = await main(['bscrypto', '-s', keyFile(), sim.spec], { stdout: () => {}, stderr: () => {} });
    expect(s).toBe(0);
    expect(sim.drive.keyLoaded).toBe(true);
    let out = '';
    expect(
      await main(['bscrypto', '-e', sim.spec], { stdout: (x) => void (out += x), stderr: () => {} }),
    ).toBe(0);
    expect(out).toContain('Drive encryption status:\n   Encryption Mode: Encrypt\n');
    expect(out).not.toContain('secret passphrase');
    expect(await main(['bscrypto', '-c', sim.spec], { stdout: () => {}, stderr: () => {} })).toBe(0);
    expect(sim.drive.keyLoaded).toBe(false);
    out = '';
    expect(
      await main(['bscrypto', '-v', sim.spec], { stdout: (x) => void (out += x), stderr: () => {} }),
    ).toBe(0);
    expect(out).toContain('Volume encryption status:\n');
  });
});
