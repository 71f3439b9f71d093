/**
 * Contract tests: every response the sandbox sends while the real SDK (and a raw client, for the
 * error paths the SDK never provokes) drives each route is validated against WorkOS's official
 * OpenAPI spec. A response that drifts from the spec fails here.
 */
import { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkOSContract } from './contract';
import { startSandbox, type RunningSandbox } from './server';
import { PORTAL_INTENTS } from './store';

let sandbox: RunningSandbox;
let contract: WorkOSContract;

beforeAll(async () => {
  contract = WorkOSContract.fromPackage();
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.stop();
});

async function raw(method: string, path: string, body?: unknown, key = sandbox.apiKey): Promise<Response> {
  return fetch(`${sandbox.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Drives every API route through its success and error answers. */
async function exerciseEveryRoute(): Promise<void> {
  const workos = new WorkOS(sandbox.apiKey, { ...sandbox.sdkOptions, maxRetries: 0 });
  const organization = await workos.organizations.createOrganization({
    name: 'Contract Co',
    domainData: [
      { domain: 'contract.example', state: 'pending' as never },
      { domain: 'contract-verified.example', state: 'verified' as never },
    ],
    externalId: 'contract-1',
    metadata: { plan: 'enterprise' },
  });
  await raw('POST', '/organizations', { name: 'Second Co', domains: ['legacy.example'] }); // the deprecated field
  await workos.organizations.getOrganization(organization.id);
  await workos.organizations.getOrganizationByExternalId('contract-1');
  await workos.organizations.listOrganizations({ limit: 1 });
  await workos.organizations.listOrganizations({ limit: 1, order: 'asc', domains: ['contract.example'] });
  await raw('GET', '/organizations?search=nothing%20matches%20this');
  await workos.organizations.updateOrganization({ organization: organization.id, name: 'Contract Corp', metadata: { plan: 'pro' } });
  for (const intent of PORTAL_INTENTS) {
    await workos.adminPortal.generateLink({ organization: organization.id, intent: intent as never, returnUrl: 'http://localhost:3000/r' });
  }
  await workos.events.listEvents({ events: ['organization.created', 'organization.updated'], limit: 100 });
  await workos.events.listEvents({ events: ['organization.created'], organizationId: organization.id, after: 'event_00000000000000000000000000' });

  // Error answers.
  await raw('POST', '/organizations', { name: 'Dup', external_id: 'contract-1' }); // 400 external_id_already_used
  await raw('POST', '/organizations', { name: 'Meta', metadata: { x: 1 } }); // 400 invalid_metadata
  await raw('POST', '/organizations', { name: 'Claim', domain_data: [{ domain: 'contract-verified.example', state: 'pending' }] }); // 409
  await raw('POST', '/organizations', { domain_data: [] }); // 422
  await raw('GET', '/organizations?limit=500'); // 422
  await raw('GET', '/organizations/org_01UNKNOWN'); // 404
  await raw('GET', '/organizations/external_id/nobody'); // 404
  await raw('PUT', '/organizations/org_01UNKNOWN', { name: 'x' }); // 404
  await raw('PUT', `/organizations/${organization.id}`, { external_id: 'x'.repeat(129) }); // 422
  await raw('POST', '/portal/generate_link', { organization: 'org_01UNKNOWN', intent: 'sso' }); // 404
  await raw('POST', '/portal/generate_link', { organization: organization.id, intent: 'payroll' }); // 422
  await raw('GET', '/events'); // 422 events required
  await raw('GET', '/organizations', undefined, 'sk_test_wrong'); // 401
  sandbox.faults.add({ method: 'GET', path: '/organizations', status: 429, retryAfter: 3 });
  await raw('GET', '/organizations'); // 429
  sandbox.faults.add({ method: 'GET', path: '/events', status: 503 });
  await raw('GET', '/events?events=organization.created'); // 503

  const second = await workos.organizations.createOrganization({ name: 'Doomed Co' });
  await workos.organizations.deleteOrganization(second.id); // 202
  await raw('DELETE', `/organizations/${second.id}`); // 404
}

describe('the sandbox against the WorkOS OpenAPI spec', () => {
  it('every response on every route, success and error, matches the spec', async () => {
    await exerciseEveryRoute();
    const apiRequests = sandbox.requests.filter((request) => !request.path.startsWith('/portal/launch'));
    const results = apiRequests.map((request) =>
      contract.validate({ method: request.method, path: request.path, status: request.status, body: request.responseBody }),
    );
    expect(results.filter((result) => !result.ok)).toEqual([]);

    // The scenario really covered each operation and each class of answer.
    const covered = new Set(results.map((result) => result.operation));
    for (const operation of [
      'POST /organizations → 201',
      'POST /organizations → 400',
      'POST /organizations → 409',
      'POST /organizations → 422',
      'GET /organizations → 200',
      'GET /organizations → 422',
      'GET /organizations → 401',
      'GET /organizations → 429',
      'GET /organizations/{id} → 200',
      'GET /organizations/{id} → 404',
      'GET /organizations/external_id/{external_id} → 200',
      'GET /organizations/external_id/{external_id} → 404',
      'PUT /organizations/{id} → 200',
      'PUT /organizations/{id} → 404',
      'PUT /organizations/{id} → 422',
      'DELETE /organizations/{id} → 202',
      'DELETE /organizations/{id} → 404',
      'POST /portal/generate_link → 201',
      'POST /portal/generate_link → 404',
      'POST /portal/generate_link → 422',
      'GET /events → 200',
      'GET /events → 422',
      'GET /events → 503',
    ]) {
      expect(covered, operation).toContain(operation);
    }
  });

  it('events emitted by the simulated portal match their event schemas', async () => {
    const workos = new WorkOS(sandbox.apiKey, { ...sandbox.sdkOptions, maxRetries: 0 });
    const organization = await workos.organizations.createOrganization({
      name: 'Portal Co',
      domainData: [
        { domain: 'portal-ok.example', state: 'pending' as never },
        { domain: 'portal-bad.example', state: 'pending' as never },
      ],
    });
    /** Opens a portal link for `intent` and submits one of its forms, as a tester would. */
    const complete = async (intent: string, form: Record<string, string>) => {
      const { link } = await workos.adminPortal.generateLink({ organization: organization.id, intent: intent as never });
      expect((await fetch(link)).status).toBe(200);
      const token = new URL(link).searchParams.get('token')!;
      const response = await fetch(`${sandbox.url}/portal/launch/complete?token=${token}`, { method: 'POST', body: new URLSearchParams(form) });
      expect(response.status, `${intent} ${JSON.stringify(form)}`).toBe(200);
    };
    await complete('sso', { step: 'activate_connection', provider: 'OktaSAML' });
    const connection = sandbox.store.state.connections.find((candidate) => candidate.organization_id === organization.id)!;
    await complete('certificate_renewal', { step: 'renew_certificate', connection: connection.id });
    await complete('sso', { step: 'deactivate_connection', connection: connection.id });
    await complete('dsync', { step: 'activate_directory', directory: 'okta scim v2.0' });
    await complete('domain_verification', { step: 'verify_domain', domain: 'portal-ok.example' });
    await complete('domain_verification', { step: 'verify_domain', domain: 'portal-bad.example', outcome: 'fail' });
    await complete('log_streams', { step: 'setting', detail: 'Datadog' });

    const types = [
      'connection.activated',
      'connection.saml_certificate_renewed',
      'connection.deactivated',
      'dsync.activated',
      'organization_domain.verified',
      'organization_domain.verification_failed',
    ];
    const response = await raw('GET', `/events?events=${types.join(',')}&organization_id=${organization.id}&order=asc`);
    const body = (await response.json()) as { data: { event: string }[] };
    expect(body.data.map((event) => event.event)).toEqual(types);
    expect(contract.validate({ method: 'GET', path: '/events', status: response.status, body })).toMatchObject({ ok: true, problems: [] });
  });

  it('a response that drifts from the spec is caught (the check can fail)', () => {
    const organization = sandbox.store.state.organizations[0]!;
    const { external_id: _dropped, ...withoutExternalId } = organization;
    expect(contract.validate({ method: 'GET', path: `/organizations/${organization.id}`, status: 200, body: withoutExternalId }).ok).toBe(false);
    expect(contract.validate({ method: 'GET', path: '/organizations', status: 200, body: { object: 'list', data: [organization] } }).ok).toBe(false);
    expect(contract.validate({ method: 'POST', path: '/organizations', status: 400, body: { code: 'made_up', message: 'x' } }).ok).toBe(false);
    expect(contract.validate({ method: 'GET', path: '/organizations', status: 418, body: { message: 'teapot' } }).ok).toBe(false);
    expect(contract.validate({ method: 'GET', path: '/no/such/route', status: 200, body: {} }).ok).toBe(false);
  });
});
