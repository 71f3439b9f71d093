import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { isPostgres } from '../app/utils/dialect.server';

/**
 * Bulk organizations for benchmarks: realistic names, 1–3 domains, external ids, owners, mostly
 * active with some pending and archived. Local rows only, with made-up WorkOS ids — never run it
 * against a real deployment's database (the CLI refuses in production).
 */

const WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Wonka',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Hooli',
  'Vandelay',
  'Massive',
  'Dynamic',
  'Northwind',
  'Contoso',
  'Fabrikam',
  'Litware',
  'Tailspin',
  'Adventure',
  'Blue',
  'Red',
  'Green',
  'Silver',
  'Golden',
  'Iron',
  'Quantum',
  'Pixel',
  'Nimbus',
  'Harbor',
];
const SUFFIXES = ['Inc', 'Corp', 'Labs', 'Group', 'Systems', 'Health', 'Bank', 'Logistics', 'Energy', 'Media'];

/** A deterministic pseudo-random sequence, so that two seeded databases are alike. */
function generator(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function seedOrganizations(
  db: Knex,
  { count, ownerIds, batchSize = 1000 }: { count: number; ownerIds: number[]; batchSize?: number },
): Promise<void> {
  const random = generator(count);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const base = Date.parse('2024-01-01T00:00:00.000Z');
  const now = Date.now();
  const existing = ((await db('organizations').max({ id: 'id' }).first()) as { id: number | null }).id ?? 0;
  // Links get ids of their own, past any link already there, so that their launches can name them.
  let linkId = ((await db('setup_links').max({ id: 'id' }).first()) as { id: number | null }).id ?? 0;

  for (let start = 0; start < count; start += batchSize) {
    const organizations: Record<string, unknown>[] = [];
    const domainRows: Record<string, unknown>[] = [];
    const searchRows: Record<string, unknown>[] = [];
    const linkRows: Record<string, unknown>[] = [];
    const launchRows: Record<string, unknown>[] = [];
    const statusRows: Record<string, unknown>[] = [];
    for (let index = start; index < Math.min(count, start + batchSize); index += 1) {
      const id = existing + index + 1;
      const name = `${pick(WORDS)} ${pick(WORDS)} ${pick(SUFFIXES)} ${id}`;
      const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
      const domains = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, position) => `${slug}${position ? `-${position}` : ''}.example`);
      const roll = random();
      const status = roll < 0.02 ? 'pending' : roll < 0.07 ? 'archived' : 'active';
      const createdAt = new Date(base + index * 60_000).toISOString();
      const workosId = status === 'pending' ? null : `org_BENCH${String(id).padStart(21, '0')}`;
      organizations.push({
        id,
        name,
        workos_id: workosId,
        external_id: `acct-${id}`,
        cs_owner_id: ownerIds.length ? pick(ownerIds) : null,
        status,
        idempotency_key: `bench:${id}`,
        created_at: createdAt,
        updated_at: createdAt,
        archived_at: status === 'archived' ? createdAt : null,
      });
      for (const domain of domains) domainRows.push({ organization_id: id, domain, state: random() < 0.3 ? 'verified' : 'pending' });
      searchRows.push({ rowid: id, name, domains: domains.join(' '), external_id: `acct-${id}`, workos_id: workosId ?? '' });
      // About a third of active customers have a setup link out, expiring over the next 30 days;
      // some have finished SSO on it. A few links completed this month; a few customers have a
      // problem WorkOS reported (a deactivated connection).
      const linkRoll = random();
      const statusOf = (feature: string, state: string, detail: string) => ({
        workos_organization_id: workosId,
        feature,
        state,
        detail,
        source: 'webhook',
        changed_at: new Date(now - Math.floor(random() * 7) * 86_400_000).toISOString(),
      });
      if (status === 'active' && linkRoll < 0.3) {
        const issued = new Date(now - Math.floor(random() * 5) * 86_400_000);
        const started = random() < 0.4;
        linkRows.push(
          copiedLink(++linkId, id, issued, { expires_at: new Date(now + (1 + Math.floor(random() * 30 * 24)) * 3_600_000).toISOString(), status: 'active' }),
        );
        if (started) launchRows.push({ setup_link_id: linkId, feature: 'sso', launches: 1, first_at: issued.toISOString(), last_at: issued.toISOString() });
        if (started) statusRows.push(statusOf('sso', 'done', 'OktaSAML connection active'));
      } else if (status === 'active' && linkRoll < 0.33) {
        const issued = new Date(now - (7 + Math.floor(random() * 20)) * 86_400_000);
        linkRows.push(
          copiedLink(++linkId, id, issued, {
            expires_at: new Date(issued.getTime() + 30 * 86_400_000).toISOString(),
            status: 'completed',
            completed_at: new Date(issued.getTime() + 3 * 86_400_000).toISOString(),
          }),
        );
        statusRows.push(statusOf('sso', 'done', 'OktaSAML connection active'), statusOf('dsync', 'done', 'okta scim v2.0 directory active'));
      } else if (status === 'active' && linkRoll < 0.34) {
        statusRows.push(statusOf('sso', 'attention', 'no active connection (OktaSAML deactivated)'));
      }
    }
    // Multi-row inserts, one transaction per batch: SQLite's variable limit is 32,766 (PostgreSQL's 65,535).
    await db.transaction(async (trx) => {
      await insertInChunks(trx, 'organizations', organizations, 250);
      await insertInChunks(trx, 'organization_domains', domainRows, 500);
      await insertInChunks(trx, 'organization_search', searchRows, 500);
      await insertInChunks(trx, 'setup_links', linkRows, 500);
      await insertInChunks(trx, 'setup_link_launches', launchRows, 500);
      await insertInChunks(trx, 'feature_status', statusRows, 500);
    });
  }
  // The rows above name their ids; PostgreSQL's identity sequences do not see them, and the next
  // organization or link the app creates would collide with a seeded one. (SQLite takes max + 1.)
  if (isPostgres(db)) {
    for (const table of ['organizations', 'setup_links']) {
      await db.raw(`SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT max(id) FROM ${table}))`, [table]);
    }
  }
}

async function insertInChunks(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[], size: number): Promise<void> {
  for (let index = 0; index < rows.length; index += size) await trx(table).insert(rows.slice(index, index + size));
}

/** A copied link for SSO and Directory Sync, as the bulk seed writes them (its token is never used). */
function copiedLink(id: number, organizationId: number, issued: Date, state: { expires_at: string; status: 'active' | 'completed'; completed_at?: string }) {
  return {
    id,
    organization_id: organizationId,
    token_hash: crypto.createHash('sha256').update(`bench-${organizationId}`).digest('hex'),
    features: '["sso","dsync"]',
    delivery: 'copy',
    created_at: issued.toISOString(),
    ...state,
  };
}
