/**
 * The one list of SCSI transports (style guide §5: registries, not switches). A drive spec names its
 * transport by form: `iscsi://host[:port]/target-iqn/lun` (libiscsi), `/dev/sgN`, `/dev/nstN`, `/dev/stN`
 * (SG_IO), `sim:<image>[?…]` (the simulated drive, src/devices/sim/). registerTransport() adds or
 * replaces one at run time. Usage messages and lookups come from the list.
 */
import { UsageError } from '../../errors.js';
import { simTransport } from '../sim/sim-transport.js';
import { iscsiTransport } from './iscsi-transport.js';
import { sgTransport } from './sg-transport.js';
import type { ScsiTransport, TransportDescriptor } from './transport.js';

const TRANSPORTS: TransportDescriptor[] = [iscsiTransport, sgTransport, simTransport];

/** Adds a transport to the list (e.g. the simulated drive). A name already registered is replaced. */
export function registerTransport(descriptor: TransportDescriptor): void {
  const at = TRANSPORTS.findIndex((t) => t.name === descriptor.name);
  if (at >= 0) TRANSPORTS[at] = descriptor;
  else TRANSPORTS.push(descriptor);
}

/** Every registered transport, in lookup order. */
export const transports = (): readonly TransportDescriptor[] => [...TRANSPORTS];

/** Every spec form the registered transports take, for messages and help text. */
export const transportForms = (): string[] => TRANSPORTS.flatMap((t) => t.forms ?? [`${t.name}:…`]);

/** The transport for `spec`; throws UsageError naming the accepted forms when none matches. */
export function transportFor(spec: string): TransportDescriptor {
  const found = TRANSPORTS.find((t) => t.matches(spec));
  if (!found) {
    throw new UsageError(`not a drive: ${spec} (expected ${transportForms().join(', ')})`, {
      device: spec,
      forms: transportForms().join(', '),
    });
  }
  return found;
}

/** Opens the drive `spec` with the transport whose form it matches (rejects with UsageError if none). */
export async function openTransport(spec: string): Promise<ScsiTransport> {
  return transportFor(spec).open(spec);
}
