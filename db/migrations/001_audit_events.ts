import type { Knex } from 'knex';

/**
 * The audit trail. Append-only: triggers reject UPDATE and DELETE, so history cannot be rewritten
 * even by a bug in the app. Actors and subjects are kept as ids plus a label copied at write time,
 * so a renamed or disabled staff member keeps their name in history; no foreign keys, because a
 * history row must outlive anything it mentions.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE audit_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at TEXT NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*Z'),
      request_id TEXT,
      actor_type TEXT NOT NULL CHECK (actor_type IN ('staff', 'system', 'it_admin', 'cli')),
      actor_id INTEGER,
      actor_label TEXT NOT NULL CHECK (length(actor_label) BETWEEN 1 AND 200),
      action TEXT NOT NULL CHECK (action GLOB '[a-z]*.[a-z]*' AND length(action) <= 64),
      organization_id INTEGER,
      setup_link_id INTEGER,
      details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details) AND json_type(details) = 'object'),
      note TEXT CHECK (note IS NULL OR length(note) <= 5000)
    )`);
  await db.raw(`
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN
      SELECT RAISE(ABORT, 'audit_events is append-only');
    END`);
  await db.raw(`
    CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN
      SELECT RAISE(ABORT, 'audit_events is append-only');
    END`);
  await db.raw('CREATE INDEX audit_events_at ON audit_events (at, id)');
  await db.raw('CREATE INDEX audit_events_organization ON audit_events (organization_id, at, id)');
  await db.raw('CREATE INDEX audit_events_actor ON audit_events (actor_type, actor_id, at, id)');
  await db.raw('CREATE INDEX audit_events_action ON audit_events (action, at, id)');
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP TABLE audit_events');
}
