/**
 * A thin layer over one SQLite file (`node-sqlite3-wasm`: SQLite as WebAssembly on a real file, nothing
 * built or downloaded at install time): cached prepared statements, rows mapped through the table
 * definitions of `schema.ts`, transactions, and SQLite failures turned into SdpipeErrors
 * (`SDP_CATALOG_OPEN` for the file, `SDP_CATALOG_QUERY` for a statement). All calls are synchronous.
 */
import { existsSync } from 'node:fs';
import sqlite from 'node-sqlite3-wasm';
import { SdpipeError, type Where } from '../errors.js';
import type { RowOf, TableDef } from './schema.js';

/** A value SQLite stores or hands back. */
export type SqlValue = number | bigint | string | Uint8Array | null;
/** A result row by column name. */
export type RawRow = Record<string, SqlValue>;

/** A TEXT value (SQLite may hand back a number for a numeric-looking text). */
export function textOf(v: SqlValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return v.toString();
  return Buffer.from(v).toString('utf8');
}

/** A result row as a table's row object (property names from the column table). */
export function toRow<T extends TableDef>(table: T, raw: RawRow): RowOf<T> {
  const row: Record<string, number | string | null> = {};
  for (const c of table.columns) {
    const v = raw[c.name] ?? null;
    if (c.kind === 'int') row[c.key] = v === null ? 0 : Number(v);
    else if (c.kind === 'text') row[c.key] = textOf(v);
    else row[c.key] = v === null ? null : textOf(v);
  }
  return row as RowOf<T>;
}

const columnOf = (table: TableDef, key: string): string => {
  const c = table.columns.find((col) => col.key === key);
  if (!c) throw new SdpipeError('SDP_INTERNAL', `no column ${key} in ${table.name}`);
  return c.name;
};

/** One open SQLite file. */
export class SqliteStore {
  private readonly statements = new Map<string, sqlite.Statement>();

  private constructor(
    private readonly db: sqlite.Database,
    /** The file. */
    readonly path: string,
  ) {}

  /**
   * Opens (or, unless `readOnly`, creates) an SQLite file.
   *
   * @throws SdpipeError `SDP_CATALOG_OPEN` when it cannot be opened or created (missing directory, no
   *   permission, or a missing file with `readOnly`).
   */
  static open(path: string, readOnly: boolean): SqliteStore {
    const where: Where = { file: path };
    if (readOnly && !existsSync(path)) {
      throw new SdpipeError('SDP_CATALOG_OPEN', 'catalog file does not exist', where);
    }
    try {
      return new SqliteStore(new sqlite.Database(path, readOnly ? { readOnly: true } : {}), path);
    } catch (e) {
      throw new SdpipeError('SDP_CATALOG_OPEN', `cannot open catalog: ${(e as Error).message}`, where, {
        cause: e,
      });
    }
  }

  /** Closes the file (finalizing every prepared statement). */
  close(): void {
    for (const sql of [...this.statements.keys()]) this.drop(sql);
    if (this.db.isOpen) this.db.close();
  }

  /** Forgets a cached statement; finalizing one whose last run failed repeats that failure, ignored here. */
  private drop(sql: string): void {
    const s = this.statements.get(sql);
    this.statements.delete(sql);
    try {
      s?.finalize();
    } catch {
      // already reported by the statement that failed
    }
  }

  private statement(sql: string): sqlite.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.guard(sql, () => this.db.prepare(sql));
      this.statements.set(sql, s);
    }
    return s;
  }

  private guard<T>(sql: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof SdpipeError) throw e;
      this.drop(sql);
      throw new SdpipeError(
        'SDP_CATALOG_QUERY',
        `catalog query failed: ${(e as Error).message}`,
        { file: this.path, query: sql.split(/\s+/).slice(0, 4).join(' ') },
        { cause: e },
      );
    }
  }

  /** Runs SQL that returns no rows (DDL, transaction control). */
  exec(sql: string): void {
    this.guard(sql, () => this.db.exec(sql));
  }

  /** Runs a statement; returns the changed row count and the last inserted rowid. */
  run(sql: string, values: SqlValue[] = []): { changes: number; lastInsertRowid: number } {
    const r = this.guard(sql, () => this.statement(sql).run(values));
    return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
  }

  /** Every row of a query. */
  all(sql: string, values: SqlValue[] = []): RawRow[] {
    return this.guard(sql, () => this.statement(sql).all(values) as RawRow[]);
  }

  /**
   * The first row of a query (for queries of one row). The statement is run to its end: one left on a row
   * would keep its read lock on the file.
   */
  get(sql: string, values: SqlValue[] = []): RawRow | undefined {
    return this.all(sql, values)[0];
  }

  /** The rows of a query one at a time, on a statement of their own (finalized when done). */
  *iterate(sql: string, values: SqlValue[] = []): Generator<RawRow> {
    const stmt = this.guard(sql, () => this.db.prepare(sql));
    try {
      yield* stmt.iterate(values) as IterableIterator<RawRow>;
    } finally {
      stmt.finalize();
    }
  }

  /** Rows of a table (`where` is the SQL after the table name: WHERE, ORDER BY …). */
  select<T extends TableDef>(table: T, where = '', values: SqlValue[] = []): RowOf<T>[] {
    const cols = table.columns.map((c) => c.name).join(', ');
    return this.all(`SELECT ${cols} FROM ${table.name}${where ? ` ${where}` : ''}`, values).map((r) =>
      toRow(table, r),
    );
  }

  /** Inserts a row (the given properties only; the others take their defaults); returns its rowid. */
  insert<T extends TableDef>(table: T, values: Partial<RowOf<T>>): number {
    const entries = Object.entries(values).filter(([, v]) => v !== undefined) as [string, SqlValue][];
    const cols = entries.map(([k]) => columnOf(table, k));
    const sql = `INSERT INTO ${table.name} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
    return this.run(
      sql,
      entries.map(([, v]) => v),
    ).lastInsertRowid;
  }

  /** Changes the given properties of the row whose `idKey` property is `id`. */
  update<T extends TableDef>(table: T, idKey: string, id: number, patch: Partial<RowOf<T>>): void {
    const entries = Object.entries(patch).filter(([k, v]) => v !== undefined && k !== idKey) as [
      string,
      SqlValue,
    ][];
    if (entries.length === 0) return;
    const sets = entries.map(([k]) => `${columnOf(table, k)} = ?`).join(', ');
    this.run(`UPDATE ${table.name} SET ${sets} WHERE ${columnOf(table, idKey)} = ?`, [
      ...entries.map(([, v]) => v),
      id,
    ]);
  }

  /** True while a transaction is open. */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }
}
