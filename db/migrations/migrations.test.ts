import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { getDb, migrateToLatest, openDatabase } from '~/utils/db.server';
import { rowsOf } from '~/utils/dialect.server';
import { describePostgresOnly, describeSqliteOnly } from '../../test/backend';
import { createTestDatabase } from '../../test/postgres';
import { makeTempDir } from '../../test/temp-dirs';
import { migrations } from './index';

describe('migrations', () => {
  it('lists every migration file in this folder, in order', () => {
    const files = fs
      .readdirSync(path.dirname(new URL(import.meta.url).pathname))
      .filter((file) => /^\d{3}_.+\.ts$/.test(file))
      .map((file) => file.replace(/\.ts$/, ''))
      .sort();
    expect(migrations.map((migration) => migration.name)).toEqual(files);
  });

  it('migrate up, all the way down, and up again on a fresh file', async () => {
    const dir = makeTempDir('setup-desk-migrate-');
    const db = openDatabase(path.join(dir, 'fresh.sqlite'));
    try {
      expect(await migrateToLatest(db)).toEqual(migrations.map((migration) => migration.name));
      expect(await migrateToLatest(db)).toEqual([]); // idempotent
      await db.migrate.rollback(undefined, true);
      expect(await db.schema.hasTable('audit_events')).toBe(false);
      expect(await migrateToLatest(db)).toHaveLength(migrations.length);
    } finally {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeSqliteOnly('database connection (SQLite pragmas)', () => {
  it('runs with WAL, foreign keys, a busy timeout and synchronous=FULL', async () => {
    const db = getDb();
    const pragma = async (name: string) => Object.values((await db.raw(`PRAGMA ${name}`))[0] as object)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(5000);
    expect(await pragma('synchronous')).toBe(2); // FULL
  });
});

describePostgresOnly('database connection (PostgreSQL)', () => {
  it('runs on a pool, with statement and idle-transaction timeouts, and counts come back as numbers', async () => {
    const db = getDb();
    const [settings] = rowsOf<{ statement_timeout: string; idle: string }>(
      await db.raw("SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('idle_in_transaction_session_timeout') AS idle"),
    );
    expect(settings).toEqual({ statement_timeout: '30s', idle: '1min' });
    expect(await db('audit_events').count({ count: '*' }).first()).toEqual({ count: 0 });
  });

  it('instances migrating one empty database at once take turns: each migration runs once', async () => {
    const location = await createTestDatabase(inject('postgresServer'), { migrated: false });
    const instances = Array.from({ length: 4 }, () => openDatabase(location, { poolMax: 3 }));
    try {
      const applied = await Promise.all(instances.map((instance) => migrateToLatest(instance)));
      expect(applied.flat().sort()).toEqual(migrations.map((migration) => migration.name).sort());
      expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
    } finally {
      await Promise.all(instances.map((instance) => instance.destroy()));
    }
  });

  it('migrate up, all the way down, and up again on an empty database', async () => {
    const db = openDatabase(await createTestDatabase(inject('postgresServer'), { migrated: false }), { poolMax: 2 });
    try {
      expect(await migrateToLatest(db)).toEqual(migrations.map((migration) => migration.name));
      await db.migrate.rollback(undefined, true);
      expect(await db.schema.hasTable('audit_events')).toBe(false);
      expect(await migrateToLatest(db)).toHaveLength(migrations.length);
    } finally {
      await db.destroy();
    }
  });
});

describeSqliteOnly('two connections writing to one file (server and CLI)', () => {
  it('a read-then-write transaction waits for the other writer instead of failing with SQLITE_BUSY', async () => {
    const dir = makeTempDir('setup-desk-two-writers-');
    const first = openDatabase(path.join(dir, 'shared.sqlite'));
    const second = openDatabase(path.join(dir, 'shared.sqlite'));
    try {
      await first.raw('CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)');
      await first('counters').insert({ name: 'n', value: 0 });
      await second.raw('SELECT 1'); // its connection is open and ready before the race
      let otherWrite: Promise<unknown> | undefined;
      let otherCommitted = false;
      await first.transaction(async (trx) => {
        const { value } = await trx('counters').where({ name: 'n' }).first();
        // Another process writes while this transaction is between its read and its write.
        otherWrite = second('counters')
          .insert({ name: 'other', value: 1 })
          .then(() => (otherCommitted = true));
        // Let it try: with a plain BEGIN it would commit now, and our write below would fail.
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(otherCommitted).toBe(false);
        await trx('counters')
          .where({ name: 'n' })
          .update({ value: value + 1 });
      });
      await otherWrite;
      expect(await first('counters').orderBy('name')).toEqual([
        { name: 'n', value: 1 },
        { name: 'other', value: 1 },
      ]);
    } finally {
      await first.destroy();
      await second.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
