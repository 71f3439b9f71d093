import { WorkOS } from '@workos-inc/node';
import { getEnv, type Env } from './env.server';
import { forgetSingleton, singleton } from './singleton.server';

/** The SDK gives up on a request after this long (its default, 60 s, is longer than a person waits). */
const WORKOS_TIMEOUT_MS = 15_000;

/**
 * The WorkOS client. Without WORKOS_API_HOSTNAME it talks to WorkOS itself; with it (as
 * `npm run dev` and the tests set it) to that host — the local WorkOS sandbox.
 */
export function getWorkOS(): WorkOS {
  return singleton('workos', () => createWorkOS(getEnv()));
}

/** A WorkOS client for this environment (the doctor makes its own, with fewer retries). */
export function createWorkOS(env: Env, { maxRetries = 3 }: { maxRetries?: number } = {}): WorkOS {
  return new WorkOS(env.WORKOS_API_KEY, {
    apiHostname: env.WORKOS_API_HOSTNAME,
    port: env.WORKOS_API_PORT,
    https: env.WORKOS_API_HTTPS,
    clientId: env.WORKOS_CLIENT_ID,
    timeout: WORKOS_TIMEOUT_MS,
    maxRetries,
  });
}

/** Forgets the client so that the next `getWorkOS` reads the environment again (tests). */
export function resetWorkOS(): void {
  forgetSingleton('workos');
}

/**
 * Where Admin Portal links point: WorkOS's hosted portal, a custom portal domain
 * (WORKOS_PORTAL_ORIGIN), or the sandbox. The IT admin's setup page must allow it in its CSP
 * `form-action`, because browsers check the redirect that follows a form POST.
 */
export function portalOrigins(env: Env = getEnv()): string[] {
  if (env.WORKOS_PORTAL_ORIGIN) return [new URL(env.WORKOS_PORTAL_ORIGIN).origin];
  if (!env.WORKOS_API_HOSTNAME) return ['https://setup.workos.com'];
  const scheme = env.WORKOS_API_HTTPS ? 'https' : 'http';
  const port = env.WORKOS_API_PORT ? `:${env.WORKOS_API_PORT}` : '';
  const hosts = new Set([env.WORKOS_API_HOSTNAME, ...(['127.0.0.1', 'localhost'].includes(env.WORKOS_API_HOSTNAME) ? ['127.0.0.1', 'localhost'] : [])]);
  return [...hosts].map((host) => `${scheme}://${host}${port}`);
}
