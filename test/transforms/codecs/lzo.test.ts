import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lzo } from '../../../src/transforms/codecs/lzo.js';
import { readVolumeRecords } from '../../support/codec-volume-records.js';
import { codecErrorCode, firstDifference, fromHex, toHex } from '../../support/lzo-fastlz-data.js';

describe('lzo codec (LZOX)', () => {
  it('writes the §7.1 vectors byte for byte', () => {
    expect(toHex(lzo.compress(Buffer.from('hello world\n'), 6))).toBe('1d68656c6c6f20776f726c640a110000');
    expect(toHex(lzo.compress(Uint8Array.of(0), 0))).toBe('1200110000');
  });

  it('decodes the liblzo2 vector for abcdefgh × 25', () => {
    const payload = fromHex('056162636465666768208b1c0000026566676861626364656667686162636465666768110000');
    expect(Buffer.from(lzo.decompress(payload, 200)).toString()).toBe('abcdefgh'.repeat(25));
  });

  it('rejects bytes after the end marker and enforces the bound', () => {
    const payload = fromHex('1d68656c6c6f20776f726c640a110000');
    expect(codecErrorCode(() => lzo.decompress(fromHex('1d68656c6c6f20776f726c640a11000000'), 100))).toBe(
      'SDP_CODEC_CORRUPT',
    );
    expect(codecErrorCode(() => lzo.decompress(payload, 11))).toBe('SDP_CODEC_OUTPUT_LIMIT');
  });

  it('Bacula Vol-lzo: all 114 records inflate to data matching the SHA1 records, and recompress identically', () => {
    const records = readVolumeRecords('bacula-9/volumes/Vol-lzo').filter((r) => r.fileIndex > 0);
    const compressed = records.filter((r) => r.stream === 29);
    expect(compressed).toHaveLength(114);
    const hashes = new Map<number, ReturnType<typeof createHash>>();
    let identical = 0;
    for (const r of compressed) {
      const payload = r.data.subarray(12);
      const data = lzo.decompress(payload, 1 << 20);
      if (firstDifference(lzo.compress(data, 0), payload) < 0) identical++;
      const h = hashes.get(r.fileIndex) ?? createHash('sha1');
      hashes.set(r.fileIndex, h.update(data));
    }
    // A hard link's data is not stored again (its digest repeats the target's), so only files whose
    // data records are on the volume are checked, and every one of them must be.
    const digests = records.filter((r) => r.stream === 10 && hashes.has(r.fileIndex));
    expect(digests).toHaveLength(hashes.size);
    for (const d of digests) expect(hashes.get(d.fileIndex)!.digest('hex')).toBe(toHex(d.data));
    expect(identical).toBe(114);
  });
});
