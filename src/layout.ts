/**
 * Declarative byte layouts. Every on-media or on-wire structure is stated once as a table of fields;
 * offsets, sizes, `encode`, `decode` and debug dumps all come from that table (style guide §2).
 * Endianness is part of the field type, never a flag.
 */
import { VolumeFormatError, type ErrorCode, type Where } from './errors.js';

/** How one field's value is read from and written to bytes. */
export interface FieldType<T> {
  /** Size in bytes when fixed; `undefined` for variable-length fields (NUL-terminated strings). */
  readonly size: number | undefined;
  /** Reads a value at `at`; `end` bounds the bytes it may look at. Returns the value and the next offset. */
  read(view: DataView, bytes: Uint8Array, at: number, end: number): readonly [T, number];
  /** Bytes the value takes when encoded. */
  sizeOf(value: T): number;
  /** Writes the value at `at` and returns the next offset. */
  write(view: DataView, bytes: Uint8Array, at: number, value: T): number;
}

const fixed = <T>(
  size: number,
  read: (v: DataView, at: number) => T,
  write: (v: DataView, at: number, value: T) => void,
): FieldType<T> => ({
  size,
  // The cached view spans the whole ArrayBuffer, so positions are shifted by the array's byteOffset.
  read: (view, b, at) => [read(view, b.byteOffset + at), at + size],
  sizeOf: () => size,
  write: (view, b, at, value) => {
    write(view, b.byteOffset + at, value);
    return at + size;
  },
});

export const u8 = fixed<number>(
  1,
  (v, at) => v.getUint8(at),
  (v, at, x) => v.setUint8(at, x),
);
export const u16be = fixed<number>(
  2,
  (v, at) => v.getUint16(at),
  (v, at, x) => v.setUint16(at, x),
);
export const u16le = fixed<number>(
  2,
  (v, at) => v.getUint16(at, true),
  (v, at, x) => v.setUint16(at, x, true),
);
export const u32be = fixed<number>(
  4,
  (v, at) => v.getUint32(at),
  (v, at, x) => v.setUint32(at, x),
);
export const u32le = fixed<number>(
  4,
  (v, at) => v.getUint32(at, true),
  (v, at, x) => v.setUint32(at, x, true),
);
export const i32be = fixed<number>(
  4,
  (v, at) => v.getInt32(at),
  (v, at, x) => v.setInt32(at, x),
);
/** u64 big-endian as a JS number; values above 2^53 are not used by any volume field we read. */
export const u64be = fixed<number>(
  8,
  (v, at) => Number(v.getBigUint64(at)),
  (v, at, x) => v.setBigUint64(at, BigInt(x)),
);
/** i64 big-endian as a JS number (btime microseconds fit in 2^53). */
export const i64be = fixed<number>(
  8,
  (v, at) => Number(v.getBigInt64(at)),
  (v, at, x) => v.setBigInt64(at, BigInt(x)),
);
export const f64be = fixed<number>(
  8,
  (v, at) => v.getFloat64(at),
  (v, at, x) => v.setFloat64(at, x),
);

/** Fixed-width ASCII (e.g. a 4-byte ID such as `BB02`), no NUL. */
export const ascii = (size: number): FieldType<string> =>
  fixed<string>(
    size,
    (v, at) => {
      let s = '';
      for (let i = 0; i < size; i++) s += String.fromCharCode(v.getUint8(at + i));
      return s;
    },
    (v, at, x) => {
      for (let i = 0; i < size; i++) v.setUint8(at + i, i < x.length ? x.charCodeAt(i) & 0xff : 0);
    },
  );

/** Fixed-size raw bytes (copied out, so the value does not alias the source buffer). */
export const bytes = (size: number): FieldType<Uint8Array> => ({
  size,
  // Uint8Array's slice copies; Buffer's would return a view, so never call it through the subclass.
  read: (_v, b, at) => [Uint8Array.prototype.slice.call(b, at, at + size), at + size],
  sizeOf: () => size,
  write: (_v, b, at, x) => {
    b.set(x.subarray(0, size), at);
    return at + size;
  },
});

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8enc = new TextEncoder();

/** A NUL-terminated UTF-8 string of any length (the Bacula/Bareos `ser_string`). */
export const cstring: FieldType<string> = {
  size: undefined,
  read: (_v, b, at, end) => {
    const nul = b.indexOf(0, at);
    if (nul < 0 || nul >= end) {
      throw new VolumeFormatError('SDP_LAYOUT_STRING', 'string has no NUL before the end of its record', {
        offset: at,
      });
    }
    return [utf8.decode(b.subarray(at, nul)), nul + 1];
  },
  sizeOf: (x) => utf8enc.encode(x).length + 1,
  write: (_v, b, at, x) => {
    const e = utf8enc.encode(x);
    b.set(e, at);
    b[at + e.length] = 0;
    return at + e.length + 1;
  },
};

/** One named field of a layout. */
export interface Field<N extends string, T> {
  readonly name: N;
  readonly type: FieldType<T>;
}
export const field = <N extends string, T>(name: N, type: FieldType<T>): Field<N, T> => ({ name, type });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyField = Field<string, any>;
type FieldsValue<F extends readonly AnyField[]> = {
  [K in F[number] as K['name']]: K extends Field<string, infer T> ? T : never;
};

/** A declarative layout: name, fields in order, and the fixed size when every field is fixed. */
export interface Layout<F extends readonly AnyField[]> {
  readonly name: string;
  readonly fields: F;
  /** Total size when all fields are fixed, else undefined. */
  readonly size: number | undefined;
  /** Offset of each fixed-position field (those before the first variable-length one). */
  readonly offsets: Readonly<Record<string, number>>;
  /** Decodes at `at`; never reads past `end` (default: end of `bytes`). Throws SDP_LAYOUT_SHORT. */
  decode(bytes: Uint8Array, at?: number, where?: Where, end?: number): FieldsValue<F>;
  /** Like decode, and also returns the offset just after the last field. */
  decodeWithEnd(bytes: Uint8Array, at?: number, where?: Where, end?: number): [FieldsValue<F>, number];
  /** Encodes a value into a new buffer of exactly the layout's size. */
  encode(value: FieldsValue<F>): Uint8Array;
  /** Bytes `value` takes when encoded. */
  sizeOf(value: FieldsValue<F>): number;
}

/** The value type described by a layout. */
export type ValueOf<L> = L extends Layout<infer F> ? FieldsValue<F> : never;

const views = new WeakMap<ArrayBufferLike, DataView>();
/** One cached DataView per ArrayBuffer, so decoders never allocate one per call. */
export function viewOf(b: Uint8Array): DataView {
  let v = views.get(b.buffer);
  if (!v) {
    v = new DataView(b.buffer);
    views.set(b.buffer, v);
  }
  return v;
}

/** Builds a layout from its field table. */
export function layout<const F extends readonly AnyField[]>(
  name: string,
  fields: F,
  shortCode: ErrorCode = 'SDP_LAYOUT_SHORT',
): Layout<F> {
  let size: number | undefined = 0;
  const offsets: Record<string, number> = {};
  for (const f of fields) {
    if (size !== undefined) offsets[f.name] = size;
    size = size === undefined || f.type.size === undefined ? undefined : size + f.type.size;
  }
  const decodeWithEnd = (
    b: Uint8Array,
    at = 0,
    where: Where = {},
    end = b.length,
  ): [FieldsValue<F>, number] => {
    const view = viewOf(b);
    const out: Record<string, unknown> = {};
    let p = at;
    for (const f of fields) {
      if (f.type.size !== undefined && p + f.type.size > end) {
        throw new VolumeFormatError(shortCode, `${name}: ${f.name} runs past the end`, {
          ...where,
          field: f.name,
          need: p + f.type.size - at,
          have: end - at,
        });
      }
      try {
        const [v, next] = f.type.read(view, b, p, end) as readonly [unknown, number];
        out[f.name] = v;
        p = next;
      } catch (e) {
        if (e instanceof VolumeFormatError) {
          throw new VolumeFormatError(e.code, `${name}: ${f.name}: ${e.message}`, {
            ...where,
            field: f.name,
          });
        }
        throw e;
      }
    }
    return [out as FieldsValue<F>, p];
  };
  const sizeOf = (value: FieldsValue<F>): number => {
    let n = 0;
    const rec = value as Record<string, unknown>;
    for (const f of fields) n += f.type.sizeOf(rec[f.name]);
    return n;
  };
  return {
    name,
    fields,
    size,
    offsets,
    decodeWithEnd,
    decode: (b, at, where, end) => decodeWithEnd(b, at, where, end)[0],
    sizeOf,
    encode: (value) => {
      const out = new Uint8Array(sizeOf(value));
      const view = new DataView(out.buffer);
      let p = 0;
      const rec = value as Record<string, unknown>;
      for (const f of fields) p = f.type.write(view, out, p, rec[f.name]);
      return out;
    },
  };
}

/** u24 big-endian (SCSI transfer lengths, block lengths). */
export const u24be = fixed<number>(
  3,
  (v, at) => (v.getUint8(at) << 16) | v.getUint16(at + 1),
  (v, at, x) => {
    v.setUint8(at, (x >>> 16) & 0xff);
    v.setUint16(at + 1, x & 0xffff);
  },
);
/** i24 big-endian, two's complement (SCSI SPACE(6) count). */
export const i24be = fixed<number>(
  3,
  (v, at) => (((v.getUint8(at) << 16) | v.getUint16(at + 1)) << 8) >> 8,
  (v, at, x) => {
    v.setUint8(at, (x >>> 16) & 0xff);
    v.setUint16(at + 1, x & 0xffff);
  },
);

const RESERVED = Symbol('reserved');
/** Reserved bytes: read as `undefined`, written as zeros. {@link flatLayout} leaves them out of values. */
export const reserved = (size: number): FieldType<undefined> & { readonly [RESERVED]: true } => ({
  [RESERVED]: true,
  size,
  read: (_v, _b, at) => [undefined, at + size],
  sizeOf: () => size,
  write: (_v, b, at) => {
    b.fill(0, at, at + size);
    return at + size;
  },
});

/**
 * One named bit field of a packed byte group (style guide §2: SCSI bits as a table, never hand shifting):
 * bits `high`..`low` of spec byte `byte` (bit 7 = MSB). Width 1 is a boolean {@link flag}, wider ones numbers.
 */
export interface BitField<N extends string, T extends boolean | number> {
  readonly name: N;
  /** Byte number as the spec's table gives it (counted from the start of the whole structure). */
  readonly byte: number;
  /** Lowest bit of the field (0 = LSB). */
  readonly bit: number;
  readonly width: number;
  /** Type marker only; never set. */
  readonly valueType?: T;
}
/** A one-bit field, read as a boolean. */
export const flag = <N extends string>(name: N, byte: number, bit: number): BitField<N, boolean> => ({
  name,
  byte,
  bit,
  width: 1,
});
/** A field of bits `high`..`low` (inclusive, as spec tables write "bits 7-5"), read as a number. */
export const bits = <N extends string>(
  name: N,
  byte: number,
  high: number,
  low: number,
): BitField<N, number> => ({ name, byte, bit: low, width: high - low + 1 });

type AnyBitField = BitField<string, boolean> | BitField<string, number>;
/** The value a bit table describes: one property per bit field. */
export type BitsValue<F extends readonly AnyBitField[]> = {
  [K in F[number] as K['name']]: K extends BitField<string, infer T> ? T : never;
};

/** A packed group of `size` bytes starting at spec byte `firstByte`, and its named bit fields. */
export interface BitTable<F extends readonly AnyBitField[]> {
  readonly name: string;
  readonly firstByte: number;
  readonly size: number;
  readonly fields: F;
  /** Per byte of the group, the bits some field names (the rest are reserved). */
  readonly masks: readonly number[];
  /** Reads every field from the group whose first byte is at `at`. */
  read(bytes: Uint8Array, at: number): BitsValue<F>;
  /** Writes every field (numbers are cut to their width; reserved bits become 0). */
  write(bytes: Uint8Array, at: number, value: BitsValue<F>): void;
}

/** Builds a bit table; throws at module load when a field leaves its group or two fields overlap. */
export function bitTable<const F extends readonly AnyBitField[]>(
  name: string,
  firstByte: number,
  size: number,
  fields: F,
): BitTable<F> {
  const masks = new Array<number>(size).fill(0);
  for (const f of fields) {
    const i = f.byte - firstByte;
    const mask = ((1 << f.width) - 1) << f.bit;
    if (i < 0 || i >= size || f.bit < 0 || f.width < 1 || f.bit + f.width > 8 || (masks[i]! & mask) !== 0)
      throw new Error(`${name}: bit field ${f.name} is outside its byte group or overlaps another`);
    masks[i] = masks[i]! | mask;
  }
  return {
    name,
    firstByte,
    size,
    fields,
    masks,
    read: (b, at) => {
      const out: Record<string, boolean | number> = {};
      for (const f of fields) {
        const v = (b[at + f.byte - firstByte]! >> f.bit) & ((1 << f.width) - 1);
        out[f.name] = f.width === 1 ? v === 1 : v;
      }
      return out as BitsValue<F>;
    },
    write: (b, at, value) => {
      b.fill(0, at, at + size);
      const rec = value as Record<string, boolean | number>;
      for (const f of fields) {
        const v = rec[f.name];
        const n = (typeof v === 'boolean' ? Number(v) : (v ?? 0)) & ((1 << f.width) - 1);
        b[at + f.byte - firstByte] = b[at + f.byte - firstByte]! | (n << f.bit);
      }
    },
  };
}

const PACKED = Symbol('packed');
/** Marks the value type of a {@link packed} field so {@link flatLayout} can spread it. */
export interface PackedValue {
  readonly [PACKED]?: true;
}
/** A layout field holding a packed byte group; its value is the group's bit fields. */
export const packed = <const F extends readonly AnyBitField[]>(
  table: BitTable<F>,
): FieldType<BitsValue<F> & PackedValue> & { readonly bitTable: BitTable<F> } => ({
  bitTable: table,
  size: table.size,
  read: (_v, b, at) => [table.read(b, at), at + table.size],
  sizeOf: () => table.size,
  write: (_v, b, at, value) => {
    table.write(b, at, value);
    return at + table.size;
  },
});

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
type PlainFields<F extends readonly AnyField[]> = {
  [
    K in F[number] as K extends Field<infer N, infer T>
      ? [T] extends [undefined]
        ? never
        : T extends PackedValue & object
          ? T extends Uint8Array
            ? N
            : never
          : N
      : never
  ]: K extends Field<string, infer T> ? T : never;
};
type PackedParts<F extends readonly AnyField[]> = F[number] extends infer K
  ? K extends Field<string, infer T>
    ? T extends Uint8Array
      ? never
      : T extends PackedValue & object
        ? Omit<T, typeof PACKED>
        : never
    : never
  : never;
/** The value of a {@link flatLayout}: plain fields and the bit fields of every packed group, side by side. */
export type FlatValue<F extends readonly AnyField[]> = {
  [K in keyof (PlainFields<F> & UnionToIntersection<PackedParts<F>>)]: (PlainFields<F> &
    UnionToIntersection<PackedParts<F>>)[K];
};
/** The value type described by a flat layout. */
export type FlatValueOf<L> = L extends FlatLayout<infer F> ? FlatValue<F> : never;

/**
 * A layout whose value is flat: packed groups contribute their bit fields as properties, and reserved
 * bytes are left out (and written as zeros). Used for SCSI CDBs and pages, where one byte holds several
 * named fields.
 */
export interface FlatLayout<F extends readonly AnyField[]> {
  readonly name: string;
  readonly fields: F;
  readonly size: number | undefined;
  readonly offsets: Readonly<Record<string, number>>;
  /**
   * Per byte of a fixed-size layout, the bits that are reserved (named by no field), so a device can point
   * at the first reserved bit that is set; undefined when the layout has variable-length fields.
   */
  readonly reservedMasks: readonly number[] | undefined;
  /** Decodes at `at`; never reads past `end`. Throws `shortCode` when the bytes are too few. */
  decode(bytes: Uint8Array, at?: number, where?: Where, end?: number): FlatValue<F>;
  encode(value: FlatValue<F>): Uint8Array;
  /** Encodes into `bytes` at `at`; returns the offset after the last field. */
  encodeInto(value: FlatValue<F>, bytes: Uint8Array, at: number): number;
}

/**
 * Builds a {@link FlatLayout}. Each packed group's table states its first spec byte; the layout checks at
 * module load that the field table puts it there, so the spec's byte numbers and the table agree.
 */
export function flatLayout<const F extends readonly AnyField[]>(
  name: string,
  fields: F,
  shortCode: ErrorCode = 'SDP_LAYOUT_SHORT',
): FlatLayout<F> {
  const inner = layout(name, fields, shortCode);
  const tableOf = (f: AnyField): BitTable<readonly AnyBitField[]> | undefined =>
    (f.type as { bitTable?: BitTable<readonly AnyBitField[]> }).bitTable;
  const isReserved = (f: AnyField): boolean => RESERVED in f.type;
  for (const f of fields) {
    const t = tableOf(f);
    if (t && inner.offsets[f.name] !== t.firstByte)
      throw new Error(
        `${name}: packed group ${t.name} is at byte ${inner.offsets[f.name]}, not ${t.firstByte}`,
      );
  }
  const nest = (value: Record<string, unknown>): Record<string, unknown> => {
    const rec: Record<string, unknown> = {};
    for (const f of fields) rec[f.name] = tableOf(f) ? value : isReserved(f) ? undefined : value[f.name];
    return rec;
  };
  const encodeInto = (value: FlatValue<F>, bytes: Uint8Array, at: number): number => {
    const rec = nest(value);
    const view = viewOf(bytes);
    let p = at;
    for (const f of fields) p = f.type.write(view, bytes, p, rec[f.name]);
    return p;
  };
  let reservedMasks: number[] | undefined;
  if (inner.size !== undefined) {
    reservedMasks = new Array<number>(inner.size).fill(0);
    for (const f of fields) {
      const at = inner.offsets[f.name]!;
      const t = tableOf(f);
      for (let i = 0; i < f.type.size!; i++)
        reservedMasks[at + i] = isReserved(f) ? 0xff : t ? ~t.masks[i]! & 0xff : 0;
    }
  }
  return {
    name,
    fields,
    size: inner.size,
    offsets: inner.offsets,
    reservedMasks,
    decode: (b, at, where, end) => {
      const nested = inner.decode(b, at, where, end) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        if (isReserved(f)) continue;
        if (tableOf(f)) Object.assign(out, nested[f.name]);
        else out[f.name] = nested[f.name];
      }
      return out as FlatValue<F>;
    },
    encodeInto,
    encode: (value) => {
      const out = new Uint8Array(inner.sizeOf(nest(value) as never));
      encodeInto(value, out, 0);
      return out;
    },
  };
}

/** u64 big-endian as a bigint (SCSI INFORMATION descriptors, where every bit counts). */
export const u64beBig = fixed<bigint>(
  8,
  (v, at) => v.getBigUint64(at),
  (v, at, x) => v.setBigUint64(at, BigInt.asUintN(64, x)),
);
