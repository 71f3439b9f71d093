/**
 * The real `@workos-inc/node` SDK drives every sandbox route, and every injected fault surfaces as
 * the SDK's own exception — the same code paths the app will meet against WorkOS.
 */
import {
  ConflictException,
  GenericServerException,
  NotFoundException,
  RateLimitExceededException,
  UnauthorizedException,
  UnprocessableEntityException,
  WorkOS,
} from '@workos-inc/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookReceiver } from '../test/webhook-receiver';
import { startSandbox, type RunningSandbox } from './server';
import { PORTAL_INTENTS } from './store';

let sandbox: RunningSandbox;
let workos: WorkOS;
/** No automatic retries: each fault must surface as its exception. */
let workosNoRetry: WorkOS;

beforeAll(async () => {
  sandbox = await startSandbox();
  workos = new WorkOS(sandbox.apiKey, { ...sandbox.sdkOptions, maxRetries: 3 });
  workosNoRetry = new WorkOS(sandbox.apiKey, { ...sandbox.sdkOptions, maxRetries: 0 });
});
afterAll(async () => {
  await sandbox.stop();
});
beforeEach(() => {
  sandbox.faults.clear();
});

let counter = 0;
const unique = (label: string) => `${label}-${Date.now()}-${counter++}`;

describe('organizations', () => {
  it('create, get, get by external id, update and delete', async () => {
    const externalId = unique('acct');
    const created = await workos.organizations.createOrganization({
      name: 'Acme Corp',
      domainData: [
        { domain: 'acme.example', state: 'pending' as never },
        { domain: 'acme-eu.example', state: 'verified' as never },
      ],
      externalId,
      metadata: { tier: 'enterprise' },
    });
    expect(created).toMatchObject({ object: 'organization', name: 'Acme Corp', externalId, metadata: { tier: 'enterprise' } });
    expect(created.id).toMatch(/^org_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(created.domains.map((domain) => [domain.domain, domain.state])).toEqual([
      ['acme.example', 'pending'],
      ['acme-eu.example', 'verified'],
    ]);
    expect(created.domains[0]!.id).toMatch(/^org_domain_/);

    expect((await workos.organizations.getOrganization(created.id)).name).toBe('Acme Corp');
    expect((await workos.organizations.getOrganizationByExternalId(externalId)).id).toBe(created.id);

    const updated = await workos.organizations.updateOrganization({ organization: created.id, name: 'Acme Corporation' });
    expect(updated.name).toBe('Acme Corporation');
    expect(updated.domains).toHaveLength(2);

    await workos.organizations.deleteOrganization(created.id);
    await expect(workos.organizations.getOrganization(created.id)).rejects.toBeInstanceOf(NotFoundException);
  });

  it('lists with limit, cursors in both directions, order, a domain filter, and auto-pagination', async () => {
    // A sandbox of its own, so that the list holds exactly these organizations.
    const own = await startSandbox();
    const workos = new WorkOS(own.apiKey, { ...own.sdkOptions, maxRetries: 0 });
    const tag = unique('page');
    const ids: string[] = [];
    for (let index = 0; index < 25; index += 1) {
      const organization = await workos.organizations.createOrganization({
        name: `${tag} ${String(index).padStart(2, '0')}`,
        domainData: [{ domain: `${tag}-${index}.example`, state: 'pending' as never }],
      });
      ids.push(organization.id);
    }
    const newestFirst = [...ids].reverse();

    const first = await workos.organizations.listOrganizations({ limit: 10 });
    expect(first.data.map((organization) => organization.id)).toEqual(newestFirst.slice(0, 10));
    expect(first.listMetadata).toEqual({ before: null, after: newestFirst[9] });
    const second = await workos.organizations.listOrganizations({ limit: 10, after: first.listMetadata.after! });
    expect(second.data.map((organization) => organization.id)).toEqual(newestFirst.slice(10, 20));
    expect(second.listMetadata.before).toBe(newestFirst[10]);
    const back = await workos.organizations.listOrganizations({ limit: 10, before: second.listMetadata.before! });
    expect(back.data.map((organization) => organization.id)).toEqual(newestFirst.slice(0, 10));

    const ascending = await workos.organizations.listOrganizations({ limit: 3, order: 'asc' });
    expect(ascending.data.map((organization) => organization.id)).toEqual(ids.slice(0, 3));

    const all = await (await workos.organizations.listOrganizations()).autoPagination();
    expect(all.map((organization) => organization.id)).toEqual(newestFirst);

    const byDomain = await workos.organizations.listOrganizations({ domains: [`${tag}-3.example`, `${tag}-7.example`] });
    expect(byDomain.data.map((organization) => organization.id).sort()).toEqual([ids[3], ids[7]].sort());

    // `search` (name, case-insensitive) is in the API but not in the SDK's option types.
    const searched = await fetch(`${own.url}/organizations?search=${encodeURIComponent(`${tag} 1`.toUpperCase())}`, {
      headers: { Authorization: `Bearer ${own.apiKey}` },
    });
    const names = ((await searched.json()) as { data: { name: string }[] }).data.map((organization) => organization.name);
    expect(names.sort()).toEqual(Array.from({ length: 10 }, (_, index) => `${tag} 1${index}`));
    await own.stop();
  });

  it('refuses a reused external id (400 external_id_already_used) and bad metadata (400 invalid_metadata)', async () => {
    const externalId = unique('dup');
    await workos.organizations.createOrganization({ name: 'First', externalId });
    const reused = await workosNoRetry.organizations.createOrganization({ name: 'Second', externalId }).catch((error: unknown) => error);
    expect(reused).toBeInstanceOf(GenericServerException);
    expect(reused).toMatchObject({ status: 400, rawData: { code: 'external_id_already_used' } });

    const tooLong = await workosNoRetry.organizations
      .createOrganization({ name: 'Meta', metadata: { ['k'.repeat(41)]: 'v' } })
      .catch((error: unknown) => error);
    expect(tooLong).toMatchObject({ status: 400, rawData: { code: 'invalid_metadata' } });
  });

  it('refuses a domain another organization has verified (409) and a missing name (422)', async () => {
    const domain = `${unique('claimed')}.example`;
    await workos.organizations.createOrganization({ name: 'Owner', domainData: [{ domain, state: 'verified' as never }] });
    await expect(
      workosNoRetry.organizations.createOrganization({ name: 'Claimer', domainData: [{ domain, state: 'pending' as never }] }),
    ).rejects.toBeInstanceOf(ConflictException);
    await expect(workosNoRetry.organizations.createOrganization({ name: '' })).rejects.toBeInstanceOf(UnprocessableEntityException);
  });
});

describe('Admin Portal links', () => {
  it.each(PORTAL_INTENTS)('generates a 5-minute link for intent %s that opens the simulated portal', async (intent) => {
    const organization = await workos.organizations.createOrganization({ name: `Portal ${intent}` });
    const { link } = await workos.adminPortal.generateLink({
      organization: organization.id,
      intent: intent as never,
      returnUrl: 'http://localhost:3000/setup/return',
      successUrl: 'http://localhost:3000/setup/done',
    });
    expect(link).toMatch(new RegExp(`^${sandbox.url}/portal/launch\\?token=[A-Za-z0-9_-]{43}$`));
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Portal ${intent}`);
  });

  it('a link expires 5 minutes after it is issued', async () => {
    const organization = await workos.organizations.createOrganization({ name: 'Expiring' });
    const { link } = await workos.adminPortal.generateLink({ organization: organization.id, intent: 'sso' as never });
    sandbox.clock.offsetMs += 5 * 60_000 + 1_000;
    try {
      const page = await fetch(link);
      expect(page.status).toBe(410);
      expect(await page.text()).toContain('This link has expired');
    } finally {
      sandbox.clock.offsetMs -= 5 * 60_000 + 1_000;
    }
  });

  it('refuses an unknown organization (404), an unknown intent and a non-URL return_url (422)', async () => {
    await expect(workosNoRetry.adminPortal.generateLink({ organization: 'org_01NOPE', intent: 'sso' as never })).rejects.toBeInstanceOf(NotFoundException);
    const organization = await workos.organizations.createOrganization({ name: 'Intent check' });
    await expect(workosNoRetry.adminPortal.generateLink({ organization: organization.id, intent: 'payroll' as never })).rejects.toBeInstanceOf(
      UnprocessableEntityException,
    );
    await expect(
      workosNoRetry.adminPortal.generateLink({ organization: organization.id, intent: 'sso' as never, returnUrl: 'not a url' }),
    ).rejects.toBeInstanceOf(UnprocessableEntityException);
  });
});

describe('events and webhooks', () => {
  it('lists events by type and organization, oldest first when asked, and continues after a cursor', async () => {
    const organization = await workos.organizations.createOrganization({ name: 'Evented' });
    await workos.organizations.updateOrganization({ organization: organization.id, name: 'Evented 2' });
    // SDK 12's listEvents sends no `order`: the poller reads the list through the SDK's plain GET.
    const list = async (query: Record<string, string>) =>
      (await workos.get<{ data: { id: string; event: string }[] }>('/events', { query: { organization_id: organization.id, order: 'asc', ...query } })).data;
    const page = await list({ events: 'organization.created,organization.updated' });
    expect(page.data.map((event) => event.event)).toEqual(['organization.created', 'organization.updated']);
    expect(page.data[0]!.id).toMatch(/^event_/);
    const after = await list({ events: 'organization.updated', after: page.data[0]!.id });
    expect(after.data.map((event) => event.id)).toEqual([page.data[1]!.id]);
    const none = await list({ events: 'organization.updated', after: page.data[1]!.id });
    expect(none.data).toEqual([]);
    // Without `order`, as the spec says: newest first, and `after` pages towards older events.
    const spec = await workos.events.listEvents({ events: ['organization.created', 'organization.updated'], organizationId: organization.id });
    expect(spec.data.map((event) => event.event)).toEqual(['organization.updated', 'organization.created']);
  });

  it('signs webhooks so that workos.webhooks.constructEvent verifies the raw body', async () => {
    const secret = 'whsec_sandbox_test_secret';
    const receiver = await startWebhookReceiver();
    const { received } = receiver;
    try {
      sandbox.webhooks.add(receiver.url, secret);
      const organization = await workos.organizations.createOrganization({ name: 'Hooked' });
      await sandbox.webhooks.settle();
      const delivery = received.find((item) => item.body.includes(organization.id));
      expect(delivery?.signature).toMatch(/^t=\d{13}, v1=[0-9a-f]{64}$/);
      const event = await workos.webhooks.constructEvent({ payload: delivery!.body, sigHeader: delivery!.signature, secret });
      expect(event).toMatchObject({ event: 'organization.created', data: { id: organization.id } });
      await expect(
        workos.webhooks.constructEvent({ payload: delivery!.body.replace('Hooked', 'Forged'), sigHeader: delivery!.signature, secret }),
      ).rejects.toThrow();
    } finally {
      sandbox.webhooks.clear();
      await receiver.close();
    }
  });
});

describe('faults surface as the SDK’s exceptions', () => {
  it('401 for a key the sandbox does not know', async () => {
    const stranger = new WorkOS('sk_test_unknown', { ...sandbox.sdkOptions, maxRetries: 0 });
    await expect(stranger.organizations.listOrganizations()).rejects.toBeInstanceOf(UnauthorizedException);
  });

  it.each([
    [404, NotFoundException],
    [409, ConflictException],
    [422, UnprocessableEntityException],
    [403, GenericServerException],
    [500, GenericServerException],
    [503, GenericServerException],
  ])('injected %i', async (status, exception) => {
    sandbox.faults.add({ method: 'GET', path: '/organizations', status });
    const error = await workosNoRetry.organizations.listOrganizations().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(exception);
    expect(error).toMatchObject({ status });
    expect((error as { requestID: string }).requestID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('429 carries retryAfter', async () => {
    sandbox.faults.add({ method: 'GET', path: '/organizations', status: 429, retryAfter: 7 });
    const error = await workosNoRetry.organizations.listOrganizations().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RateLimitExceededException);
    expect(error).toMatchObject({ status: 429, retryAfter: 7 });
  });

  it.each([429, 500, 503])('the SDK retries a transient %i and then succeeds', async (status) => {
    sandbox.faults.add({ method: 'POST', path: '/organizations', status, retryAfter: 0, times: 2 });
    const before = sandbox.requests.length;
    const organization = await workos.organizations.createOrganization({ name: `Retried ${status}` });
    const attempts = sandbox.requests.slice(before).filter((request) => request.path === '/organizations');
    expect(attempts.map((request) => request.status)).toEqual([status, status, 201]);
    // The SDK adds one idempotency key and keeps it across its retries.
    expect(new Set(attempts.map((request) => request.idempotencyKey)).size).toBe(1);
    expect(attempts[0]!.idempotencyKey).toBeTruthy();
    expect((await workos.organizations.getOrganization(organization.id)).name).toBe(`Retried ${status}`);
  });

  it('a dropped connection is retried by the SDK', async () => {
    const newest = await workos.organizations.createOrganization({ name: unique('Newest') });
    sandbox.faults.add({ method: 'GET', path: '/organizations', drop: true });
    const list = await workos.organizations.listOrganizations({ limit: 1 });
    // The retry's answer is the real list (newest first), not an empty stand-in.
    expect(list.data.map((organization) => organization.id)).toEqual([newest.id]);
    expect(sandbox.faults.list()).toEqual([]);
  });

  it('a fault can target only requests whose body contains a text', async () => {
    sandbox.faults.add({ method: 'POST', path: '/organizations', bodyIncludes: 'Target Co', status: 503 });
    await expect(workosNoRetry.organizations.createOrganization({ name: 'Bystander Co' })).resolves.toMatchObject({ name: 'Bystander Co' });
    await expect(workosNoRetry.organizations.createOrganization({ name: 'Target Co' })).rejects.toMatchObject({ status: 503 });
  });

  it('latency is added before the answer', async () => {
    sandbox.faults.add({ method: 'GET', path: '/organizations', latencyMs: 300 });
    const started = performance.now();
    await workos.organizations.listOrganizations({ limit: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('idempotency keys', () => {
  it('the same key replays the same response: one organization', async () => {
    const idempotencyKey = unique('idem');
    const first = await workos.organizations.createOrganization({ name: 'Once' }, { idempotencyKey });
    const second = await workos.organizations.createOrganization({ name: 'Once' }, { idempotencyKey });
    expect(second.id).toBe(first.id);
    expect(sandbox.store.state.organizations.filter((organization) => organization.id === first.id)).toHaveLength(1);
  });

  it('20 concurrent requests with one key create one organization', async () => {
    const idempotencyKey = unique('burst');
    sandbox.faults.add({ method: 'POST', path: '/organizations', latencyMs: 100 });
    const name = unique('Burst');
    const results = await Promise.all(Array.from({ length: 20 }, () => workos.organizations.createOrganization({ name }, { idempotencyKey })));
    expect(new Set(results.map((organization) => organization.id)).size).toBe(1);
    expect(sandbox.store.state.organizations.filter((organization) => organization.name === name)).toHaveLength(1);
  });

  it('a 500 after the organization was created, then a retry with the key, leaves exactly one', async () => {
    const idempotencyKey = unique('lost-answer');
    const name = unique('Lost answer');
    sandbox.faults.add({ method: 'POST', path: '/organizations', status: 500, phase: 'after' });
    await expect(workosNoRetry.organizations.createOrganization({ name }, { idempotencyKey })).rejects.toMatchObject({ status: 500 });
    expect(sandbox.store.state.organizations.filter((organization) => organization.name === name)).toHaveLength(1);
    const retried = await workosNoRetry.organizations.createOrganization({ name }, { idempotencyKey });
    expect(sandbox.store.state.organizations.filter((organization) => organization.name === name).map((organization) => organization.id)).toEqual([retried.id]);
  });

  it('a key reused with a different body is refused', async () => {
    const idempotencyKey = unique('mismatch');
    await workos.organizations.createOrganization({ name: 'Body A' }, { idempotencyKey });
    await expect(workosNoRetry.organizations.createOrganization({ name: 'Body B' }, { idempotencyKey })).rejects.toBeInstanceOf(UnprocessableEntityException);
  });
});
