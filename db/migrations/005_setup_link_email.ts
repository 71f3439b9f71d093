import type { Knex } from 'knex';

/**
 * When the mail server accepted a link's email. An emailed link is inserted active before it is
 * sent (the send happens outside the transaction); while this is NULL nobody is known to have
 * received it, so a link left in that state by a crash is failed after a grace period rather than
 * left active (see `failUnsentEmailLinks`).
 */
export async function up(db: Knex): Promise<void> {
  await db.raw('ALTER TABLE setup_links ADD COLUMN email_sent_at TEXT');
  await db.raw("CREATE INDEX setup_links_unsent ON setup_links (created_at) WHERE status = 'active' AND delivery = 'email' AND email_sent_at IS NULL");
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX setup_links_unsent');
  await db.raw('ALTER TABLE setup_links DROP COLUMN email_sent_at');
}
