import type { Knex } from 'knex';
import type { RunningSandbox } from '../sandbox/server';

/**
 * An organization as a finished creation leaves it: in the sandbox's WorkOS, and active in the
 * app's database — for tests whose subject is what happens after creation.
 */
export async function seedActiveOrganization(db: Knex, sandbox: RunningSandbox, name: string): Promise<{ id: number; workosId: string }> {
  const workos = sandbox.store.seedOrganization({ name });
  const now = new Date().toISOString();
  const [row] = await db('organizations')
    .insert({ name, workos_id: workos.id, status: 'active', idempotency_key: `seeded-${workos.id}`, created_at: now, updated_at: now })
    .returning('id');
  return { id: (row as { id: number }).id, workosId: workos.id };
}
