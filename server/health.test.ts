/**
 * The load balancer's probes, in process (the real Express app; no Remix build is reached):
 * `/livez` asks nothing of the database, `/readyz` says why an instance should get no traffic,
 * and `/healthz` answers as it always has.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { getDb, openDatabase } from '~/utils/db.server';
import { getEnv } from '~/utils/env.server';
import { makeTempDir } from '../test/temp-dirs';
import { createApp } from './app';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** An instance on `db`; `lines` holds what it logged at info and above. */
async function instance(db: Knex, { shuttingDown = () => false }: { shuttingDown?: () => boolean } = {}) {
  const lines: { level: number; msg: string; reason?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const app = createApp({
    env: getEnv(),
    logger,
    db,
    getBuild: () => Promise.reject(new Error('the probes never reach Remix')),
    isShuttingDown: shuttingDown,
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  servers.push(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const probe = async (name: string) => {
    const response = await fetch(`${base}${name}`);
    return { status: response.status, cacheControl: response.headers.get('cache-control'), body: (await response.json()) as unknown };
  };
  return { probe, lines };
}

describe('probes for a load balancer', () => {
  it('a migrated, reachable instance is live and ready; /healthz answers as before; nothing is cached and no line is logged', async () => {
    const { probe, lines } = await instance(getDb());
    expect(await probe('/livez')).toEqual({ status: 200, cacheControl: 'no-store', body: { status: 'live' } });
    expect(await probe('/readyz')).toEqual({ status: 200, cacheControl: 'no-store', body: { status: 'ready' } });
    expect(await probe('/healthz')).toEqual({ status: 200, cacheControl: 'no-store', body: { status: 'ok', database: 'ok' } });
    expect(lines).toEqual([]);
  });

  it('shutting down: still live, not ready (503 with the reason)', async () => {
    let shuttingDown = false;
    const { probe } = await instance(getDb(), { shuttingDown: () => shuttingDown });
    shuttingDown = true;
    expect(await probe('/livez')).toMatchObject({ status: 200 });
    expect(await probe('/readyz')).toEqual({ status: 503, cacheControl: 'no-store', body: { status: 'not_ready', reason: 'shutting_down' } });
    expect(await probe('/healthz')).toMatchObject({ status: 503, body: { status: 'shutting_down' } });
  });

  it('a database with migrations pending: live, not ready', async () => {
    const unmigrated = openDatabase(path.join(makeTempDir('setup-desk-probes-'), 'unmigrated.sqlite'));
    try {
      const { probe } = await instance(unmigrated);
      expect(await probe('/livez')).toMatchObject({ status: 200 });
      expect(await probe('/readyz')).toMatchObject({ status: 503, body: { status: 'not_ready', reason: 'migrations_pending' } });
      expect(await probe('/healthz')).toMatchObject({ status: 503, body: { status: 'error', database: 'migrations pending' } });
    } finally {
      await unmigrated.destroy();
    }
  });

  it('a database that does not answer: live, not ready — logged once when the answer changes, not at every probe', async () => {
    const gone = openDatabase(path.join(makeTempDir('setup-desk-probes-'), 'gone.sqlite'));
    await gone.destroy();
    const { probe, lines } = await instance(gone);
    expect(await probe('/livez')).toMatchObject({ status: 200 });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await probe('/readyz')).toMatchObject({ status: 503, body: { status: 'not_ready', reason: 'database_unreachable' } });
    }
    expect(lines.map((line) => [line.msg, line.reason])).toEqual([['not ready: the load balancer is told to send no requests here', 'database_unreachable']]);
  });
});
