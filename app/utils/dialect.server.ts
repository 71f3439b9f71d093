import type { Knex } from 'knex';

/**
 * What differs between the two backends (docs/decisions/024-postgresql-scale-out.md): SQLite, the
 * embedded default, and PostgreSQL (`DATABASE_URL`). Models own their SQL; where a construct is
 * spelled differently, they ask this module for it rather than branching on the client themselves.
 */
export type Dialect = 'sqlite' | 'postgres';

/** The backend a handle (or a transaction on it) talks to. */
export function dialectOf(db: Knex | Knex.Transaction): Dialect {
  return db.client.config.client === 'pg' ? 'postgres' : 'sqlite';
}

export function isPostgres(db: Knex | Knex.Transaction): boolean {
  return dialectOf(db) === 'postgres';
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
