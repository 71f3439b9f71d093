import { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb, openDatabase } from '~/utils/db.server';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { testDatabaseLocation } from '../../test/backend';
import { createOrganizationInSandbox } from '../../test/factories';
import { getPollerState, POLLER_JOB, pollWorkOSEvents } from './event-poller.server';
import { jsonText } from '~/utils/dialect.server';

let sandbox: RunningSandbox;
let workos: WorkOS;
let workosOrganizationId: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  // No retries: a fault injected below must reach the poller as the failure it is.
  workos = new WorkOS(sandbox.apiKey, { ...sandbox.sdkOptions, maxRetries: 0 });
  workosOrganizationId = (await createOrganizationInSandbox(sandbox, { name: 'Vandelay Industries' })).workosId;
});

afterAll(async () => {
  await sandbox.stop();
});

beforeEach(async () => {
  await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
  sandbox.store.state.organizations.push({ ...sandbox.store.seedOrganization({ name: 'Vandelay Industries' }), id: workosOrganizationId });
  await getDb()('background_jobs').where({ name: POLLER_JOB }).update({ cursor: null, holder: null, lease_until: null, events_recorded: 0 });
  await getDb()('workos_events').delete();
  await getDb()('workos_resources').delete();
  await getDb()('feature_status').delete();
});

/** Emits `count` connection activations in the sandbox (plus noise of another type), oldest first. */
function emitConnections(count: number): string[] {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    sandbox.store.emit('user.created', { id: `user_${index}` }, workosOrganizationId);
    const connection = {
      object: 'connection',
      id: `conn_${String(index).padStart(4, '0')}`,
      organization_id: workosOrganizationId,
      connection_type: 'OktaSAML',
      state: 'active',
    };
    ids.push(sandbox.store.emit('connection.activated', connection, workosOrganizationId).id);
  }
  return ids;
}

async function recordedIds(): Promise<string[]> {
  return (await getDb()('workos_events').orderBy('id').select('id')).map((row: { id: string }) => row.id);
}

async function progressAuditCount(): Promise<number> {
  const [row] = await getDb()('audit_events')
    .where({ action: 'setup.progress' })
    .whereRaw(`${jsonText(getDb(), 'details', 'source')} = 'poller'`)
    .count<{ count: number }[]>({ count: '*' });
  return Number(row!.count);
}

describe('events poller, whatever order WorkOS pages in', () => {
  for (const reading of ['spec', 'oldest_first'] as const) {
    it(`records every event once and ends on the newest (the sandbox reads /events as "${reading}")`, async () => {
      sandbox.store.readings.eventsOrder = reading;
      try {
        const ids = emitConnections(23);
        const result = await pollWorkOSEvents({ workos, pageSize: 5 });
        expect(result).toMatchObject({ ran: true, ok: true, seen: 23, recorded: 23, cursor: ids.at(-1) });
        expect(await recordedIds()).toEqual([...ids].sort());
        // Later events are found by the next run.
        const later = emitConnections(3);
        expect(await pollWorkOSEvents({ workos, pageSize: 5 })).toMatchObject({ ok: true, recorded: 3, cursor: later.at(-1) });
      } finally {
        sandbox.store.readings.eventsOrder = 'spec';
      }
    });
  }

  it('a WorkOS that pages newest first whatever it is asked: the poller says it is not advancing, never "ok", and the doctor shows it', async () => {
    sandbox.store.readings.eventsOrder = 'newest_first';
    try {
      emitConnections(12);
      const result = await pollWorkOSEvents({ workos, pageSize: 5 });
      expect(result).toMatchObject({ ran: true, ok: false });
      expect((result as { error: string }).error).toMatch(/^not advancing: WorkOS returned only events at or before the cursor/);
      // What it did get is recorded, each once: the newest five, then the one older event of the
      // second page (the rest of it was already recorded); the cursor stayed on the newest.
      const state = await getPollerState({ db: getDb() });
      expect(state.lastError).toMatch(/^not advancing/);
      expect(await recordedIds()).toHaveLength(6);
      expect(state.cursor).toBe((await recordedIds()).at(-1));
      const { runDoctor } = await import('~/services/doctor.server');
      const events = (await runDoctor({ rawEnv: { NODE_ENV: 'test', WORKOS_EVENTS_POLL: 'on' }, db: getDb(), workos, selfUrl: null })).find(
        (check) => check.id === 'events',
      )!;
      expect(events.status).toBe('warn');
      expect(events.found).toContain('not advancing');
    } finally {
      sandbox.store.readings.eventsOrder = 'spec';
    }
  });
});

describe('events poller', () => {
  it('pages through every setup event after its cursor, records each once, and stops at the end', async () => {
    const ids = emitConnections(25);
    const result = await pollWorkOSEvents({ workos, pageSize: 10 });
    expect(result).toMatchObject({ ran: true, ok: true, pages: 3, seen: 25, recorded: 25, cursor: ids.at(-1) });
    expect(await recordedIds()).toEqual(ids);
    // It asked WorkOS only for setup events, continuing after the last one it had.
    const calls = sandbox.requests.filter((request) => request.path === '/events');
    expect(calls.map((call) => call.query.after ?? null)).toEqual([null, ids[9], ids[19]]);
    expect(String(calls[0]!.query.events)).toContain('connection.activated');
    expect(String(calls[0]!.query.events)).not.toContain('user.created');

    const more = emitConnections(2);
    const next = await pollWorkOSEvents({ workos, pageSize: 10 });
    expect(next).toMatchObject({ ran: true, ok: true, seen: 2, recorded: 2, cursor: more.at(-1) });
    expect((await getPollerState()).eventsRecorded).toBe(27);
  });

  it('runs one poller at a time: two started at once on two connections (two processes) — one runs, one is told it is busy', async () => {
    const ids = emitConnections(30);
    const second = openDatabase(testDatabaseLocation());
    try {
      const before = await progressAuditCount();
      const results = await Promise.all([
        pollWorkOSEvents({ workos, holder: 'process-a', pageSize: 10 }),
        pollWorkOSEvents({ workos, holder: 'process-b', pageSize: 10 }, { db: second }),
      ]);
      const ran = results.filter((result) => result.ran);
      const busy = results.filter((result) => !result.ran);
      expect(ran).toHaveLength(1);
      expect(busy).toEqual([{ ran: false, reason: 'busy', holder: expect.stringMatching(/^process-[ab]$/) }]);
      expect(ran[0]).toMatchObject({ ok: true, seen: 30, recorded: 30 });
      expect(await recordedIds()).toEqual(ids);
      expect((await progressAuditCount()) - before).toBe(30);
      expect((await getPollerState()).holder).toBeNull();
    } finally {
      await second.destroy();
    }
  });

  it('resumes after a crash mid-page from the cursor, without losing or repeating an event', async () => {
    const ids = emitConnections(12);
    const before = await progressAuditCount();
    let seen = 0;
    const crashed = await pollWorkOSEvents({
      workos,
      pageSize: 5,
      onEventRecorded: () => {
        seen += 1;
        if (seen === 7) throw new Error('process killed'); // the 2nd event of the 2nd page
      },
    });
    expect(crashed).toMatchObject({ ran: true, ok: false, error: 'process killed', seen: 7 });
    const state = await getPollerState();
    expect(state.cursor).toBe(ids[6]); // the 7th event was committed with its cursor before the crash
    expect(state.lastError).toBe('process killed');
    expect(state.holder).toBeNull();
    expect(await recordedIds()).toEqual(ids.slice(0, 7));

    const resumed = await pollWorkOSEvents({ workos, pageSize: 5 });
    expect(resumed).toMatchObject({ ran: true, ok: true, seen: 5, recorded: 5, cursor: ids[11] });
    expect(sandbox.requests.filter((request) => request.path === '/events').at(-2)?.query.after).toBe(ids[6]);
    expect(await recordedIds()).toEqual(ids);
    expect((await progressAuditCount()) - before).toBe(12);
    expect((await getPollerState()).lastError).toBeNull();
  });

  it('waits out the lease of a poller that died holding it, then takes over', async () => {
    emitConnections(3);
    const now = Date.now();
    await getDb()('background_jobs')
      .where({ name: POLLER_JOB })
      .update({ holder: 'dead-process', lease_until: new Date(now + 60_000).toISOString() });
    expect(await pollWorkOSEvents({ workos, clock: () => new Date(now) })).toEqual({ ran: false, reason: 'busy', holder: 'dead-process' });
    const later = await pollWorkOSEvents({ workos, clock: () => new Date(now + 61_000) });
    expect(later).toMatchObject({ ran: true, ok: true, recorded: 3 });
  });

  it('stops on a WorkOS error mid-way, says what happened, and the next run continues after the last page', async () => {
    const ids = emitConnections(8);
    // Once the first page is in, the next request fails (WorkOS unavailable).
    const failed = await pollWorkOSEvents({
      workos,
      pageSize: 5,
      onEventRecorded: async (eventId) => {
        if (eventId !== ids[4]) return;
        await fetch(`${sandbox.url}/__sandbox/faults`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ method: 'GET', path: '/events', status: 503, times: 1 }),
        });
      },
    });
    expect(failed).toMatchObject({ ran: true, ok: false, seen: 5, recorded: 5, cursor: ids[4] });
    if (failed.ran && !failed.ok) expect(failed.error).toMatch(/WorkOS/);
    const resumed = await pollWorkOSEvents({ workos, pageSize: 5 });
    expect(resumed).toMatchObject({ ok: true, seen: 3, recorded: 3 });
    expect(await recordedIds()).toEqual(ids);
  });

  it('records an event already delivered by webhook as a duplicate, not twice', async () => {
    const [first] = emitConnections(1);
    const wire = sandbox.store.state.events.find((candidate) => candidate.id === first)!;
    await getDb().transaction(async (trx) => {
      const { recordWorkOSEvent } = await import('./setup-progress.server');
      await recordWorkOSEvent(
        { id: wire.id, event: wire.event, createdAt: wire.created_at, data: { ...wire.data, organizationId: workosOrganizationId } },
        'webhook',
        { db: trx },
      );
    });
    const result = await pollWorkOSEvents({ workos });
    expect(result).toMatchObject({ ok: true, seen: 1, recorded: 0 });
    expect((await getDb()('workos_events').where({ id: first }).first()).source).toBe('webhook');
  });
});
