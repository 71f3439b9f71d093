/** `npm run db:migrate`: applies pending migrations to the database (DATABASE_URL, else DATABASE_PATH) and says what it did. */
import { closeDb, databaseLabel, getDb, migrateToLatest } from '../app/utils/db.server';
import { EnvError, getEnv, loadDotEnv } from '../app/utils/env.server';

try {
  loadDotEnv();
  const env = getEnv();
  const applied = await migrateToLatest(getDb());
  console.log(
    applied.length
      ? `Applied ${applied.length} migration(s) to ${databaseLabel(env.database)}: ${applied.join(', ')}`
      : `${databaseLabel(env.database)} is already up to date.`,
  );
  await closeDb();
} catch (error) {
  console.error(error instanceof EnvError ? `Cannot migrate.\n${error.message}` : error);
  process.exit(1);
}
