import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import { resetEnvCache } from '~/utils/env.server';
import type { RunningSandbox } from '../../sandbox/server';
import { createOrganization, createTestStaff, sessionCookieFor, uniqueSuffix } from '../../test/factories';
import { buildRequest, testContext } from '../../test/requests';
import { startSandboxInProcess } from '../../test/sandbox';
import { startSmtpCatcher, type SmtpCatcher } from '../../test/smtp-catcher';
import { action } from './customers.new';
import { loader as duplicatesLoader } from './customers.duplicates';

let sandbox: RunningSandbox;
let catcher: SmtpCatcher;
let cookie: string;
let repId: number;

beforeAll(async () => {
  sandbox = await startSandboxInProcess();
  catcher = await startSmtpCatcher();
  process.env.SMTP_URL = catcher.url;
  resetEnvCache();
  const rep = await createTestStaff('support');
  repId = rep.id;
  cookie = (await sessionCookieFor(rep.id)).cookie;
});
afterAll(async () => {
  await catcher.stop();
  await sandbox.stop();
});

type Answer = {
  data: {
    fieldErrors: Record<string, string[]>;
    formError: string | null;
    submissionId: string;
    values?: { customer: Record<string, string>; link: Record<string, unknown> };
    duplicates?: { id: number }[];
    stage?: { kind: string; organizationId: number };
  };
  init: { status: number } | null;
};

async function submit(form: Record<string, string | string[]>): Promise<Answer | Response> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) for (const each of [value].flat()) body.append(name, each);
  const request = new Request('http://localhost/customers/new', {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
    body,
  });
  try {
    return (await action({ request, params: {}, context: testContext })) as never;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

function form(overrides: Record<string, string | string[]> = {}) {
  const suffix = uniqueSuffix();
  return {
    submissionId: crypto.randomUUID(),
    name: `Vehement ${suffix}`,
    domains: `vehement-${suffix}.example`,
    externalId: '',
    csOwnerId: String(repId),
    features: ['sso', 'dsync'],
    delivery: 'email',
    recipientEmail: `it-${suffix}@vehement.example`,
    recipientName: 'Pat',
    message: 'Hello',
    lifetimeDays: '7',
    intent: 'create',
    ...overrides,
  };
}

describe('the New customer form, without JavaScript', () => {
  it('names every wrong field of both parts at once, keeps what was typed and creates nothing', async () => {
    const typed = form({ name: ' ', domains: 'https://acme.com/login', features: [], recipientEmail: 'not-an-address', lifetimeDays: '999' });
    const answer = (await submit(typed)) as Answer;
    expect(answer.init?.status).toBe(400);
    expect(Object.keys(answer.data.fieldErrors).sort()).toEqual(['domains', 'features', 'lifetimeDays', 'name', 'recipientEmail']);
    expect(answer.data.values?.customer.domains).toBe('https://acme.com/login');
    expect(answer.data.values?.link).toMatchObject({ recipientEmail: 'not-an-address', recipientName: 'Pat', message: 'Hello', lifetimeDays: '999' });
    expect(await getDb()('organizations').where({ idempotency_key: typed.submissionId })).toHaveLength(0);
  });

  it('answers 409 with the possible duplicates and the typed values, then goes on when the rep chose to', async () => {
    const suffix = uniqueSuffix();
    const existing = await createOrganization({ name: `Soylent ${suffix}`, domains: [`soylent-${suffix}.example`] });
    const typed = form({ name: `Soylent Green ${suffix}`, domains: `SOYLENT-${suffix}.example` });
    const answer = (await submit(typed)) as Answer;
    expect(answer.init?.status).toBe(409);
    expect(answer.data.duplicates?.map((duplicate) => duplicate.id)).toEqual([existing.id]);
    expect(answer.data.submissionId).toBe(typed.submissionId);
    expect(answer.data.values?.customer.name).toBe(typed.name);
    expect(await getDb()('organizations').where({ idempotency_key: typed.submissionId })).toHaveLength(0);

    const made = await submit({ ...typed, createAnyway: String(existing.id) });
    expect(made).toBeInstanceOf(Response);
    expect((made as Response).status).toBe(302);
  });

  it('a refused email: the organization is created, the answer says so and keeps the form for sending again', async () => {
    catcher.behave({ kind: 'reject_recipient', code: 550 });
    try {
      const typed = form();
      const answer = (await submit(typed)) as Answer;
      expect(answer.init?.status).toBe(502);
      expect(answer.data.formError).toMatch(new RegExp(`^${typed.name} was created in WorkOS, but the setup email could not be sent: `));
      expect(answer.data.stage?.kind).toBe('created');
      expect(answer.data.submissionId).toBe(typed.submissionId);
      expect(answer.data.values?.link).toMatchObject({ recipientEmail: typed.recipientEmail, features: ['sso', 'dsync'] });
      expect((await getDb()('organizations').where({ id: answer.data.stage!.organizationId }).first()).status).toBe('active');
    } finally {
      catcher.behave({ kind: 'accept' });
    }
  });

  it('the duplicate check while typing answers JSON for a shared domain', async () => {
    const suffix = uniqueSuffix();
    const existing = await createOrganization({ name: `Tyrell ${suffix}`, domains: [`tyrell-${suffix}.example`] });
    const request = buildRequest(`/customers/duplicates?name=Someone&domains=${encodeURIComponent(`x-${suffix}.example tyrell-${suffix}.example`)}`, {
      cookie,
    });
    const answer = (await duplicatesLoader({ request, params: {}, context: testContext })) as { duplicates: { id: number; sameDomains: string[] }[] };
    expect(answer.duplicates).toEqual([expect.objectContaining({ id: existing.id, sameName: false, sameDomains: [`tyrell-${suffix}.example`] })]);
  });
});
