/**
 * The setup link's promises under real timing, over HTTP against the production build, with the
 * WorkOS sandbox answering slowly and a real SMTP server that refuses or hangs:
 * - a launch whose WorkOS answer arrives after a revoke, a completion or the expiry never gets
 *   its 303 into the Admin Portal;
 * - a resend that cannot be delivered (refused, or hanging after the message) leaves the IT
 *   admin's link working throughout, and twenty resends at once send one email with exactly one
 *   link active at every moment.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '~/utils/db.server';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { startBuiltServer, workosSandboxEnv, type RunningServer } from '../test/built-server';
import { createOrganizationInSandbox, issueSetupLink, signedInStaff } from '../test/factories';
import { startSmtpCatcher, type SmtpCatcher } from '../test/smtp-catcher';

let sandbox: RunningSandbox;
let catcher: SmtpCatcher;
let server: RunningServer;
let db: Knex;
let repCookie: string;
const seenTokens: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  catcher = await startSmtpCatcher();
  server = await startBuiltServer({
    ...workosSandboxEnv(sandbox),
    SMTP_URL: catcher.url,
    SMTP_TIMEOUT_MS: '1500',
    // Twenty launches at once from one address, several times over: the limits are not under test here.
    SETUP_RATE_LIMIT_PER_MINUTE: '1000',
    SETUP_LAUNCHES_PER_LINK: '1000',
  });
  db = openDatabase(server.database);
  repCookie = (await signedInStaff('support', { email: 'rita@staff.example', name: 'Rita Rep', db })).cookie;
});

afterAll(async () => {
  await db.destroy();
  await server.stop();
  await catcher.stop();
  await sandbox.stop();
  const log = [...server.stdout, ...server.stderr].join('\n');
  expect(log).not.toMatch(/sdl_/i);
  for (const token of seenTokens) expect(log).not.toContain(token.slice(4));
});

let counter = 0;
async function organization(): Promise<{ id: number; workosId: string }> {
  counter += 1;
  return createOrganizationInSandbox(sandbox, { name: `Racer ${counter}`, db });
}

async function copyLink(organizationId: number, features: ('sso' | 'dsync')[], now?: Date): Promise<{ token: string; linkId: number }> {
  const { token, link } = await issueSetupLink(organizationId, { features, lifetimeDays: 1, db, now });
  seenTokens.push(token);
  return { token, linkId: link.id };
}

const launch = (token: string, feature = 'sso') =>
  fetch(`${server.url}/setup/${token}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, 'Sec-Fetch-Site': 'same-origin' },
    body: new URLSearchParams({ feature }),
  });

const staffPost = (path: string, fields: [string, string][]) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: repCookie, Origin: server.url, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

/** This organization's next `times` portal links: WorkOS answers each only once the test releases them. */
function heldPortalLinks(workosId: string, times: number) {
  return sandbox.faults.add({ method: 'POST', path: '/portal/generate_link', bodyIncludes: workosId, hold: true, times });
}

/** Resolves when every request the rule was made for has reached the sandbox (and is held there). */
async function allArrived(rule: { id: number }) {
  await expect.poll(() => sandbox.faults.list().some((candidate) => candidate.id === rule.id), { timeout: 10_000, interval: 10 }).toBe(false);
}

async function actionsOf(linkId: number): Promise<{ id: number; action: string }[]> {
  return db('audit_events').where({ setup_link_id: linkId }).orderBy('id').select('id', 'action');
}

describe('a launch in flight while the link ends', () => {
  it('20 launches in flight: the ten WorkOS answers after a revoke never get their 303, the ten before it do', async () => {
    const org = await organization();
    const { token, linkId } = await copyLink(org.id, ['sso', 'dsync']);
    // The first ten to arrive are answered at once; the next ten are held until after the revoke.
    const before = heldPortalLinks(org.workosId, 10);
    const after = heldPortalLinks(org.workosId, 10);
    const answered: number[] = [];
    const launches = Array.from({ length: 20 }, () =>
      launch(token).then((response) => {
        answered.push(response.status);
        return response;
      }),
    );
    await allArrived(before);
    await allArrived(after);
    sandbox.faults.release(before.id);
    // Every early answer is back, every late one still held: now the rep revokes.
    await expect.poll(() => answered.length, { timeout: 10_000, interval: 10 }).toBe(10);
    const revoke = await staffPost(`/organizations/${org.id}`, [
      ['intent', 'revoke_link'],
      ['linkId', String(linkId)],
      ['reason', 'Sent to the wrong person'],
    ]);
    expect(revoke.status).toBe(302);
    sandbox.faults.release(after.id);
    const responses = await Promise.all(launches);
    expect(answered.slice(0, 10)).toEqual(Array(10).fill(303));
    expect(answered.slice(10)).toEqual(Array(10).fill(404));
    for (const response of responses.filter((each) => each.status === 404)) {
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('This setup link is not valid');
    }
    const trail = await actionsOf(linkId);
    const revokedAt = trail.find((event) => event.action === 'setup_link.revoked')!.id;
    expect(trail.filter((event) => event.action === 'setup_link.launched' && event.id > revokedAt)).toEqual([]);
    expect(trail.filter((event) => event.action === 'setup_link.launched')).toHaveLength(10);
    expect(trail.filter((event) => event.action === 'setup_link.launch_discarded' && event.id > revokedAt)).toHaveLength(10);
    expect((await db('setup_link_launches').where({ setup_link_id: linkId }).sum({ n: 'launches' }))[0]).toEqual({ n: 10 });
  });

  it('completion while WorkOS answers: the late launches get the "all set" page, not the portal', async () => {
    const org = await organization();
    const { token, linkId } = await copyLink(org.id, ['sso']);
    const held = heldPortalLinks(org.workosId, 20);
    const launches = Array.from({ length: 20 }, () => launch(token));
    await allArrived(held);
    // WorkOS reports SSO done: the link completes while the portal links are on their way.
    const { recordWorkOSEvent } = await import('~/models/setup-progress.server');
    const outcome = await db.transaction((trx) =>
      recordWorkOSEvent(
        {
          id: `event_race_${linkId}`,
          event: 'connection.activated',
          createdAt: new Date().toISOString(),
          data: { id: `conn_race_${linkId}`, organizationId: org.workosId, type: 'OktaSAML' },
        },
        'webhook',
        { db: trx },
      ),
    );
    expect(outcome.completedLinkId).toBe(linkId);
    sandbox.faults.release(held.id);
    const responses = await Promise.all(launches);
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(409));
    expect(await responses[0]!.text()).toContain('All set — thank you!');
    const trail = await actionsOf(linkId);
    expect(trail.filter((event) => event.action === 'setup_link.launched')).toEqual([]);
    expect(trail.filter((event) => event.action === 'setup_link.launch_discarded')).toHaveLength(20);
  });

  it('expiry while WorkOS answers: launches begun a moment before the end get the neutral page', async () => {
    const org = await organization();
    // A one-day link issued a day ago, less five seconds: it ends while WorkOS is answering.
    const issuedAt = new Date(Date.now() - 86_400_000 + 5_000);
    const { token, linkId } = await copyLink(org.id, ['sso'], issuedAt);
    const expiresAt = issuedAt.getTime() + 86_400_000;
    const held = heldPortalLinks(org.workosId, 20);
    const launches = Array.from({ length: 20 }, () => launch(token));
    // All twenty reached WorkOS, so each began while the link still opened (an ended link never calls it).
    await allArrived(held);
    await expect.poll(() => Date.now() > expiresAt, { timeout: 10_000, interval: 50 }).toBe(true);
    sandbox.faults.release(held.id);
    const responses = await Promise.all(launches);
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(404));
    const trail = await actionsOf(linkId);
    expect(trail.filter((event) => event.action === 'setup_link.launched')).toEqual([]);
    expect(trail.filter((event) => event.action === 'setup_link.launch_discarded')).toHaveLength(20);
    // Nothing recorded the expiry yet (maintenance will, once): the reads wrote nothing.
    expect(await db('setup_links').where({ id: linkId }).first('status')).toEqual({ status: 'active' });
  });
});

describe('replacing an emailed link', () => {
  const EMAIL_FORM: [string, string][] = [
    ['delivery', 'email'],
    ['recipientEmail', 'it-admin@racer.example'],
    ['features', 'sso'],
    ['lifetimeDays', '7'],
  ];

  async function emailedLink(): Promise<{ org: { id: number; workosId: string }; token: string; linkId: number }> {
    const org = await organization();
    const created = await staffPost(`/organizations/${org.id}`, [['intent', 'create_link'], ...EMAIL_FORM]);
    expect(created.status).toBe(302);
    const token = /\/setup\/(sdl_[A-Za-z0-9_-]{43})/.exec(catcher.emails.at(-1)!.mail.text!)![1]!;
    seenTokens.push(token);
    const { id } = await db('setup_links').where({ organization_id: org.id, status: 'active' }).first('id');
    return { org, token, linkId: id as number };
  }

  const resend = (organizationId: number, linkId: number) =>
    staffPost(`/organizations/${organizationId}`, [
      ['intent', 'resend_link'],
      ['linkId', String(linkId)],
      ['resendReason', 'They cannot find the email'],
    ]);

  async function oldLinkStillWorks(token: string) {
    expect((await fetch(`${server.url}/setup/${token}`)).status).toBe(200);
    const launched = await launch(token);
    expect(launched.status).toBe(303);
    expect(launched.headers.get('location')).toMatch(new RegExp(`^${sandbox.url}/portal/launch\\?token=`));
  }

  it('with the mail server refusing, the resend says so and the IT admin’s link keeps opening and launching', async () => {
    const { org, token, linkId } = await emailedLink();
    catcher.behave({ kind: 'reject_message', code: 554 });
    try {
      const response = await resend(org.id, linkId);
      expect(response.status).toBe(502);
      expect((await response.text()).replaceAll('<!-- -->', '')).toContain(
        'The earlier link still works — nothing changed for the IT admin (should this email arrive after all, its link will not open).',
      );
    } finally {
      catcher.behave({ kind: 'accept' });
    }
    await oldLinkStillWorks(token);
    expect(await db('setup_links').where({ organization_id: org.id }).orderBy('id').pluck('status')).toEqual(['active', 'failed']);
  });

  it('recreating by email (other features) with the mail server refusing: the IT admin’s link keeps working too', async () => {
    const { org, token, linkId } = await emailedLink();
    catcher.behave({ kind: 'reject_recipient', code: 451 });
    try {
      const response = await staffPost(`/organizations/${org.id}`, [
        ['intent', 'recreate_link'],
        ['linkId', String(linkId)],
        ['recreateReason', 'Add Directory Sync'],
        ...EMAIL_FORM,
        ['features', 'dsync'],
      ]);
      expect(response.status).toBe(502);
      expect((await response.text()).replaceAll('<!-- -->', '')).toContain('The earlier link still works');
    } finally {
      catcher.behave({ kind: 'accept' });
    }
    await oldLinkStillWorks(token);
    expect(await db('setup_links').where({ organization_id: org.id }).orderBy('id').pluck('status')).toEqual(['active', 'failed']);
  });

  it('with the mail server taking the email and never answering, the old link works during the send and after it', async () => {
    const { org, token, linkId } = await emailedLink();
    const emailsBefore = catcher.emails.length;
    catcher.behave({ kind: 'stall_after_data' });
    let pending: Promise<Response>;
    try {
      pending = resend(org.id, linkId);
      // The new email is on the server, unanswered: the resend is in flight.
      await expect.poll(() => catcher.emails.length, { timeout: 5_000, interval: 10 }).toBe(emailsBefore + 1);
      seenTokens.push(/\/setup\/(sdl_[A-Za-z0-9_-]{43})/.exec(catcher.emails.at(-1)!.mail.text!)![1]!);
      expect(await db('setup_links').where({ organization_id: org.id }).orderBy('id').pluck('status')).toEqual(['active', 'sending']);
      await oldLinkStillWorks(token);
      expect((await pending).status).toBe(502);
    } finally {
      catcher.behave({ kind: 'accept' });
    }
    await oldLinkStillWorks(token);
    expect(await db('setup_links').where({ organization_id: org.id }).orderBy('id').pluck('status')).toEqual(['active', 'failed']);
  });

  it('twenty resends at once: one email goes out, and exactly one link is active at every moment', async () => {
    const { org, token, linkId } = await emailedLink();
    const emailsBefore = catcher.emails.length;
    let done = false;
    const samples: number[] = [];
    const sampler = (async () => {
      while (!done) {
        const [{ n }] = (await db('setup_links').where({ organization_id: org.id, status: 'active' }).count({ n: '*' })) as [{ n: number }];
        samples.push(n);
      }
    })();
    const responses = await Promise.all(Array.from({ length: 20 }, () => resend(org.id, linkId)));
    done = true;
    await sampler;
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 302)).toHaveLength(1);
    expect(statuses.filter((status) => status === 400)).toHaveLength(19);
    expect(catcher.emails).toHaveLength(emailsBefore + 1);
    seenTokens.push(/\/setup\/(sdl_[A-Za-z0-9_-]{43})/.exec(catcher.emails.at(-1)!.mail.text!)![1]!);
    expect(samples.length).toBeGreaterThan(5);
    expect(new Set(samples)).toEqual(new Set([1]));
    // The old link was replaced; the new one opens.
    expect((await fetch(`${server.url}/setup/${token}`)).status).toBe(404);
    expect(await db('setup_links').where({ organization_id: org.id }).orderBy('id').pluck('status')).toEqual(['revoked', 'active']);
  });
});
