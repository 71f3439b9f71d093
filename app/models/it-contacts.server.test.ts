/**
 * Registering the IT admin as a WorkOS IT contact (an organization's opt-in, decision 025): made,
 * found again when it exists, and audited either way — never raised.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import type { RunningSandbox } from '../../sandbox/server';
import { createOrganizationInSandbox, FACTORY_ACTOR } from '../../test/factories';
import { startSandboxInProcess } from '../../test/sandbox';
import { ensureItContact, listItContacts, registerItAdmin } from './it-contacts.server';

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandboxInProcess();
});
afterEach(() => sandbox.faults.clear());
afterAll(() => sandbox.stop());

async function historyOf(organizationId: number) {
  const rows = (await getDb()('audit_events').where({ organization_id: organizationId }).whereLike('action', 'organization.it_contact%').orderBy('id')) as {
    action: string;
    details: string;
  }[];
  return rows.map((row) => ({ action: row.action, details: JSON.parse(row.details) as Record<string, unknown> }));
}

describe('registering the IT admin as an IT contact', () => {
  it('makes the contact once; a second registration finds it (any case) and says it existed', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    expect(await registerItAdmin(organization, 'it@customer.example', FACTORY_ACTOR)).toBe(true);
    expect(await registerItAdmin(organization, 'IT@Customer.example', FACTORY_ACTOR)).toBe(true);
    const contacts = await listItContacts(organization.workosId);
    expect(contacts.map((contact) => contact.email)).toEqual(['it@customer.example']);
    expect(await historyOf(organization.id)).toEqual([
      { action: 'organization.it_contact_registered', details: { email: 'it@customer.example', contactId: contacts[0]!.id, existed: false } },
      { action: 'organization.it_contact_registered', details: { email: 'IT@Customer.example', contactId: contacts[0]!.id, existed: true } },
    ]);
    expect((await ensureItContact(organization.workosId, 'it@customer.example')).existed).toBe(true);
  });

  it('a refusal is audited with its kind and status, and the caller goes on', async () => {
    const organization = await createOrganizationInSandbox(sandbox);
    sandbox.faults.add({ method: 'POST', path: `/organizations/${organization.workosId}/it_contacts`, status: 403 });
    expect(await registerItAdmin(organization, 'it@customer.example', FACTORY_ACTOR)).toBe(false);
    expect(await historyOf(organization.id)).toEqual([
      { action: 'organization.it_contact_register_failed', details: { email: 'it@customer.example', kind: 'forbidden', status: 403 } },
    ]);
  });

  it('an organization not in WorkOS yet registers nobody', async () => {
    expect(await registerItAdmin({ id: 1, workosId: null }, 'it@customer.example', FACTORY_ACTOR)).toBe(false);
  });
});
