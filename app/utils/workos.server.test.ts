import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { resetEnvCache } from './env.server';
import { getWorkOS, resetWorkOS } from './workos.server';

const saved = { ...process.env };
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ apiKeys: ['sk_test_app_client_check'] });
});
afterAll(async () => {
  await sandbox.stop();
  process.env = { ...saved };
  resetEnvCache();
  resetWorkOS();
});

function configure(variables: Record<string, string | undefined>) {
  for (const [key, value] of Object.entries(variables)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetEnvCache();
  resetWorkOS();
}

describe('getWorkOS', () => {
  it('talks to the sandbox when WORKOS_API_HOSTNAME points at it, with the configured key', async () => {
    configure({
      WORKOS_API_KEY: 'sk_test_app_client_check',
      WORKOS_API_HOSTNAME: sandbox.host,
      WORKOS_API_PORT: String(sandbox.port),
      WORKOS_API_HTTPS: 'false',
    });
    const workos = getWorkOS();
    expect(workos.baseURL).toBe(`http://${sandbox.host}:${sandbox.port}`);
    const organization = await workos.organizations.createOrganization({ name: 'Through the app client' });
    expect(sandbox.requests.at(-1)).toMatchObject({ method: 'POST', path: '/organizations', status: 201, authorized: true });
    expect(organization.name).toBe('Through the app client');
  });

  it('allows WorkOS’s hosted portal when the API host is WorkOS’s or a custom API domain; the sandbox’s own origin on loopback; a configured portal origin over both', async () => {
    const { portalOrigins } = await import('./workos.server');
    const { parseEnv } = await import('./env.server');
    const origins = (variables: Record<string, string>) => portalOrigins(parseEnv({ NODE_ENV: 'test', ...variables }));
    expect(origins({})).toEqual(['https://setup.workos.com']);
    expect(origins({ WORKOS_API_HOSTNAME: 'api.workos.com' })).toEqual(['https://setup.workos.com']);
    expect(origins({ WORKOS_API_HOSTNAME: 'auth.customer-api.example' })).toEqual(['https://setup.workos.com']);
    expect(origins({ WORKOS_API_HOSTNAME: '127.0.0.1', WORKOS_API_PORT: '4100', WORKOS_API_HTTPS: 'false' })).toEqual([
      'http://127.0.0.1:4100',
      'http://localhost:4100',
    ]);
    expect(origins({ WORKOS_API_HOSTNAME: 'api.workos.com', WORKOS_PORTAL_ORIGIN: 'https://setup.acme.example/path' })).toEqual(['https://setup.acme.example']);
  });

  it('talks to WorkOS itself over HTTPS when no host is configured', () => {
    configure({ WORKOS_API_KEY: 'sk_test_real_key', WORKOS_API_HOSTNAME: undefined, WORKOS_API_PORT: undefined, WORKOS_API_HTTPS: undefined });
    expect(getWorkOS().baseURL).toBe('https://api.workos.com');
  });
});
