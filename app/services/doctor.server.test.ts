import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { refreshSearchRow } from '~/models/organization.server';
import { ftsTableOf, getDb, integrityProblems, openDatabase } from '~/utils/db.server';
import { parseEnv } from '~/utils/env.server';
import { BUILD_INFO_FILE } from '~/utils/source-hash.server';
import { describeSqliteOnly, testDatabaseLocation } from '../../test/backend';
import { createOrganization } from '../../test/factories';
import { makeTempDir } from '../../test/temp-dirs';
import { checkBuild, checkCustomerFacing, currentNodeLts } from './doctor.server';

describeSqliteOnly('integrityProblems (SQLite: PRAGMA integrity_check and FTS5)', () => {
  it('is clean after another connection wrote to the search index (PRAGMA integrity_check alone reports an FTS5 mismatch there)', async () => {
    const db = getDb();
    const { id } = await createOrganization({ name: 'Integrity Co', status: 'pending' });
    await db.raw("SELECT rowid FROM organization_search WHERE organization_search MATCH 'integrity'");
    // Another process renames it (written directly: what matters is that its search-index write came from another connection).
    const other = openDatabase(testDatabaseLocation());
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

describe('the production build check', () => {
  function builtTree({ hash }: { hash?: string } = {}): string {
    const root = makeTempDir('setup-desk-doctor-build-');
    for (const file of ['build/server/index.js', 'build/remix/index.js']) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), '');
    }
    if (hash) fs.writeFileSync(path.join(root, BUILD_INFO_FILE), JSON.stringify({ sourceHash: hash, builtAt: '2026-12-01T10:00:00.000Z' }));
    return root;
  }

  it('in development, a missing build is a warning that says `npm run dev` does not need it', async () => {
    const result = await checkBuild({ root: makeTempDir('setup-desk-doctor-nobuild-'), production: false });
    expect(result).toMatchObject({ status: 'warn', found: 'not built — not needed by `npm run dev`, which runs from the source' });
    expect(result.fix).toBe('Run `npm run build` before `npm start` or deploying.');
  });

  it('in production, a missing build fails', async () => {
    const result = await checkBuild({ root: makeTempDir('setup-desk-doctor-nobuild-'), production: true });
    expect(result).toMatchObject({ status: 'fail', found: 'missing: build/server/index.js, build/remix/index.js' });
  });

  it('a build from another source fails in production and warns in development', async () => {
    const root = builtTree({ hash: 'not-the-source' });
    expect(await checkBuild({ root, production: true })).toMatchObject({ status: 'fail', found: expect.stringContaining('from a different source') });
    expect(await checkBuild({ root, production: false })).toMatchObject({ status: 'warn', found: expect.stringContaining('from an earlier source') });
  });
});

describe('the customer-facing settings check', () => {
  const development = parseEnv({ NODE_ENV: 'development' });
  const acme = parseEnv({ NODE_ENV: 'development', COMPANY_NAME: 'Acme Analytics', SUPPORT_EMAIL: 'support@acme.example' });

  it('fails in production while the company is "Setup Desk" and the support contact the placeholder, saying what is refused and where to fix it', async () => {
    const result = await checkCustomerFacing({ env: development, db: getDb(), production: true });
    expect(result.status).toBe('fail');
    expect(result.found).toBe(
      'setup emails are refused: The company name is still "Setup Desk", the name of this tool: set the name customers know you by; ' +
        'No support contact is set: set the address IT admins write to for help',
    );
    expect(result.fix).toContain('Configuration page');
  });

  it('passes with a note in development, and passes in production once both are real', async () => {
    expect(await checkCustomerFacing({ env: development, db: getDb(), production: false })).toMatchObject({
      status: 'pass',
      found: expect.stringContaining('development defaults, fine here — in production setup emails are refused'),
    });
    expect(await checkCustomerFacing({ env: acme, db: getDb(), production: true })).toMatchObject({
      status: 'pass',
      found: 'setup emails are signed "Acme Analytics", support@acme.example',
    });
  });
});
