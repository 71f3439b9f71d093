import type { Knex } from 'knex';

/**
 * Staff accounts, their sessions, and sign-in attempts (for throttling). A session row is keyed by
 * the SHA-256 of the cookie's random token, so a copy of the database cannot be replayed as a
 * cookie.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE staff (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      email TEXT NOT NULL CHECK (email = lower(trim(email)) AND email LIKE '%_@_%' AND length(email) <= 254),
      name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100),
      role TEXT NOT NULL CHECK (role IN ('viewer', 'support', 'admin')),
      password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
      must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
      disabled_at TEXT,
      last_sign_in_at TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`);
  await db.raw('CREATE UNIQUE INDEX staff_email ON staff (email)');
  // Nobody can lock everyone out: the last active admin cannot be demoted or disabled.
  await db.raw(`
    CREATE TRIGGER staff_keep_an_admin BEFORE UPDATE OF role, disabled_at ON staff
    WHEN OLD.role = 'admin' AND OLD.disabled_at IS NULL
      AND (NEW.role <> 'admin' OR NEW.disabled_at IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM staff WHERE role = 'admin' AND disabled_at IS NULL AND id <> OLD.id)
    BEGIN
      SELECT RAISE(ABORT, 'last_active_admin');
    END`);

  await db.raw(`
    CREATE TABLE sessions (
      id TEXT PRIMARY KEY CHECK (length(id) = 64),
      staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
      created_at TEXT NOT NULL,
      last_seen_at TEXT NOT NULL,
      expires_at TEXT NOT NULL
    ) WITHOUT ROWID`);
  await db.raw('CREATE INDEX sessions_staff ON sessions (staff_id)');
  await db.raw('CREATE INDEX sessions_expires ON sessions (expires_at)');

  await db.raw(`
    CREATE TABLE sign_in_attempts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at TEXT NOT NULL,
      ip TEXT NOT NULL,
      email TEXT NOT NULL,
      succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1))
    )`);
  await db.raw('CREATE INDEX sign_in_attempts_email ON sign_in_attempts (email, at)');
  await db.raw('CREATE INDEX sign_in_attempts_ip ON sign_in_attempts (ip, at)');
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP TABLE sign_in_attempts');
  await db.raw('DROP TABLE sessions');
  await db.raw('DROP TABLE staff');
}
