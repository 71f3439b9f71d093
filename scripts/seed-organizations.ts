/**
 * `npm run seed:organizations -- --count 100000`: fills DATABASE_PATH with made-up organizations
 * for benchmarks and trying the list at scale. Refuses in production.
 */
import { parseArgs } from 'node:util';
import { seedOrganizations } from '../db/seed-organizations';
import { closeDb, databaseLabel, getDb, migrateToLatest } from '../app/utils/db.server';
import { getEnv, loadDotEnv } from '../app/utils/env.server';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100000' } } });
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1 || count > 2_000_000) {
  console.error('--count must be a whole number from 1 to 2,000,000.');
  process.exit(2);
}
loadDotEnv();
if (getEnv().isProduction) {
  console.error('Refusing to add made-up organizations to a production database.');
  process.exit(2);
}
const db = getDb();
await migrateToLatest(db);
const ownerIds = (await db('staff').whereIn('role', ['support', 'admin']).whereNull('disabled_at').pluck('id')) as number[];
const started = performance.now();
await seedOrganizations(db, { count, ownerIds });
console.log(
  `Added ${count.toLocaleString('en')} organizations to ${databaseLabel(getEnv().database)} in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
);
await closeDb();
