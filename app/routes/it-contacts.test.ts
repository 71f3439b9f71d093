/**
 * The IT contacts WorkOS knows, as the organization page reads them (decision 025): live from the
 * sandbox through the SDK, in words when WorkOS refuses or the organization is not in WorkOS yet.
 */
import { WorkOS } from '@workos-inc/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/server';
import { createOrganization, createOrganizationInSandbox, signedInStaff } from '../../test/factories';
import { buildRequest, testContext } from '../../test/requests';
import { startSandboxInProcess } from '../../test/sandbox';
import { loader, type ItContactsAnswer } from './organizations.$organizationId.it-contacts';

let sandbox: RunningSandbox;
let cookie: string;

beforeAll(async () => {
  sandbox = await startSandboxInProcess();
  ({ cookie } = await signedInStaff('viewer'));
});
afterEach(() => sandbox.faults.clear());
afterAll(() => sandbox.stop());

async function contactsOf(organizationId: number): Promise<{ status: number; answer: ItContactsAnswer; cacheControl: string | null }> {
  const result = (await loader({
    request: buildRequest(`/organizations/${organizationId}/it-contacts`, { cookie }),
    params: { organizationId: String(organizationId) },
    context: testContext,
  })) as unknown as { data: ItContactsAnswer; init: ResponseInit | null };
  const headers = new Headers(result.init?.headers);
  return { status: result.init?.status ?? 200, answer: result.data, cacheControl: headers.get('cache-control') };
}

describe('the IT contacts of an organization', () => {
  it('lists what WorkOS knows, never cached', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    const workos = new WorkOS(sandbox.apiKey, sandbox.sdkOptions);
    await workos.organizations.createItContact({ organizationId: organization.workosId, email: 'it@customer.example' });
    const { status, answer, cacheControl } = await contactsOf(organization.id);
    expect(status).toBe(200);
    expect(cacheControl).toBe('no-store');
    expect(answer.problem).toBeNull();
    expect(answer.contacts).toEqual([{ id: expect.stringMatching(/^it_contact_/), email: 'it@customer.example', createdAt: expect.any(String) }]);
  });

  it('none yet, in WorkOS or here: said in words', async () => {
    const empty = await createOrganizationInSandbox(sandbox);
    expect((await contactsOf(empty.id)).answer).toEqual({ contacts: [], problem: null });
    const pending = await createOrganization({ status: 'pending' });
    expect((await contactsOf(pending.id)).answer).toEqual({ contacts: null, problem: 'The organization is not in WorkOS yet.' });
  });

  it('WorkOS refusing or answering nonsense is a message with a 502, never a 500', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    sandbox.faults.add({ method: 'GET', path: `/organizations/${organization.workosId}/it_contacts`, status: 403 });
    const refused = await contactsOf(organization.id);
    expect(refused.status).toBe(502);
    expect(refused.answer.problem).toMatch(/this API key may not manage IT contacts/);

    sandbox.faults.add({
      method: 'GET',
      path: `/organizations/${organization.workosId}/it_contacts`,
      status: 200,
      body: { object: 'list', data: [{ id: 7 }], list_metadata: {} },
    });
    const nonsense = await contactsOf(organization.id);
    expect(nonsense.status).toBe(502);
    expect(nonsense.answer.problem).toMatch(/something unexpected/);
  });
});
