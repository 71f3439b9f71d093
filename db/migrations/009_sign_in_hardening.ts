import type { Knex } from 'knex';

/**
 * Sign-in attempts keep no typed text (decision 015): the account is a keyed hash of the typed
 * email (HMAC with the session secret), so a token pasted into the email field is never stored.
 * The table only ever holds the last day of attempts, for throttling: it starts afresh.
 *
 * `server_observations`: what the server saw of its surroundings that the doctor should know
 * (requests arriving through a proxy the app does not trust), one row per kind.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw('DROP TABLE sign_in_attempts');
  await db.raw(`
    CREATE TABLE sign_in_attempts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at TEXT NOT NULL,
      ip TEXT NOT NULL,
      account_key TEXT NOT NULL CHECK (length(account_key) = 64 AND account_key NOT GLOB '*[^0-9a-f]*'),
      succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1))
    )`);
  await db.raw('CREATE INDEX sign_in_attempts_account ON sign_in_attempts (account_key, at)');
  await db.raw('CREATE INDEX sign_in_attempts_ip ON sign_in_attempts (ip, at)');
  await db.raw(`
    CREATE TABLE server_observations (
      kind TEXT PRIMARY KEY CHECK (kind IN ('forwarded_without_trust_proxy')),
      observed_at TEXT NOT NULL,
      detail TEXT NOT NULL
    )`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP TABLE server_observations');
  await db.raw('DROP TABLE sign_in_attempts');
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
