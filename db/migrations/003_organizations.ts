import type { Knex } from 'knex';

/**
 * Customers: one row per WorkOS organization, plus what WorkOS does not hold (CS owner, status of
 * our own create call). A row is written `pending` before the WorkOS call, keyed by the
 * idempotency key that call carries, so a crash or failure mid-way leaves a row that can be
 * finished — never an organization that exists only in WorkOS.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE organizations (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      workos_id TEXT CHECK (workos_id IS NULL OR workos_id GLOB 'org_*'),
      name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 200),
      external_id TEXT CHECK (external_id IS NULL OR (length(external_id) BETWEEN 1 AND 128)),
      cs_owner_id INTEGER REFERENCES staff (id),
      status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'archived')),
      idempotency_key TEXT NOT NULL,
      last_error TEXT CHECK (last_error IS NULL OR json_valid(last_error)),
      created_by INTEGER REFERENCES staff (id),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      archived_at TEXT,
      synced_at TEXT,
      CHECK ((status = 'pending') = (workos_id IS NULL) OR status = 'archived')
    )`);
  await db.raw('CREATE UNIQUE INDEX organizations_workos_id ON organizations (workos_id) WHERE workos_id IS NOT NULL');
  await db.raw('CREATE UNIQUE INDEX organizations_idempotency_key ON organizations (idempotency_key)');
  await db.raw('CREATE UNIQUE INDEX organizations_external_id ON organizations (external_id) WHERE external_id IS NOT NULL');
  // Keyset pagination in name or creation order (the status filter rides along: nearly every row
  // is current), by owner, and the small pending / archived sets on their own.
  await db.raw('CREATE INDEX organizations_by_name ON organizations (name COLLATE NOCASE, id)');
  await db.raw('CREATE INDEX organizations_by_created ON organizations (created_at, id)');
  await db.raw('CREATE INDEX organizations_by_owner ON organizations (cs_owner_id, name COLLATE NOCASE, id)');
  await db.raw('CREATE INDEX organizations_by_status ON organizations (status)');

  await db.raw(`
    CREATE TABLE organization_domains (
      organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      domain TEXT NOT NULL CHECK (domain = lower(domain) AND length(domain) BETWEEN 3 AND 253),
      state TEXT NOT NULL CHECK (state IN ('pending', 'verified', 'failed', 'legacy_verified', 'unverified')),
      workos_domain_id TEXT,
      PRIMARY KEY (organization_id, domain)
    ) WITHOUT ROWID`);
  await db.raw('CREATE INDEX organization_domains_domain ON organization_domains (domain)');

  // Substring search over name, domains, external id and WorkOS id (trigram: any 3+ characters).
  await db.raw(`CREATE VIRTUAL TABLE organization_search USING fts5(name, domains, external_id, workos_id, tokenize = 'trigram')`);

  // One sync from WorkOS at a time; its progress is shown while it runs.
  await db.raw(`
    CREATE TABLE organization_syncs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      started_by INTEGER REFERENCES staff (id),
      started_at TEXT NOT NULL,
      heartbeat_at TEXT NOT NULL,
      finished_at TEXT,
      status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
      seen INTEGER NOT NULL DEFAULT 0,
      created INTEGER NOT NULL DEFAULT 0,
      updated INTEGER NOT NULL DEFAULT 0,
      archived INTEGER NOT NULL DEFAULT 0,
      error TEXT
    )`);
  await db.raw("CREATE UNIQUE INDEX organization_syncs_one_running ON organization_syncs (status) WHERE status = 'running'");
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP TABLE organization_syncs');
  await db.raw('DROP TABLE organization_search');
  await db.raw('DROP TABLE organization_domains');
  await db.raw('DROP TABLE organizations');
}
