/**
 * iSCSI drive URLs, the form libiscsi's tools use: `iscsi://[user[%password]@]host[:port]/target-iqn/lun`
 * (e.g. `iscsi://127.0.0.1:3262/iqn.2026-01.test.local:tape0/1`). Parsed here, in pure code, so a bad
 * URL is a usage error before any connection is tried.
 */
import { UsageError } from '../../errors.js';

/** The form accepted, for messages. */
export const ISCSI_URL_FORM = 'iscsi://[user[%password]@]host[:port]/target-iqn/lun';
/** The IANA iSCSI port, used when the URL names none. */
export const ISCSI_DEFAULT_PORT = 3260;

/** A parsed iSCSI drive URL. */
export interface IscsiUrl {
  /** `host:port` as libiscsi connects to it (IPv6 hosts in brackets). */
  readonly portal: string;
  readonly host: string;
  readonly port: number;
  /** Target name (IQN or EUI). */
  readonly target: string;
  /** Logical unit number of the drive. */
  readonly lun: number;
  /** CHAP user and password, when the URL carries them. */
  readonly user?: string;
  readonly password?: string;
  /** The URL with any password left out: what to call the drive in messages. */
  readonly display: string;
}

const URL_SHAPE =
  /^iscsi:\/\/(?:([^@/%]+)(?:%([^@/]*))?@)?(\[[0-9A-Fa-f:.]+\]|[^/:[\]@]+)(?::(\d+))?\/([^/]+)\/(\d+)$/;

/** True when `spec` is meant as an iSCSI URL (it may still be malformed). */
export const isIscsiUrl = (spec: string): boolean => spec.startsWith('iscsi://');

/** Parses an iSCSI drive URL; throws UsageError naming the accepted form when it does not fit. */
export function parseIscsiUrl(url: string): IscsiUrl {
  const m = URL_SHAPE.exec(url);
  const port = m?.[4] === undefined ? ISCSI_DEFAULT_PORT : Number(m[4]);
  const lun = Number(m?.[6]);
  if (!m || port < 1 || port > 65535 || !Number.isSafeInteger(lun) || lun > 0xffff) {
    const shown = url.replace(/^(iscsi:\/\/[^@/%]+)%[^@/]*@/, '$1@');
    throw new UsageError(`not an iSCSI drive URL: expected ${ISCSI_URL_FORM}`, { device: shown });
  }
  const [, user, password, host = '', , target = ''] = m;
  const portal = `${host}:${port}`;
  const display = `iscsi://${user === undefined ? '' : `${user}@`}${portal}/${target}/${lun}`;
  return {
    portal,
    host,
    port,
    target,
    lun,
    display,
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
  };
}
