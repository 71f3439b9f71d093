/**
 * Crafted requests against the production build (decision 015): each class of input that once
 * found a way around a rule, or turned into a 500, in more spellings than the one first reported.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '~/utils/db.server';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { signWebhook } from '../sandbox/webhooks';
import { startBuiltServer, workosSandboxEnv, type RunningServer } from '../test/built-server';
import { createOrganizationInSandbox, issueSetupLink, signedInStaff } from '../test/factories';
import { DRAIN_LIMIT_BYTES } from './request-bodies';

const WEBHOOK_SECRET = 'whsec_hardening_test_secret_0123456789';
let sandbox: RunningSandbox;
let server: RunningServer;
/** A server of its own for the limits, so that other tests' requests do not spend its budgets. */
let limited: RunningServer;
let db: Knex;
let rep: string;
let admin: string;
const tokens: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  server = await startBuiltServer({
    ...workosSandboxEnv(sandbox),
    WORKOS_WEBHOOK_SECRET: WEBHOOK_SECRET,
    SETUP_RATE_LIMIT_PER_MINUTE: '1000',
  });
  limited = await startBuiltServer({ ...workosSandboxEnv(sandbox), SETUP_RATE_LIMIT_PER_MINUTE: '12', SETUP_LAUNCHES_PER_LINK: '3', TRUST_PROXY: '1' });
  db = openDatabase(server.database);
  const cookie = async (role: 'support' | 'admin') => (await signedInStaff(role, { email: `${role}@hard.example`, name: `Hard ${role}`, db })).cookie;
  rep = await cookie('support');
  admin = await cookie('admin');
});

afterAll(async () => {
  await db.destroy();
  await server.stop();
  await limited.stop();
  await sandbox.stop();
  // No spelling of a token reached the log: not its body, not its percent-encoded body.
  const log = [...server.stdout, ...server.stderr, ...limited.stdout, ...limited.stderr].join('\n');
  expect(log).not.toMatch(/sdl_/i);
  for (const token of tokens) {
    expect(log).not.toContain(token.slice(4, 30));
    expect(log).not.toContain(encodeURIComponent(token.slice(4, 30)).replace(/-/g, '%2D'));
  }
});

let counter = 0;
async function linkedOrganization(on: Knex = db): Promise<{ id: number; token: string }> {
  counter += 1;
  const { id } = await createOrganizationInSandbox(sandbox, { name: `Hardened ${counter}`, db: on });
  const { token } = await issueSetupLink(id, { features: ['sso'], db: on });
  tokens.push(token);
  return { id, token };
}

const sameSite = { Origin: '', 'Sec-Fetch-Site': 'same-origin' };
const post = (target: string, body: BodyInit | null, headers: Record<string, string> = {}, to: RunningServer = server) =>
  fetch(`${to.url}${target}`, { method: 'POST', redirect: 'manual', headers: { ...sameSite, Origin: to.url, ...headers }, body });
/**
 * Sends an oversized body as a browser does: in pieces, reading the answer as soon as it comes and
 * sending no more after it. (fetch sends the whole body first; once the server has answered and
 * closed, it gets a broken pipe instead of the answer.) Chunked unless `declareLength`.
 */
function postTooMuch(
  target: string,
  bytes: number,
  headers: Record<string, string>,
  { declareLength = true }: { declareLength?: boolean } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: target,
        headers: {
          ...sameSite,
          Origin: server.url,
          Host: `localhost:${server.port}`,
          ...headers,
          ...(declareLength ? { 'Content-Length': String(bytes) } : {}),
        },
      },
      (response) => {
        answered = true;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      },
    );
    // Once the answer has come, the server may close while the rest is still on its way.
    request.on('error', (error) => (answered ? undefined : reject(error)));
    const piece = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const sendMore = () => {
      while (!answered && sent < bytes) {
        const size = Math.min(piece.length, bytes - sent);
        sent += size;
        if (!request.write(size === piece.length ? piece : piece.subarray(0, size))) return void request.once('drain', sendMore);
      }
      if (!answered) request.end();
    };
    request.write('note=');
    sent += 5;
    sendMore();
  });
}

/** A request sent exactly as written — path, Host and all — as curl --path-as-is would (fetch would normalise it). */
function rawRequest(
  to: RunningServer,
  { method = 'GET', path: rawPath, headers = {}, body }: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port: to.port, method, path: rawPath, headers: { Host: `localhost:${to.port}`, ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      },
    );
    request.on('error', reject);
    if (body) request.write(body);
    request.end();
  });
}

const encodeEach = (text: string) => [...text].map((char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`).join('');

describe('every spelling of /setup/<token> counts against the same limits and carries the same headers', () => {
  let limitedDb: Knex;
  beforeAll(() => {
    limitedDb = openDatabase(limited.database);
  });
  afterAll(async () => {
    await limitedDb.destroy();
  });
  const spellings = (token: string) => [
    `/setup/${token}`,
    `/%73etup/${token}`,
    `/SETUP/${token}/`,
    `/setup/${encodeEach(token)}`,
    `/Setup/${token.slice(0, 4)}${encodeEach(token.slice(4, 8))}${token.slice(8)}`,
  ];

  it('the per-link launch limit: three launches in any spelling, then every spelling is refused', async () => {
    const { token } = await linkedOrganization(limitedDb);
    const launches = spellings(token).slice(0, 3);
    for (const target of launches) {
      const response = await post(target, new URLSearchParams({ feature: 'sso' }), { 'Content-Type': 'application/x-www-form-urlencoded' }, limited);
      expect(response.status, target).toBe(303);
    }
    for (const target of [...spellings(token), `/setup/${token}.data`]) {
      const response = await post(target, new URLSearchParams({ feature: 'sso' }), { 'Content-Type': 'application/x-www-form-urlencoded' }, limited);
      expect(response.status, target).toBe(429);
    }
  });

  it('X-Robots-Tag, no-referrer and the portal in form-action on every spelling, data requests and neutral pages included', async () => {
    const { token } = await linkedOrganization();
    for (const target of [...spellings(token), `/setup/${token}.data`, `/setup/sdl_${'Q'.repeat(43)}`]) {
      const response = await fetch(`${server.url}${target}`, { headers: { 'X-Forwarded-For': '198.51.100.1' } });
      expect(response.headers.get('x-robots-tag'), target).toBe('noindex, nofollow');
      expect(response.headers.get('referrer-policy'), target).toBe('no-referrer');
      expect(response.headers.get('content-security-policy'), target).toContain(`form-action 'self' http://`);
    }
  });

  it('PUT, PATCH and DELETE launch as POST does, so they count against the same per-link limit', async () => {
    const { token } = await linkedOrganization(limitedDb);
    const statuses: number[] = [];
    for (const method of ['PUT', 'PATCH', 'DELETE', 'PUT']) {
      const response = await rawRequest(limited, {
        method,
        path: `/setup/${token}`,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-origin' },
        body: 'feature=sso',
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 3).every((status) => status !== 429)).toBe(true);
    expect(statuses[3]).toBe(429);
  });

  it('a path a URL parser would rewrite (dot segments, plain or encoded; backslashes) is refused, not routed around the rules', async () => {
    const { token } = await linkedOrganization(limitedDb);
    for (const rawPath of [
      `/x/../setup/${token}`,
      `/x/%2e%2e/setup/${token}`,
      `/x/.%2E/setup/${token}`,
      `/setup\\${token}`,
      `/setup/${token}/.`,
      `/setup/${token}/x/..`,
      `/./setup/${token}`,
    ]) {
      const response = await rawRequest(limited, {
        method: 'POST',
        path: rawPath,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-origin' },
        body: 'feature=sso',
      });
      expect(response.status, rawPath).toBe(400);
    }
  });

  it('the Host header does not choose the route: a launch cannot be smuggled through another path', async () => {
    const { token } = await linkedOrganization(limitedDb);
    const before = sandbox.requests.filter((entry) => entry.path === '/portal/generate_link').length;
    for (const host of [`localhost/setup/${token}?`, `x/setup/${token}#`, 'localhost:99999', 'a b', 'a|b']) {
      const response = await rawRequest(limited, {
        method: 'POST',
        path: '/login',
        headers: { Host: host, 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-origin' },
        body: 'feature=sso',
      });
      expect(response.status, host).toBeLessThan(500);
      expect(response.status, host).not.toBe(303);
    }
    const smuggled = await rawRequest(limited, {
      method: 'POST',
      path: '/webhooks/workos',
      headers: { Host: `localhost/setup/${token}?`, 'Content-Type': 'application/json' },
      body: '{"feature":"sso"}',
    });
    // The webhook route answered (not configured on this server), not the setup page's action.
    expect(smuggled.text).toContain('Webhook refused');
    expect(sandbox.requests.filter((entry) => entry.path === '/portal/generate_link').length).toBe(before);
  });

  it('a header, a request id or a CSP report field holding a token does not put it in the log', async () => {
    const { token } = await linkedOrganization(limitedDb);
    await rawRequest(limited, {
      method: 'POST',
      path: '/login',
      headers: { 'Sec-Fetch-Site': token, Origin: `https://evil.example/${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    await rawRequest(limited, { path: '/login', headers: { 'X-Request-ID': token } });
    await rawRequest(limited, { path: '/login', headers: { 'X-Request-ID': tokens[0]!.slice(4) } });
    const report = JSON.stringify({
      'csp-report': { 'document-uri': `http://localhost/x`, 'effective-directive': token, 'violated-directive': token, 'blocked-uri': token },
    });
    await rawRequest(limited, { method: 'POST', path: '/csp-report', headers: { 'Content-Type': 'application/csp-report' }, body: report });
    await limited.waitForLog((line) => line.msg === 'content security policy violation');
  });

  it('a GET with a body is refused rather than read', async () => {
    const response = await rawRequest(limited, {
      method: 'GET',
      path: '/login',
      headers: { 'Content-Type': 'text/plain', 'Content-Length': String(1024 * 1024) },
      body: 'x'.repeat(1024 * 1024),
    });
    expect(response.status).toBe(400);
  });

  it('the per-address page limit counts every spelling', async () => {
    const { token } = await linkedOrganization(limitedDb);
    // The launches above spent part of this address's budget of 12: count until refused, across spellings.
    let refusedAt = 0;
    for (let attempt = 1; attempt <= 30 && !refusedAt; attempt += 1) {
      const target = spellings(token)[attempt % 5]!;
      if ((await fetch(`${limited.url}${target}`)).status === 429) refusedAt = attempt;
    }
    expect(refusedAt).toBeGreaterThan(0);
    expect(refusedAt).toBeLessThanOrEqual(12);
  });
});

describe('no link value reaches the log, however it is spelled', () => {
  it('encoded paths, encoded portal tokens, CSP reports and a token typed into the search box', async () => {
    const { token } = await linkedOrganization();
    await fetch(`${server.url}/setup/${encodeEach(token)}?x=1`);
    await fetch(`${server.url}/%2573etup/${token}`);
    await fetch(`${server.url}/setup/return?%74oken=${token.slice(4)}`);
    await fetch(`${server.url}/organizations?q=${encodeURIComponent(token)}`, { headers: { Cookie: rep } });
    await fetch(`${server.url}/organizations?q=${encodeURIComponent(token)}%00`, { headers: { Cookie: rep } });
    await fetch(`${server.url}/audit?organization=${encodeURIComponent(token)}`, { headers: { Cookie: admin } });
    const report = JSON.stringify({
      'csp-report': { 'document-uri': `${server.url}/%73etup/${encodeEach(token)}`, 'effective-directive': 'script-src', 'blocked-uri': 'inline' },
    });
    expect((await post('/csp-report', report, { 'Content-Type': 'application/csp-report' })).status).toBe(204);
    await server.waitForLog((line) => line.msg === 'content security policy violation');
    // The afterAll check reads the whole log for these tokens.
    expect(server.stdout.some((line) => line.includes('/setup/[redacted]'))).toBe(true);
  });
});

describe('input that once became a 500 gets a clear 4xx, or just works', () => {
  it('a NUL or other control character in the list search and the audit filter', async () => {
    for (const target of ['/organizations?q=abc%00def', '/organizations?q=%00', '/organizations?q=a%01%02%1Fb', '/organizations?q=%E2%80%8B%00%00%00']) {
      const response = await fetch(`${server.url}${target}`, { headers: { Cookie: rep } });
      expect(response.status, target).toBe(200);
    }
    for (const target of ['/audit?organization=abc%00', '/audit?organization=%00%00%00', '/audit?action=%00']) {
      const response = await fetch(`${server.url}${target}`, { headers: { Cookie: admin } });
      expect(response.status, target).toBeLessThan(500);
    }
  });

  it('a NUL character in any form field or field name: 400 with what to do, on every kind of form (PostgreSQL’s text cannot hold one)', async () => {
    const { id } = await linkedOrganization();
    const forms: [string, string, string | undefined][] = [
      ['/login', 'email=a%00b%40x.example&password=whatever', undefined],
      ['/login', 'email=ada%40x.example&password=%00', undefined],
      [`/organizations/${id}`, 'intent=add_note&note=hello%00world', rep],
      [`/organizations/${id}`, 'intent=add_note&no%00te=hello', rep],
      ['/organizations/new', 'name=Acme%00Inc&submissionId=x', rep],
      ['/staff', 'intent=create&email=b%40x.example&name=Bo%00b&role=viewer', admin],
    ];
    for (const [target, body, cookie] of forms) {
      const response = await fetch(`${server.url}${target}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: server.url, ...(cookie ? { Cookie: cookie } : {}) },
        body,
      });
      expect(response.status, `${target} ${body}`).toBe(400);
      expect(await response.text(), target).toContain('NUL character');
    }
    // Also as multipart, however the part spells it.
    const form = new FormData();
    form.set('note', 'a\u0000b');
    form.set('intent', 'add_note');
    const multipart = await fetch(`${server.url}/organizations/${id}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Origin: server.url, Cookie: rep },
      body: form,
    });
    expect(multipart.status).toBe(400);
  });

  it('an id or a cursor no database column could hold: a 404 or the first page, never a 500', async () => {
    for (const target of ['/organizations/2147483648', '/organizations/3000000000', '/organizations/99999999999999', '/organizations/1e21']) {
      const response = await fetch(`${server.url}${target}`, { headers: { Cookie: rep } });
      expect(response.status, target).toBe(404);
    }
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const after of [cursor(['a\u0000b', 1]), cursor(['Acme', 3_000_000_000]), cursor(['Acme', 1e21]), cursor(['Acme', -5])]) {
      const response = await fetch(`${server.url}/organizations?after=${after}`, { headers: { Cookie: rep } });
      expect(response.status, after).toBe(200);
    }
    for (const before of [
      Buffer.from('2026-01-01T00:00:00.000Z|3000000000').toString('base64url'),
      Buffer.from('2026-01-01T00:00:00.000Z|99999999999').toString('base64url'),
    ]) {
      const response = await fetch(`${server.url}/audit?before=${before}`, { headers: { Cookie: admin } });
      expect(response.status, before).toBeLessThan(500);
    }
    const actor = await fetch(`${server.url}/audit?actor=staff:3000000000`, { headers: { Cookie: admin } });
    expect(actor.status).toBeLessThan(500);
  });

  it('a form posted as text/plain, JSON or something else: 415 with what to send, on every kind of route', async () => {
    const { id, token } = await linkedOrganization();
    const targets = [
      '/login',
      `/organizations/${id}`,
      `/organizations/${id}.data`,
      '/organizations/new',
      '/audit/export',
      `/setup/${token}`,
      `/organizations/${id}/email-preview`,
      '/account',
    ];
    for (const target of targets) {
      for (const [type, body] of [
        ['text/plain', 'intent=add_note&note=hi'],
        ['application/json', '{"intent":"add_note","note":"hi"}'],
        ['application/xml', '<note/>'],
      ] as const) {
        const response = await post(target, body, { Cookie: rep, 'Content-Type': type });
        expect(response.status, `${type} → ${target}`).toBe(415);
        expect(await response.text()).toContain('Send this as application/x-www-form-urlencoded or multipart/form-data.');
      }
    }
    // A multipart body no parser can read is a 400; an empty POST reaches the route's own checks.
    const broken = await post(`/organizations/${id}`, '--x\r\nnot a part', { Cookie: rep, 'Content-Type': 'multipart/form-data; boundary=nope' });
    expect(broken.status).toBe(400);
    const empty = await post(`/organizations/${id}`, null, { Cookie: rep });
    expect(empty.status).toBe(400);
  });

  it('a signed webhook whose body is not an event object: 400, never a 500', async () => {
    for (const body of ['null', '[]', '"event"', '42', '{}', '{"id":"evt_1","event":"connection.activated"}', '{"id":1,"event":"x","data":{}}']) {
      const response = await post('/webhooks/workos', body, {
        'Content-Type': 'application/json',
        'WorkOS-Signature': signWebhook(body, WEBHOOK_SECRET),
        Origin: '',
      });
      expect(response.status, body).toBe(400);
    }
  });

  it('an Origin that is ours arriving with another Host, or an Origin no URL parser reads: never a 500', async () => {
    const login = new URLSearchParams({ email: 'nobody@hard.example', password: 'wrong-password-1' });
    const spoofedHost = await post('/login', login, { 'Content-Type': 'application/x-www-form-urlencoded', Host: 'proxy.internal:8080' });
    expect(spoofedHost.status).toBe(400);
    const forwardedHost = await post('/login', login, { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-Host': 'elsewhere.example' });
    expect(forwardedHost.status).toBe(400);
    const garbage = await post('/login', login, { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'not a url' });
    expect(garbage.status).toBe(400);
  });

  it('replacement patterns in a personal message are text, not patterns: the preview stays its size', async () => {
    const { id } = await linkedOrganization();
    for (const pattern of ['$`', "$'", '$&', '$1', '$<name>', '$$']) {
      const message = pattern.repeat(Math.floor(1_900 / pattern.length));
      const response = await post(
        `/organizations/${id}/email-preview`,
        new URLSearchParams({ delivery: 'email', recipientEmail: 'it@hard.example', features: 'sso', lifetimeDays: '7', message }),
        { Cookie: rep, 'Content-Type': 'application/x-www-form-urlencoded' },
      );
      expect(response.status, pattern).toBe(200);
      const html = await response.text();
      expect(html.length, pattern).toBeLessThan(100_000);
      expect(html, pattern).toContain(pattern.repeat(5).replace(/&/g, '&amp;').replace(/'/g, '&#x27;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
  });
});

describe('bodies over a route’s limit are refused before they are read', () => {
  it('5 MB to any form route: 413 at once and a plain page for a browser, the rest read and dropped so that the answer arrives', async () => {
    const { id, token } = await linkedOrganization();
    const fiveMegabytes = 5 * 1024 * 1024;
    for (const target of ['/login', `/organizations/${id}`, `/organizations/${id}.data`, `/setup/${token}`, '/organizations/new', '/audit/export']) {
      const response = await postTooMuch(target, fiveMegabytes, { Cookie: admin, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' });
      expect(response.status, target).toBe(413);
      // Kept open (and its framing kept): the server read the rest instead of resetting the connection.
      expect(response.headers.connection, target).not.toBe('close');
      if (target.endsWith('.data')) expect(response.text).toContain('That is more than this page takes (64 KB).');
      else expect(response.text).toContain('<h1>That was too much to send</h1>');
    }
    // Without a declared length (chunked), the same limit is applied while reading.
    const chunked = await postTooMuch('/login', fiveMegabytes, { 'Content-Type': 'application/x-www-form-urlencoded' }, { declareLength: false });
    expect(chunked.status).toBe(413);
    // The next request on a connection that carried a refused body is read as itself.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const onOneConnection = (options: http.RequestOptions, body?: string) =>
      new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
        const request = http.request(
          { host: '127.0.0.1', port: server.port, agent, headers: { Host: `localhost:${server.port}`, ...options.headers }, ...options },
          (response) => {
            response.resume();
            response.on('end', () => resolve({ status: response.statusCode ?? 0, socket: request.socket }));
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    const refused = await onOneConnection(
      { method: 'POST', path: '/login', headers: { ...sameSite, Origin: server.url, 'Content-Type': 'application/x-www-form-urlencoded' } },
      `note=${'x'.repeat(200 * 1024)}`,
    );
    const next = await onOneConnection({ method: 'GET', path: '/healthz' });
    agent.destroy();
    expect([refused.status, next.status]).toEqual([413, 200]);
    expect(next.socket).toBe(refused.socket);
  });

  it('a body declared larger than the server drains is cut off: refused, the connection closed', async () => {
    const response = await postTooMuch('/login', DRAIN_LIMIT_BYTES + 1, { 'Content-Type': 'application/x-www-form-urlencoded' }).catch((error: Error) => error);
    // Either the answer arrived before the reset, or the reset came first: never a read of 16 MB.
    if (!(response instanceof Error)) {
      expect(response.status).toBe(413);
      expect(response.headers.connection).toBe('close');
    } else expect((response as NodeJS.ErrnoException).code).toMatch(/EPIPE|ECONNRESET/);
  });

  it('a webhook may be larger than a form, up to its own limit', async () => {
    const body = JSON.stringify({ id: 'evt_big', event: 'connection.activated', data: { padding: 'x'.repeat(100 * 1024) } });
    const response = await post('/webhooks/workos', body, {
      'Content-Type': 'application/json',
      'WorkOS-Signature': signWebhook(body, WEBHOOK_SECRET),
      Origin: '',
    });
    expect(response.status).toBeLessThan(413);
  });
});

describe('static files', () => {
  it('fingerprinted assets are cached for a year; pages are never cached; the favicon for an hour', async () => {
    const asset = fs.readdirSync(path.resolve('public/build')).find((file) => /^entry\.client-[A-Z0-9]+\.js$/.test(file))!;
    const assetResponse = await fetch(`${server.url}/build/${asset}`);
    expect(assetResponse.status).toBe(200);
    expect(assetResponse.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${server.url}/favicon.ico`)).headers.get('cache-control')).toBe('public, max-age=3600');
    expect((await fetch(`${server.url}/login`)).headers.get('cache-control')).toBe('no-store');
    // A path that only looks like a public file goes to the app, not the disk.
    expect((await fetch(`${server.url}/package.json`)).headers.get('cache-control')).toBe('no-store');
  });
});
