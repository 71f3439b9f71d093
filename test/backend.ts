import { describe } from 'vitest';
import { isPostgresUrl } from '../app/utils/db.server';

/**
 * Which backend this test file runs on: the PostgreSQL project sets DATABASE_URL to the file's own
 * database (test/setup.ts) before any test module loads; the SQLite project leaves it unset.
 */
export const onPostgres = Boolean(process.env.DATABASE_URL);

/** Where this file's database is: its PostgreSQL URL, or its SQLite file. A second handle opens the same. */
export function testDatabaseLocation(): string {
  return process.env.DATABASE_URL ?? process.env.DATABASE_PATH!;
}

/**
 * Tests of what only one backend has (PRAGMAs, `VACUUM INTO`, FTS5; advisory locks, SERIALIZABLE
 * retries). Marked, not silently skipped: the other project's report lists them as skipped.
 */
export const describeSqliteOnly = describe.runIf(!onPostgres);
export const describePostgresOnly = describe.runIf(onPostgres);

/** The variables that point a process (a CLI, the doctor) at the database at `location`. */
export function databaseEnv(location: string): { DATABASE_URL: string } | { DATABASE_PATH: string } {
  return isPostgresUrl(location) ? { DATABASE_URL: location } : { DATABASE_PATH: location };
}

/** A write refused by a CHECK constraint, as either backend words it. */
export const CHECK_VIOLATION = /CHECK constraint failed|violates check constraint/;

/** A write refused by the unique index `index` on `columns` ("setup_links.organization_id"), as either backend words it. */
export function uniqueViolation(index: string, columns: string): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`UNIQUE constraint failed: ${escape(columns)}|violates unique constraint "${escape(index)}"`);
}
