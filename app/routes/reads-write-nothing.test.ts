/**
 * Reads never write (decision 014): the GET loader of every route module (found on disk, as the
 * authorization matrix finds them) leaves the audit trail and every setup link as they were —
 * the IT admin's page only counts its view. A link past its expiry reads as expired on every
 * page before anything records it; the maintenance loop then records it once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { flushSetupLinkViews, settleLapsedLinks, UNCONFIRMED_EMAIL_GRACE_MS } from '~/models/setup-link.server';
import { getDb } from '~/utils/db.server';
import type { RunningSandbox } from '../../sandbox/server';
import { createOrganizationInSandbox, createTestStaff, insertLinkLeftSending, issueSetupLink, sessionCookieFor } from '../../test/factories';
import { buildRequest, testContext } from '../../test/requests';
import { startSandboxInProcess } from '../../test/sandbox';

interface RouteModule {
  loader?: (args: unknown) => Promise<unknown>;
}

const ROUTES_DIR = path.resolve('app/routes');
let sandbox: RunningSandbox;
let adminCookie: string;
const actor = { type: 'system' as const, label: 'Test' };
let organizationId = 0;
let lapsedOrganizationId = 0;
let lapsedLinkId = 0;
const tokens: Record<'active' | 'lapsed', string> = { active: '', lapsed: '' };

async function organization(name: string): Promise<number> {
  return (await createOrganizationInSandbox(sandbox, { name })).id;
}

beforeAll(async () => {
  sandbox = await startSandboxInProcess();
  adminCookie = (await sessionCookieFor((await createTestStaff('admin')).id)).cookie;
  organizationId = await organization('Readers Co');
  tokens.active = (await issueSetupLink(organizationId, { features: ['sso', 'audit_logs'], lifetimeDays: 7, actor })).token;
  // A link that ran out a minute ago, and an email whose send never came back: nothing has recorded either.
  lapsedOrganizationId = await organization('Lapsed Co');
  const lapsed = await issueSetupLink(lapsedOrganizationId, { features: ['sso'], lifetimeDays: 1, actor, now: new Date(Date.now() - 86_400_000 - 60_000) });
  tokens.lapsed = lapsed.token;
  lapsedLinkId = lapsed.link.id;
  const stuck = await organization('Stuck Co');
  await insertLinkLeftSending(stuck, {
    createdAt: new Date(Date.now() - UNCONFIRMED_EMAIL_GRACE_MS - 60_000),
    recipient: 'it@stuck.example',
    lifetimeDays: 1,
    tokenHash: 'c'.repeat(64),
  });
});

afterAll(async () => {
  await sandbox.stop();
});

/** Everything a read could change: the trail, and each link apart from the view counters. */
async function snapshot() {
  const events = ((await getDb()('audit_events').count({ n: '*' })) as [{ n: number }])[0].n;
  const links = await getDb()('setup_links').orderBy('id').select('id', 'status', 'revoked_at', 'completed_at', 'email_sent_at', 'expires_at');
  const launches = await getDb()('setup_link_launches').orderBy(['setup_link_id', 'feature']).select('*');
  const notices = ((await getDb()('owner_notices').count({ n: '*' })) as [{ n: number }])[0].n;
  return { events, links, launches, notices };
}

function targetsOf(file: string): string[] {
  const name = file.replace(/\/route\.tsx?$|\.(ts|tsx)$/, '');
  const segments = name.split('.').filter((segment) => segment !== '_index');
  const build = (values: Record<string, string>) => `/${segments.map((segment) => (segment.startsWith('$') ? values[segment] : segment)).join('/')}`;
  if (name === 'setup.$token') return [`/setup/${tokens.active}`, `/setup/${tokens.lapsed}`, '/setup/sdl_unknown'];
  if (name === '$') return ['/no/such/page'];
  const paths = [build({ $organizationId: String(organizationId), $staffId: '1' })];
  if (name === 'organizations.$organizationId') paths.push(build({ $organizationId: String(lapsedOrganizationId) }), `${paths[0]}?history=bad`);
  if (name === 'organizations._index') paths.push('/organizations?link=expired', '/organizations?setup=waiting', '/organizations?q=Lapsed');
  return paths;
}

// Flat routes: each file in app/routes, and each folder's route.tsx (the folder's other files are not routes).
const routeFiles = fs.readdirSync(ROUTES_DIR, { withFileTypes: true }).flatMap((entry) => {
  if (entry.isDirectory())
    return ['route.tsx', 'route.ts'].filter((file) => fs.existsSync(path.join(ROUTES_DIR, entry.name, file))).map((file) => `${entry.name}/${file}`);
  return /\.(ts|tsx)$/.test(entry.name) && !entry.name.includes('.test.') ? [entry.name] : [];
});

describe('reads write nothing', () => {
  it('finds the route modules', () => {
    expect(routeFiles.length).toBeGreaterThan(10);
  });

  for (const file of routeFiles) {
    it(`GET ${file} as an admin writes no audit event and changes no link`, async () => {
      const module = (await import(/* @vite-ignore */ path.join(ROUTES_DIR, file))) as RouteModule;
      if (!module.loader) return;
      for (const target of targetsOf(file)) {
        const before = await snapshot();
        const [urlPath, query = ''] = target.split('?');
        const params = Object.fromEntries(
          Object.entries({
            organizationId: urlPath!.split('/')[2],
            staffId: urlPath!.split('/')[2],
            token: urlPath!.split('/')[2],
            '*': 'no/such/page',
          }).filter(([, value]) => value !== undefined),
        );
        const request = buildRequest(`${urlPath}${query ? `?${query}` : ''}`, { cookie: adminCookie });
        try {
          const answer = await module.loader({ request, params, context: testContext });
          // A streamed answer is read to its end, as a browser would.
          if (answer instanceof Response && answer.body) await answer.text();
        } catch (thrown) {
          if (!(thrown instanceof Response)) throw thrown;
        }
        const after = await snapshot();
        expect(after.events, `${target} wrote to the audit trail`).toBe(before.events);
        expect(after.links, `${target} changed a setup link`).toEqual(before.links);
        expect(after.launches, `${target} changed launches`).toEqual(before.launches);
        expect(after.notices, `${target} queued an owner notice`).toBe(before.notices);
      }
    });
  }

  it('the IT admin’s page counts its view, and only that', async () => {
    const module = (await import('./setup.$token')) as RouteModule;
    // The views the loop above counted (it opens this page too) are written first.
    await flushSetupLinkViews();
    const before = await getDb()('setup_links').where({ organization_id: organizationId }).first('view_count', 'first_viewed_at');
    await module.loader!({ request: buildRequest(`/setup/${tokens.active}`), params: { token: tokens.active }, context: testContext });
    // Counted in memory, written with the second's other views (decision 023).
    expect(await flushSetupLinkViews()).toBe(1);
    const after = await getDb()('setup_links').where({ organization_id: organizationId }).first('view_count', 'first_viewed_at');
    expect(after.view_count).toBe(before.view_count + 1);
    expect(after.first_viewed_at).not.toBeNull();
  });
});

describe('a link past its expiry', () => {
  it('reads as expired on every page before maintenance runs; maintenance then records it once', async () => {
    const organizationPage = (await import('./organizations.$organizationId/route')) as RouteModule;
    const page = (await organizationPage.loader!({
      request: buildRequest(`/organizations/${lapsedOrganizationId}`, { cookie: adminCookie }),
      params: { organizationId: String(lapsedOrganizationId) },
      context: testContext,
    })) as { activeLink: unknown; progress: { link: { status: string } | null } };
    expect(page.activeLink).toBeNull();
    expect(page.progress.link?.status).toBe('expired');

    const list = (await import('./organizations._index')) as RouteModule;
    const listed = (await list.loader!({
      request: buildRequest('/organizations?link=expired', { cookie: adminCookie }),
      params: {},
      context: testContext,
    })) as {
      page: { items: { id: number; linkState: string; setupState: string }[] };
    };
    expect(listed.page.items.find((item) => item.id === lapsedOrganizationId)).toMatchObject({ linkState: 'expired', setupState: 'stopped' });
    const active = (await list.loader!({
      request: buildRequest('/organizations?link=active', { cookie: adminCookie }),
      params: {},
      context: testContext,
    })) as typeof listed;
    expect(active.page.items.map((item) => item.id)).not.toContain(lapsedOrganizationId);

    const { findRedeemableLink } = await import('~/models/setup-link.server');
    expect(await findRedeemableLink(tokens.lapsed)).toBeNull();
    expect(await getDb()('setup_links').where({ id: lapsedLinkId }).first('status')).toEqual({ status: 'active' });

    // Two maintenance runs at once, then a third: one expiry event, one owner notice at most.
    await Promise.all([getDb().transaction((trx) => settleLapsedLinks({}, { db: trx })), getDb().transaction((trx) => settleLapsedLinks({}, { db: trx }))]);
    await getDb().transaction((trx) => settleLapsedLinks({}, { db: trx }));
    expect(await getDb()('setup_links').where({ id: lapsedLinkId }).first('status')).toEqual({ status: 'expired' });
    expect(await getDb()('audit_events').where({ setup_link_id: lapsedLinkId, action: 'setup_link.expired' })).toHaveLength(1);
  });
});
