import type { Knex } from 'knex';
import { isPostgres } from '../../app/utils/dialect.server';

/**
 * Settings an admin changes on the Configuration page: one row per setting that overrides the
 * environment (no row: the environment's value applies). Changes are audited (`settings.changed`).
 */
export async function up(db: Knex): Promise<void> {
  if (isPostgres(db)) return upPostgres(db);
  await db.raw(`
    CREATE TABLE settings (
      key TEXT PRIMARY KEY CHECK (key IN ('company_name', 'support_email', 'link_lifetime_default_days', 'link_lifetime_max_days', 'mail_from', 'mail_reply_to')),
      value TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 300),
      updated_by INTEGER REFERENCES staff (id),
      updated_at TEXT NOT NULL
    ) WITHOUT ROWID`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP TABLE settings');
}

async function upPostgres(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE settings (
      key TEXT PRIMARY KEY CHECK (key IN ('company_name', 'support_email', 'link_lifetime_default_days', 'link_lifetime_max_days', 'mail_from', 'mail_reply_to')),
      value TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 300),
      updated_by INTEGER REFERENCES staff (id),
      updated_at TEXT NOT NULL
    )`);
}
