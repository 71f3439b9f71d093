import type { Knex } from 'knex';

/**
 * Setup links: only the SHA-256 of each token is stored. "One active link per organization" is a
 * partial unique index — a database invariant, not a check in code.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE setup_links (
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
      CHECK (expires_at > created_at),
      CHECK (delivery = 'copy' OR recipient_email IS NOT NULL),
      CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
    )`);
  await db.raw('CREATE UNIQUE INDEX setup_links_token_hash ON setup_links (token_hash)');
  await db.raw("CREATE UNIQUE INDEX setup_links_one_active ON setup_links (organization_id) WHERE status = 'active'");
  await db.raw('CREATE INDEX setup_links_organization ON setup_links (organization_id, created_at)');
  await db.raw("CREATE INDEX setup_links_active_expiry ON setup_links (expires_at) WHERE status = 'active'");
  // The list's "expired" / "completed" filters start from the few organizations that qualify.
  // Partial, so that lookups of an organization's active link keep using the indexes above.
  await db.raw("CREATE INDEX setup_links_ended ON setup_links (status, organization_id) WHERE status IN ('expired', 'completed')");
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP TABLE setup_links');
}
