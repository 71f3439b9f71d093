import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '~/utils/db.server';
import { makeTempDir } from '../../test/temp-dirs';

/**
 * One owner per table (decision 017): each table is written by one model, and every other module
 * calls that model. The setup link's whole life is one of them (decision 014). The audit trail is
 * read through its model too: its rows are the app's record, and their shape is the catalog's.
 * (Tests arrange rows directly, and the benchmarks' bulk seeds write at a scale no model call
 * could; both are outside this rule. The migrations are the schema's history. A write whose table
 * name is a variable is invisible to this check — the bulk seed's are the only ones.)
 */
const OWNERS: Record<string, string> = {
  audit_events: 'app/models/audit.server.ts',
  background_jobs: 'app/models/background-jobs.server.ts',
  feature_status: 'app/models/setup-progress.server.ts',
  invitation_turns: 'app/models/setup-link.server.ts',
  organization_domains: 'app/models/organization.server.ts',
  organization_search: 'app/models/organization.server.ts',
  organization_syncs: 'app/models/organization-sync.server.ts',
  organizations: 'app/models/organization.server.ts',
  owner_digests: 'app/models/owner-digest.server.ts',
  owner_notices: 'app/models/owner-digest.server.ts',
  rate_limit_hits: 'app/models/rate-limit.server.ts',
  server_observations: 'app/models/server-observations.server.ts',
  sessions: 'app/models/session.server.ts',
  settings: 'app/models/settings.server.ts',
  setup_link_launches: 'app/models/setup-link.server.ts',
  setup_links: 'app/models/setup-link.server.ts',
  sign_in_attempts: 'app/models/sign-in.server.ts',
  staff: 'app/models/staff.server.ts',
  workos_events: 'app/models/setup-progress.server.ts',
  workos_resources: 'app/models/setup-progress.server.ts',
};
/** Tables no module but their owner may even read. */
const PRIVATE_TABLES = ['audit_events'];
const BULK_SEEDS = /^(scripts\/bench[^/]*|db\/seed-organizations|db\/seed-audit-events)\.ts$/;

const CHAIN_WRITE = '\\.(update|insert|del|delete|increment|decrement|upsert|merge|truncate)\\(';
function writesTo(table: string, source: string): boolean {
  // A SELECT … FROM is told apart from a DELETE FROM by what comes before "from".
  const text = source.replace(new RegExp(`select[^;]*?from\\s+${table}\\b`, 'gi'), 'SELECTED');
  const builder = new RegExp(`(['"\`])${table}( as \\w+)?\\1\\)[^;]*?${CHAIN_WRITE}`);
  const named = new RegExp(`\\.(into|batchInsert)\\(\\s*(['"\`])${table}\\2`);
  const raw = new RegExp(`\\b(update|into|from)\\s+"?${table}\\b`, 'i');
  return builder.test(text) || named.test(text) || raw.test(text);
}
function mentions(table: string, source: string): boolean {
  return new RegExp(`(['"\`])${table}( as \\w+)?\\1|\\b(from|join)\\s+${table}\\b`, 'i').test(source);
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) && !entry.name.includes('.test.') ? [path.relative(process.cwd(), full)] : [];
  });
}

const folder = makeTempDir('setup-desk-ownership-');

describe('who writes each table', () => {
  it('every table of the migrated schema has an owner', async () => {
    const db = openDatabase(path.join(folder, 'schema.sqlite'));
    try {
      await migrateToLatest(db);
      const tables = (await db('sqlite_master')
        .where({ type: 'table' })
        .whereNot('name', 'like', 'sqlite_%')
        .whereNot('name', 'like', 'knex_%')
        .pluck('name')) as string[];
      // FTS5's shadow tables belong to their virtual table.
      const own = tables.filter((name) => !/^organization_search_(data|idx|content|docsize|config)$/.test(name));
      expect(own.filter((name) => !OWNERS[name])).toEqual([]);
    } finally {
      await db.destroy();
    }
  });

  it('only its owner writes it, and only the audit model reads the trail', () => {
    const files = ['app', 'server', 'scripts', 'db', 'sandbox']
      .flatMap((dir) => sourceFiles(dir))
      .filter((file) => !BULK_SEEDS.test(file) && !file.startsWith('db/migrations/'));
    const trespasses: string[] = [];
    for (const file of files) {
      const source = fs.readFileSync(file, 'utf8');
      for (const [table, owner] of Object.entries(OWNERS)) {
        if (file === owner) continue;
        if (writesTo(table, source)) trespasses.push(`${file} writes ${table}`);
        else if (PRIVATE_TABLES.includes(table) && mentions(table, source)) trespasses.push(`${file} reads ${table}`);
      }
    }
    expect(trespasses).toEqual([]);
  });

  it('the check sees a write or a read when there is one', () => {
    expect(writesTo('setup_links', "await trx('setup_links').where({ id }).update({ status: 'revoked' })")).toBe(true);
    expect(writesTo('setup_link_launches', 'INSERT INTO setup_link_launches (setup_link_id) VALUES (?)')).toBe(true);
    expect(writesTo('organizations', "await trx<OrganizationRow>('organizations as o').where({ id }).update({ name })")).toBe(true);
    expect(writesTo('owner_notices', "await db('owner_notices').where({ staff_id }).whereNull('digest_id').delete()")).toBe(true);
    expect(writesTo('setup_links', "db('setup_links').where({ id }).first()")).toBe(false);
    expect(writesTo('staff', 'SELECT id FROM staff WHERE id = ?')).toBe(false);
    expect(writesTo('organizations', "await knex.batchInsert('organizations', rows, 250)")).toBe(true);
    expect(writesTo('sessions', "await db.into('sessions').insert(row)")).toBe(true);
    expect(writesTo('sessions', "await db('sessions').truncate()")).toBe(true);
    expect(mentions('audit_events', "db('audit_events as e').where('e.id', id)")).toBe(true);
    expect(mentions('audit_events', 'SELECT max(id) FROM audit_events')).toBe(true);
    expect(mentions('audit_events', "recordAuditEvent({ action: 'setup_link.revoked' })")).toBe(false);
  });
});
