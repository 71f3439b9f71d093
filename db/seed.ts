import type { Knex } from 'knex';
import { createStaff, findStaffRowByEmail } from '../app/models/staff.server';
import { type StaffRole } from '../app/domain/staff';

/** A development seed step: idempotent, returns lines for the start-up banner. */
export type SeedStep = (db: Knex) => Promise<string[]>;

/** The development accounts. Their passwords are public: development databases only. */
export const DEVELOPMENT_STAFF: { email: string; name: string; role: StaffRole; password: string }[] = [
  { email: 'ada@setup-desk.local', name: 'Ada Admin', role: 'admin', password: 'violet-anchor-meadow-41' },
  { email: 'sam@setup-desk.local', name: 'Sam Support', role: 'support', password: 'copper-river-window-52' },
  { email: 'vic@setup-desk.local', name: 'Vic Viewer', role: 'viewer', password: 'quiet-harbor-maple-63' },
];

const seedStaff: SeedStep = async (db) => {
  const lines = ['Sign in with (development accounts):'];
  for (const account of DEVELOPMENT_STAFF) {
    const existing = await findStaffRowByEmail(account.email, { db });
    if (!existing) {
      await createStaff(account, { type: 'system', label: 'Development seed' }, { db });
    }
    const note = existing ? ' (unless changed since)' : '';
    lines.push(`  ${account.role.padEnd(7)} ${account.email} / ${account.password}${note}`);
  }
  return lines;
};

/**
 * The development seed, run by `npm run dev` after migrations. Each step must be safe to run on
 * every start (look before inserting).
 */
export const developmentSeed: SeedStep[] = [seedStaff];

/** Runs every seed step in order and collects their banner lines. */
export async function runSeed(db: Knex, steps: SeedStep[] = developmentSeed): Promise<string[]> {
  const lines: string[] = [];
  for (const step of steps) lines.push(...(await step(db)));
  return lines;
}
