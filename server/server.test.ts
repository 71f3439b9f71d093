import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltServerExpectingFailure, startBuiltServer, type RunningServer } from '../test/built-server';

const VALID_PRODUCTION_ENV = {
  NODE_ENV: 'production' as const,
  HOST: '127.0.0.1',
  PUBLIC_URL: 'https://setup-desk.example.com',
  SESSION_SECRET: 'a'.repeat(20) + 'b'.repeat(20),
  WORKOS_API_KEY: 'sk_test_1234567890',
  COMPANY_NAME: 'Acme Analytics',
  SUPPORT_EMAIL: 'support@acme.example',
  // A closed local port: these runs never send mail.
  SMTP_URL: 'smtp://127.0.0.1:9',
  MAIL_FROM: 'Acme Onboarding <onboarding@acme.example>',
};

const VALID_CSP_REPORT = JSON.stringify({
  'csp-report': {
    'document-uri': 'http://localhost/',
    'effective-directive': 'script-src-elem',
    'blocked-uri': 'https://cdn.example/evil.js',
  },
});

describe('the built server (development defaults)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startBuiltServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('sends security headers and a fresh CSP nonce that the page scripts carry', async () => {
    const first = await fetch(`${server.url}/`);
    const second = await fetch(`${server.url}/`);
    expect(first.status).toBe(200);
    const csp = first.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');
    expect(first.headers.get('x-frame-options')).toBe('DENY');
    expect(first.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers.get('strict-transport-security')).toBeNull();

    const html = await first.text();
    const scriptTags = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scriptTags.length).toBeGreaterThan(0);
    for (const tag of scriptTags) expect(tag).toContain(`nonce="${nonce}"`);

    const secondNonce = /'nonce-([^']+)'/.exec(second.headers.get('content-security-policy') ?? '')?.[1];
    expect(secondNonce).toBeTruthy();
    expect(secondNonce).not.toBe(nonce);
  });

  it('answers /healthz after checking the database', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ status: 'ok', database: 'ok' });
  });

  it('answers an unknown path with a 404 page inside the layout', async () => {
    const response = await fetch(`${server.url}/no/such/page`);
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain('Page not found');
    expect(html).toContain('Skip to content');
  });

  describe('refuses cross-site requests before any route runs', () => {
    const targets = [
      { kind: 'a page action (document POST)', path: '/' },
      { kind: 'a data request (single fetch)', path: '/_root.data' },
      { kind: 'a resource route', path: '/csp-report' },
    ];
    for (const target of targets) {
      it(`with a foreign Origin: ${target.kind}`, async () => {
        const response = await post(server, target.path, { Origin: 'https://evil.example' });
        expect(response.status).toBe(403);
        expect(await response.text()).toContain('another site');
      });
      it(`with Sec-Fetch-Site cross-site and no Origin: ${target.kind}`, async () => {
        const response = await post(server, target.path, { 'Sec-Fetch-Site': 'cross-site' });
        expect(response.status).toBe(403);
      });
      it(`with Sec-Fetch-Site same-site (a sibling subdomain): ${target.kind}`, async () => {
        const response = await post(server, target.path, { 'Sec-Fetch-Site': 'same-site', Origin: 'https://other.localhost' });
        expect(response.status).toBe(403);
      });
    }

    // Every route that has an action, found in the production build (not listed by hand), as a
    // page POST and as a single-fetch data request.
    it('for every route with an action, in both forms of request', async () => {
      const targets = await actionTargets();
      expect(targets.length).toBeGreaterThanOrEqual(10);
      for (const target of targets) {
        const refusals: Record<string, string>[] = [
          { Origin: 'https://evil.example' },
          { 'Sec-Fetch-Site': 'cross-site' },
          { 'Sec-Fetch-Site': 'same-site', Origin: 'https://other.localhost' },
        ];
        for (const headers of refusals) {
          const response = await post(server, target, headers);
          expect(response.status, `${target} with ${JSON.stringify(headers)}`).toBe(403);
        }
      }
    });

    it('lets a same-origin POST through to the route (the route then decides)', async () => {
      const report = await post(server, '/csp-report', { Origin: server.url, 'Sec-Fetch-Site': 'same-origin' }, VALID_CSP_REPORT);
      expect(report.status).toBe(204);
      const page = await post(server, '/', { Origin: server.url, 'Sec-Fetch-Site': 'same-origin' });
      expect(page.status).toBe(405); // the home page has no action: Remix, not the origin check, answered
    });

    it('lets a same-origin form post from a no-referrer page through (Origin: null, Sec-Fetch-Site: same-origin)', async () => {
      const response = await post(server, '/csp-report', { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' }, VALID_CSP_REPORT);
      expect(response.status).toBe(204);
    });

    it('refuses Origin: null without Sec-Fetch-Site (an opaque, possibly sandboxed, origin)', async () => {
      expect((await post(server, '/csp-report', { Origin: 'null' }, VALID_CSP_REPORT)).status).toBe(403);
    });

    it('lets a server-to-server POST with neither header through', async () => {
      const response = await post(server, '/csp-report', {}, VALID_CSP_REPORT);
      expect(response.status).toBe(204);
    });
  });

  it('never writes a setup token into the access log', async () => {
    const secretPaths = ['/setup/sdl_abc', '/setup/sdl_abc.data', '/SETUP/sdl_abc?launch=sso', '/setup%2Fsdl_abc', '/anything?token=sdl_abc'];
    for (const secretPath of secretPaths) await fetch(`${server.url}${secretPath}`);
    // The access-log line of the last request proves the earlier ones were all logged.
    await server.waitForLog((line) => String(line.msg).includes('/anything?token=[redacted]'));
    const accessLines = server.stdout.filter((line) => line.includes('"req"'));
    expect(accessLines.length).toBeGreaterThanOrEqual(secretPaths.length);
    expect(server.stdout.join('\n')).not.toContain('sdl_abc');
    expect(server.stdout.join('\n')).toContain('/setup/[redacted]');
  });

  it('logs a CSP violation with the page path redacted and without the blocked URL path', async () => {
    const report = JSON.stringify({
      'csp-report': {
        'document-uri': 'http://localhost/setup/sdl_reportsecret',
        'effective-directive': 'script-src-elem',
        'blocked-uri': 'https://cdn.example/evil.js?k=1',
      },
    });
    expect((await post(server, '/csp-report', {}, report)).status).toBe(204);
    const line = await server.waitForLog((entry) => entry.msg === 'content security policy violation' && entry.page !== '/');
    expect(line).toMatchObject({ directive: 'script-src-elem', blocked: 'https://cdn.example', page: '/setup/[redacted]' });
    expect(server.stdout.join('\n')).not.toContain('sdl_reportsecret');
  });
});

describe('the built server in production mode', () => {
  it('adds HSTS and upgrade-insecure-requests', async () => {
    const server = await startBuiltServer(VALID_PRODUCTION_ENV);
    try {
      const response = await fetch(`${server.url}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
      expect(response.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
      expect(await response.text()).not.toContain('not production');
    } finally {
      await server.stop();
    }
  });

  const badValues: { variable: string; env: Record<string, string>; expected: RegExp }[] = [
    { variable: 'SESSION_SECRET', env: { SESSION_SECRET: 'too-short' }, expected: /SESSION_SECRET must be at least 32 characters/ },
    { variable: 'PUBLIC_URL', env: { PUBLIC_URL: 'http://setup-desk.example.com' }, expected: /PUBLIC_URL must start with https:\/\// },
    { variable: 'WORKOS_API_KEY', env: { WORKOS_API_KEY: 'client_123' }, expected: /WORKOS_API_KEY must start with sk_/ },
    { variable: 'WORKOS_CLIENT_ID', env: { WORKOS_CLIENT_ID: 'sk_test_oops' }, expected: /WORKOS_CLIENT_ID must start with client_/ },
    { variable: 'PORT', env: { PORT: 'eighty' }, expected: /PORT must be a port number/ },
  ];
  for (const bad of badValues) {
    it(`refuses to start with a bad ${bad.variable} and names it`, async () => {
      const { code, stderr } = await runBuiltServerExpectingFailure({ ...VALID_PRODUCTION_ENV, ...bad.env });
      expect(code).toBe(1);
      expect(stderr).toMatch(/Setup Desk cannot start/);
      expect(stderr).toMatch(bad.expected);
      expect(stderr).not.toMatch(/\n\s+at /); // a message for a person, not a stack trace
    });
  }

  it('refuses to start when a required secret is missing', async () => {
    const { SESSION_SECRET: _omitted, ...withoutSecret } = VALID_PRODUCTION_ENV;
    const { code, stderr } = await runBuiltServerExpectingFailure(withoutSecret);
    expect(code).toBe(1);
    expect(stderr).toMatch(/SESSION_SECRET is required in production/);
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM finishes the request in flight, refuses new ones, then exits 0', async () => {
    const server = await startBuiltServer();
    const body = Buffer.from(VALID_CSP_REPORT);
    const half = Math.floor(body.length / 2);

    // A request whose body is only half sent is in flight: the route is still reading it.
    // `Expect: 100-continue` makes the server confirm it has the request before SIGTERM is sent.
    const responsePromise = new Promise<{ status: number }>((resolve, reject) => {
      const request = http.request(
        `${server.url}/csp-report`,
        {
          method: 'POST',
          agent: false,
          headers: { 'Content-Type': 'application/csp-report', 'Content-Length': body.length, Expect: '100-continue' },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
        },
      );
      request.on('error', reject);
      request.once('continue', () => {
        request.write(body.subarray(0, half));
        server.process.kill('SIGTERM');
        void server
          .waitForLog((line) => String(line.msg).startsWith('shutting down'))
          .then(async () => {
            // The listener is closed now: a new connection must be refused.
            await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
            request.end(body.subarray(half));
          }, reject);
      });
      request.flushHeaders();
    });

    expect(await responsePromise).toEqual({ status: 204 });
    expect(await server.exited).toBe(0);
    expect(server.logs().some((line) => line.msg === 'shutdown complete')).toBe(true);
  });

  it('with SHUTDOWN_DRAIN_MS, keeps accepting while /readyz says 503, and only then closes the listener', async () => {
    const server = await startBuiltServer({ SHUTDOWN_DRAIN_MS: '4000' });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    server.process.kill('SIGTERM');
    await server.waitForLog((line) => String(line.msg).startsWith('shutting down: unready'));
    // New connections during the drain: answered, unready, and told to close.
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('connection')).toBe('close');
    expect(await ready.json()).toMatchObject({ reason: 'shutting_down' });
    expect((await fetch(`${server.url}/livez`)).status).toBe(200);
    expect(server.logs().some((line) => String(line.msg).startsWith('shutting down: no new connections'))).toBe(false);
    // Then the listener closes and the process exits cleanly.
    await server.waitForLog((line) => String(line.msg).startsWith('shutting down: no new connections'));
    await expect(fetch(`${server.url}/readyz`)).rejects.toThrow();
    expect(await server.exited).toBe(0);
  });
});

interface BuiltRoute {
  id: string;
  parentId?: string;
  path?: string;
  module: { action?: unknown };
}

/** The URL of each route with an action (parameters filled in), and its `.data` twin. */
async function actionTargets(): Promise<string[]> {
  const build = (await import(/* @vite-ignore */ pathToFileURL(path.resolve('build/remix/index.js')).href)) as { routes: Record<string, BuiltRoute> };
  const fullPath = (id: string): string => {
    const route = build.routes[id]!;
    return [route.parentId ? fullPath(route.parentId) : '', route.path ?? ''].filter(Boolean).join('/');
  };
  const targets: string[] = [];
  for (const route of Object.values(build.routes)) {
    if (typeof route.module.action !== 'function') continue;
    const url = `/${fullPath(route.id)}`.replace(/:\w+/g, '1').replace('*', 'some/path');
    targets.push(url, url === '/' ? '/_root.data' : `${url}.data`);
  }
  return targets;
}

async function post(server: RunningServer, path: string, headers: Record<string, string>, body = 'x=1') {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': path === '/csp-report' ? 'application/csp-report' : 'application/x-www-form-urlencoded', ...headers },
    body,
    redirect: 'manual',
  });
}
