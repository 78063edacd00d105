/**
 * Where a named field sits in a CDB or parameter list, for the field pointer and bit pointer of ILLEGAL
 * REQUEST sense data (spec scsi.md §4, §8). Taken from the layout tables (cdb.ts, pages/, replies.ts), so
 * the drive never states an offset twice (style guide §2). The bit pointer names the field's most
 * significant bit, as in the stenc PR #28 sample (ALGORITHM INDEX: byte 8, bit 7).
 */
import type { BitTable } from '../../layout.js';
import { CDB_DEFINITIONS, type CdbKey } from '../scsi/cdb.js';

/** Byte offset and most significant bit of a field. */
export interface FieldPosition {
  readonly byte: number;
  readonly bit: number;
}

/** The parts of a flat layout this module reads. */
interface LayoutLike {
  readonly name: string;
  readonly offsets: Readonly<Record<string, number>>;
  readonly fields: readonly { readonly name: string; readonly type: unknown }[];
}

/**
 * Position of field `name` of `layout`: a whole field (byte, bit 7) or a bit field of a packed group.
 * Throws when the layout has no such field (a bug in the drive, found by the first test that runs it).
 */
export function fieldPosition(layout: LayoutLike, name: string): FieldPosition {
  const at = layout.offsets[name];
  if (at !== undefined) return { byte: at, bit: 7 };
  for (const f of layout.fields) {
    const table = (
      f.type as { bitTable?: BitTable<readonly { name: string; byte: number; bit: number; width: number }[]> }
    ).bitTable;
    const bf = table?.fields.find((b) => b.name === name);
    if (bf) return { byte: bf.byte, bit: bf.bit + bf.width - 1 };
  }
  throw new Error(`${layout.name} has no field ${name}`);
}

/** Position of field `name` in the CDB `key`. */
export const cdbFieldPosition = (key: CdbKey, name: string): FieldPosition =>
  fieldPosition(CDB_DEFINITIONS[key].layout, name);
