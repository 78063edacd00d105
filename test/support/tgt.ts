/**
 * A private tgtd (Linux SCSI target framework, user space) serving virtual SSC tape drives over iSCSI on
 * 127.0.0.1, started and stopped as test-environment.md §1 describes: images made by tgtimg in a temp dir,
 * `tgtd -f` on a free loopback port with its own management socket (`-C`), so parallel runs and a
 * developer's own tgtd never collide. tgtd ignores SIGTERM: stop() takes it offline, deletes the targets
 * and the system, and SIGKILLs only its own PID if it is still there.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { systemLibrary } from './scsi-transport-system.js';
import { requireTool, systemTool, type SystemTool } from './system-tool.js';

const run = promisify(execFile);

/** What CI installs (.ci/run) and what a developer needs for the iSCSI tests. */
export const TGT_INSTALL = 'apt-get install tgt libiscsi7';

const tgtd = systemTool(['/usr/sbin/tgtd', '/usr/bin/tgtd'], TGT_INSTALL);
const tgtadm = systemTool(['/usr/sbin/tgtadm', '/usr/bin/tgtadm'], TGT_INSTALL);
const tgtimg = systemTool(['/usr/sbin/tgtimg', '/usr/bin/tgtimg'], TGT_INSTALL);

const libiscsi = systemLibrary(['libiscsi.so.7'], TGT_INSTALL);

/**
 * Whether the tgt tests can run: tgtd, tgtadm, tgtimg and libiscsi.so.7. Like {@link systemTool}: missing
 * pieces skip the tests (naming the install command), except with CI=true, where {@link startTgt} fails.
 */
export const tgtEnvironment: SystemTool =
  [tgtd, tgtadm, tgtimg, libiscsi].find((t) => t.path === undefined) ?? libiscsi;

/** IQN of the one target the harness creates. */
export const TGT_TARGET = 'iqn.2026-01.test.local:tapes';
const TID = 1;
/** Management sockets live here, one per `-C` number (`socket.N` and `socket.N.lock`). */
const TGTD_SOCKET_DIR = '/var/run/tgtd';
/** tgtd takes `-C` values up to 32767; stay clear of the default 0 and of low numbers people pick. */
const CONTROL_PORT_MIN = 10_000;
const CONTROL_PORT_MAX = 32_767;
const START_ATTEMPTS = 5;
const READY_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 5_000;
const POLL_MS = 10;

/** A running private tgtd. */
export interface Tgt {
  readonly pid: number;
  readonly port: number;
  readonly controlPort: number;
  readonly dir: string;
  /** `iscsi://127.0.0.1:<port>/<target>/<lun>`. */
  url(lun: number): string;
  /**
   * A new blank tape (its own image) as the next LUN; resolves with its URL. Position: BOT. Sessions already
   * logged in get UNIT ATTENTION 3F/0E (REPORTED LUNS DATA HAS CHANGED) on their next command.
   */
  addTape(options?: { sizeMb?: number }): Promise<string>;
  /** tgtd's own log (stderr), for failure messages. */
  log(): string;
  /**
   * Graceful shutdown (offline, delete targets and system), SIGKILL as a last resort; removes the dir.
   * Calling it again does nothing.
   */
  stop(): Promise<void>;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** A management-socket number no tgtd on this machine uses (its socket file would exist). */
function freeControlPort(): number {
  for (;;) {
    const n = CONTROL_PORT_MIN + Math.floor(Math.random() * (CONTROL_PORT_MAX - CONTROL_PORT_MIN));
    if (!socketFiles(n).some((f) => existsSync(f))) return n;
  }
}

const socketFiles = (controlPort: number) => [
  join(TGTD_SOCKET_DIR, `socket.${controlPort}`),
  join(TGTD_SOCKET_DIR, `socket.${controlPort}.lock`),
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** `tgtadm -C <port> <words of line> <extra…>`, e.g. `admin('--mode sys --op show')`. */
type Admin = (line: string, ...extra: string[]) => Promise<unknown>;

/**
 * Starts a private tgtd with one target and `tapes` blank tape LUNs (1, 2, …) of `sizeMb` each. Fails (in CI,
 * or when the tools are there but tgtd does not come up) with tgtd's log in the message.
 */
export async function startTgt(options: { tapes?: number; sizeMb?: number } = {}): Promise<Tgt> {
  const tgtdPath = requireTool(tgtd, TGT_INSTALL);
  const tgtadmPath = requireTool(tgtadm, TGT_INSTALL);
  const tgtimgPath = requireTool(tgtimg, TGT_INSTALL);
  requireTool(libiscsi, TGT_INSTALL);
  const dir = mkdtempSync(join(tmpdir(), 'sdpipe-tgt-'));
  const logPath = join(dir, 'tgtd.log');
  const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const controlPort = freeControlPort();
    const logFd = openSync(logPath, 'a');
    // Listen on loopback only, on our own port, with our own management socket (test-environment.md §1).
    const child = spawn(tgtdPath, ['-f', '--iscsi', `portal=127.0.0.1:${port}`, '-C', String(controlPort)], {
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    const killOnExit = () => {
      if (alive(child)) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    const admin: Admin = (line, ...extra) =>
      run(tgtadmPath, ['-C', String(controlPort), ...line.split(' '), ...extra]);
    try {
      await waitReady(child, admin);
      await admin(`--lld iscsi --mode target --op new --tid ${TID} --targetname`, TGT_TARGET);
      await admin(`--lld iscsi --mode target --op bind --tid ${TID} --initiator-address ALL`);
    } catch (e) {
      lastError = e;
      await stopTgtd(child, admin, controlPort);
      process.removeListener('exit', killOnExit);
      continue;
    }
    let luns = 0;
    let stopped = false;
    const tgt: Tgt = {
      pid: child.pid ?? -1,
      port,
      controlPort,
      dir,
      url: (lun) => `iscsi://127.0.0.1:${port}/${TGT_TARGET}/${lun}`,
      async addTape({ sizeMb = options.sizeMb ?? 2048 } = {}) {
        const lun = ++luns;
        // An absolute path: tgtd, not tgtadm, opens the backing store.
        const image = join(dir, `tape${lun}.img`);
        const barcode = `TAPE${String(lun).padStart(4, '0')}`;
        await run(tgtimgPath, [
          ...'--op new --device-type tape --type data --thin-provisioning'.split(' '),
          `--barcode=${barcode}`,
          `--size=${sizeMb}`,
          `--file=${image}`,
        ]);
        await admin(
          `--lld iscsi --mode logicalunit --op new --tid ${TID} --lun ${lun} --bstype ssc --device-type tape`,
          '--backing-store',
          image,
        );
        return tgt.url(lun);
      },
      log,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopTgtd(child, admin, controlPort);
        process.removeListener('exit', killOnExit);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    for (let i = 0; i < (options.tapes ?? 1); i++) await tgt.addTape();
    return tgt;
  }
  const text = log();
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`tgtd did not start after ${START_ATTEMPTS} attempts: ${String(lastError)}\n${text}`);
}

/** Waits until tgtadm answers on the management socket (tgtd is up), or tgtd has died. */
async function waitReady(child: ChildProcess, admin: Admin): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (!alive(child)) throw new Error(`tgtd exited (code ${child.exitCode}, signal ${child.signalCode})`);
    try {
      await admin('--mode sys --op show');
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(POLL_MS);
    }
  }
}

/**
 * test-environment.md §1 "Tear down": tgtd ignores SIGTERM and SIGINT, so offline, delete the target, delete
 * the system (tgtd exits), then SIGKILL for this PID only if it is still there; the socket files go too.
 */
async function stopTgtd(child: ChildProcess, admin: Admin, controlPort: number): Promise<void> {
  if (alive(child)) {
    const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
    await quietly(admin('--op update --mode sys --name State -v offline'));
    await quietly(admin(`--lld iscsi --mode target --op delete --force --tid ${TID}`));
    await quietly(admin('--op delete --mode system'));
    const deadline = Date.now() + STOP_DEADLINE_MS;
    while (alive(child) && Date.now() < deadline) await sleep(POLL_MS);
    if (alive(child)) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  }
  for (const f of socketFiles(controlPort)) rmSync(f, { force: true });
}
