/**
 * `npm run db:backup -- <file>`: an online backup of DATABASE_PATH while Setup Desk runs (see the
 * README's Operations section for restoring). Checks the copy's integrity before saying it is done.
 */
import { closeDb, backupDatabase, getDb, openDatabase, POSTGRES_BACKUP_ADVICE } from '../app/utils/db.server';
import { EnvError, getEnv, loadDotEnv } from '../app/utils/env.server';

const target = process.argv[2];
if (!target) {
  console.error('Usage: npm run db:backup -- <file>   e.g. npm run db:backup -- backups/setup-desk-$(date +%F).sqlite');
  process.exit(2);
}
try {
  loadDotEnv();
  if (getEnv().DATABASE_URL) {
    console.error(POSTGRES_BACKUP_ADVICE);
    process.exit(2);
  }
  const { path, bytes } = await backupDatabase(getDb(), target);
  const copy = openDatabase(path);
  const integrity = ((await copy.raw('PRAGMA integrity_check')) as { integrity_check: string }[]).map((row) => row.integrity_check).join('; ');
  await copy.destroy();
  await closeDb();
  if (integrity !== 'ok') {
    console.error(`The copy at ${path} failed its integrity check (${integrity}); keep the previous backup.`);
    process.exit(1);
  }
  console.log(`Backed up to ${path} (${(bytes / 1024 / 1024).toFixed(1)} MB), integrity ok.`);
} catch (error) {
  console.error(error instanceof EnvError ? `Cannot back up.\n${error.message}` : error instanceof Error ? error.message : error);
  process.exit(1);
}
