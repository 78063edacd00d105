/**
 * Lazy loading of codec backends: system shared libraries bound with koffi, and npm packages with native
 * addons. Nothing is loaded until a codec first needs it, so a missing library only fails the codec that
 * uses it, with CodecError SDP_CODEC_UNAVAILABLE naming what is missing.
 */
import { createRequire } from 'node:module';
import type { IKoffiLib } from 'koffi';
import { CodecError } from '../../../errors.js';

/** How backends are opened. Tests replace it to simulate a machine without a library or package. */
export interface BackendLoader {
  /** Opens a shared library by soname (koffi). Throws when it cannot be loaded. */
  loadLibrary(soname: string): IKoffiLib;
  /** Loads an npm package (CommonJS). Throws when it cannot be loaded. */
  requirePackage(name: string): unknown;
}

const require = createRequire(import.meta.url);

const systemLoader: BackendLoader = {
  loadLibrary(soname) {
    const koffi = require('koffi') as typeof import('koffi');
    // `deep` (RTLD_DEEPBIND) makes the library call its own functions. Without it, libz.so.1's
    // compress2 calls the zlib that the node binary exports (Chromium's fork), whose output differs
    // from zlib 1.2.13's; the same could happen to any library whose names node exports.
    return koffi.load(soname, { deep: true });
  },
  requirePackage: (name) => require(name) as unknown,
};

let loader: BackendLoader = systemLoader;
const openBackends = new Set<{ reset(): void }>();

/** A backend opened on first use and then kept; `get` returns undefined when it cannot be opened. */
export interface LazyBackend<T> {
  /** What this backend is, for messages and `backend()` (e.g. `liblz4 (liblz4.so.1)`). */
  readonly label: string;
  /** The opened backend, or undefined when it is not available here. */
  get(): T | undefined;
  /** The opened backend; throws CodecError SDP_CODEC_UNAVAILABLE naming the backend when missing. */
  require(codec: string): T;
}

/**
 * Declares a backend that `open` builds from the loader on first use. A failure is remembered (not
 * retried on every record) until the loader is replaced.
 */
export function lazyBackend<T>(label: string, open: (loader: BackendLoader) => T): LazyBackend<T> {
  let state: { value: T } | { failure: unknown } | undefined;
  const load = (): { value: T } | { failure: unknown } => {
    if (!state) {
      try {
        state = { value: open(loader) };
      } catch (failure) {
        state = { failure };
      }
    }
    return state;
  };
  openBackends.add({ reset: () => (state = undefined) });
  return {
    label,
    get: () => {
      const s = load();
      return 'value' in s ? s.value : undefined;
    },
    require: (codec) => {
      const s = load();
      if ('value' in s) return s.value;
      throw new CodecError(
        'SDP_CODEC_UNAVAILABLE',
        `${codec}: ${label} is not available`,
        { codec, backend: label },
        { cause: s.failure },
      );
    },
  };
}

/**
 * Replaces how backends are opened (tests only: e.g. a loader that fails for `liblz4.so.1`) and forgets
 * every backend opened so far. Called without an argument it restores the system loader.
 */
export function setBackendLoaderForTesting(replacement?: Partial<BackendLoader>): void {
  loader = { ...systemLoader, ...replacement };
  for (const b of openBackends) b.reset();
}
