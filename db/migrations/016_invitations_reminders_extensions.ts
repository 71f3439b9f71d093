import type { Knex } from 'knex';
import { isPostgres } from '../../app/utils/dialect.server';

/**
 * WorkOS-sent invitations, reminders and extensions (decision 025):
 *
 * - `setup_links.delivery` gains `workos` (WorkOS emails its own setup link to an IT contact:
 *   `it_contact_id` names the contact; the app never holds that link, and the row's token hash
 *   is of a token nobody was given). A WorkOS-sent link is `sending` while WorkOS is asked, like
 *   an emailed one, so the one-active and one-sending indexes cover every delivery.
 * - `reminders_sent` / `last_reminded_at`: the reminders an emailed link got (at most two).
 * - `extended_at`: when its expiry was last pushed out (the audit trail has each change).
 * - `invitation_revoke_due_at`: a WorkOS-sent link that ended here (revoked, replaced, expired,
 *   archived, or whose invitation's answer was lost) while WorkOS has not yet confirmed ending its
 *   invitation; maintenance asks again until it does.
 * - `organizations.remind_it_admin` (on unless turned off) and `register_it_contacts` (off
 *   unless turned on: the IT admin becomes a WorkOS IT contact, for WorkOS's own alerts).
 * - `invitation_turns`: WorkOS revokes invitations by contact and keeps one per organization, so
 *   the app's calls about one organization's invitation go one at a time: a row per organization
 *   while someone holds the turn, until `until` (or until they give it back).
 * - The settings `reminder_limit` and `reminder_first_after_days`; the owner notice `link_reminded`.
 *
 * SQLite cannot change a CHECK in place: the three tables are rebuilt (foreign keys off, which
 * cannot change inside a transaction). PostgreSQL changes them in place.
 */
export const config = { transaction: false };

const SETTING_KEYS = ['company_name', 'support_email', 'link_lifetime_default_days', 'link_lifetime_max_days', 'mail_from', 'mail_reply_to'];
const NEW_SETTING_KEYS = ['reminder_limit', 'reminder_first_after_days'];
const NOTICE_KINDS = ['setup_completed', 'link_expired_unused', 'delivery_failed'];
const NEW_NOTICE_KINDS = ['link_reminded'];

const quoted = (values: string[]) => values.map((value) => `'${value}'`).join(', ');

const linkTable = (name: string, { current }: { current: boolean }) => `
  CREATE TABLE ${name} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    token_hash TEXT NOT NULL CHECK (length(token_hash) = 64 AND token_hash NOT GLOB '*[^0-9a-f]*'),
    features TEXT NOT NULL CHECK (json_valid(features) AND json_type(features) = 'array' AND json_array_length(features) >= 1),
    delivery TEXT NOT NULL CHECK (delivery IN (${current ? "'email', 'copy', 'workos'" : "'email', 'copy'"})),
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
    replaces_link_id INTEGER REFERENCES setup_links (id),${
      current
        ? `
    it_contact_id TEXT CHECK (it_contact_id IS NULL OR length(it_contact_id) BETWEEN 1 AND 100),
    reminders_sent INTEGER NOT NULL DEFAULT 0 CHECK (reminders_sent BETWEEN 0 AND 2),
    last_reminded_at TEXT,
    extended_at TEXT,
    invitation_revoke_due_at TEXT,
    CHECK (delivery = 'workos' OR it_contact_id IS NULL),
    CHECK (delivery = 'workos' OR invitation_revoke_due_at IS NULL),
    CHECK (delivery = 'email' OR reminders_sent = 0),`
        : ''
    }
    CHECK (expires_at > created_at),
    CHECK (delivery = 'copy' OR recipient_email IS NOT NULL),
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
    CHECK (status <> 'sending' OR delivery ${current ? "IN ('email', 'workos')" : "= 'email'"})
  )`;

const settingsTable = (name: string, keys: string[]) => `
  CREATE TABLE ${name} (
    key TEXT PRIMARY KEY CHECK (key IN (${quoted(keys)})),
    value TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 300),
    updated_by INTEGER REFERENCES staff (id),
    updated_at TEXT NOT NULL
  ) WITHOUT ROWID`;

const noticesTable = (name: string, kinds: string[]) => `
  CREATE TABLE ${name} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    staff_id INTEGER NOT NULL REFERENCES staff (id),
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    setup_link_id INTEGER REFERENCES setup_links (id),
    kind TEXT NOT NULL CHECK (kind IN (${quoted(kinds)})),
    created_at TEXT NOT NULL,
    digest_id INTEGER REFERENCES owner_digests (id)
  )`;

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
  'replaces_link_id',
];

const REVOKE_DUE_INDEX = 'CREATE INDEX setup_links_invitation_revoke_due ON setup_links (invitation_revoke_due_at) WHERE invitation_revoke_due_at IS NOT NULL';
const REMINDABLE_INDEX =
  "CREATE INDEX setup_links_remindable ON setup_links (expires_at) WHERE status = 'active' AND delivery = 'email' AND reminders_sent < 2";

/**
 * SQLite's twelve steps for one table: the new table under a temporary name, the rows copied,
 * the old table dropped, the new one renamed, its indexes (as they were) made again.
 */
async function rebuild(trx: Knex.Transaction, table: string, create: (name: string) => string, columns: string[], where = ''): Promise<void> {
  const indexes = (await trx.raw("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table])) as { sql: string }[];
  const sequence = (await trx.raw('SELECT seq FROM sqlite_sequence WHERE name = ?', [table])) as { seq: number }[];
  await trx.raw(create(`${table}_new`));
  const list = columns.join(', ');
  await trx.raw(`INSERT INTO ${table}_new (${list}) SELECT ${list} FROM ${table} ${where}`);
  await trx.raw(`DROP TABLE ${table}`);
  await trx.raw(`ALTER TABLE ${table}_new RENAME TO ${table}`);
  // AUTOINCREMENT never reuses an id: the new table continues where the old one was.
  if (sequence[0]) await trx.raw('UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?', [sequence[0].seq, table]);
  for (const index of indexes) await trx.raw(index.sql);
}

async function withForeignKeysOff(db: Knex, work: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
  await db.raw('PRAGMA foreign_keys = OFF');
  try {
    await db.transaction(async (trx) => {
      await work(trx);
      const violations = (await trx.raw('PRAGMA foreign_key_check')) as unknown[];
      if (violations.length > 0) throw new Error(`the rebuild left ${violations.length} foreign key violations`);
    });
  } finally {
    await db.raw('PRAGMA foreign_keys = ON');
  }
}

export async function up(db: Knex): Promise<void> {
  if (isPostgres(db)) return upPostgres(db);
  await withForeignKeysOff(db, async (trx) => {
    await rebuild(trx, 'setup_links', (name) => linkTable(name, { current: true }), LINK_COLUMNS);
    await trx.raw(REMINDABLE_INDEX);
    await trx.raw(REVOKE_DUE_INDEX);
    await rebuild(trx, 'settings', (name) => settingsTable(name, [...SETTING_KEYS, ...NEW_SETTING_KEYS]), ['key', 'value', 'updated_by', 'updated_at']);
    await rebuild(trx, 'owner_notices', (name) => noticesTable(name, [...NOTICE_KINDS, ...NEW_NOTICE_KINDS]), NOTICE_COLUMNS);
    await trx.raw('ALTER TABLE organizations ADD COLUMN remind_it_admin INTEGER NOT NULL DEFAULT 1 CHECK (remind_it_admin IN (0, 1))');
    await trx.raw('ALTER TABLE organizations ADD COLUMN register_it_contacts INTEGER NOT NULL DEFAULT 0 CHECK (register_it_contacts IN (0, 1))');
    await trx.raw(INVITATION_TURNS);
  });
}

const INVITATION_TURNS = `
  CREATE TABLE invitation_turns (
    organization_id INTEGER PRIMARY KEY REFERENCES organizations (id),
    holder TEXT NOT NULL CHECK (length(holder) BETWEEN 1 AND 100),
    until TEXT NOT NULL
  )`;

const NOTICE_COLUMNS = ['id', 'staff_id', 'organization_id', 'setup_link_id', 'kind', 'created_at', 'digest_id'];

/** Back to 015, unless a WorkOS-sent link exists; reminder settings and notices go. */
export async function down(db: Knex): Promise<void> {
  if (isPostgres(db)) return downPostgres(db);
  await withForeignKeysOff(db, async (trx) => {
    await trx.raw('DROP TABLE invitation_turns');
    await trx.raw('ALTER TABLE organizations DROP COLUMN register_it_contacts');
    await trx.raw('ALTER TABLE organizations DROP COLUMN remind_it_admin');
    await refuseWhileWorkOSLinksExist(trx);
    await trx.raw('DROP INDEX setup_links_remindable');
    await trx.raw('DROP INDEX setup_links_invitation_revoke_due');
    await rebuild(trx, 'setup_links', (name) => linkTable(name, { current: false }), LINK_COLUMNS);
    await rebuild(
      trx,
      'settings',
      (name) => settingsTable(name, SETTING_KEYS),
      ['key', 'value', 'updated_by', 'updated_at'],
      `WHERE key IN (${quoted(SETTING_KEYS)})`,
    );
    await rebuild(trx, 'owner_notices', (name) => noticesTable(name, NOTICE_KINDS), NOTICE_COLUMNS, `WHERE kind IN (${quoted(NOTICE_KINDS)})`);
  });
}

/**
 * 015 cannot describe a WorkOS-sent link, and the audit trail (append-only) refers to each link:
 * going back is refused while one exists, rather than rewriting what happened.
 */
async function refuseWhileWorkOSLinksExist(trx: Knex.Transaction): Promise<void> {
  const [row] = (await trx('setup_links').where({ delivery: 'workos' }).count({ count: '*' })) as { count: number | string }[];
  const count = Number(row?.count ?? 0);
  if (count > 0) throw new Error(`016 cannot be undone: ${count} setup links were sent by WorkOS, which 015 cannot describe.`);
}

/** The constraint of `table` whose definition mentions `text` (PostgreSQL named inline CHECKs itself). */
async function constraintNamed(trx: Knex.Transaction, table: string, text: string): Promise<string[]> {
  const result = (await trx.raw(
    "SELECT conname FROM pg_constraint WHERE conrelid = ?::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE ? ORDER BY conname",
    [table, `%${text}%`],
  )) as { rows: { conname: string }[] };
  return result.rows.map((row) => row.conname);
}

async function dropChecks(trx: Knex.Transaction, table: string, text: string): Promise<void> {
  for (const name of await constraintNamed(trx, table, text)) await trx.raw(`ALTER TABLE ${table} DROP CONSTRAINT "${name}"`);
}

async function upPostgres(db: Knex): Promise<void> {
  await db.transaction(async (trx) => {
    await dropChecks(trx, 'setup_links', 'delivery');
    await trx.raw("ALTER TABLE setup_links ADD CONSTRAINT setup_links_delivery_check CHECK (delivery IN ('email', 'copy', 'workos'))");
    await trx.raw("ALTER TABLE setup_links ADD CONSTRAINT setup_links_recipient_check CHECK (delivery = 'copy' OR recipient_email IS NOT NULL)");
    await trx.raw("ALTER TABLE setup_links ADD CONSTRAINT setup_links_sending_check CHECK (status <> 'sending' OR delivery IN ('email', 'workos'))");
    await trx.raw('ALTER TABLE setup_links ADD COLUMN it_contact_id TEXT CHECK (it_contact_id IS NULL OR length(it_contact_id) BETWEEN 1 AND 100)');
    await trx.raw('ALTER TABLE setup_links ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0 CHECK (reminders_sent BETWEEN 0 AND 2)');
    await trx.raw('ALTER TABLE setup_links ADD COLUMN last_reminded_at TEXT');
    await trx.raw('ALTER TABLE setup_links ADD COLUMN extended_at TEXT');
    await trx.raw('ALTER TABLE setup_links ADD COLUMN invitation_revoke_due_at TEXT');
    await trx.raw("ALTER TABLE setup_links ADD CONSTRAINT setup_links_revoke_due_check CHECK (delivery = 'workos' OR invitation_revoke_due_at IS NULL)");
    await trx.raw("ALTER TABLE setup_links ADD CONSTRAINT setup_links_contact_check CHECK (delivery = 'workos' OR it_contact_id IS NULL)");
    await trx.raw("ALTER TABLE setup_links ADD CONSTRAINT setup_links_reminders_check CHECK (delivery = 'email' OR reminders_sent = 0)");
    await trx.raw(REMINDABLE_INDEX);
    await trx.raw(REVOKE_DUE_INDEX);
    await dropChecks(trx, 'settings', 'company_name');
    await trx.raw(`ALTER TABLE settings ADD CONSTRAINT settings_key_check CHECK (key IN (${quoted([...SETTING_KEYS, ...NEW_SETTING_KEYS])}))`);
    await dropChecks(trx, 'owner_notices', 'setup_completed');
    await trx.raw(`ALTER TABLE owner_notices ADD CONSTRAINT owner_notices_kind_check CHECK (kind IN (${quoted([...NOTICE_KINDS, ...NEW_NOTICE_KINDS])}))`);
    await trx.raw('ALTER TABLE organizations ADD COLUMN remind_it_admin INTEGER NOT NULL DEFAULT 1 CHECK (remind_it_admin IN (0, 1))');
    await trx.raw('ALTER TABLE organizations ADD COLUMN register_it_contacts INTEGER NOT NULL DEFAULT 0 CHECK (register_it_contacts IN (0, 1))');
    await trx.raw(INVITATION_TURNS);
  });
}

async function downPostgres(db: Knex): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw('DROP TABLE invitation_turns');
    await trx.raw('ALTER TABLE organizations DROP COLUMN register_it_contacts, DROP COLUMN remind_it_admin');
    await trx.raw(`DELETE FROM owner_notices WHERE kind NOT IN (${quoted(NOTICE_KINDS)})`);
    await trx.raw('ALTER TABLE owner_notices DROP CONSTRAINT owner_notices_kind_check');
    await trx.raw(`ALTER TABLE owner_notices ADD CONSTRAINT owner_notices_kind_check CHECK (kind IN (${quoted(NOTICE_KINDS)}))`);
    await trx.raw(`DELETE FROM settings WHERE key NOT IN (${quoted(SETTING_KEYS)})`);
    await trx.raw('ALTER TABLE settings DROP CONSTRAINT settings_key_check');
    await trx.raw(`ALTER TABLE settings ADD CONSTRAINT settings_key_check CHECK (key IN (${quoted(SETTING_KEYS)}))`);
    await refuseWhileWorkOSLinksExist(trx);
    await trx.raw('DROP INDEX setup_links_remindable');
    await trx.raw('DROP INDEX setup_links_invitation_revoke_due');
    await trx.raw(
      'ALTER TABLE setup_links DROP COLUMN invitation_revoke_due_at, DROP COLUMN extended_at, DROP COLUMN last_reminded_at, DROP COLUMN reminders_sent, DROP COLUMN it_contact_id',
    );
    await trx.raw(
      'ALTER TABLE setup_links DROP CONSTRAINT setup_links_delivery_check, DROP CONSTRAINT setup_links_recipient_check, DROP CONSTRAINT setup_links_sending_check',
    );
    await trx.raw("ALTER TABLE setup_links ADD CONSTRAINT setup_links_delivery_check CHECK (delivery IN ('email', 'copy'))");
    await trx.raw("ALTER TABLE setup_links ADD CONSTRAINT setup_links_recipient_check CHECK (delivery = 'copy' OR recipient_email IS NOT NULL)");
    await trx.raw("ALTER TABLE setup_links ADD CONSTRAINT setup_links_sending_is_email CHECK (status <> 'sending' OR delivery = 'email')");
  });
}
