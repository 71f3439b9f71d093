import { getEnv, resetEnvCache } from '~/utils/env.server';

/**
 * What a production process needs to start, with values that reach nothing: a test switches to
 * production to see what production refuses. (A WorkOS client this process already made keeps
 * pointing wherever it pointed.)
 */
export const PRODUCTION_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://desk.acme.example',
  SESSION_SECRET: 'a'.repeat(64),
  WORKOS_API_KEY: 'sk_test_production_test_key',
  WORKOS_API_HTTPS: 'true',
  MAIL_FROM: 'Acme Onboarding <onboarding@acme.example>',
};

const saved = new Map<string, string | undefined>();

/** Runs this process in production with `overrides` (the environment read afresh); `restoreEnv` undoes it. */
export function useProductionEnv(overrides: Record<string, string> = {}): void {
  const all = { ...PRODUCTION_ENV, ...overrides };
  for (const key of [...Object.keys(all), 'COMPANY_NAME', 'SUPPORT_EMAIL']) if (!saved.has(key)) saved.set(key, process.env[key]);
  Object.assign(process.env, all);
  resetEnvCache();
  if (!getEnv().isProduction) throw new Error('the environment did not switch to production');
}

/** Puts back every variable `useProductionEnv` changed. */
export function restoreEnv(): void {
  for (const [key, value] of saved) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  saved.clear();
  resetEnvCache();
}
