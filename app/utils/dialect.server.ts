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
