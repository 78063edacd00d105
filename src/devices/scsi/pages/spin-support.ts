/**
 * SPIN support pages (spec scsi.md §1, §3): protocol 0x20 pages 0x0000 (Tape Data Encryption In Support:
 * the SPIN page codes) and 0x0001 (Out Support: the SPOUT page codes), and protocol 0x00 pages 0x0000
 * (supported security protocols) and 0x0001 (certificate data).
 */
import { field, flatLayout, reserved, u16be } from '../../../layout.js';
import type { Where } from '../../../errors.js';
import { decodeStep, expectPageCode, pageEnd, pageError } from './page-common.js';
import { TDE_PAGE } from './tde-codes.js';

/** Header of every security protocol 0x20 page. */
export const TDE_PAGE_HEADER = flatLayout('TdePageHeader', [
  field('pageCode', u16be),
  field('pageLength', u16be),
]);

/** A support page: the page codes the drive accepts. */
export interface SupportedPagesPage {
  /** 0x0000 (SPIN pages) or 0x0001 (SPOUT pages). */
  readonly pageCode: number;
  /** PAGE LENGTH; derived when left out. */
  readonly pageLength?: number;
  readonly pageCodes: readonly number[];
}

/**
 * Decodes page 0x0000 or 0x0001 (`pageCode` says which one is expected). The list is bounded by PAGE
 * LENGTH and by the bytes received; an odd byte left over is SDP_SCSI_PAGE_FORMAT.
 */
export function decodeSupportedPages(
  b: Uint8Array,
  pageCode: number = TDE_PAGE.IN_SUPPORT,
  where: Where = {},
): SupportedPagesPage {
  const h = decodeStep(where, () => TDE_PAGE_HEADER.decode(b, 0, where));
  expectPageCode(h.pageCode, pageCode, 'security protocol support page', where);
  const end = pageEnd(b, h.pageLength);
  const at = TDE_PAGE_HEADER.size!;
  if ((end - at) % 2 !== 0)
    throw pageError(
      'support page list has an odd number of bytes',
      where,
      TDE_PAGE_HEADER.offsets.pageLength!,
      { pageLength: h.pageLength },
    );
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pageCodes: number[] = [];
  for (let p = at; p < end; p += 2) pageCodes.push(view.getUint16(p));
  return { pageCode: h.pageCode, pageLength: h.pageLength, pageCodes };
}

/** Encodes a support page. */
export function encodeSupportedPages(v: SupportedPagesPage): Uint8Array {
  const out = new Uint8Array(TDE_PAGE_HEADER.size! + 2 * v.pageCodes.length);
  TDE_PAGE_HEADER.encodeInto(
    { pageCode: v.pageCode, pageLength: v.pageLength ?? out.length - TDE_PAGE_HEADER.size! },
    out,
    0,
  );
  const view = new DataView(out.buffer);
  v.pageCodes.forEach((c, i) => view.setUint16(TDE_PAGE_HEADER.size! + 2 * i, c));
  return out;
}

/** Protocol 0x00 page 0x0000 header (bytes 0-7); one byte per protocol follows. */
export const SUPPORTED_PROTOCOLS_HEADER = flatLayout('SupportedSecurityProtocolsHeader', [
  field('reserved0', reserved(6)),
  field('supportedSecurityProtocolListLength', u16be),
]);
/** The security protocols the drive supports (spec §1: 0x00 and 0x20). */
export interface SupportedProtocolsPage {
  /** Derived when left out. */
  readonly supportedSecurityProtocolListLength?: number;
  readonly securityProtocols: readonly number[];
}
/** Decodes protocol 0x00 page 0x0000 (the list bounded by its length and the bytes received). */
export function decodeSupportedProtocols(b: Uint8Array, where: Where = {}): SupportedProtocolsPage {
  const h = decodeStep(where, () => SUPPORTED_PROTOCOLS_HEADER.decode(b, 0, where));
  const at = SUPPORTED_PROTOCOLS_HEADER.size!;
  const end = Math.min(b.length, at + h.supportedSecurityProtocolListLength);
  return { ...h, securityProtocols: Array.from(b.subarray(at, end)) };
}
/** Encodes protocol 0x00 page 0x0000. */
export function encodeSupportedProtocols(v: SupportedProtocolsPage): Uint8Array {
  const at = SUPPORTED_PROTOCOLS_HEADER.size!;
  const out = new Uint8Array(at + v.securityProtocols.length);
  SUPPORTED_PROTOCOLS_HEADER.encodeInto(
    {
      supportedSecurityProtocolListLength:
        v.supportedSecurityProtocolListLength ?? v.securityProtocols.length,
    },
    out,
    0,
  );
  out.set(v.securityProtocols, at);
  return out;
}

/** Protocol 0x00 page 0x0001 header; the certificate follows. */
export const CERTIFICATE_HEADER = flatLayout('CertificateDataHeader', [
  field('reserved0', reserved(2)),
  field('certificateLength', u16be),
]);
/** The drive's certificate (length 0 on Quantum and T10000 drives, spec §1). */
export interface CertificatePage {
  /** Derived when left out. */
  readonly certificateLength?: number;
  readonly certificate: Uint8Array;
}
/** Decodes protocol 0x00 page 0x0001; a certificate past the bytes received is SDP_SCSI_PAGE_FORMAT. */
export function decodeCertificate(b: Uint8Array, where: Where = {}): CertificatePage {
  const h = decodeStep(where, () => CERTIFICATE_HEADER.decode(b, 0, where));
  const at = CERTIFICATE_HEADER.size!;
  if (at + h.certificateLength > b.length)
    throw pageError('certificate runs past the page', where, CERTIFICATE_HEADER.offsets.certificateLength!, {
      certificateLength: h.certificateLength,
    });
  return { ...h, certificate: b.slice(at, at + h.certificateLength) };
}
/** Encodes protocol 0x00 page 0x0001. */
export function encodeCertificate(v: CertificatePage): Uint8Array {
  const at = CERTIFICATE_HEADER.size!;
  const out = new Uint8Array(at + v.certificate.length);
  CERTIFICATE_HEADER.encodeInto({ certificateLength: v.certificateLength ?? v.certificate.length }, out, 0);
  out.set(v.certificate, at);
  return out;
}

/** What Quantum LTO-4 drives list in page 0x0000 (spec §3); T10000/mhVTL omit 0x0030 and 0x0031. */
export const QUANTUM_LTO4_SPIN_PAGES: readonly number[] = [
  0x0000, 0x0001, 0x0010, 0x0011, 0x0012, 0x0020, 0x0021, 0x0030, 0x0031,
];
