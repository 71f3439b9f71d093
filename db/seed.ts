import type { Knex } from 'knex';

/** A development seed step: idempotent, returns lines for the start-up banner. */
export type SeedStep = (db: Knex) => Promise<string[]>;

/**
 * The development seed, run by `npm run dev` after migrations. Each step must be safe to run on
 * every start (look before inserting). Staff accounts are seeded here once they exist.
 */
export const developmentSeed: SeedStep[] = [];

/** Runs every seed step in order and collects their banner lines. */
export async function runSeed(db: Knex, steps: SeedStep[] = developmentSeed): Promise<string[]> {
  const lines: string[] = [];
  for (const step of steps) lines.push(...(await step(db)));
  return lines;
}
