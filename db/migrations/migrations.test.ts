import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDb, migrateToLatest, openDatabase } from '~/utils/db.server';
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

describe('database connection', () => {
  it('runs with WAL, foreign keys, a busy timeout and synchronous=FULL', async () => {
    const db = getDb();
    const pragma = async (name: string) => Object.values((await db.raw(`PRAGMA ${name}`))[0] as object)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(5000);
    expect(await pragma('synchronous')).toBe(2); // FULL
  });
});

describe('two connections writing to one file (server and CLI)', () => {
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
