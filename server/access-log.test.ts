import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLog, formatAccessLine, isAsset } from './access-log';

describe('the development access log', () => {
  const lines: string[] = [];
  const jsonLines: string[] = [];
  let url: string;
  let close: () => void;

  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => jsonLines.push(line) });
    const app = express();
    app.use(accessLog(logger, { trustRequestIdHeader: false, format: 'line', write: (line) => lines.push(line) }));
    app.get('/organizations', (req, res) => res.send(`request ${String(req.id)}`));
    app.use((_req, res) => res.status(404).send('no'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it('writes one short line per page request (method, path, status, ms) and no JSON line; the request keeps its id', async () => {
    const response = await fetch(`${url}/organizations?q=acme`);
    expect(await response.text()).toMatch(/^request [0-9a-f-]{36}$/);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => lines.length).toBe(1);
    expect(lines[0]).toMatch(/^GET \/organizations\?q=acme 200 \d+ms\n$/);
    expect(jsonLines).toEqual([]);
  });

  it('redacts link values in every crafted form, one line each', async () => {
    lines.length = 0;
    const secretPaths = ['/setup/sdl_abc', '/setup/sdl_abc.data', '/SETUP/sdl_abc?launch=sso', '/setup%2Fsdl_abc', '/anything?token=sdl_abc'];
    for (const secretPath of secretPaths) await fetch(`${url}${secretPath}`);
    await expect.poll(() => lines.length).toBe(secretPaths.length);
    expect(lines.join('')).not.toContain('sdl_abc');
    expect(lines[0]).toMatch(/^GET \/setup\/\[redacted\] 404 \d+ms\n$/);
    expect(lines.at(-1)).toMatch(/^GET \/anything\?token=\[redacted\] 404 \d+ms\n$/);
  });

  it('writes nothing for assets, public files and the health checks', async () => {
    lines.length = 0;
    for (const asset of ['/build/root-ABC123.js', '/build/_assets/tailwind-XYZ.css', '/favicon.ico', '/healthz', '/livez', '/readyz'])
      await fetch(`${url}${asset}`);
    await fetch(`${url}/organizations`); // the marker: lines are written in order
    await expect.poll(() => lines.length).toBe(1);
    expect(lines[0]).toMatch(/^GET \/organizations 200/);
  });

  it('honours the logger’s level: a silent logger (the doctor’s, LOG_LEVEL=silent) writes no line', async () => {
    const quiet: string[] = [];
    const app = express();
    app.use(accessLog(pino({ level: 'silent' }), { trustRequestIdHeader: false, format: 'line', write: (line) => quiet.push(line) }));
    app.get('/organizations', (_req, res) => res.send('ok'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/organizations`);
      expect(await response.text()).toBe('ok');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(quiet).toEqual([]);
  });

  it('classifies paths: data requests are pages, files and /build are assets', () => {
    expect(isAsset('/organizations/12.data')).toBe(false);
    expect(isAsset('/organizations')).toBe(false);
    expect(isAsset('/build/entry.client-X.js')).toBe(true);
    expect(isAsset('/robots.txt')).toBe(true);
    expect(isAsset('/__manifest')).toBe(true); // Remix's route discovery, asked on every navigation
    expect(formatAccessLine({ method: 'POST', url: '/setup/sdl_secretvalue/launch', status: 303, ms: 7 })).toBe('POST /setup/[redacted]/launch 303 7ms');
  });
});

describe('the JSON access log (production, tests)', () => {
  it('stays one JSON line per request', async () => {
    const jsonLines: string[] = [];
    const app = express();
    app.use(accessLog(pino({ level: 'info' }, { write: (line: string) => jsonLines.push(line) }), { trustRequestIdHeader: false }));
    app.get('/build/x.js', (_req, res) => res.send(''));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/build/x.js`);
      await expect.poll(() => jsonLines.length).toBe(1);
      expect(JSON.parse(jsonLines[0]!)).toMatchObject({ msg: 'GET /build/x.js 200', req: { method: 'GET', url: '/build/x.js' } });
    } finally {
      server.close();
    }
  });
});
