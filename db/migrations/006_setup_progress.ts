import type { Knex } from 'knex';
import { isPostgres } from '../../app/utils/dialect.server';

/**
 * Setup progress from WorkOS events (decision 012).
 *
 * - `workos_events`: every setup event received, keyed by WorkOS's event id, so a replayed webhook
 *   or an event seen by both the webhook and the poller is applied once. Only a summary is kept
 *   (the resource, its state and label), never the whole payload.
 * - `workos_resources`: the newest known state of each connection, directory and domain. Events can
 *   arrive out of order: an update applies only when its event is newer (created_at, then id).
 * - `feature_status`: per organization and feature, derived from the resources: what the checklist,
 *   the list's filter and "Needs attention" read.
 * - `background_jobs`: the events poller's cursor and lease (one poller at a time across processes).
 * - `owner_notices` / `owner_digests`: what to tell a CS owner, and at most one digest a day each.
 */
export async function up(db: Knex): Promise<void> {
  if (isPostgres(db)) return upPostgres(db);
  await db.raw(`
    CREATE TABLE workos_events (
      id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 100),
      event TEXT NOT NULL,
      workos_organization_id TEXT,
      created_at TEXT NOT NULL,
      received_at TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('webhook', 'poller')),
      summary TEXT NOT NULL CHECK (json_valid(summary))
    ) WITHOUT ROWID`);
  await db.raw('CREATE INDEX workos_events_received ON workos_events (received_at)');

  await db.raw(`
    CREATE TABLE workos_resources (
      workos_organization_id TEXT NOT NULL,
      feature TEXT NOT NULL CHECK (feature IN ('sso', 'dsync', 'domain_verification', 'certificate_renewal')),
      resource_id TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('active', 'inactive', 'deleted', 'verified', 'failed', 'renewal_required', 'renewed')),
      label TEXT,
      event_id TEXT NOT NULL,
      event_created_at TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('webhook', 'poller')),
      PRIMARY KEY (workos_organization_id, feature, resource_id)
    ) WITHOUT ROWID`);

  await db.raw(`
    CREATE TABLE feature_status (
      workos_organization_id TEXT NOT NULL,
      feature TEXT NOT NULL CHECK (feature IN ('sso', 'dsync', 'domain_verification', 'certificate_renewal')),
      state TEXT NOT NULL CHECK (state IN ('done', 'attention', 'pending')),
      detail TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('webhook', 'poller')),
      changed_at TEXT NOT NULL,
      PRIMARY KEY (workos_organization_id, feature)
    ) WITHOUT ROWID`);
  await db.raw("CREATE INDEX feature_status_attention ON feature_status (workos_organization_id) WHERE state = 'attention'");

  await db.raw(`
    CREATE TABLE background_jobs (
      name TEXT PRIMARY KEY,
      cursor TEXT,
      holder TEXT,
      lease_until TEXT,
      last_started_at TEXT,
      last_finished_at TEXT,
      last_succeeded_at TEXT,
      last_error TEXT,
      events_recorded INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID`);
  await db.raw("INSERT INTO background_jobs (name) VALUES ('workos_events_poller')");

  await db.raw('ALTER TABLE setup_links ADD COLUMN completed_at TEXT');
  await db.raw("CREATE INDEX setup_links_completed_at ON setup_links (completed_at) WHERE status = 'completed'");
  // "Needs attention" starts from these few links rather than from every organization.
  await db.raw("CREATE INDEX setup_links_unopened ON setup_links (email_sent_at) WHERE status = 'active' AND first_viewed_at IS NULL");
  await db.raw("CREATE INDEX setup_links_opened ON setup_links (first_viewed_at) WHERE status = 'active'");
  await db.raw("CREATE INDEX setup_links_failed ON setup_links (organization_id) WHERE status = 'failed'");

  await db.raw('ALTER TABLE staff ADD COLUMN notify_digest INTEGER NOT NULL DEFAULT 1 CHECK (notify_digest IN (0, 1))');
  await db.raw(`
    CREATE TABLE owner_digests (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      staff_id INTEGER NOT NULL REFERENCES staff (id),
      day TEXT NOT NULL CHECK (length(day) = 10),
      status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
      notices INTEGER NOT NULL,
      started_at TEXT NOT NULL,
      sent_at TEXT,
      error TEXT,
      UNIQUE (staff_id, day)
    )`);
  await db.raw(`
    CREATE TABLE owner_notices (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      staff_id INTEGER NOT NULL REFERENCES staff (id),
      organization_id INTEGER NOT NULL REFERENCES organizations (id),
      setup_link_id INTEGER REFERENCES setup_links (id),
      kind TEXT NOT NULL CHECK (kind IN ('setup_completed', 'link_expired_unused', 'delivery_failed')),
      created_at TEXT NOT NULL,
      digest_id INTEGER REFERENCES owner_digests (id)
    )`);
  await db.raw('CREATE INDEX owner_notices_pending ON owner_notices (staff_id, id) WHERE digest_id IS NULL');
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP TABLE owner_notices');
  await db.raw('DROP TABLE owner_digests');
  await db.raw('ALTER TABLE staff DROP COLUMN notify_digest');
  await db.raw('DROP INDEX setup_links_failed');
  await db.raw('DROP INDEX setup_links_opened');
  await db.raw('DROP INDEX setup_links_unopened');
  await db.raw('DROP INDEX setup_links_completed_at');
  await db.raw('ALTER TABLE setup_links DROP COLUMN completed_at');
  await db.raw('DROP TABLE background_jobs');
  await db.raw('DROP TABLE feature_status');
  await db.raw('DROP TABLE workos_resources');
  await db.raw('DROP TABLE workos_events');
}

/** PostgreSQL: the same tables and indexes (JSON checked by `sd_json_type`, from 001). */
async function upPostgres(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE workos_events (
      id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 100),
      event TEXT NOT NULL,
      workos_organization_id TEXT,
      created_at TEXT NOT NULL,
      received_at TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('webhook', 'poller')),
      summary TEXT NOT NULL CHECK (sd_json_type(summary) IS NOT NULL)
    )`);
  await db.raw('CREATE INDEX workos_events_received ON workos_events (received_at)');

  await db.raw(`
    CREATE TABLE workos_resources (
      workos_organization_id TEXT NOT NULL,
      feature TEXT NOT NULL CHECK (feature IN ('sso', 'dsync', 'domain_verification', 'certificate_renewal')),
      resource_id TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('active', 'inactive', 'deleted', 'verified', 'failed', 'renewal_required', 'renewed')),
      label TEXT,
      event_id TEXT NOT NULL,
      event_created_at TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('webhook', 'poller')),
      PRIMARY KEY (workos_organization_id, feature, resource_id)
    )`);

  await db.raw(`
    CREATE TABLE feature_status (
      workos_organization_id TEXT NOT NULL,
      feature TEXT NOT NULL CHECK (feature IN ('sso', 'dsync', 'domain_verification', 'certificate_renewal')),
      state TEXT NOT NULL CHECK (state IN ('done', 'attention', 'pending')),
      detail TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('webhook', 'poller')),
      changed_at TEXT NOT NULL,
      PRIMARY KEY (workos_organization_id, feature)
    )`);
  await db.raw("CREATE INDEX feature_status_attention ON feature_status (workos_organization_id) WHERE state = 'attention'");

  await db.raw(`
    CREATE TABLE background_jobs (
      name TEXT PRIMARY KEY,
      cursor TEXT,
      holder TEXT,
      lease_until TEXT,
      last_started_at TEXT,
      last_finished_at TEXT,
      last_succeeded_at TEXT,
      last_error TEXT,
      events_recorded INTEGER NOT NULL DEFAULT 0
    )`);
  await db.raw("INSERT INTO background_jobs (name) VALUES ('workos_events_poller')");

  await db.raw('ALTER TABLE setup_links ADD COLUMN completed_at TEXT');
  await db.raw("CREATE INDEX setup_links_completed_at ON setup_links (completed_at) WHERE status = 'completed'");
  await db.raw("CREATE INDEX setup_links_unopened ON setup_links (email_sent_at) WHERE status = 'active' AND first_viewed_at IS NULL");
  await db.raw("CREATE INDEX setup_links_opened ON setup_links (first_viewed_at) WHERE status = 'active'");
  await db.raw("CREATE INDEX setup_links_failed ON setup_links (organization_id) WHERE status = 'failed'");

  await db.raw('ALTER TABLE staff ADD COLUMN notify_digest INTEGER NOT NULL DEFAULT 1 CHECK (notify_digest IN (0, 1))');
  await db.raw(`
    CREATE TABLE owner_digests (
      id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      staff_id INTEGER NOT NULL REFERENCES staff (id),
      day TEXT NOT NULL CHECK (length(day) = 10),
      status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
      notices INTEGER NOT NULL,
      started_at TEXT NOT NULL,
      sent_at TEXT,
      error TEXT,
      UNIQUE (staff_id, day)
    )`);
  await db.raw(`
    CREATE TABLE owner_notices (
      id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      staff_id INTEGER NOT NULL REFERENCES staff (id),
      organization_id INTEGER NOT NULL REFERENCES organizations (id),
      setup_link_id INTEGER REFERENCES setup_links (id),
      kind TEXT NOT NULL CHECK (kind IN ('setup_completed', 'link_expired_unused', 'delivery_failed')),
      created_at TEXT NOT NULL,
      digest_id INTEGER REFERENCES owner_digests (id)
    )`);
  await db.raw('CREATE INDEX owner_notices_pending ON owner_notices (staff_id, id) WHERE digest_id IS NULL');
}
