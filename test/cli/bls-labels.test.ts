import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACULA9, BACULA9_VOLUMES, BAREOS25, BAREOS25_VOLUMES } from '../support/fixtures.js';
import { jsonLines, runCli } from '../support/cli.js';

/** `Key : value` lines of a real `bls -L` label dump. */
function labelDump(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(
    /^(Id|VerNo|VolName|PrevVolName|LabelType|LabelSize|PoolName|MediaType|PoolType|HostName)\s*: ?(.*)$/gm,
  )) {
    out[m[1] ?? ''] = m[2] ?? '';
  }
  return out;
}

const ours = (o: Record<string, unknown>) => ({
  Id: String(o.id).trimEnd(),
  VerNo: String(o.verNum),
  VolName: o.volumeName,
  PrevVolName: o.prevVolumeName,
  LabelType: o.labelType,
  LabelSize: String(o.labelSize),
  PoolName: o.poolName,
  MediaType: o.mediaType,
  PoolType: o.poolType,
  HostName: o.hostName,
});

describe('bls -L --json equals the real label dumps', () => {
  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lzo', 'Vol-sparse', 'Vol-span-2', 'Vol-span-3'])(
    'bacula-9 %s',
    async (vol) => {
      const r = await runCli('bls', '-L', '--json', '-V', vol, BACULA9_VOLUMES);
      const labels = jsonLines(r.stdout).filter((o) => o.kind === 'volumeLabel');
      const tool = labelDump(readFileSync(join(BACULA9, 'tool-output', vol, 'bls-L.txt'), 'utf8'));
      expect(labels.map(ours)).toEqual([tool]);
    },
  );

  it.each(['Vol-plain', 'Vol-gzip', 'Vol-lz4', 'Vol-fdlz4'])('bareos-25 %s', async (vol) => {
    const r = await runCli('bls', '-L', '--json', '-V', vol, BAREOS25_VOLUMES);
    expect(r.code).toBe(0);
    const labels = jsonLines(r.stdout).filter((o) => o.kind === 'volumeLabel');
    const tool = labelDump(readFileSync(join(BAREOS25, 'tools', 'noplugin', vol, 'bls_-L.txt'), 'utf8'));
    expect(labels.map(ours)).toEqual([tool]);
  });

  it('the continuation volume of a job carries its volume number in the label record', async () => {
    const r = await runCli('bls', '-L', '--json', '-V', 'Vol-span-2', BACULA9_VOLUMES);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ labelType: 'VOL_LABEL', volumeIndex: 2 });
  });
});
