/**
 * The IT admin's page, over HTTP against the production build, with the WorkOS sandbox behind it:
 * headers, the launch's 303 to WorkOS, neutral answers, rate limits, and no token in any log.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendSetupLink, revokeSetupLink } from '~/models/setup-link.server';
import { formatDateTime } from '~/utils/format';
import { openDatabase } from '~/utils/db.server';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { startBuiltServer, workosSandboxEnv, type RunningServer } from '../test/built-server';
import { createOrganizationInSandbox, issueSetupLink, signedInStaff } from '../test/factories';
import { pointWorkOSAt } from '../test/sandbox';

let sandbox: RunningSandbox;
let server: RunningServer;
let db: Knex;
const actor = { type: 'system' as const, label: 'Test' };
const issuedTokens: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await startBuiltServer({
    ...workosSandboxEnv(sandbox),
    SUPPORT_EMAIL: 'help@vendor.example',
    COMPANY_NAME: 'Vendor Inc',
  });
  // The test arranges data in the server's own database file, through the app's models.
  db = openDatabase(server.database);
});
afterAll(async () => {
  await db.destroy();
  await server.stop();
  await sandbox.stop();
  // Nothing the server printed holds a token, or its body without the prefix.
  const log = [...server.stdout, ...server.stderr].join('\n');
  expect(log).not.toMatch(/sdl_/i);
  for (const token of issuedTokens) expect(log).not.toContain(token.slice(4));
});

let counter = 0;
async function organizationWithLink(features: ('sso' | 'dsync' | 'domain_verification')[] = ['sso', 'dsync']) {
  counter += 1;
  const { id: organizationId, workosId } = await createOrganizationInSandbox(sandbox, { name: `Customer ${counter}`, db });
  const { token, link } = await issueSetupLink(organizationId, { features, actor, db });
  issuedTokens.push(token);
  return { organizationId, workosId, token, linkId: link.id };
}

const launch = (token: string, feature: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/setup/${token}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, ...headers },
    body: new URLSearchParams({ feature }),
  });

/** The page minus what differs on every response (nonces, build hashes). */
const normalize = (html: string) => html.replace(/nonce="[^"]+"/g, 'nonce=""').replace(/"nonce":"[^"]+"/g, '');

describe('the IT admin’s setup page', () => {
  it('shows the organization and its features, with no-store, no-referrer, noindex and frame-ancestors none', async () => {
    const { token } = await organizationWithLink();
    const response = await fetch(`${server.url}/setup/${token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-robots-tag')).toBe('noindex, nofollow');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(new RegExp(`form-action 'self' [^;]*http://localhost:${sandbox.port}`));
    const html = (await response.text()).replace(/<!-- -->/g, '');
    expect(html).toContain(`Set up Customer ${counter}`);
    expect(html).toContain('Single Sign-On');
    expect(html).toContain('Directory Sync');
    expect(html).not.toContain('Domain Verification');
    expect(html).toContain('help@vendor.example');
    expect(response.headers.get('set-cookie')).toMatch(/^sd_setup=.*Path=\/setup; .*HttpOnly; SameSite=Lax/);
  });

  it('an extended link: the same link shows its new expiry, and still opens past the old one', async () => {
    const { organizationId, token, linkId } = await organizationWithLink();
    const before = (await (await fetch(`${server.url}/setup/${token}`)).text()).replace(/<!-- -->/g, '');
    const extended = await extendSetupLink(linkId, { days: 10, reason: 'IT admin away', organizationId, maxDays: 30 }, actor, { db });
    const after = (await (await fetch(`${server.url}/setup/${token}`)).text()).replace(/<!-- -->/g, '');
    const shown = (html: string) => /expires on <time[^>]*>([^<]+)<\/time>/.exec(html)?.[1];
    expect(shown(before)).toBe(formatDateTime(new Date(new Date(extended.expiresAt).getTime() - 10 * 86_400_000).toISOString(), 'UTC'));
    expect(shown(after)).toBe(formatDateTime(extended.expiresAt, 'UTC'));
  });

  it('staff pages keep form-action to themselves', async () => {
    const login = await fetch(`${server.url}/login`);
    expect(login.headers.get('content-security-policy')).toContain("form-action 'self' 'self'");
  });

  it('launching a feature answers 303 to a fresh WorkOS portal link, with token-free return URLs', async () => {
    const { token, workosId, linkId } = await organizationWithLink();
    const response = await launch(token, 'sso');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(new RegExp(`^${sandbox.url}/portal/launch\\?token=[A-Za-z0-9_-]{43}$`));
    const request = sandbox.requests.filter((entry) => entry.path === '/portal/generate_link').at(-1)!;
    expect(request.body).toEqual({
      organization: workosId,
      intent: 'sso',
      return_url: `${server.url}/setup/return`,
      success_url: `${server.url}/setup/return?done=sso`,
      // Which setup link it was made for (never the token), so that ending that link can end it.
      external_user_id: `setup_link_${linkId}`,
    });
  });

  it('revoking the setup link ends the Admin Portal session the IT admin has open (revokeLink)', async () => {
    const { token, linkId } = await organizationWithLink();
    const portal = (await launch(token, 'sso')).headers.get('location')!;
    expect((await fetch(portal)).status).toBe(200); // the IT admin is in the portal
    // The revoke runs here, through the model, against the same WorkOS the server uses.
    pointWorkOSAt(sandbox);
    await revokeSetupLink(linkId, { reason: 'Wrong contact' }, actor, { db });
    const revoke = sandbox.requests.filter((entry) => entry.path === '/portal/revoke_link').at(-1)!;
    expect(revoke).toMatchObject({ status: 204, body: { external_user_id: `setup_link_${linkId}` } });
    const after = await fetch(portal);
    expect(after.status).toBe(410);
    expect(await after.text()).toContain('This link has expired');
  });

  it('"done" brings the admin back to their page through the cookie, not the URL', async () => {
    const { token } = await organizationWithLink();
    const page = await fetch(`${server.url}/setup/${token}`);
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const back = await fetch(`${server.url}/setup/return?done=sso`, { headers: { Cookie: cookie }, redirect: 'manual' });
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe(`/setup/${token}?done=sso`);
    const without = await fetch(`${server.url}/setup/return?done=sso`, { redirect: 'manual' });
    expect(without.status).toBe(200);
    expect(await without.text()).toContain('You can close this window');
  });

  it('refuses a feature the link does not include', async () => {
    const { token } = await organizationWithLink(['sso']);
    expect((await launch(token, 'dsync')).status).toBe(400);
    expect((await launch(token, 'payroll')).status).toBe(400);
  });

  it('unknown, revoked and expired links get the same neutral page and status', async () => {
    const revoked = await organizationWithLink();
    await revokeSetupLink(revoked.linkId, { reason: 'test' }, actor, { db });
    const expired = await organizationWithLink();
    await db('setup_links')
      .where({ id: expired.linkId })
      .update({ created_at: new Date(Date.now() - 8 * 86_400_000).toISOString(), expires_at: new Date(Date.now() - 1000).toISOString() });
    const unknown = `sdl_${'Q'.repeat(43)}`;

    const pages = await Promise.all([unknown, revoked.token, expired.token, 'garbage'].map((token) => fetch(`${server.url}/setup/${token}`)));
    const bodies = await Promise.all(pages.map(async (page) => normalize(await page.text())));
    expect(pages.map((page) => page.status)).toEqual([404, 404, 404, 404]);
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toContain('This setup link is not valid');
    expect(bodies[0]).toContain('help@vendor.example');
    expect(pages.every((page) => page.headers.get('set-cookie') === null)).toBe(true);
    // Launching is refused the same way, and WorkOS is not asked.
    const before = sandbox.requests.length;
    const launched = await launch(revoked.token, 'sso');
    expect(launched.status).toBe(404);
    expect(sandbox.requests.length).toBe(before);
  });

  it('a WorkOS failure shows a calm message and is audited for staff', async () => {
    const { token, linkId } = await organizationWithLink();
    sandbox.faults.add({ method: 'POST', path: '/portal/generate_link', status: 503, retryAfter: 0, times: 4 });
    const response = await launch(token, 'sso');
    expect(response.status).toBe(503);
    const html = await response.text();
    expect(html).toContain('The setup could not be opened just now');
    expect(html).not.toMatch(/\n\s+at /);
    const failed = await db('audit_events').where({ setup_link_id: linkId, action: 'setup_link.launch_failed' }).first();
    expect(JSON.parse(failed.details)).toMatchObject({ feature: 'sso', kind: 'unavailable' });
    // Flagged for staff until a launch succeeds.
    const { latestLaunchFailure } = await import('~/models/setup-link.server');
    expect(await latestLaunchFailure(failed.organization_id, { db })).toMatchObject({ feature: 'sso', kind: 'unavailable' });
    expect((await launch(token, 'sso')).status).toBe(303);
    expect(await latestLaunchFailure(failed.organization_id, { db })).toBeNull();
  });

  it('marks each step done or to do from WorkOS’s events, and once the link completed says all set and launches nothing', async () => {
    const { token, workosId, linkId } = await organizationWithLink(['sso', 'dsync']);
    const { recordWorkOSEvent } = await import('~/models/setup-progress.server');
    const report = (id: string, event: string, data: Record<string, unknown>) =>
      db.transaction((trx) =>
        recordWorkOSEvent({ id, event, createdAt: new Date().toISOString(), data: { ...data, organizationId: workosId } }, 'webhook', { db: trx }),
      );
    await report(`event_page_${linkId}_1`, 'connection.activated', { id: `conn_page_${linkId}`, type: 'OktaSAML' });
    const halfway = await (await fetch(`${server.url}/setup/${token}`)).text();
    expect(halfway).toContain('1 of 2 done');
    expect(halfway).toMatch(/Review Single Sign-On/);
    expect(halfway).toMatch(/Set up Directory Sync/);

    await report(`event_page_${linkId}_2`, 'dsync.activated', { id: `directory_page_${linkId}`, type: 'okta scim v2.0' });
    const done = await fetch(`${server.url}/setup/${token}`);
    expect(done.status).toBe(200);
    const html = await done.text();
    expect(html).toContain('All set — thank you!');
    expect(html).not.toMatch(/<button/);

    const portalCallsBefore = sandbox.requests.filter((request) => request.path === '/portal/generate_link').length;
    const refused = await launch(token, 'dsync');
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('All set — thank you!');
    expect(sandbox.requests.filter((request) => request.path === '/portal/generate_link')).toHaveLength(portalCallsBefore);
  });

  it('ships no script in any of its answers: the page, the neutral page, a launch failure, all set, a refusal, the way back', async () => {
    const { token, workosId, linkId } = await organizationWithLink(['sso']);
    const answers: [string, Response][] = [];
    answers.push(['valid page', await fetch(`${server.url}/setup/${token}`)]);
    answers.push(['neutral page', await fetch(`${server.url}/setup/sdl_${'Z'.repeat(43)}`)]);
    answers.push(['refused feature', await launch(token, 'payroll')]);
    sandbox.faults.add({ method: 'POST', path: '/portal/generate_link', status: 503, retryAfter: 0, times: 4 });
    answers.push(['launch failure', await launch(token, 'sso')]);
    answers.push(['way back without a cookie', await fetch(`${server.url}/setup/return`)]);
    const { recordWorkOSEvent } = await import('~/models/setup-progress.server');
    await db.transaction((trx) =>
      recordWorkOSEvent(
        {
          id: `event_noscript_${linkId}`,
          event: 'connection.activated',
          createdAt: new Date().toISOString(),
          data: { id: `conn_noscript_${linkId}`, type: 'OktaSAML', organizationId: workosId },
        },
        'webhook',
        { db: trx },
      ),
    );
    answers.push(['all set', await fetch(`${server.url}/setup/${token}`)]);
    answers.push(['launch after all set', await launch(token, 'sso')]);

    expect(answers.map(([label, response]) => `${label}: ${response.status}`)).toEqual([
      'valid page: 200',
      'neutral page: 404',
      'refused feature: 400',
      'launch failure: 503',
      'way back without a cookie: 200',
      'all set: 200',
      'launch after all set: 409',
    ]);
    for (const [label, response] of answers) {
      const html = await response.text();
      expect(html, label).toMatch(/<html/);
      // No script element (inline or not), no module preload, no reference to a built script.
      expect(html, label).not.toMatch(/<script|modulepreload|\.js["']/i);
    }
    // A staff page keeps its scripts.
    expect(await (await fetch(`${server.url}/login`)).text()).toMatch(/<script/);
  });

  it('a cross-site launch is refused before it reaches WorkOS', async () => {
    const { token } = await organizationWithLink();
    const before = sandbox.requests.length;
    const response = await launch(token, 'sso', { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' });
    expect(response.status).toBe(403);
    expect(sandbox.requests.length).toBe(before);
  });
});

describe('creating links over HTTP', () => {
  it('50 parallel create requests for one organization: exactly one active link and 49 clear refusals', async () => {
    const { cookie } = await signedInStaff('support', { name: 'Burst Rep', db });
    const { id: organizationId } = await createOrganizationInSandbox(sandbox, { name: 'Burst Co', db });

    const body = new URLSearchParams([
      ['intent', 'create_link'],
      ['delivery', 'copy'],
      ['features', 'sso'],
      ['lifetimeDays', '7'],
    ]).toString();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(`${server.url}/organizations/${organizationId}.data`, {
          method: 'POST',
          headers: { Cookie: cookie, Origin: server.url, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' },
          body,
        }).then(async (response) => ({ status: response.status, text: await response.text() })),
      ),
    );
    const issued = responses.filter((response) => /\/setup\/sdl_/.test(response.text));
    const refused = responses.filter((response) => response.text.includes('already has an active link'));
    expect(issued).toHaveLength(1);
    expect(refused).toHaveLength(49);
    for (const token of issued[0]!.text.match(/sdl_[A-Za-z0-9_-]{43}/g) ?? []) issuedTokens.push(token);
    expect(await db('setup_links').where({ organization_id: organizationId, status: 'active' })).toHaveLength(1);
  });
});

describe('rate limits on the setup pages', () => {
  it('per address, and per link for launches, with a friendly "slow down" page', async () => {
    const limited = await startBuiltServer({
      ...workosSandboxEnv(sandbox),
      SETUP_RATE_LIMIT_PER_MINUTE: '5',
      SETUP_LAUNCHES_PER_LINK: '2',
    });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 6; attempt += 1) statuses.push((await fetch(`${limited.url}/setup/sdl_${'R'.repeat(43)}`)).status);
      expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
      const slow = await fetch(`${limited.url}/setup/anything`);
      expect(slow.status).toBe(429);
      expect(await slow.text()).toContain('Please slow down');
      expect(slow.headers.get('retry-after')).toMatch(/^\d+$/);
      // Staff pages are not limited by it.
      expect((await fetch(`${limited.url}/login`)).status).toBe(200);
    } finally {
      await limited.stop();
    }

    const perLink = await startBuiltServer({
      ...workosSandboxEnv(sandbox),
      SETUP_LAUNCHES_PER_LINK: '2',
    });
    try {
      const token = `sdl_${'L'.repeat(43)}`;
      const post = () =>
        fetch(`${perLink.url}/setup/${token}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { Origin: perLink.url, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'feature=sso',
        });
      expect([(await post()).status, (await post()).status, (await post()).status]).toEqual([404, 404, 429]);
      expect((await fetch(`${perLink.url}/setup/${token}`)).status).toBe(404); // viewing is still allowed
    } finally {
      await perLink.stop();
    }
  });
});
