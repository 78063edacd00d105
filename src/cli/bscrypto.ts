/**
 * `sdpipe bscrypto`: Bareos' bscrypto (spec crypto.md §4) with the same options, output text, newline
 * behaviour and file formats, so that keys, KEK files and crypto caches made by either tool work in the
 * other. Deviations (listed in the help text, `bscrypto-options.ts`): a wrong KEK, undecodable key text
 * or a failed key write exits 1 (Bareos exits 0); `-p` reads standard input (Bareos reads file
 * descriptor 1); debug output never prints a key unless `--show-keys`, and never a KEK; a cache file
 * that cannot be parsed is reported and left alone (Bareos deletes it, even on `-D`); `-g FILE`
 * truncates and creates mode 0600 (Bareos: no O_TRUNC, 0644). The drive commands (-c -e -s -v) take a drive
 * spec (`sim:<image>`, `iscsi://…`, `/dev/sgN`) and go through its SCSI transport.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { SdpipeError } from '../errors.js';
import {
  cacheEntryLines,
  generatedKeyText,
  isBase64DecodeFailure,
  shownKeyText,
  unwrapKeyText,
} from '../crypto/bscrypto-keys.js';
import { readCryptoCacheFile, updateCryptoCacheFile } from '../crypto/crypto-cache-file.js';
import {
  emptyCryptoCache,
  formatCryptoCacheDump,
  resetCryptoCache,
  updateCryptoCache,
  wipeCryptoCache,
} from '../crypto/crypto-cache.js';
import { NO_DRIVE_ENCRYPTION, type DriveEncryption } from '../crypto/drive-encryption.js';
import { tapeDriveEncryption } from '../devices/drive-operations.js';
import {
  cStringLength,
  kekFromKeyFile,
  keyFileText,
  KEY_FILE_READ_BYTES,
  readKeyFileBytes,
} from '../crypto/key-file.js';
import { secretCopy, wipe } from '../crypto/key-material.js';
import { generatePassphrase } from '../crypto/passphrase.js';
import {
  bscryptoPostParseError,
  BSCRYPTO_USAGE,
  parseBscryptoOptions,
  type BscryptoOptions,
} from './bscrypto-options.js';
import { formatError, type CliIo, type CommandDescriptor } from './command.js';

/** Re-exported for callers that build the command with a drive. */
export type { DriveEncryption } from '../crypto/drive-encryption.js';

/** Ends a run with bscrypto's message on stderr and an exit status. */
class Abort extends Error {
  constructor(
    readonly text: string,
    readonly exit: number,
  ) {
    super(text);
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** One bscrypto run: its options, output, standard input and clock. */
class Run {
  private stdinBytes: Buffer | undefined;
  private stdinOffset = 0;

  constructor(
    private readonly o: BscryptoOptions,
    private readonly io: CliIo,
    private readonly drive: DriveEncryption,
    private readonly now: () => number,
  ) {}

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Bareos' Dmsg on stdout: `[dd-Mon-YYYY HH:MM:SS.uuuuuu ] (LEVEL): FILE:LINE-0 MSG`. */
  private debug(level: number, where: string, message: string): void {
    if (level > this.o.debugLevel) return;
    let stamp = '';
    if (this.o.timestamps) {
      const ms = this.now();
      const d = new Date(ms);
      const micros = String(Math.floor((ms % 1000) * 1000)).padStart(6, '0');
      stamp =
        `${p2(d.getDate())}-${MONTHS[d.getMonth()]}-${d.getFullYear()} ` +
        `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${micros} `;
    }
    this.io.stdout(`${stamp} (${level}): ${where} ${message}\n`);
  }

  /** A volume key in a debug line: only with --show-keys. */
  private secret(bytes: Uint8Array): string {
    return this.o.showKeys ? Buffer.from(bytes).toString('utf8') : '<hidden>';
  }

  /** Standard input handed out in pieces, as successive read() calls would get it. */
  private async stdinChunk(max: number): Promise<Buffer> {
    if (!this.stdinBytes) this.stdinBytes = this.io.stdin ? await this.io.stdin() : Buffer.alloc(0);
    const end = Math.min(this.stdinBytes.length, this.stdinOffset + max);
    const chunk = secretCopy(this.stdinBytes, this.stdinOffset, end);
    this.stdinOffset = end;
    return chunk;
  }

  /** bscrypto ReadKeyBits: the key text of a key file (`-` = standard input, after a prompt). */
  private async readKeyText(file: string, isKek: boolean): Promise<Buffer> {
    let content: Buffer;
    if (file === '-') {
      this.io.stdout('Enter Encryption Key (close with ^D): ');
      content = await this.stdinChunk(KEY_FILE_READ_BYTES);
    } else {
      try {
        content = await readKeyFileBytes(file);
      } catch (e) {
        const opened = !(e instanceof SdpipeError && e.context.reason === 'open');
        throw new Abort(opened ? `Cannot read from keyfile ${file}\n` : `Cannot open keyfile ${file}\n`, 1);
      }
    }
    this.debug(5, 'tools/bscrypto.cc:71-0', `data size = ${KEY_FILE_READ_BYTES}`);
    if (content.length === 0) throw new Abort(`Cannot read from keyfile ${file}\n`, 1);
    const text = isKek ? kekFromKeyFile(content) : keyFileText(content);
    wipe(content);
    // Bareos prints a KEK here too; sdpipe never does.
    this.debug(10, 'tools/bscrypto.cc:78-0', `Key data = ${isKek ? '<hidden>' : this.secret(text)}`);
    return text;
  }

  /** bscrypto unwrap_key: the passphrase of a wrapped key text, the KEK read from `-w`. */
  private async unwrap(keyText: Buffer, keyFile: string, kekFile: string): Promise<Buffer> {
    const kek = await this.readKeyText(kekFile, true);
    try {
      return unwrapKeyText(keyText, kek, { file: keyFile });
    } catch (e) {
      if (isBase64DecodeFailure(e)) {
        throw new Abort(`Failed to base64 decode the keydata read from ${keyFile}, aborting...\n`, 1);
      }
      const err = e instanceof SdpipeError ? `${e.code}: ${e.message}` : 'unwrap failed';
      throw new Abort(
        `Failed to aes unwrap the keydata read from ${keyFile} using the wrap data from ${kekFile} ERR=${err}, aborting...\n`,
        1,
      );
    } finally {
      wipe(kek, keyText);
    }
  }

  private cacheReadDebug(path: string, entries: number | undefined): void {
    if (entries === undefined) {
      this.debug(
        8,
        'lib/crypto_cache.cc:55-0',
        `Could not open crypto cache file. ${path} ERR=No such file or directory`,
      );
    } else {
      this.debug(8, 'lib/crypto_cache.cc:103-0', `Crypto cache read ${entries} entries in file ${path}`);
    }
  }

  private async dump(path: string): Promise<void> {
    const read = await readCryptoCacheFile(path);
    wipe(read?.bytes);
    this.cacheReadDebug(path, read?.cache.entries.length);
    try {
      this.io.stdout(formatCryptoCacheDump(read?.cache));
    } finally {
      wipeCryptoCache(read?.cache);
    }
  }

  private async populate(path: string): Promise<void> {
    const written = await updateCryptoCacheFile(path, async (cache) => {
      this.cacheReadDebug(path, cache?.entries.length);
      this.io.stdout('Enter cache entries (close with ^D): ');
      const input = await this.stdinChunk(Number.MAX_SAFE_INTEGER);
      const entries = cacheEntryLines(input);
      wipe(input);
      for (const e of entries) {
        cache ??= emptyCryptoCache();
        updateCryptoCache(cache, e.volumeName, e.key, this.nowSeconds());
        wipe(e.key);
      }
      return cache;
    });
    wipeCryptoCache(written);
  }

  private async reset(path: string): Promise<void> {
    const written = await updateCryptoCacheFile(path, (cache) => {
      this.cacheReadDebug(path, cache?.entries.length);
      if (cache) resetCryptoCache(cache, this.nowSeconds());
      return cache;
    });
    wipeCryptoCache(written);
  }

  private async generate(file: string): Promise<number> {
    const passphrase = generatePassphrase();
    let kek: Buffer | undefined;
    let key: { text: Buffer; keydata: Buffer } | undefined;
    try {
      this.debug(10, 'tools/bscrypto.cc:403-0', `Generated passphrase = ${this.secret(passphrase)}`);
      if (this.o.wrapKeyFile !== undefined) kek = await this.readKeyText(this.o.wrapKeyFile, true);
      try {
        key = generatedKeyText(passphrase, { base64: this.o.base64, ...(kek ? { kek } : {}) });
      } catch (e) {
        throw new Abort(
          `Cannot wrap passphrase ERR=${e instanceof SdpipeError ? e.code : 'wrap failed'}\n`,
          1,
        );
      }
      const keydataLine = () =>
        this.debug(
          10,
          'tools/bscrypto.cc:446-0',
          `Keydata = ${key!.keydata.length ? this.secret(key!.keydata) : ''}`,
        );
      if (file === '-') {
        // The key is the command's output; bscrypto prints its Keydata debug line before the newline.
        this.io.stdout(key.text.toString('latin1'));
        keydataLine();
        this.io.stdout('\n');
        return 0;
      }
      let failed = false;
      try {
        const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
        try {
          failed = (await handle.write(key.text, 0, key.text.length, 0)).bytesWritten !== key.text.length;
        } catch {
          failed = true;
        } finally {
          await handle.close();
        }
      } catch {
        throw new Abort(`Cannot open keyfile ${file}\n`, 1);
      }
      if (failed) this.io.stderr(`Failed to write ${key.text.length} bytes to keyfile ${file}\n`);
      keydataLine();
      return failed ? 1 : 0;
    } finally {
      wipe(passphrase, kek, key?.text, key?.keydata);
    }
  }

  /** The key of `-k`/`-s`: the key file's text, unwrapped when `-w` is given. */
  private async keyOf(file: string, forShow: boolean): Promise<Buffer> {
    const text = await this.readKeyText(file, false);
    if (this.o.wrapKeyFile !== undefined) return this.unwrap(text, file, this.o.wrapKeyFile);
    if (!forShow) return text;
    try {
      return shownKeyText(text, this.o.base64);
    } finally {
      wipe(text);
    }
  }

  private async show(file: string): Promise<void> {
    const passphrase = await this.keyOf(file, true);
    try {
      this.debug(10, 'tools/bscrypto.cc:489-0', `Unwrapped passphrase = ${this.secret(passphrase)}`);
      // Printing the key is what -k is for.
      this.io.stdout(`${passphrase.subarray(0, cStringLength(passphrase)).toString('utf8')}\n`);
    } finally {
      wipe(passphrase);
    }
  }

  private async setKey(file: string): Promise<number> {
    const key = await this.keyOf(file, false);
    try {
      this.debug(10, 'tools/bscrypto.cc:526-0', `keydata: ${this.secret(key)}`);
      return await this.driveCall(() => this.drive.setKey(this.o.device, key));
    } finally {
      wipe(key);
    }
  }

  private async driveCall(fn: () => Promise<void>): Promise<number> {
    try {
      await fn();
      return 0;
    } catch (e) {
      this.io.stderr(`${formatError(e)}\n`);
      return 1;
    }
  }

  /** Runs the operations in bscrypto's order (-D, -p, -r, -g, -k, -c, -e, -s, -v); the exit status. */
  async run(): Promise<number> {
    const o = this.o;
    try {
      if (o.dumpCache !== undefined) return await this.dump(o.dumpCache).then(() => 0);
      if (o.populate !== undefined) return await this.populate(o.populate).then(() => 0);
      if (o.reset !== undefined) return await this.reset(o.reset).then(() => 0);
      if (o.generate !== undefined) return await this.generate(o.generate);
      if (o.show !== undefined) return await this.show(o.show).then(() => 0);
      if (o.clear) return await this.driveCall(() => this.drive.clearKey(o.device));
      if (o.driveStatus) {
        const status = await this.driveCall(async () =>
          this.io.stdout(await this.drive.driveStatus(o.device)),
        );
        if (status !== 0) return status;
      }
      if (o.set !== undefined) return await this.setKey(o.set);
      if (o.volumeStatus) {
        return await this.driveCall(async () => this.io.stdout(await this.drive.volumeStatus(o.device)));
      }
      return 0;
    } catch (e) {
      if (e instanceof Abort) {
        this.io.stderr(e.text);
        return e.exit;
      }
      this.io.stderr(`${formatError(e)}\n`);
      return 1;
    } finally {
      wipe(this.stdinBytes);
    }
  }
}

/** Dependencies of the bscrypto command (tests inject both). */
export interface BscryptoDeps {
  /** Drive encryption commands (default: none in this build). */
  readonly drive?: DriveEncryption;
  /** Clock in milliseconds (cache times, debug timestamps); default `Date.now`. */
  readonly now?: () => number;
}

/** The `bscrypto` command with a drive implementation and a clock. */
export function bscryptoCommand(deps: BscryptoDeps = {}): CommandDescriptor {
  return {
    name: 'bscrypto',
    summary:
      "volume keys: generate, wrap/unwrap (RFC 3394), show; crypto cache dump/populate/reset (Bareos' bscrypto)",
    usage: BSCRYPTO_USAGE,
    async run(argv: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseBscryptoOptions(argv);
      if ('exit' in parsed) {
        if (parsed.stdout) io.stdout(parsed.stdout);
        if (parsed.stderr) io.stderr(parsed.stderr);
        return parsed.exit;
      }
      const problem = bscryptoPostParseError(parsed);
      if (problem) {
        io.stderr(`${problem}\n`);
        return 1;
      }
      return new Run(parsed, io, deps.drive ?? NO_DRIVE_ENCRYPTION, deps.now ?? Date.now).run();
    },
  };
}

/** `sdpipe bscrypto`: drive options (-c -e -s -v) go to the drive spec through its SCSI transport. */
export const bscrypto: CommandDescriptor = bscryptoCommand({ drive: tapeDriveEncryption() });
