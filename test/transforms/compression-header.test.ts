import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError, SdpipeError } from '../../src/errors.js';
import {
  COMPRESSION_HEADER,
  COMPRESSION_HEADER_BYTES,
  decodeCompressionHeader,
  encodeCompressionHeader,
  type CompressionHeader,
} from '../../src/transforms/compression-header.js';
import { readVolumeRecords } from '../support/codec-volume-records.js';
import { FC_SEED, fromHex, toHex } from '../support/lzo-fastlz-data.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return (e as CodecError).code;
  }
};

describe('compression header layout', () => {
  it('is 12 bytes: magic, size, level, version (compression.md §2)', () => {
    expect(COMPRESSION_HEADER.size).toBe(COMPRESSION_HEADER_BYTES);
    expect(COMPRESSION_HEADER.offsets).toEqual({ magic: 0, size: 4, level: 8, version: 10 });
  });

  it('encodes the §7.2 headers byte for byte', () => {
    const h = (magic: string, size: number, level: number): CompressionHeader => ({
      magic,
      size,
      level,
      version: 1,
    });
    expect(toHex(encodeCompressionHeader(h('GZIP', 0x14, 6)))).toBe('475a4950000000140006' + '0001');
    expect(toHex(encodeCompressionHeader(h('FZ4L', 0x2c, 6)))).toBe('465a344c0000002c00060001');
    expect(toHex(encodeCompressionHeader(h('FZ4H', 0x2c, 6)))).toBe('465a34480000002c00060001');
    expect(toHex(encodeCompressionHeader(h('FZFZ', 0x2c, 6)))).toBe('465a465a0000002c00060001');
    expect(toHex(encodeCompressionHeader(h('LZOX', 0x10, 0)))).toBe('4c5a4f580000001000000001');
  });

  it('decodes the Bacula LZO hello.txt record and checks its size against the record length', () => {
    const record = fromHex('4c5a4f58 00000010 0000 0001 1d68656c6c6f20776f726c640a110000');
    expect(decodeCompressionHeader(record, 0, {}, record.length)).toEqual({
      magic: 'LZOX',
      size: 16,
      level: 0,
      version: 1,
    });
  });

  it('reads the stream-30 header after the 8-byte offset', () => {
    const record = fromHex(
      '0000000000010000 475a4950 0000001a 0006 0001 789c636000024606868cd49c9c7c85f2fca29c142e001e890468',
    );
    expect(decodeCompressionHeader(record, 8, {}, record.length - 8)).toEqual({
      magic: 'GZIP',
      size: 26,
      level: 6,
      version: 1,
    });
  });
});

describe('compression header checks', () => {
  const good = fromHex('475a4950 00000014 0006 0001');

  it('rejects a size that does not match the record length ("header size error")', () => {
    try {
      decodeCompressionHeader(good, 0, { volume: 'Vol-x', fileIndex: 3 }, 12 + 19);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CodecError);
      expect((e as CodecError).code).toBe('SDP_COMPRESSION_HEADER');
      expect((e as CodecError).context).toMatchObject({
        volume: 'Vol-x',
        fileIndex: 3,
        field: 'size',
        expected: 19,
        actual: 20,
      });
    }
  });

  it('rejects any version but 1 ("header version error")', () => {
    const v2 = fromHex('475a4950 00000014 0006 0002');
    try {
      decodeCompressionHeader(v2, 0, { offset: 99 });
      expect.unreachable();
    } catch (e) {
      expect((e as CodecError).code).toBe('SDP_COMPRESSION_HEADER');
      expect((e as CodecError).context).toMatchObject({ offset: 99, field: 'version', actual: 2 });
    }
  });

  it('rejects a record too short for the header', () => {
    expect(codeOf(() => decodeCompressionHeader(good.subarray(0, 11)))).toBe('SDP_COMPRESSION_HEADER');
    expect(codeOf(() => decodeCompressionHeader(good, 1))).toBe('SDP_COMPRESSION_HEADER');
  });

  it('leaves the magic to the codec registry', () => {
    const none = fromHex('4e4f4e45 00000000 0006 0001');
    expect(decodeCompressionHeader(none, 0, {}, 12).magic).toBe('NONE');
  });
});

describe('compression header properties', () => {
  const header = fc.record({
    magic: fc.string({
      unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
      minLength: 4,
      maxLength: 4,
    }),
    size: fc.nat({ max: 0xffffffff }),
    level: fc.nat({ max: 0xffff }),
    version: fc.constant(1),
  });

  it('decode(encode(h)) == h', () => {
    fc.assert(
      fc.property(header, (h) => {
        expect(decodeCompressionHeader(encodeCompressionHeader(h))).toEqual(h);
      }),
      FC_SEED,
    );
  });

  it('encode(decode(b)) == b for every stream-29 header on the fixture volumes', () => {
    const records = [
      ...readVolumeRecords('bacula-9/volumes/Vol-lzo'),
      ...readVolumeRecords('bareos-25/volumes/Vol-gzip'),
      ...readVolumeRecords('bareos-25/volumes/Vol-lz4'),
      ...readVolumeRecords('bareos-25/volumes/Vol-fdlz4'),
    ].filter((r) => r.fileIndex > 0 && r.stream === 29);
    expect(records).toHaveLength(114 + 3 * 38);
    for (const r of records) {
      const bytes = r.data.subarray(0, COMPRESSION_HEADER_BYTES);
      expect(encodeCompressionHeader(decodeCompressionHeader(r.data, 0, {}, r.data.length))).toEqual(bytes);
    }
  });

  it('arbitrary bytes give a header or a CodecError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(40), fc.option(fc.nat(60)), (bytes, at, span) => {
        try {
          decodeCompressionHeader(bytes, at, {}, span ?? undefined);
        } catch (e) {
          expect(e).toBeInstanceOf(SdpipeError);
          expect((e as SdpipeError).code).toBe('SDP_COMPRESSION_HEADER');
        }
      }),
      FC_SEED,
    );
  });
});
