import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { resetEnvCache } from '~/utils/env.server';
import type { RunningSandbox } from '../../sandbox/server';
import { createOrganization, createTestStaff, uniqueSuffix } from '../../test/factories';
import { startSandboxInProcess } from '../../test/sandbox';
import { startSmtpCatcher, type SmtpCatcher } from '../../test/smtp-catcher';
import type { NewCustomerInput } from '~/forms/customer';
import { OrganizationRuleError } from '~/models/organization.server';
import { hashSetupToken } from '~/models/setup-link.server';
import { staffActor } from '~/models/staff.server';
import { createCustomer } from './new-customer.server';
import { restoreEnv, useProductionEnv } from '../../test/env';

let sandbox: RunningSandbox;
let catcher: SmtpCatcher;
let actor: ReturnType<typeof staffActor> & { role: 'support' };
let repId: number;

beforeAll(async () => {
  sandbox = await startSandboxInProcess();
  catcher = await startSmtpCatcher();
  process.env.SMTP_URL = catcher.url;
  resetEnvCache();
  const rep = await createTestStaff('support', { name: 'Nina New' });
  repId = rep.id;
  actor = { ...staffActor(rep), role: 'support' };
});

afterEach(() => {
  catcher.behave({ kind: 'accept' });
  sandbox.faults.clear();
});

afterAll(async () => {
  await catcher.stop();
  await sandbox.stop();
});

function customer(overrides: { name?: string; domains?: string[]; email?: string | null; createAnyway?: number[]; retry?: boolean } = {}): NewCustomerInput {
  const suffix = uniqueSuffix();
  const email = overrides.email === undefined ? `it-${suffix}@customer.example` : overrides.email;
  return {
    organization: {
      submissionId: crypto.randomUUID(),
      name: overrides.name ?? `Initech ${suffix}`,
      domains: overrides.domains ?? [`initech-${suffix}.example`, `initech-eu-${suffix}.example`],
      domainsVerified: false,
      externalId: null,
      csOwnerId: repId,
    },
    link: {
      features: ['sso', 'dsync', 'domain_verification'],
      lifetimeDays: 7,
      ...(email ? { email: { address: email, name: 'Pat Admin', message: 'As agreed.' } } : {}),
    },
    createAnyway: overrides.createAnyway ?? [],
    retry: overrides.retry ?? false,
  };
}

const emailsTo = (address: string) => catcher.emails.filter((email) => email.envelope.to.includes(address));
const linksOf = (organizationId: number) => getDb()('setup_links').where({ organization_id: organizationId });
const workosOrganizationsNamed = (name: string) => sandbox.store.state.organizations.filter((organization) => organization.name === name);

describe('createCustomer: the organization, then its link', () => {
  it('creates the organization in WorkOS and emails its link, once', async () => {
    const input = customer();
    const outcome = await createCustomer(input, actor);
    expect(outcome.kind).toBe('issued');
    if (outcome.kind !== 'issued' || outcome.issued.delivery !== 'email') throw new Error('expected an emailed link');
    expect(outcome.issued.sent).toBe(true);
    const row = await getDb()('organizations').where({ id: outcome.organizationId }).first();
    expect(row.status).toBe('active');
    expect(workosOrganizationsNamed(input.organization.name)).toHaveLength(1);
    const links = await linksOf(outcome.organizationId);
    expect(links.map((link) => [link.status, JSON.parse(link.features)])).toEqual([['active', ['sso', 'dsync', 'domain_verification']]]);
    expect(emailsTo(input.link.email!.address)).toHaveLength(1);
  });

  it('a copied link is returned once; only its hash is stored', async () => {
    const input = customer({ email: null });
    const outcome = await createCustomer(input, actor);
    if (outcome.kind !== 'issued' || outcome.issued.delivery !== 'copy') throw new Error('expected a copied link');
    const token = outcome.issued.url.split('/setup/')[1]!;
    const [link] = await linksOf(outcome.organizationId);
    expect(link.token_hash).toBe(hashSetupToken(token));
    expect(JSON.stringify(link)).not.toContain(token);
  });

  it('the same submission again makes nothing more (one organization, one link, one email)', async () => {
    const input = customer();
    const first = await createCustomer(input, actor);
    const again = await createCustomer(input, actor);
    const retried = await createCustomer({ ...input, retry: true }, actor);
    expect(first.kind).toBe('issued');
    expect(again).toEqual({ kind: 'already_submitted', organizationId: (first as { organizationId: number }).organizationId });
    expect(retried).toEqual(again);
    expect(await getDb()('organizations').where({ name: input.organization.name })).toHaveLength(1);
    expect(await linksOf(again.kind === 'already_submitted' ? again.organizationId : 0)).toHaveLength(1);
    expect(emailsTo(input.link.email!.address)).toHaveLength(1);
  });

  it('a double submit while WorkOS is still answering the first is told so, and the first finishes alone', async () => {
    const input = customer();
    const hold = sandbox.faults.add({ method: 'POST', path: '/organizations', bodyIncludes: input.organization.name, hold: true });
    const first = createCustomer(input, actor);
    // The first has written its pending row and its request is held at WorkOS.
    await sandbox.faults.reached(hold.id);
    expect(await getDb()('organizations').where({ idempotency_key: input.organization.submissionId })).toHaveLength(1);
    const second = await createCustomer(input, actor);
    expect(second.kind).toBe('already_submitted');
    sandbox.faults.release(hold.id);
    expect((await first).kind).toBe('issued');
    expect(workosOrganizationsNamed(input.organization.name)).toHaveLength(1);
    expect(emailsTo(input.link.email!.address)).toHaveLength(1);
  });

  it('WorkOS failing leaves it pending and sends nothing; the retry finishes it and sends once', async () => {
    const input = customer();
    sandbox.faults.add({ method: 'POST', path: '/organizations', bodyIncludes: input.organization.name, status: 503, retryAfter: 0, times: 6 });
    const failed = await createCustomer(input, actor);
    if (failed.kind !== 'pending') throw new Error(`expected pending, got ${failed.kind}`);
    expect(failed.problem.kind).toBe('unavailable');
    expect((await getDb()('organizations').where({ id: failed.organizationId }).first()).status).toBe('pending');
    expect(await linksOf(failed.organizationId)).toHaveLength(0);
    expect(emailsTo(input.link.email!.address)).toHaveLength(0);

    sandbox.faults.clear();
    const retried = await createCustomer({ ...input, retry: true }, actor);
    expect(retried.kind).toBe('issued');
    expect((await getDb()('organizations').where({ id: failed.organizationId }).first()).status).toBe('active');
    expect(await linksOf(failed.organizationId)).toHaveLength(1);
    expect(emailsTo(input.link.email!.address)).toHaveLength(1);
    expect(await createCustomer({ ...input, retry: true }, actor)).toEqual({ kind: 'already_submitted', organizationId: failed.organizationId });
    expect(emailsTo(input.link.email!.address)).toHaveLength(1);
  });

  it('a mail server refusing leaves the organization created and says so; sending again from the same form sends once', async () => {
    const input = customer();
    catcher.behave({ kind: 'reject_recipient', code: 550 });
    const outcome = await createCustomer(input, actor);
    if (outcome.kind !== 'issued' || outcome.issued.delivery !== 'email' || outcome.issued.sent) throw new Error('expected a refused email');
    expect(outcome.issued.failure.reason).toMatch(/\S/);
    expect((await getDb()('organizations').where({ id: outcome.organizationId }).first()).status).toBe('active');
    expect((await linksOf(outcome.organizationId)).map((link) => link.status)).toEqual(['failed']);

    catcher.behave({ kind: 'accept' });
    const again = await createCustomer({ ...input, retry: true }, actor);
    expect(again.kind).toBe('issued');
    expect(workosOrganizationsNamed(input.organization.name)).toHaveLength(1);
    expect((await linksOf(outcome.organizationId)).map((link) => link.status).sort()).toEqual(['active', 'failed']);
    expect(emailsTo(input.link.email!.address)).toHaveLength(1);
  });

  it('WorkOS refusing the data discards it: nothing anywhere', async () => {
    const externalId = `taken-${uniqueSuffix()}`;
    sandbox.store.seedOrganization({ name: 'Holder', externalId });
    const input = customer();
    input.organization.externalId = externalId;
    const outcome = await createCustomer(input, actor);
    expect(outcome.kind).toBe('refused');
    expect(await getDb()('organizations').where({ name: input.organization.name })).toHaveLength(0);
    expect(emailsTo(input.link.email!.address)).toHaveLength(0);
  });

  it('a rule the form broke throws the model’s error before anything is made', async () => {
    const input = customer();
    input.organization.csOwnerId = 999_999;
    await expect(createCustomer(input, actor)).rejects.toBeInstanceOf(OrganizationRuleError);
    expect(await getDb()('organizations').where({ name: input.organization.name })).toHaveLength(0);
  });
});

describe('createCustomer: possible duplicates', () => {
  it('stops at an organization with the same name (any case) or a shared domain, until the rep goes past those very ones', async () => {
    const suffix = uniqueSuffix();
    const byName = await createOrganization({ name: `Umbrella ${suffix}` });
    const byDomain = await createOrganization({ name: `Other ${suffix}`, domains: [`umbrella-${suffix}.example`] });
    const input = customer({ name: `UMBRELLA ${suffix}`, domains: [`umbrella-${suffix}.example`, `new-${suffix}.example`] });

    const stopped = await createCustomer(input, actor);
    if (stopped.kind !== 'duplicates') throw new Error(`expected duplicates, got ${stopped.kind}`);
    expect(stopped.duplicates.map((duplicate) => [duplicate.id, duplicate.sameName, duplicate.sameDomains])).toEqual([
      [byDomain.id, false, [`umbrella-${suffix}.example`]],
      [byName.id, true, []],
    ]);
    expect(await getDb()('organizations').where({ idempotency_key: input.organization.submissionId })).toHaveLength(0);

    // Going past only one of them is not going past both.
    expect((await createCustomer({ ...input, createAnyway: [byName.id] }, actor)).kind).toBe('duplicates');
    const made = await createCustomer({ ...input, createAnyway: [byName.id, byDomain.id] }, actor);
    expect(made.kind).toBe('issued');
  });

  it('a form that says "retry" but made nothing yet is a new submission: its duplicates are still shown', async () => {
    const suffix = uniqueSuffix();
    await createOrganization({ name: `Cyberdyne ${suffix}` });
    const input = customer({ name: `cyberdyne ${suffix}`, retry: true });
    expect((await createCustomer(input, actor)).kind).toBe('duplicates');
    expect(await getDb()('organizations').where({ idempotency_key: input.organization.submissionId })).toHaveLength(0);
  });
});

describe('createCustomer in production, with the placeholder company name', () => {
  // The client this process already made keeps pointing at the sandbox; nothing here reaches WorkOS.
  afterEach(restoreEnv);

  it('refuses an emailed link before anything is made: no organization here or in WorkOS, no email', async () => {
    useProductionEnv({ COMPANY_NAME: 'Setup Desk', SUPPORT_EMAIL: 'support@acme.example' });
    const input = customer();
    const emailsBefore = catcher.emails.length;
    const outcome = await createCustomer(input, actor);
    if (outcome.kind !== 'not_deliverable') throw new Error(`expected not_deliverable, got ${outcome.kind}`);
    expect(outcome.message).toMatch(/^The email was not sent and no link was created: The company name is still "Setup Desk"/);
    expect(await getDb()('organizations').where({ idempotency_key: input.organization.submissionId })).toHaveLength(0);
    expect(workosOrganizationsNamed(input.organization.name)).toHaveLength(0);
    expect(catcher.emails.length).toBe(emailsBefore);
  });
});
