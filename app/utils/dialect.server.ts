import type { Knex } from 'knex';

/**
 * What differs between the two backends (docs/decisions/024-postgresql-scale-out.md): SQLite, the
 * embedded default, and PostgreSQL (`DATABASE_URL`). Models own their SQL; where a construct is
 * spelled differently, they ask this module for it rather than branching on the client themselves.
 */
/** Whether a handle (or a transaction on it) talks to PostgreSQL; otherwise it is SQLite. */
export function isPostgres(db: Knex | Knex.Transaction): boolean {
  return db.client.config.client === 'pg';
}

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

/**
 * PostgreSQL aborted the transaction to keep concurrent ones serializable (40001) or to break a
 * deadlock (40P01): running it again is the remedy. SQLite never reports either.
 */
export function isRetryableConflict(error: unknown): boolean {
  const code = (error as DriverError | null)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * A write refused by the unique index `index`: PostgreSQL names the index (SQLSTATE 23505);
 * SQLite names its columns instead ("UNIQUE constraint failed: setup_links.organization_id"), so
 * the caller gives those too.
 */
export function isUniqueViolation(error: unknown, index?: { name: string; columns: string }): boolean {
  const { code, constraint, message } = (error ?? {}) as DriverError;
  if (code === '23505') return index === undefined || constraint === index.name;
  if (typeof message !== 'string' || !message.includes('UNIQUE constraint failed')) return false;
  return index === undefined || message.includes(`UNIQUE constraint failed: ${index.columns}`);
}

type Handle = Knex | Knex.Transaction;

/**
 * Case-insensitive order and comparison. SQLite collates NOCASE (ASCII letters folded); its
 * indexes are declared `name COLLATE NOCASE`, and a comparison takes the collation from the value
 * side so that the index can seek. PostgreSQL indexes `lower(name)`, and compares `lower` to `lower`.
 */
export const caseFolded = {
  /** The column in an ORDER BY. */
  order: (db: Handle, column: string) => (isPostgres(db) ? `lower(${column})` : `${column} COLLATE NOCASE`),
  /** The column on the left of a comparison (with `value` on the right). */
  column: (db: Handle, column: string) => (isPostgres(db) ? `lower(${column})` : column),
  /** A bound value (`?`) on the right of a comparison. */
  value: (db: Handle) => (isPostgres(db) ? 'lower(?)' : '? COLLATE NOCASE'),
};

/** `LIKE` that ignores the case of ASCII letters, as SQLite's LIKE does (PostgreSQL's is exact). */
export function likeIgnoringCase(db: Handle): 'LIKE' | 'ILIKE' {
  return isPostgres(db) ? 'ILIKE' : 'LIKE';
}

/** A condition "`column` is one of `ids`" with one binding, however many ids (no statement per list length). */
export function inIdList(db: Handle, column: string, ids: number[]): [string, Knex.Value[]] {
  return isPostgres(db) ? [`${column} = ANY(?::integer[])`, [ids]] : [`${column} IN (SELECT value FROM json_each(?))`, [JSON.stringify(ids)]];
}

/**
 * The value at `key` of the JSON object in the text column `column`, as text on both backends (a
 * number too: compare it with a string), NULL where it has none.
 */
export function jsonText(db: Handle, column: string, key: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`not a JSON key the app uses: ${key}`);
  return isPostgres(db) ? `(${column}::jsonb ->> '${key}')` : `CAST(json_extract(${column}, '$.${key}') AS TEXT)`;
}

/** The values of `expression` over a group, joined by `separator` (a literal); in order on PostgreSQL, in no set order on SQLite. */
export function groupConcat(db: Handle, expression: string, separator: string): string {
  const literal = `'${separator.replace(/'/g, "''")}'`;
  return isPostgres(db) ? `string_agg(${expression}, ${literal} ORDER BY ${expression})` : `group_concat(${expression}, ${literal})`;
}

/** The larger / smaller of two values in one row (SQLite's scalar max() and min()). */
export function greatest(db: Handle, a: string, b: string): string {
  return isPostgres(db) ? `GREATEST(${a}, ${b})` : `MAX(${a}, ${b})`;
}
export function least(db: Handle, a: string, b: string): string {
  return isPostgres(db) ? `LEAST(${a}, ${b})` : `MIN(${a}, ${b})`;
}

/**
 * `table AS alias`, read through `index` on SQLite (its planner, without statistics, picks a worse
 * index for some of the app's queries: decisions 022 and 023). PostgreSQL plans from statistics
 * and has no such hint.
 */
export function fromIndexed(db: Handle, table: string, alias: string, index?: string): string {
  return index && !isPostgres(db) ? `${table} AS ${alias} INDEXED BY ${index}` : `${table} AS ${alias}`;
}

/**
 * `column` on the left of a comparison, kept from choosing the plan: on SQLite a unary `+`, so
 * that its planner (no statistics) does not start from the column's index when a smaller indexed
 * set should lead (decision 022). On PostgreSQL the `+` would only hide the column's statistics
 * (the comparison then estimated at 0.5% of rows): the column as it is.
 */
export function notLeading(db: Handle, column: string): string {
  return isPostgres(db) ? column : `+${column}`;
}

/**
 * Substring search over the organization search table (`s`, keyed by `rowid`): any 3+ characters
 * anywhere in one of its texts, case ignored. SQLite asks its FTS5 trigram index (the term as one
 * phrase, every character literal); PostgreSQL asks its pg_trgm GIN index with ILIKE.
 */
export function organizationSearchMatch(db: Handle, alias: string, term: string): [string, Knex.Value[]] {
  if (!isPostgres(db)) return [`${alias}.organization_search MATCH ?`, [`"${term.replace(/"/g, '""')}"`]];
  const pattern = `%${escapeLike(term)}%`;
  const columns = ['name', 'domains', 'external_id', 'workos_id'];
  return [`(${columns.map((column) => `${alias}.${column} ILIKE ?`).join(' OR ')})`, columns.map(() => pattern)];
}

/** A text for LIKE with its wildcards (and the escape character) taken literally; `ESCAPE '\'` is the default on PostgreSQL and said on SQLite. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** The rows of a `db.raw` SELECT: node-sqlite3 answers the rows themselves, node-postgres a result that holds them. */
export function rowsOf<Row = Record<string, unknown>>(result: unknown): Row[] {
  return (Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[];
}

/**
 * A value as JSON for a text column, on either backend: a NUL character inside a string (which
 * PostgreSQL's jsonb refuses, so the column's CHECK would) becomes U+FFFD. The forms and the URL
 * never let one in; this is for what WorkOS or an error message may carry.
 */
export function jsonForColumn(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' && item.includes('\0') ? item.replaceAll('\0', '\uFFFD') : item));
}
