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
  read: (_v, b, at) => [b.slice(at, at + size), at + size],
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
