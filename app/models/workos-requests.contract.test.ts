/**
 * The requests the app itself sends to WorkOS — not only the sandbox's answers — validated against
 * WorkOS's official OpenAPI spec: every operation exists, every query parameter is documented with
 * a valid value, every body matches the request schema. The app's own models make the calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { getWorkOS } from '~/utils/workos.server';
import { WorkOSContract } from '../../sandbox/contract';
import type { RunningSandbox } from '../../sandbox/server';
import { createTestStaff } from '../../test/factories';
import { pollWorkOSEvents } from './event-poller.server';
import { finishOrganizationCreation, startOrganizationCreation, updateOrganizationDetails } from './organization.server';
import { staffActor } from './staff.server';
import { startSandboxInProcess } from '../../test/sandbox';

let sandbox: RunningSandbox;
let contract: WorkOSContract;

beforeAll(async () => {
  contract = WorkOSContract.fromPackage();
  sandbox = await startSandboxInProcess();
});
afterAll(async () => {
  await sandbox.stop();
});

describe('the app’s requests to WorkOS', () => {
  it('every one the app sends validates against the spec (and the check can fail)', async () => {
    const rep = await createTestStaff('admin');
    const actor = { ...staffActor(rep), role: 'admin' as const };
    const started = await startOrganizationCreation(
      {
        submissionId: crypto.randomUUID(),
        name: 'Contracted Co',
        domains: ['contracted.example'],
        domainsVerified: false,
        externalId: 'contract-app-1',
        csOwnerId: rep.id,
      },
      actor,
    );
    expect(await finishOrganizationCreation(started.id, actor)).toMatchObject({ ok: true });
    expect(
      await updateOrganizationDetails(
        started.id,
        { name: 'Contracted Corp', domains: ['contracted.example', 'more.example'], domainsVerified: true, externalId: 'contract-app-2' },
        actor,
      ),
    ).toMatchObject({ ok: true });
    const workosId = (await getDb()('organizations').where({ id: started.id }).first('workos_id')).workos_id as string;
    await getWorkOS().adminPortal.generateLink({
      organization: workosId,
      intent: 'sso' as never,
      returnUrl: 'http://localhost:3000/setup/return',
      successUrl: 'http://localhost:3000/setup/return?done=sso',
    });
    expect(await pollWorkOSEvents()).toMatchObject({ ran: true, ok: true });

    const sent = sandbox.requests.filter((request) => !request.path.startsWith('/__sandbox') && !request.path.startsWith('/portal/launch'));
    expect(sent.map((request) => `${request.method} ${contract.templateFor(request.path)}`)).toEqual(
      expect.arrayContaining(['POST /organizations', 'GET /organizations/{id}', 'PUT /organizations/{id}', 'POST /portal/generate_link', 'GET /events']),
    );
    const problems = sent.flatMap((request) => {
      const result = contract.validateRequest({ method: request.method, path: request.path, query: request.query, body: request.body });
      return result.ok ? [] : [`${result.operation}: ${result.problems.join('; ')}`];
    });
    expect(problems).toEqual([]);

    // A request that drifts from the spec is caught.
    expect(contract.validateRequest({ method: 'GET', path: '/events', query: { events: 'connection.activated', order: 'sideways' } }).ok).toBe(false);
    expect(contract.validateRequest({ method: 'GET', path: '/events', query: { events: 'x', made_up: '1' } }).ok).toBe(false);
    expect(contract.validateRequest({ method: 'POST', path: '/organizations', body: { domain_data: [{ domain: 'a.example', state: 'glowing' }] } }).ok).toBe(
      false,
    );
  });
});
