import type { Knex } from 'knex';

/**
 * When WorkOS last said something about each domain (the newest event applied), so that an
 * older event delivered late — by webhook or poller, in any order — never undoes a newer one
 * (decision 016).
 */
export async function up(db: Knex): Promise<void> {
  await db.raw('ALTER TABLE organization_domains ADD COLUMN state_at TEXT');
}

export async function down(db: Knex): Promise<void> {
  await db.raw('ALTER TABLE organization_domains DROP COLUMN state_at');
}
