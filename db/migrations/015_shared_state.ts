import type { Knex } from 'knex';
import { isPostgres } from '../../app/utils/dialect.server';

/**
 * State that every instance of the app shares (several instances on one database, decision 024):
 *
 * - `rate_limit_hits`: the limits on the IT admin's pages, one fixed window per key, so that N
 *   instances hold a client to one budget rather than N. A key is an HMAC of the limit's name and
 *   the client's address or link hash: no address or token is stored. Rows past `reset_at` are
 *   pruned by maintenance (the index).
 * - `background_jobs` gains the leases of maintenance and the organization sync, beside the
 *   poller's: each runs on one instance at a time.
 */
export async function up(db: Knex): Promise<void> {
  if (isPostgres(db)) {
    await db.raw(`
      CREATE TABLE rate_limit_hits (
        key TEXT PRIMARY KEY CHECK (length(key) = 64),
        hits INTEGER NOT NULL CHECK (hits >= 0),
        reset_at TEXT NOT NULL
      )`);
  } else {
    await db.raw(`
      CREATE TABLE rate_limit_hits (
        key TEXT PRIMARY KEY CHECK (length(key) = 64),
        hits INTEGER NOT NULL CHECK (hits >= 0),
        reset_at TEXT NOT NULL
      ) WITHOUT ROWID`);
  }
  await db.raw('CREATE INDEX rate_limit_hits_reset_at ON rate_limit_hits (reset_at)');
  await db.raw("INSERT INTO background_jobs (name) VALUES ('maintenance'), ('organization_sync')");
}

export async function down(db: Knex): Promise<void> {
  await db.raw("DELETE FROM background_jobs WHERE name IN ('maintenance', 'organization_sync')");
  await db.raw('DROP TABLE rate_limit_hits');
}
