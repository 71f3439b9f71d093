import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { createSetupLink } from '~/models/setup-link.server';
import { describePostgresOnly, describeSqliteOnly, testDatabaseLocation } from '../../test/backend';
import { createOrganization } from '../../test/factories';
import { makeTempDir } from '../../test/temp-dirs';
import { backupDatabase, getDb, migrateToLatest, openDatabase, POSTGRES_BACKUP_ADVICE } from './db.server';

describeSqliteOnly('online backup (SQLite: VACUUM INTO)', () => {
  it('a backup taken while links are being created restores to a consistent database', async () => {
    const db = getDb();
    const actor = { type: 'system' as const, label: 'Backup test' };
    const organizationIds: number[] = [];
    for (let index = 0; index < 40; index += 1) organizationIds.push((await createOrganization({ name: `Backup Co ${index}` })).id);

    // A second connection (as a separate `npm run db:backup` process would have) takes the backup
    // while this one keeps creating links, each in its own transaction with its audit event.
    const dir = makeTempDir('setup-desk-backup-');
    const target = path.join(dir, 'backup.sqlite');
    const backupConnection = openDatabase(testDatabaseLocation());
    let created = 0;
    let backupDone = false;
    const writer = (async () => {
      for (const organizationId of organizationIds) {
        await createSetupLink(organizationId, { features: ['sso'], lifetimeDays: 7 }, actor);
        created += 1;
      }
    })();
    // Start the backup once some links exist and more are on their way.
    while (created < 10) await new Promise((resolve) => setTimeout(resolve, 5));
    const backup = backupDatabase(backupConnection, target).then((result) => {
      backupDone = true;
      return result;
    });
    await Promise.all([writer, backup]);
    await backupConnection.destroy();
    expect(backupDone).toBe(true);
    await expect(backupDatabase(db, target)).rejects.toThrow(/already exists/);

    // Restore: open the copy as the app would.
    const restored = openDatabase(target);
    try {
      expect(await migrateToLatest(restored)).toEqual([]);
      expect(((await restored.raw('PRAGMA integrity_check')) as { integrity_check: string }[])[0]!.integrity_check).toBe('ok');
      expect(await restored.raw('PRAGMA foreign_key_check')).toEqual([]);
      const links = (await restored('setup_links').whereIn('organization_id', organizationIds).select('id')) as { id: number }[];
      // Some, not necessarily all, of the links: the snapshot fell somewhere in the middle.
      expect(links.length).toBeGreaterThanOrEqual(10);
      expect(links.length).toBeLessThanOrEqual(organizationIds.length);
      // Every link in the copy has its creation event, and every creation event its link: no
      // half-written transaction.
      const events = (await restored('audit_events')
        .where({ action: 'setup_link.created' })
        .whereIn('organization_id', organizationIds)
        .select('setup_link_id')) as {
        setup_link_id: number;
      }[];
      expect(events.map((event) => event.setup_link_id).sort((a, b) => a - b)).toEqual(links.map((link) => link.id).sort((a, b) => a - b));
      // The restored file is a working database: the one-active-link rule still holds in it (a
      // direct insert on purpose: the model never tries one, the constraint is what is checked).
      await expect(
        restored('setup_links').insert({ ...(await restored('setup_links').where({ id: links[0]!.id }).first()), id: undefined, token_hash: 'b'.repeat(64) }),
      ).rejects.toThrow(/UNIQUE constraint failed: setup_links.organization_id/);
    } finally {
      await restored.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describePostgresOnly('backups on PostgreSQL', () => {
  it('are the database service’s: the app refuses to copy and says what to use', async () => {
    await expect(backupDatabase(getDb(), path.join(makeTempDir('setup-desk-backup-'), 'copy.sqlite'))).rejects.toThrow(POSTGRES_BACKUP_ADVICE);
    expect(POSTGRES_BACKUP_ADVICE).toMatch(/pg_dump/);
  });
});
