/** `npm run db:migrate`: applies pending migrations to DATABASE_PATH and says what it did. */
import path from 'node:path';
import { closeDb, getDb, migrateToLatest } from '../app/utils/db.server';
import { EnvError, getEnv, loadDotEnv } from '../app/utils/env.server';

try {
  loadDotEnv();
  const env = getEnv();
  const applied = await migrateToLatest(getDb());
  console.log(
    applied.length
      ? `Applied ${applied.length} migration(s) to ${path.resolve(env.DATABASE_PATH)}: ${applied.join(', ')}`
      : `${path.resolve(env.DATABASE_PATH)} is already up to date.`,
  );
  await closeDb();
} catch (error) {
  console.error(error instanceof EnvError ? `Cannot migrate.\n${error.message}` : error);
  process.exit(1);
}
