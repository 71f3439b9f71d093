import type { Knex } from 'knex';
import { isPostgres } from '../../app/utils/dialect.server';

/**
 * The setup link's lifecycle (decision 014):
 * - a `sending` state: an emailed link is issued outside the one-active index and becomes active
 *   only once the mail server accepted it, so a resend keeps the old link working meanwhile; at
 *   most one link per organization is being sent at a time (a partial unique index, like the
 *   one-active rule);
 * - `replaces_link_id`: the active link a new one swaps out when it is delivered;
 * - launches in their own table (one row per link and feature), the only count of launches: the
 *   JSON counter, `launch_count` and `first_launched_at` go.
 *
 * SQLite cannot change a CHECK constraint in place, so the table is rebuilt (the documented
 * twelve steps): that needs foreign keys off, which cannot change inside a transaction.
 */
export const config = { transaction: false };

const LINK_COLUMNS = [
  'id',
  'organization_id',
  'token_hash',
  'features',
  'delivery',
  'recipient_email',
  'recipient_name',
  'expires_at',
  'status',
  'created_by',
  'created_at',
  'revoked_by',
  'revoked_at',
  'revoke_reason',
  'first_viewed_at',
  'last_viewed_at',
  'view_count',
  'email_sent_at',
  'completed_at',
].join(', ');

export async function up(db: Knex): Promise<void> {
  if (isPostgres(db)) return upPostgres(db);
  await db.raw('PRAGMA foreign_keys = OFF');
  try {
    await db.transaction(async (trx) => {
      await trx.raw(`
        CREATE TABLE setup_links_new (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          organization_id INTEGER NOT NULL REFERENCES organizations (id),
          token_hash TEXT NOT NULL CHECK (length(token_hash) = 64 AND token_hash NOT GLOB '*[^0-9a-f]*'),
          features TEXT NOT NULL CHECK (json_valid(features) AND json_type(features) = 'array' AND json_array_length(features) >= 1),
          delivery TEXT NOT NULL CHECK (delivery IN ('email', 'copy')),
          recipient_email TEXT,
          recipient_name TEXT,
          expires_at TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('sending', 'active', 'revoked', 'expired', 'completed', 'failed')),
          created_by INTEGER REFERENCES staff (id),
          created_at TEXT NOT NULL,
          revoked_by INTEGER REFERENCES staff (id),
          revoked_at TEXT,
          revoke_reason TEXT,
          first_viewed_at TEXT,
          last_viewed_at TEXT,
          view_count INTEGER NOT NULL DEFAULT 0,
          email_sent_at TEXT,
          completed_at TEXT,
          replaces_link_id INTEGER REFERENCES setup_links (id),
          CHECK (expires_at > created_at),
          CHECK (delivery = 'copy' OR recipient_email IS NOT NULL),
          CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
          CHECK (status <> 'sending' OR delivery = 'email')
        )`);
      // An emailed link still waiting for the mail server's answer was "active" before; it is
      // what "sending" means now.
      await trx.raw(`
        INSERT INTO setup_links_new (${LINK_COLUMNS})
        SELECT ${LINK_COLUMNS.replace('status', "CASE WHEN status = 'active' AND delivery = 'email' AND email_sent_at IS NULL THEN 'sending' ELSE status END")}
        FROM setup_links`);
      await trx.raw(`
        CREATE TABLE setup_link_launches (
          setup_link_id INTEGER NOT NULL REFERENCES setup_links (id),
          feature TEXT NOT NULL,
          launches INTEGER NOT NULL CHECK (launches > 0),
          first_at TEXT NOT NULL,
          last_at TEXT NOT NULL,
          PRIMARY KEY (setup_link_id, feature)
        )`);
      await trx.raw(`
        INSERT INTO setup_link_launches (setup_link_id, feature, launches, first_at, last_at)
        SELECT l.id, j.key, j.value,
          COALESCE(
            (SELECT min(e.at) FROM audit_events e WHERE e.setup_link_id = l.id AND e.action = 'setup_link.launched' AND json_extract(e.details, '$.feature') = j.key),
            l.first_launched_at,
            l.created_at
          ),
          COALESCE(
            (SELECT max(e.at) FROM audit_events e WHERE e.setup_link_id = l.id AND e.action = 'setup_link.launched' AND json_extract(e.details, '$.feature') = j.key),
            l.first_launched_at,
            l.created_at
          )
        FROM setup_links l, json_each(l.launches) j
        WHERE j.value > 0`);
      // AUTOINCREMENT never reuses an id: the new table continues where the old one was.
      const sequence = (await trx.raw("SELECT seq FROM sqlite_sequence WHERE name = 'setup_links'")) as { seq: number }[];
      await trx.raw('DROP TABLE setup_links');
      await trx.raw('ALTER TABLE setup_links_new RENAME TO setup_links');
      if (sequence[0]) await trx.raw("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'setup_links'", [sequence[0].seq]);
      for (const statement of LINK_INDEXES) await trx.raw(statement);
      const violations = (await trx.raw('PRAGMA foreign_key_check')) as unknown[];
      if (violations.length > 0) throw new Error(`setup_links rebuild left ${violations.length} foreign key violations`);
    });
  } finally {
    await db.raw('PRAGMA foreign_keys = ON');
  }
}

const LINK_INDEXES = [
  'CREATE UNIQUE INDEX setup_links_token_hash ON setup_links (token_hash)',
  "CREATE UNIQUE INDEX setup_links_one_active ON setup_links (organization_id) WHERE status = 'active'",
  // One replacement in flight per organization: twenty resends at once send one email.
  "CREATE UNIQUE INDEX setup_links_one_sending ON setup_links (organization_id) WHERE status = 'sending'",
  'CREATE INDEX setup_links_organization ON setup_links (organization_id, created_at)',
  "CREATE INDEX setup_links_active_expiry ON setup_links (expires_at) WHERE status = 'active'",
  "CREATE INDEX setup_links_ended ON setup_links (status, organization_id) WHERE status IN ('expired', 'completed')",
  "CREATE INDEX setup_links_sending ON setup_links (created_at) WHERE status = 'sending'",
  "CREATE INDEX setup_links_completed_at ON setup_links (completed_at) WHERE status = 'completed'",
  "CREATE INDEX setup_links_unopened ON setup_links (email_sent_at) WHERE status = 'active' AND first_viewed_at IS NULL",
  "CREATE INDEX setup_links_opened ON setup_links (first_viewed_at) WHERE status = 'active'",
  "CREATE INDEX setup_links_failed ON setup_links (organization_id) WHERE status = 'failed'",
];

/** Back to 007's table: a link being sent was "active, email not yet confirmed" there. */
export async function down(db: Knex): Promise<void> {
  if (isPostgres(db)) return downPostgres(db);
  await db.raw('PRAGMA foreign_keys = OFF');
  try {
    await db.transaction(async (trx) => {
      await trx.raw(`
        CREATE TABLE setup_links_old (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          organization_id INTEGER NOT NULL REFERENCES organizations (id),
          token_hash TEXT NOT NULL CHECK (length(token_hash) = 64 AND token_hash NOT GLOB '*[^0-9a-f]*'),
          features TEXT NOT NULL CHECK (json_valid(features) AND json_type(features) = 'array' AND json_array_length(features) >= 1),
          delivery TEXT NOT NULL CHECK (delivery IN ('email', 'copy')),
          recipient_email TEXT,
          recipient_name TEXT,
          expires_at TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'expired', 'completed', 'failed')),
          created_by INTEGER REFERENCES staff (id),
          created_at TEXT NOT NULL,
          revoked_by INTEGER REFERENCES staff (id),
          revoked_at TEXT,
          revoke_reason TEXT,
          first_viewed_at TEXT,
          last_viewed_at TEXT,
          first_launched_at TEXT,
          view_count INTEGER NOT NULL DEFAULT 0,
          launch_count INTEGER NOT NULL DEFAULT 0,
          launches TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(launches)),
          email_sent_at TEXT,
          completed_at TEXT,
          CHECK (expires_at > created_at),
          CHECK (delivery = 'copy' OR recipient_email IS NOT NULL),
          CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
        )`);
      // A replacement still being sent would break the one-active rule there: it failed.
      await trx.raw(`
        INSERT INTO setup_links_old (${LINK_COLUMNS}, first_launched_at, launch_count, launches)
        SELECT ${LINK_COLUMNS.replace('status', "CASE WHEN status = 'sending' THEN (CASE WHEN replaces_link_id IS NULL THEN 'active' ELSE 'failed' END) ELSE status END")},
          (SELECT min(x.first_at) FROM setup_link_launches x WHERE x.setup_link_id = setup_links.id),
          COALESCE((SELECT sum(x.launches) FROM setup_link_launches x WHERE x.setup_link_id = setup_links.id), 0),
          COALESCE((SELECT json_group_object(x.feature, x.launches) FROM setup_link_launches x WHERE x.setup_link_id = setup_links.id), '{}')
        FROM setup_links`);
      await trx.raw('DROP TABLE setup_link_launches');
      await trx.raw('DROP TABLE setup_links');
      await trx.raw('ALTER TABLE setup_links_old RENAME TO setup_links');
      for (const statement of OLD_LINK_INDEXES) await trx.raw(statement);
    });
  } finally {
    await db.raw('PRAGMA foreign_keys = ON');
  }
}

const OLD_LINK_INDEXES = [
  'CREATE UNIQUE INDEX setup_links_token_hash ON setup_links (token_hash)',
  "CREATE UNIQUE INDEX setup_links_one_active ON setup_links (organization_id) WHERE status = 'active'",
  'CREATE INDEX setup_links_organization ON setup_links (organization_id, created_at)',
  "CREATE INDEX setup_links_active_expiry ON setup_links (expires_at) WHERE status = 'active'",
  "CREATE INDEX setup_links_ended ON setup_links (status, organization_id) WHERE status IN ('expired', 'completed')",
  "CREATE INDEX setup_links_unsent ON setup_links (created_at) WHERE status = 'active' AND delivery = 'email' AND email_sent_at IS NULL",
  "CREATE INDEX setup_links_completed_at ON setup_links (completed_at) WHERE status = 'completed'",
  "CREATE INDEX setup_links_unopened ON setup_links (email_sent_at) WHERE status = 'active' AND first_viewed_at IS NULL",
  "CREATE INDEX setup_links_opened ON setup_links (first_viewed_at) WHERE status = 'active'",
  "CREATE INDEX setup_links_failed ON setup_links (organization_id) WHERE status = 'failed'",
];

/**
 * PostgreSQL changes the table in place (in the migration's transaction): the status CHECK gains
 * `sending`, the launches move to their own table, the old counters go.
 */
async function upPostgres(db: Knex): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw('ALTER TABLE setup_links DROP CONSTRAINT setup_links_status_check');
    await trx.raw(
      "ALTER TABLE setup_links ADD CONSTRAINT setup_links_status_check CHECK (status IN ('sending', 'active', 'revoked', 'expired', 'completed', 'failed'))",
    );
    await trx.raw('ALTER TABLE setup_links ADD COLUMN replaces_link_id INTEGER REFERENCES setup_links (id)');
    await trx.raw("ALTER TABLE setup_links ADD CONSTRAINT setup_links_sending_is_email CHECK (status <> 'sending' OR delivery = 'email')");
    await trx.raw("UPDATE setup_links SET status = 'sending' WHERE status = 'active' AND delivery = 'email' AND email_sent_at IS NULL");
    await trx.raw(`
      CREATE TABLE setup_link_launches (
        setup_link_id INTEGER NOT NULL REFERENCES setup_links (id),
        feature TEXT NOT NULL,
        launches INTEGER NOT NULL CHECK (launches > 0),
        first_at TEXT NOT NULL,
        last_at TEXT NOT NULL,
        PRIMARY KEY (setup_link_id, feature)
      )`);
    await trx.raw(`
      INSERT INTO setup_link_launches (setup_link_id, feature, launches, first_at, last_at)
      SELECT l.id, j.key, j.value::integer,
        COALESCE(
          (SELECT min(e.at) FROM audit_events e WHERE e.setup_link_id = l.id AND e.action = 'setup_link.launched' AND e.details::jsonb ->> 'feature' = j.key),
          l.first_launched_at,
          l.created_at
        ),
        COALESCE(
          (SELECT max(e.at) FROM audit_events e WHERE e.setup_link_id = l.id AND e.action = 'setup_link.launched' AND e.details::jsonb ->> 'feature' = j.key),
          l.first_launched_at,
          l.created_at
        )
      FROM setup_links l, jsonb_each_text(l.launches::jsonb) j
      WHERE j.value::integer > 0`);
    await trx.raw('DROP INDEX setup_links_unsent');
    await trx.raw('ALTER TABLE setup_links DROP COLUMN first_launched_at, DROP COLUMN launch_count, DROP COLUMN launches');
    await trx.raw("CREATE UNIQUE INDEX setup_links_one_sending ON setup_links (organization_id) WHERE status = 'sending'");
    await trx.raw("CREATE INDEX setup_links_sending ON setup_links (created_at) WHERE status = 'sending'");
  });
}

async function downPostgres(db: Knex): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw('DROP INDEX setup_links_sending');
    await trx.raw('DROP INDEX setup_links_one_sending');
    await trx.raw(`
      ALTER TABLE setup_links
        ADD COLUMN first_launched_at TEXT,
        ADD COLUMN launch_count INTEGER NOT NULL DEFAULT 0,
        ADD COLUMN launches TEXT NOT NULL DEFAULT '{}' CHECK (sd_json_type(launches) IS NOT NULL)`);
    await trx.raw(`
      UPDATE setup_links SET
        first_launched_at = (SELECT min(x.first_at) FROM setup_link_launches x WHERE x.setup_link_id = setup_links.id),
        launch_count = COALESCE((SELECT sum(x.launches) FROM setup_link_launches x WHERE x.setup_link_id = setup_links.id), 0),
        launches = COALESCE((SELECT json_object_agg(x.feature, x.launches)::text FROM setup_link_launches x WHERE x.setup_link_id = setup_links.id), '{}')`);
    await trx.raw("UPDATE setup_links SET status = CASE WHEN replaces_link_id IS NULL THEN 'active' ELSE 'failed' END WHERE status = 'sending'");
    await trx.raw('DROP TABLE setup_link_launches');
    await trx.raw('ALTER TABLE setup_links DROP CONSTRAINT setup_links_sending_is_email');
    await trx.raw('ALTER TABLE setup_links DROP COLUMN replaces_link_id');
    await trx.raw('ALTER TABLE setup_links DROP CONSTRAINT setup_links_status_check');
    await trx.raw("ALTER TABLE setup_links ADD CONSTRAINT setup_links_status_check CHECK (status IN ('active', 'revoked', 'expired', 'completed', 'failed'))");
    await trx.raw("CREATE INDEX setup_links_unsent ON setup_links (created_at) WHERE status = 'active' AND delivery = 'email' AND email_sent_at IS NULL");
  });
}
