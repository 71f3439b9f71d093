import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '~/utils/db.server';
import { makeTempDir } from '../test/temp-dirs';
import { migrations } from './migrations/index';

/**
 * Migration 008 on a database as 007 left it, with the rows an older install holds: an emailed
 * link never confirmed sent, launches counted in the JSON column, a link completed before
 * `completed_at` existed, and an AUTOINCREMENT sequence past the highest id.
 */
let dir: string;
let db: Knex;

beforeAll(async () => {
  dir = makeTempDir('setup-desk-migrate-008-');
  db = openDatabase(path.join(dir, 'old.sqlite'));
  const upTo = migrations.findIndex((migration) => migration.name === '008_setup_link_lifecycle');
  for (const migration of migrations.slice(0, upTo)) await migration.up(db);
  const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T10:00:00.000Z`;
  // Rows written directly: this database has 007's schema, which today's models no longer speak.
  await db('organizations').insert({
    id: 1,
    name: 'Old Co',
    workos_id: 'org_01OLD',
    status: 'active',
    idempotency_key: 'old',
    created_at: at(1),
    updated_at: at(1),
  });
  const link = (id: number, fields: Record<string, unknown>) => ({
    id,
    organization_id: 1,
    token_hash: String(id).repeat(64).slice(0, 64),
    features: '["sso","dsync"]',
    delivery: 'copy',
    expires_at: at(28),
    created_at: at(id),
    status: 'revoked',
    revoked_at: at(id + 1),
    recipient_email: null,
    email_sent_at: null,
    completed_at: null,
    first_launched_at: null,
    launch_count: 0,
    launches: '{}',
    ...fields,
  });
  await db('setup_links').insert([
    link(2, { launches: '{"sso":3,"dsync":1}', launch_count: 4, first_launched_at: at(3) }),
    link(3, { status: 'completed', revoked_at: null, completed_at: null }),
    link(4, { status: 'active', revoked_at: null, delivery: 'email', recipient_email: 'it@old.example', email_sent_at: null }),
    link(9, {}),
  ]);
  await db('setup_links').where({ id: 9 }).delete(); // the sequence now stands past the highest id
  await db('audit_events').insert([
    {
      at: at(4),
      request_id: 'r1',
      actor_type: 'it_admin',
      actor_label: 'IT admin',
      action: 'setup_link.launched',
      setup_link_id: 2,
      details: '{"feature":"dsync"}',
    },
    {
      at: at(5),
      request_id: 'r2',
      actor_type: 'it_admin',
      actor_label: 'IT admin',
      action: 'setup_link.launched',
      setup_link_id: 2,
      details: '{"feature":"sso"}',
    },
  ]);
  await migrations.find((migration) => migration.name === '008_setup_link_lifecycle')!.up(db);
});

afterAll(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('migration 008 on an older database', () => {
  it('keeps every link, and an emailed link never confirmed sent becomes `sending`', async () => {
    expect(await db('setup_links').orderBy('id').select('id', 'status')).toEqual([
      { id: 2, status: 'revoked' },
      { id: 3, status: 'completed' },
      { id: 4, status: 'sending' },
    ]);
  });

  it('moves launch counts into their own table, with each feature’s first and last launch from the trail', async () => {
    expect(await db('setup_link_launches').orderBy('feature').select('*')).toEqual([
      { setup_link_id: 2, feature: 'dsync', launches: 1, first_at: '2026-11-04T10:00:00.000Z', last_at: '2026-11-04T10:00:00.000Z' },
      { setup_link_id: 2, feature: 'sso', launches: 3, first_at: '2026-11-05T10:00:00.000Z', last_at: '2026-11-05T10:00:00.000Z' },
    ]);
    const columns = Object.keys(await db('setup_links').columnInfo());
    expect(columns).not.toContain('launch_count');
    expect(columns).not.toContain('launches');
    expect(columns).toContain('replaces_link_id');
  });

  it('never reuses an id: new links continue after the old sequence', async () => {
    const [row] = await db('setup_links')
      .insert({
        organization_id: 1,
        token_hash: 'f'.repeat(64),
        features: '["sso"]',
        delivery: 'copy',
        expires_at: '2026-12-30T00:00:00.000Z',
        created_at: '2026-12-01T00:00:00.000Z',
        status: 'active',
      })
      .returning('id');
    expect((row as { id: number }).id).toBe(10);
  });

  it('keeps the indexes that hold the rules', async () => {
    const indexes = ((await db.raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'setup_links'")) as { name: string }[]).map(
      (index) => index.name,
    );
    expect(indexes).toEqual(expect.arrayContaining(['setup_links_one_active', 'setup_links_one_sending', 'setup_links_token_hash']));
    expect(await db.raw('PRAGMA foreign_key_check')).toEqual([]);
  });
});
