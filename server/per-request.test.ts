/**
 * What one request costs the server beyond its answer, through the real Express app and the
 * production Remix build, in process: one session lookup however many loaders read the signed-in
 * member, a fresh one for a request that writes, and no render timer left behind a finished page.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '~/utils/db.server';
import { getEnv } from '~/utils/env.server';
import { getLogger } from '~/utils/logger.server';
import { createApp } from './app';
import { assertBuildIsCurrent } from '../test/built-server';
import { importServerBuild } from '../test/client-bundle';
import { signedInStaff } from '../test/factories';

let server: Server;
let baseUrl: string;
const sessionReads: string[] = [];

beforeAll(async () => {
  assertBuildIsCurrent();
  const build = await importServerBuild();
  const app = createApp({ env: getEnv(), logger: getLogger(), db: getDb(), getBuild: async () => build, isShuttingDown: () => false });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  getDb().on('query', (query: { sql: string; method?: string }) => {
    if (/from [`"]sessions[`"]/i.test(query.sql) && query.method === 'first') sessionReads.push(query.sql);
  });
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function sessionReadsOf(send: () => Promise<Response>): Promise<{ status: number; reads: number; body: string }> {
  sessionReads.length = 0;
  const response = await send();
  const body = await response.text();
  return { status: response.status, reads: sessionReads.length, body };
}

describe('the signed-in member, once per request', () => {
  it('a page (the root loader and the page’s guard both ask) reads the session once; so does its data request', async () => {
    const { cookie, staff } = await signedInStaff('support');
    const headers = { Cookie: cookie };
    const page = await sessionReadsOf(() => fetch(`${baseUrl}/organizations`, { headers }));
    expect(page.status).toBe(200);
    expect(page.body).toContain(staff.name);
    expect(page.reads).toBe(1);
    // A client-side navigation: root and page loaders in one data request.
    const data = await sessionReadsOf(() => fetch(`${baseUrl}/organizations.data?_routes=root,routes/organizations._index`, { headers }));
    expect(data.status).toBe(200);
    expect(data.reads).toBe(1);
    // Two requests at once with the same cookie do not share: each reads its own.
    sessionReads.length = 0;
    const pair = await Promise.all([fetch(`${baseUrl}/audit`, { headers }), fetch(`${baseUrl}/audit`, { headers })]);
    await Promise.all(pair.map((response) => response.text()));
    expect(sessionReads).toHaveLength(2);
  });

  it('a request that writes reads afresh at each call: its loaders see what its action changed', async () => {
    const { cookie } = await signedInStaff('viewer');
    const headers = { Cookie: cookie, Origin: getEnv().PUBLIC_URL, 'Content-Type': 'application/x-www-form-urlencoded' };
    // Refused (not a zone): the action answers, then the root and page loaders render the page, in
    // this one request — the action reads the session, and the loaders after it share a read of their own.
    const refused = await sessionReadsOf(() =>
      fetch(`${baseUrl}/account`, { method: 'POST', headers, body: new URLSearchParams({ intent: 'timeZone', timeZone: 'Mars/Olympus_Mons' }) }),
    );
    expect(refused.status).toBe(400);
    expect(refused.reads).toBe(2);
    const saved = await fetch(`${baseUrl}/account`, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ intent: 'timeZone', timeZone: 'Asia/Tokyo' }),
      redirect: 'manual',
    });
    expect(saved.status).toBe(302);
    expect(await (await fetch(`${baseUrl}/account`, { headers: { Cookie: cookie } })).text()).toContain('Asia/Tokyo');
  });

  it('a session ended between two requests is ended for the second', async () => {
    const { cookie } = await signedInStaff('viewer');
    expect((await fetch(`${baseUrl}/organizations`, { headers: { Cookie: cookie }, redirect: 'manual' })).status).toBe(200);
    await getDb()('sessions').delete();
    const after = await fetch(`${baseUrl}/organizations`, { headers: { Cookie: cookie }, redirect: 'manual' });
    expect(after.status).toBe(302);
  });
});

describe('the static files', () => {
  it('are looked for on disk only for asset paths: a page never touches the disk for them', async () => {
    const { cookie } = await signedInStaff('viewer');
    const stat = vi.spyOn(fs, 'stat');
    try {
      for (const pagePath of ['/organizations', '/audit', '/favicon.ico.data', '/buildings', '/no-such-page.css']) {
        stat.mockClear();
        await (await fetch(`${baseUrl}${pagePath}`, { headers: { Cookie: cookie } })).text();
        expect(
          stat.mock.calls.map((call) => String(call[0])),
          pagePath,
        ).toEqual([]);
      }
      // The asset paths do (so the spy sees what express.static does).
      const asset = fs.readdirSync(path.resolve('public/build')).find((file) => file.endsWith('.js'))!;
      stat.mockClear();
      expect((await fetch(`${baseUrl}/build/${asset}`)).status).toBe(200);
      expect(stat).toHaveBeenCalled();
    } finally {
      stat.mockRestore();
    }
  });
});

describe('the page render', () => {
  it('leaves no abort timer behind once a page is done', async () => {
    const { cookie } = await signedInStaff('viewer');
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    const before = timers();
    for (let request = 0; request < 20; request += 1) {
      const response = await fetch(`${baseUrl}/organizations`, { headers: { Cookie: cookie } });
      expect(response.status).toBe(200);
      await response.text();
    }
    // Twenty pages rendered; a 5-second timer per page would still be pending for each.
    expect(timers() - before).toBeLessThan(5);
  });
});
