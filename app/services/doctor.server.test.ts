import { describe, expect, it } from 'vitest';
import { refreshSearchRow } from '~/models/organization.server';
import { ftsTableOf, getDb, integrityProblems, openDatabase } from '~/utils/db.server';
import { createOrganization } from '../../test/factories';
import { currentNodeLts } from './doctor.server';

describe('integrityProblems', () => {
  it('is clean after another connection wrote to the search index (PRAGMA integrity_check alone reports an FTS5 mismatch there)', async () => {
    const db = getDb();
    const { id } = await createOrganization({ name: 'Integrity Co', status: 'pending' });
    await db.raw("SELECT rowid FROM organization_search WHERE organization_search MATCH 'integrity'");
    // Another process renames it (written directly: what matters is that its search-index write came from another connection).
    const other = openDatabase(process.env.DATABASE_PATH!);
    try {
      await other('organizations').where({ id }).update({ name: 'Integrity Renamed' });
      await refreshSearchRow(id, { db: other });
    } finally {
      await other.destroy();
    }
    const pragma = ((await db.raw('PRAGMA integrity_check')) as { integrity_check: string }[]).map((item) => item.integrity_check);
    expect(pragma).toEqual(['fts5: checksum mismatch for table "organization_search"']);
    expect(await integrityProblems(db)).toEqual([]);
  });

  it('confirms every kind of FTS5 finding with the table’s own check, not only a checksum mismatch', async () => {
    const db = getDb();
    // What PRAGMA integrity_check said in an e2e run while the fixtures wrote from another connection.
    const findings = [
      'fts5: checksum mismatch for table "organization_search"',
      'fts5: corruption found reading blob 1924145348609 from table "organization_search"',
    ];
    for (const finding of findings) expect(ftsTableOf(finding)).toBe('organization_search');
    expect(ftsTableOf('row 12 missing from index staff_email')).toBeUndefined();
    expect(await integrityProblems(db)).toEqual([]);
  });

  it('reports a search index that really lost a row', async () => {
    const db = getDb();
    await db.raw('DELETE FROM organization_search_docsize WHERE id = (SELECT max(id) FROM organization_search_docsize)');
    const problems = await integrityProblems(db);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain('organization_search');
    // Repair for the other tests in this file: rebuild the index from its content.
    await db.raw("INSERT INTO organization_search (organization_search) VALUES ('rebuild')");
    expect(await integrityProblems(db)).toEqual([]);
  });
});

describe('currentNodeLts', () => {
  it('moves to the next even major at the end of October', () => {
    expect(currentNodeLts(new Date('2025-10-27T12:00:00Z'))).toBe(22);
    expect(currentNodeLts(new Date('2025-10-28T12:00:00Z'))).toBe(24);
    expect(currentNodeLts(new Date('2026-11-27T12:00:00Z'))).toBe(26);
    expect(currentNodeLts(new Date('2027-03-01T12:00:00Z'))).toBe(26);
  });
});
