import type { Knex } from 'knex';
import { isPostgres } from '../../app/utils/dialect.server';

/**
 * Each staff member's time zone (decision 020): the IANA name every staff page shows times in.
 * NULL until it is first set — from the browser at the next sign-in, or on the account page —
 * and read as UTC meanwhile. The app checks the name against the platform's zones; the column
 * only refuses what could never be one.
 */
export async function up(db: Knex): Promise<void> {
  if (isPostgres(db)) return upPostgres(db);
  await db.raw(
    "ALTER TABLE staff ADD COLUMN time_zone TEXT CHECK (time_zone IS NULL OR (length(time_zone) BETWEEN 1 AND 64 AND time_zone NOT GLOB '*[^A-Za-z0-9_/+-]*'))",
  );
}

export async function down(db: Knex): Promise<void> {
  await db.raw('ALTER TABLE staff DROP COLUMN time_zone');
}

async function upPostgres(db: Knex): Promise<void> {
  await db.raw(
    "ALTER TABLE staff ADD COLUMN time_zone TEXT CHECK (time_zone IS NULL OR (length(time_zone) BETWEEN 1 AND 64 AND time_zone !~ '[^A-Za-z0-9_/+-]'))",
  );
}
