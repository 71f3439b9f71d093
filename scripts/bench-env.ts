import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { createStaff, type Staff } from '../app/models/staff.server';

/**
 * The environment the benchmarks run the app in: production mode, as deployed (React's production
 * build, production cookies), with nothing reachable outside this machine.
 */
export const BENCH_PRODUCTION_ENV = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PUBLIC_URL: 'https://setup-desk.bench.invalid',
  SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
  WORKOS_API_KEY: 'sk_test_bench_never_called',
  COMPANY_NAME: 'Acme Analytics',
  SUPPORT_EMAIL: 'support@acme.example',
  // A closed local port: these runs never send mail.
  SMTP_URL: 'smtp://127.0.0.1:9',
  MAIL_FROM: 'Acme Onboarding <onboarding@acme.example>',
};

/** `count` support reps (the organizations' CS owners in a benchmark's database); their ids. */
export async function createBenchReps(db: Knex, count: number): Promise<Staff['id'][]> {
  const ids: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const { staff } = await createStaff(
      { email: `rep${index}@bench.example`, name: `Bench Rep ${index}`, role: 'support', password: 'saffron-kettle-meadow-94' },
      { type: 'system', label: 'Benchmark' },
      { db },
    );
    ids.push(staff.id);
  }
  return ids;
}
