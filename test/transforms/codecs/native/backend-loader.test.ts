import { afterEach, describe, expect, it } from 'vitest';
import { CodecError } from '../../../../src/errors.js';
import {
  lazyBackend,
  setBackendLoaderForTesting,
} from '../../../../src/transforms/codecs/native/backend-loader.js';
import { libz } from '../../../../src/transforms/codecs/native/libz.js';
import { liblz4 } from '../../../../src/transforms/codecs/native/liblz4.js';
import { libzstd } from '../../../../src/transforms/codecs/native/libzstd.js';

afterEach(() => setBackendLoaderForTesting());

describe('backend loader', () => {
  it('opens the system libraries on this machine', () => {
    expect(liblz4.get()).toBeDefined();
    expect(libzstd.get()).toBeDefined();
    expect(libz.get()?.version).toMatch(/^1\./);
  });

  it('opens a backend once and keeps it', () => {
    let opened = 0;
    const backend = lazyBackend('test backend', () => ({ id: ++opened }));
    expect(backend.get()).toEqual({ id: 1 });
    expect(backend.require('x')).toBe(backend.get());
    expect(opened).toBe(1);
  });

  it('remembers a failure and reports it as SDP_CODEC_UNAVAILABLE with the cause', () => {
    let tries = 0;
    const backend = lazyBackend('libmissing (libmissing.so.9)', (loader) => {
      tries++;
      return loader.loadLibrary('libmissing.so.9');
    });
    expect(backend.get()).toBeUndefined();
    expect(backend.get()).toBeUndefined();
    expect(tries).toBe(1);
    try {
      backend.require('somecodec');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CodecError);
      expect((e as CodecError).code).toBe('SDP_CODEC_UNAVAILABLE');
      expect((e as CodecError).context).toMatchObject({
        codec: 'somecodec',
        backend: 'libmissing (libmissing.so.9)',
      });
      expect((e as CodecError).cause).toBeInstanceOf(Error);
    }
  });

  it('an injected loader failure applies to every library, and resetting restores them', () => {
    setBackendLoaderForTesting({
      loadLibrary: (soname) => {
        throw new Error(`injected: ${soname}`);
      },
    });
    expect(liblz4.get()).toBeUndefined();
    expect(libzstd.get()).toBeUndefined();
    expect(libz.get()).toBeUndefined();
    expect(() => libzstd.require('zstd')).toThrow(/libzstd\.so\.1/);
    setBackendLoaderForTesting();
    expect(liblz4.get()).toBeDefined();
  });
});
