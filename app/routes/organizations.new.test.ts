import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import type { RunningSandbox } from '../../sandbox/server';
import { createTestStaff, sessionCookieFor } from '../../test/factories';
import { buildRequest, testContext } from '../../test/requests';
import { action } from './organizations.new';
import { startSandboxInProcess } from '../../test/sandbox';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandboxInProcess();
});
afterAll(async () => {
  await sandbox.stop();
});

async function submit(form: Record<string, string>, cookie: string): Promise<Response | { data: unknown; init: { status: number } | null }> {
  try {
    return (await action({ request: buildRequest('/organizations/new', { method: 'POST', form, cookie }), params: {}, context: testContext })) as never;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

describe('submitting the new-organization form', () => {
  it('20 concurrent submissions of one form create one organization, here and in WorkOS', async () => {
    const rep = await createTestStaff('support');
    const { cookie } = await sessionCookieFor(rep.id);
    const form = { submissionId: crypto.randomUUID(), name: `Burst Co ${Date.now()}`, domains: 'burst.example', externalId: '', csOwnerId: String(rep.id) };
    // WorkOS answers slowly, so that the submissions really overlap.
    sandbox.faults.add({ method: 'POST', path: '/organizations', latencyMs: 200 });
    const responses = await Promise.all(Array.from({ length: 20 }, () => submit(form, cookie)));
    const locations = new Set(responses.map((response) => (response instanceof Response ? response.headers.get('Location') : 'no redirect')));
    const rows = await getDb()('organizations').where({ name: form.name });
    expect(rows).toHaveLength(1);
    expect(locations).toEqual(new Set([`/organizations/${rows[0].id}`]));
    expect(sandbox.store.state.organizations.filter((organization) => organization.name === form.name)).toHaveLength(1);
    expect(rows[0].status).toBe('active');
  });

  it('a refused external id comes back on its field with a fresh submission id, and nothing is left behind', async () => {
    const rep = await createTestStaff('support');
    const { cookie } = await sessionCookieFor(rep.id);
    const externalId = `taken-${Date.now()}`;
    sandbox.store.seedOrganization({ name: 'Holder', externalId });
    const form = { submissionId: crypto.randomUUID(), name: `Refused Co ${Date.now()}`, domains: '', externalId, csOwnerId: String(rep.id) };
    const result = (await submit(form, cookie)) as { data: { fieldErrors: Record<string, string[]>; submissionId: string }; init: { status: number } };
    expect(result.init.status).toBe(400);
    expect(result.data.fieldErrors.externalId?.[0]).toMatch(/already uses the external id/);
    expect(result.data.submissionId).not.toBe(form.submissionId);
    expect(await getDb()('organizations').where({ name: form.name })).toHaveLength(0);
  });

  it('names each invalid field', async () => {
    const rep = await createTestStaff('support');
    const { cookie } = await sessionCookieFor(rep.id);
    const result = (await submit(
      { submissionId: crypto.randomUUID(), name: ' ', domains: 'https://acme.com/login', externalId: 'ü', csOwnerId: String(rep.id) },
      cookie,
    )) as {
      data: { fieldErrors: Record<string, string[]> };
    };
    expect(result.data.fieldErrors).toEqual({
      name: ['Enter the organization’s name.'],
      domains: ['"https://acme.com/login" is not a bare domain: type only the host name, like acme.com.'],
      externalId: ['Use plain ASCII letters, digits and punctuation only.'],
    });
  });
});
