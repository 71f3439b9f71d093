import type { Knex } from 'knex';
import { isPostgres } from '../../app/utils/dialect.server';

/**
 * Bring Your Own Key reports its own completion (`vault.byok_key.verification_completed`), so it
 * joins the features whose progress WorkOS reports. SQLite cannot change a CHECK in place: the
 * two progress tables are rebuilt with the feature allowed (nothing references them).
 */
const FEATURES_BEFORE = "'sso', 'dsync', 'domain_verification', 'certificate_renewal'";
const FEATURES_AFTER = `${FEATURES_BEFORE}, 'bring_your_own_key'`;

async function rebuild(db: Knex, features: string): Promise<void> {
  await db.raw(`
    CREATE TABLE workos_resources_new (
      workos_organization_id TEXT NOT NULL,
      feature TEXT NOT NULL CHECK (feature IN (${features})),
      resource_id TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('active', 'inactive', 'deleted', 'verified', 'failed', 'renewal_required', 'renewed')),
      label TEXT,
      event_id TEXT NOT NULL,
      event_created_at TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('webhook', 'poller')),
      PRIMARY KEY (workos_organization_id, feature, resource_id)
    ) WITHOUT ROWID`);
  await db.raw(`INSERT INTO workos_resources_new SELECT * FROM workos_resources WHERE feature IN (${features})`);
  await db.raw('DROP TABLE workos_resources');
  await db.raw('ALTER TABLE workos_resources_new RENAME TO workos_resources');
  await db.raw(`
    CREATE TABLE feature_status_new (
      workos_organization_id TEXT NOT NULL,
      feature TEXT NOT NULL CHECK (feature IN (${features})),
      state TEXT NOT NULL CHECK (state IN ('done', 'attention', 'pending')),
      detail TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('webhook', 'poller')),
      changed_at TEXT NOT NULL,
      PRIMARY KEY (workos_organization_id, feature)
    ) WITHOUT ROWID`);
  await db.raw(`INSERT INTO feature_status_new SELECT * FROM feature_status WHERE feature IN (${features})`);
  await db.raw('DROP TABLE feature_status');
  await db.raw('ALTER TABLE feature_status_new RENAME TO feature_status');
  await db.raw("CREATE INDEX feature_status_attention ON feature_status (workos_organization_id) WHERE state = 'attention'");
}

export async function up(db: Knex): Promise<void> {
  if (isPostgres(db)) return upPostgres(db);
  await rebuild(db, FEATURES_AFTER);
}

export async function down(db: Knex): Promise<void> {
  if (isPostgres(db)) return downPostgres(db);
  await rebuild(db, FEATURES_BEFORE);
}

/** PostgreSQL changes the two CHECKs in place (a row of a feature no longer allowed goes first). */
async function upPostgres(db: Knex): Promise<void> {
  await featureCheck(db, FEATURES_AFTER);
}

async function featureCheck(db: Knex, features: string): Promise<void> {
  for (const table of ['workos_resources', 'feature_status']) {
    await db.raw(`DELETE FROM ${table} WHERE feature NOT IN (${features})`);
    await db.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_feature_check`);
    await db.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_feature_check CHECK (feature IN (${features}))`);
  }
}

async function downPostgres(db: Knex): Promise<void> {
  await featureCheck(db, FEATURES_BEFORE);
}
