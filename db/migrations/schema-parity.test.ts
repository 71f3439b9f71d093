/**
 * The two backends' schemas, after every migration, are the same schema: the same tables and
 * columns (order, NOT NULL, primary keys), the same indexes (columns, uniqueness, the partial
 * predicates — the one-active rule among them), the same number of CHECKs per table, the same
 * foreign keys and triggers. What differs by design is listed here, and nothing else may.
 */
import path from 'node:path';
import type { Knex } from 'knex';
import { expect, it } from 'vitest';
import { getDb, migrateToLatest, openDatabase } from '~/utils/db.server';
import { rowsOf } from '~/utils/dialect.server';
import { describePostgresOnly } from '../../test/backend';
import { makeTempDir } from '../../test/temp-dirs';

interface Schema {
  columns: Record<string, string[]>;
  indexes: Record<string, string>;
  checks: Record<string, number>;
  foreignKeys: string[];
  triggers: string[];
}

/** Knex's own bookkeeping, and FTS5's shadow tables (its index's storage, not the app's). */
const NOT_THE_APP = /^(knex_migrations|knex_migrations_lock|organization_search_(data|idx|content|docsize|config))$/;

/** Index text both backends spell alike: no casts, no quotes or parentheses, `IN` for `= ANY (ARRAY[…])`, NOCASE as lower(). */
function normalize(text: string): string {
  return text
    .replace(/::[a-z]+(\[\])?/g, '')
    .replace(/= ANY \(ARRAY\[([^\]]*)\]\)/g, 'IN ($1)')
    .replace(/\b([a-z_]+) COLLATE NOCASE/gi, 'lower($1)')
    .replace(/[()"\s]/g, '')
    .toLowerCase();
}

async function sqliteSchema(db: Knex): Promise<Schema> {
  const objects = (await db('sqlite_master').select('type', 'name', 'tbl_name', 'sql')) as {
    type: string;
    name: string;
    tbl_name: string;
    sql: string | null;
  }[];
  const tables = objects.filter((object) => object.type === 'table' && !NOT_THE_APP.test(object.name) && !object.name.startsWith('sqlite_'));
  const schema: Schema = { columns: {}, indexes: {}, checks: {}, foreignKeys: [], triggers: [] };
  for (const table of tables) {
    const columns = (await db.raw(`PRAGMA table_info("${table.name}")`)) as { name: string; notnull: number; pk: number; type: string }[];
    // A primary key column is never NULL (PRAGMA table_info says so only of those declared NOT NULL).
    schema.columns[table.name] = columns.map(
      (column) => `${column.name} ${column.type.toLowerCase() || 'text'}${column.notnull || column.pk ? ' not null' : ''}${column.pk ? ` pk${column.pk}` : ''}`,
    );
    schema.checks[table.name] = (table.sql!.match(/\bCHECK\s*\(/gi) ?? []).length;
    const keys = (await db.raw(`PRAGMA foreign_key_list("${table.name}")`)) as { table: string; from: string; to: string; on_delete: string }[];
    for (const key of keys) schema.foreignKeys.push(`${table.name}.${key.from} → ${key.table}.${key.to} on delete ${key.on_delete.toLowerCase()}`);
  }
  for (const index of objects.filter((object) => object.type === 'index' && object.sql)) {
    const [, unique, on, where] = /^CREATE (UNIQUE )?INDEX \S+ ON (\S+ \(.*?\))(?: WHERE (.*))?$/s.exec(index.sql!)!;
    schema.indexes[index.name] = normalize(`${unique ? 'unique ' : ''}${on}${where ? ` where ${where}` : ''}`);
  }
  for (const trigger of objects.filter((object) => object.type === 'trigger')) {
    const [, timing, event] = /CREATE TRIGGER \S+ (BEFORE|AFTER) (UPDATE|DELETE|INSERT)/i.exec(trigger.sql!)!;
    schema.triggers.push(`${trigger.name} ${timing!.toLowerCase()} ${event!.toLowerCase()} on ${trigger.tbl_name}`);
  }
  return schema;
}

async function postgresSchema(db: Knex): Promise<Schema> {
  const schema: Schema = { columns: {}, indexes: {}, checks: {}, foreignKeys: [], triggers: [] };
  const columns = rowsOf<{ table_name: string; column_name: string; data_type: string; is_nullable: string; pk: number | null }>(
    await db.raw(`
      SELECT c.table_name, c.column_name, c.data_type, c.is_nullable,
        (SELECT k.ordinal_position FROM information_schema.key_column_usage k JOIN information_schema.table_constraints t
           ON t.constraint_name = k.constraint_name AND t.table_name = k.table_name
         WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_name = c.table_name AND k.column_name = c.column_name) AS pk
      FROM information_schema.columns c JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`),
  );
  for (const column of columns) {
    if (NOT_THE_APP.test(column.table_name)) continue;
    (schema.columns[column.table_name] ??= []).push(
      `${column.column_name} ${column.data_type}${column.is_nullable === 'NO' ? ' not null' : ''}${column.pk ? ` pk${column.pk}` : ''}`,
    );
  }
  // Indexes the app declared: not those backing a primary key or a table's UNIQUE (SQLite's "autoindexes").
  const indexes = rowsOf<{ indexname: string; indexdef: string }>(
    await db.raw(`
      SELECT indexname, indexdef FROM pg_indexes
      WHERE schemaname = 'public' AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`),
  );
  for (const { indexname, indexdef } of indexes) {
    const [, unique, table, on, include, where] =
      /^CREATE (UNIQUE )?INDEX \S+ ON public\.(\S+) USING btree (\(.*?\))( INCLUDE \(.*?\))?(?: WHERE (.*))?$/s.exec(indexdef) ?? [];
    if (!table) {
      schema.indexes[indexname] = indexdef;
      continue;
    }
    schema.indexes[indexname] = normalize(`${unique ? 'unique ' : ''}${table} ${on}${include ?? ''}${where ? ` where ${where}` : ''}`);
  }
  const checks = rowsOf<{ table: string; checks: number }>(
    await db.raw(
      `SELECT conrelid::regclass::text AS table, count(*)::integer AS checks FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0 GROUP BY conrelid`,
    ),
  );
  for (const { table, checks: count } of checks) schema.checks[table] = count;
  const keys = rowsOf<{ key: string }>(
    await db.raw(`
      SELECT tc.table_name || '.' || kcu.column_name || ' → ' || ccu.table_name || '.' || ccu.column_name || ' on delete ' || lower(rc.delete_rule) AS key
      FROM information_schema.table_constraints tc
      JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
      JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name
      JOIN information_schema.referential_constraints rc ON rc.constraint_name = tc.constraint_name
      WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'`),
  );
  schema.foreignKeys = keys.map(({ key }) => key);
  const triggers = rowsOf<{ trigger: string }>(
    await db.raw(`
      SELECT t.tgname || ' ' || CASE WHEN t.tgtype & 2 = 2 THEN 'before' ELSE 'after' END || ' ' ||
        CASE WHEN t.tgtype & 4 = 4 THEN 'insert' WHEN t.tgtype & 8 = 8 THEN 'delete' WHEN t.tgtype & 16 = 16 THEN 'update' ELSE 'truncate' END
        || ' on ' || t.tgrelid::regclass::text AS trigger
      FROM pg_trigger t WHERE NOT t.tgisinternal`),
  );
  schema.triggers = triggers.map(({ trigger }) => trigger);
  return schema;
}

describePostgresOnly('the SQLite and PostgreSQL schemas', () => {
  it('are one schema, but for the differences each backend needs', async () => {
    const sqlite = openDatabase(path.join(makeTempDir('setup-desk-parity-'), 'parity.sqlite'));
    try {
      await migrateToLatest(sqlite);
      const lite = await sqliteSchema(sqlite);
      const pg = await postgresSchema(getDb());

      // The search table: FTS5 keys its rows by the implicit rowid; PostgreSQL's has it as a column,
      // and a pg_trgm GIN index where FTS5 has its own.
      expect(pg.columns.organization_search![0]).toBe('rowid integer not null pk1');
      pg.columns.organization_search!.shift();
      expect(pg.indexes.organization_search_trigrams).toMatch(
        /USING gin \(name gin_trgm_ops, domains gin_trgm_ops, external_id gin_trgm_ops, workos_id gin_trgm_ops\)/,
      );
      delete pg.indexes.organization_search_trigrams;
      // Two PostgreSQL indexes serve what SQLite's NOCASE index does alone: the name prefix of a
      // short search (under any collation), and the name itself beside lower(name) in the walks.
      expect(pg.indexes.organizations_name_prefix).toBe('organizationslowernametext_pattern_ops');
      delete pg.indexes.organizations_name_prefix;
      for (const walk of ['organizations_current_by_name', 'organizations_current_by_owner']) {
        expect(pg.indexes[walk], walk).toMatch(/includename/);
        pg.indexes[walk] = pg.indexes[walk]!.replace('includename', '');
      }
      // PostgreSQL also refuses TRUNCATE of the audit trail (SQLite has no TRUNCATE).
      expect(pg.triggers).toContain('audit_events_no_truncate before truncate on audit_events');
      pg.triggers = pg.triggers.filter((trigger) => trigger !== 'audit_events_no_truncate before truncate on audit_events');

      expect(Object.keys(pg.columns).sort()).toEqual(Object.keys(lite.columns).sort());
      for (const table of Object.keys(lite.columns)) expect(pg.columns[table], table).toEqual(lite.columns[table]);
      expect(pg.indexes).toEqual(lite.indexes);
      expect(pg.indexes.setup_links_one_active).toBe("uniquesetup_linksorganization_idwherestatus='active'");
      expect(pg.checks).toEqual(Object.fromEntries(Object.entries(lite.checks).filter(([, count]) => count > 0)));
      expect(pg.foreignKeys.sort()).toEqual(lite.foreignKeys.sort());
      expect(pg.triggers.sort()).toEqual(lite.triggers.sort());
    } finally {
      await sqlite.destroy();
    }
  });
});
