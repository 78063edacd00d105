/**
 * Digest records (spec volume-format.md §8): which stream carries which algorithm, and an incremental
 * digest of a file's content that does not need to know the algorithm before the digest record arrives.
 */
import { createHash, type Hash } from 'node:crypto';
import { RestoreError, type Where } from '../errors.js';

/** One digest kind a volume can carry. `hash` is the node:crypto name, undefined when node cannot compute it. */
export interface DigestAlgorithm {
  /** Stream number of the digest record. */
  readonly stream: number;
  readonly name: string;
  /** Length of the raw digest in the record, bytes. */
  readonly bytes: number;
  readonly hash: string | undefined;
}

/** Every digest stream of spec §8; the only list. XXH128 has no node:crypto implementation. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = [
  { stream: 3, name: 'MD5', bytes: 16, hash: 'md5' },
  { stream: 10, name: 'SHA1', bytes: 20, hash: 'sha1' },
  { stream: 17, name: 'SHA256', bytes: 32, hash: 'sha256' },
  { stream: 18, name: 'SHA512', bytes: 64, hash: 'sha512' },
  { stream: 40, name: 'XXH128', bytes: 16, hash: undefined },
];

const BY_STREAM = new Map(DIGEST_ALGORITHMS.map((a) => [a.stream, a]));

/** The digest algorithm of a digest-record stream, or undefined when the stream is not a digest. */
export const digestAlgorithmForStream = (stream: number): DigestAlgorithm | undefined =>
  BY_STREAM.get(stream);

/** The algorithms node:crypto can compute; used until a session has shown which one it uses. */
export const COMPUTABLE_DIGESTS: readonly DigestAlgorithm[] = DIGEST_ALGORITHMS.filter(
  (a) => a.hash !== undefined,
);

/** Finished digests of one content, by digest-record stream number. */
export type DigestValues = ReadonlyMap<number, Uint8Array>;

/**
 * Digests of one file's content, fed in order. Several algorithms run side by side because the digest
 * record follows the data (§4): the first file of a session is hashed with every computable algorithm.
 */
export class ContentDigest {
  private hashes: Map<number, Hash> | undefined;
  private values: Map<number, Uint8Array> | undefined;

  /** @param algorithms the algorithms to compute; those node cannot compute are ignored. */
  constructor(algorithms: readonly DigestAlgorithm[]) {
    this.hashes = new Map();
    for (const a of algorithms) if (a.hash !== undefined) this.hashes.set(a.stream, createHash(a.hash));
  }

  /**
   * Adds content bytes. Bytes arriving after {@link result} make every digest unknown, since the value a
   * digest record was compared against no longer describes the content.
   */
  update(data: Uint8Array): void {
    if (this.hashes) {
      for (const h of this.hashes.values()) h.update(data);
    } else {
      this.values = new Map();
    }
  }

  /** The finished digests (computed once; later calls return the same values). */
  result(): DigestValues {
    if (!this.values) {
      this.values = new Map();
      for (const [stream, h] of this.hashes ?? []) this.values.set(stream, h.digest());
      this.hashes = undefined;
    }
    return this.values;
  }
}

/** Lower-case hex of raw digest bytes, as errors report them. */
export const toHex = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** True when two raw digests are equal. */
export const sameDigest = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

/**
 * The digest side of a restore: which algorithm each session uses, the digests of content other names
 * link to, and the comparison with a digest record. Returns problems instead of reporting them.
 */
export class DigestChecker {
  /** The algorithm of each session's latest digest record: what its next file is hashed with. */
  private readonly sessionAlgorithm = new Map<string, DigestAlgorithm>();
  /** Digest streams already reported as not verifiable (one warning per kind per restore). */
  private readonly unverifiableKinds = new Set<number>();
  /** Content digests of restored files that have other names, for their hard links' digest records. */
  private readonly linkTargets = new Map<string, DigestValues>();

  /**
   * A digest for a new file of `session`: only the algorithm of the session's previous digest record, or
   * every computable one while the session has shown none (the record comes after the data, §4).
   */
  startContent(session: string): ContentDigest {
    const known = this.sessionAlgorithm.get(session);
    return new ContentDigest(known ? [known] : COMPUTABLE_DIGESTS);
  }

  /**
   * Notes a digest record of `session`. Returns its algorithm when it can be checked; otherwise undefined
   * and, the first time in this restore for that stream, the SDP_DIGEST_UNVERIFIED warning to report.
   */
  noteRecord(session: string, stream: number): { algorithm?: DigestAlgorithm; warning?: RestoreError } {
    const algorithm = digestAlgorithmForStream(stream);
    if (algorithm) this.sessionAlgorithm.set(session, algorithm);
    if (algorithm?.hash !== undefined) return { algorithm };
    if (this.unverifiableKinds.has(stream)) return {};
    this.unverifiableKinds.add(stream);
    const what = algorithm ? `${algorithm.name} digests` : `digest stream ${stream}`;
    return {
      warning: new RestoreError('SDP_DIGEST_UNVERIFIED', `${what} cannot be computed here; not verified`, {
        stream,
      }),
    };
  }

  /** Keeps the digests of content restored at `key` for hard links to it. */
  rememberLinkTarget(key: string, values: DigestValues): void {
    this.linkTargets.set(key, values);
  }

  /** The digests of the content at `key`, when it was restored in this restore and has other names. */
  linkTarget(key: string): DigestValues | undefined {
    return this.linkTargets.get(key);
  }

  /** Forgets the content at `key` (the entry was replaced). */
  forget(key: string): void {
    this.linkTargets.delete(key);
  }

  /** The problem with a digest record, if any: a mismatch, or nothing computed to compare with. */
  compare(
    where: Where,
    stream: number,
    expected: Uint8Array,
    actual: Uint8Array | undefined,
  ): RestoreError | undefined {
    if (!actual) {
      return new RestoreError('SDP_DIGEST_UNVERIFIED', 'no digest of the restored content to compare with', {
        ...where,
        stream,
      });
    }
    if (sameDigest(expected, actual)) return undefined;
    return new RestoreError('SDP_DIGEST_MISMATCH', 'restored data does not match its digest record', {
      ...where,
      stream,
      expected: toHex(expected),
      actual: toHex(actual),
    });
  }
}
