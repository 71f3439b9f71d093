/**
 * The limits on the setup pages, counted in the database, in process: two Express apps on two
 * handles of one database file stand for two instances behind a load balancer.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countHit, pruneLapsedHits, readHits } from '~/models/rate-limit.server';
import { getDb, openDatabase } from '~/utils/db.server';
import { makeTempDir } from '../test/temp-dirs';
import { readCanonicalRoute } from './canonical-path';
import { setupRateLimits } from './rate-limits';
import { testDatabaseLocation } from '../test/backend';

const ORIGIN = 'http://localhost:3000';
const warnings: { msg: string; limit?: string; err?: unknown }[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });

let other: Knex;
const servers: Server[] = [];

/** One instance: the canonical route, the limits, then "no such link" for whatever passed them. */
async function instance(db: Knex, limits: { perIpPerMinute?: number; launchesPerLinkPer10Minutes?: number }): Promise<string> {
  const app = express();
  app.use(readCanonicalRoute(ORIGIN));
  app.use(setupRateLimits(limits, { db, logger }));
  app.use((_req, res) => void res.status(404).send('no such link'));
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(() => {
  other = openDatabase(testDatabaseLocation());
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await other.destroy();
});
beforeEach(async () => {
  warnings.length = 0;
  await getDb()('rate_limit_hits').delete();
});

describe('limits shared by every instance', () => {
  it('hits on two instances count against one budget per address', async () => {
    const first = await instance(getDb(), { perIpPerMinute: 3 });
    const second = await instance(other, { perIpPerMinute: 3 });
    const statuses: number[] = [];
    for (const base of [first, second, first, second, first]) statuses.push((await fetch(`${base}/setup/sdl_${'R'.repeat(43)}`)).status);
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    // Staff pages are not limited by it, on either instance.
    expect((await fetch(`${second}/login`)).status).toBe(404);
  });

  it('launches of one link on two instances count against one budget, under any spelling of its URL', async () => {
    const first = await instance(getDb(), { launchesPerLinkPer10Minutes: 2 });
    const second = await instance(other, { launchesPerLinkPer10Minutes: 2 });
    const token = `sdl_${'L'.repeat(43)}`;
    const launch = (url: string) => fetch(url, { method: 'POST' });
    expect((await launch(`${first}/setup/${token}`)).status).toBe(404);
    expect((await launch(`${second}/SETUP/${token}/`)).status).toBe(404);
    expect((await launch(`${first}/setup/${token}.data`)).status).toBe(429);
    // Viewing is still allowed; another link has its own budget.
    expect((await fetch(`${second}/setup/${token}`)).status).toBe(404);
    expect((await launch(`${second}/setup/sdl_${'M'.repeat(43)}`)).status).toBe(404);
  });

  it('the table holds keyed hashes only: no address, no token, nothing a guess could be checked against without the secret', async () => {
    const base = await instance(getDb(), {});
    const token = `sdl_${'T'.repeat(43)}`;
    await fetch(`${base}/setup/${token}`, { method: 'POST' });
    const keys = (await getDb()('rate_limit_hits').pluck('key')) as string[];
    expect(keys).toHaveLength(2); // the address's and the link's
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{64}$/);
    const stored = JSON.stringify(await getDb()('rate_limit_hits'));
    expect(stored).not.toContain('127.0.0.1');
    expect(stored).not.toContain('TTTT');
  });

  it('hits at once from two instances are each counted once: none lost, none twice', async () => {
    const client = { limit: 'concurrency_test', key: 'one-client', windowMs: 60_000 };
    const counts = await Promise.all(Array.from({ length: 40 }, (_, index) => countHit(client, { db: index % 2 === 0 ? getDb() : other })));
    expect(counts.map((count) => count.hits).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    expect(new Set(counts.map((count) => count.resetAt.getTime())).size).toBe(1);
  });

  it('a window that has closed starts afresh on the next hit, and pruning removes only closed ones', async () => {
    const client = { limit: 'window_test', key: 'one-client', windowMs: 60_000 };
    const t0 = new Date('2026-03-02T09:00:00.000Z');
    await countHit(client, { now: t0 });
    expect(await countHit(client, { now: new Date(t0.getTime() + 59_999) })).toEqual({ hits: 2, resetAt: new Date(t0.getTime() + 60_000) });
    expect(await countHit(client, { now: new Date(t0.getTime() + 60_000) })).toEqual({ hits: 1, resetAt: new Date(t0.getTime() + 120_000) });
    expect(await readHits(client, { now: new Date(t0.getTime() + 119_999) })).toMatchObject({ hits: 1 });
    expect(await pruneLapsedHits({ now: new Date(t0.getTime() + 119_999) })).toBe(0);
    expect(await pruneLapsedHits({ now: new Date(t0.getTime() + 120_000) })).toBe(1);
    expect(await readHits(client, { now: t0 })).toBeNull();
  });

  it('when the database cannot count, the request goes through and a warning is logged for it', async () => {
    // A database without the table: every count fails.
    const broken = openDatabase(path.join(makeTempDir('setup-desk-rate-limits-'), 'unmigrated.sqlite'));
    try {
      const base = await instance(broken, { perIpPerMinute: 1 });
      const statuses = [(await fetch(`${base}/setup/anything`)).status, (await fetch(`${base}/setup/anything`)).status];
      expect(statuses).toEqual([404, 404]);
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatchObject({ limit: 'setup_per_ip', msg: expect.stringMatching(/allowing request without rate-limiting/) });
    } finally {
      await broken.destroy();
    }
  });
});
