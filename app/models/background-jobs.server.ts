import crypto from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import { getDb, type ModelContext, type TransactionContext } from '~/utils/db.server';
import { redactUrlForLog, scrubLinkValues } from '~/utils/link-secrets';

/**
 * Background work that runs on one instance at a time, whichever it is: a lease per job, on the
 * job's row of `background_jobs` (the migrations seed one row per job).
 *
 * A lease is taken by one conditional UPDATE. The database applies updates of one row one at a
 * time — SQLite serialises writers; PostgreSQL, under READ COMMITTED, makes the second writer wait
 * for the first and checks the condition again against the row the first committed — so of any
 * number of takers on any number of instances exactly one gets it, and a lapsed lease is taken
 * over exactly once.
 *
 * A lease is renewed as the work makes progress, never by a timer: a run that hangs (a call that
 * never answers) lets its lease lapse and another instance takes over, and the run that hung
 * learns it at its next renewal (`LeaseLostError`) and stops.
 */
export type JobName = 'workos_events_poller' | 'maintenance' | 'organization_sync';

/** A process's name on a lease: host, pid and a random suffix (two holders in one process differ). */
export function leaseHolderName(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
}

export class LeaseLostError extends Error {
  constructor(job: JobName) {
    super(`another instance took over the lease of ${job}`);
    this.name = 'LeaseLostError';
  }
}

export interface JobLease {
  readonly job: JobName;
  readonly holder: string;
  /** Extends the lease by its length from now, inside the caller's transaction if given one; throws `LeaseLostError` if it was taken over. */
  renew(context?: ModelContext): Promise<void>;
  /** Gives the lease up and records how the run ended (an error, or null for success); nothing if it was taken over. The error is shown to admins: it is stored scrubbed of link values. */
  release(error: string | null): Promise<void>;
}

export type LeaseAttempt = { taken: true; lease: JobLease } | { taken: false; reason: 'busy' | 'not_due'; holder: string | null };

export interface LeaseOptions {
  holder?: string;
  /** Longer than any step between two renewals takes. */
  leaseMs: number;
  /** For work on an interval: not due until this long after the last run started, on whichever instance. */
  everyMs?: number;
  /** The work runs for a while: each renewal reads the time afresh. */
  clock?: () => Date;
}

/** Takes the job's lease if it is free or lapsed (and the job is due); the one caller that gets it runs the job. */
export async function acquireLease(
  job: JobName,
  { holder = leaseHolderName(), leaseMs, everyMs, clock = () => new Date() }: LeaseOptions,
  { db = getDb() }: ModelContext = {},
): Promise<LeaseAttempt> {
  const now = clock();
  const free = db('background_jobs')
    .where({ name: job })
    .where((query) => query.whereNull('holder').orWhere('lease_until', '<=', now.toISOString()));
  if (everyMs !== undefined) {
    const due = new Date(now.getTime() - everyMs).toISOString();
    free.where((query) => query.whereNull('last_started_at').orWhere('last_started_at', '<=', due));
  }
  const taken = await free.update({ holder, lease_until: leaseEnd(now, leaseMs), last_started_at: now.toISOString() });
  if (taken === 1) return { taken: true, lease: heldLease(job, holder, leaseMs, clock, db) };
  const state = await getJobState(job, { db });
  const held = state.holder !== null && state.leaseUntil !== null && state.leaseUntil > now.toISOString();
  return { taken: false, reason: held ? 'busy' : 'not_due', holder: held ? state.holder : null };
}

function heldLease(job: JobName, holder: string, leaseMs: number, clock: () => Date, db: Knex | Knex.Transaction): JobLease {
  return {
    job,
    holder,
    async renew({ db: handle = db }: ModelContext = {}) {
      const renewed = await handle('background_jobs')
        .where({ name: job, holder })
        .update({ lease_until: leaseEnd(clock(), leaseMs) });
      if (renewed !== 1) throw new LeaseLostError(job);
    },
    async release(error) {
      const at = clock().toISOString();
      const lastError = error === null ? null : scrubLinkValues(redactUrlForLog(error)).text.slice(0, 500);
      await db('background_jobs')
        .where({ name: job, holder })
        .update({ holder: null, lease_until: null, last_finished_at: at, last_error: lastError, ...(error ? {} : { last_succeeded_at: at }) });
    },
  };
}

function leaseEnd(now: Date, leaseMs: number): string {
  return new Date(now.getTime() + leaseMs).toISOString();
}

/**
 * Moves the poller's cursor past an event recorded in the same transaction, and counts it: only
 * while the lease is held, so an event is never recorded by a poller that was taken over.
 */
export async function advanceCursor(
  lease: JobLease,
  { cursor, recorded }: { cursor: string | null; recorded: boolean },
  { db: trx }: TransactionContext,
): Promise<void> {
  const moved = await trx('background_jobs')
    .where({ name: lease.job, holder: lease.holder })
    .update({ ...(cursor === null ? {} : { cursor }), events_recorded: trx.raw('events_recorded + ?', [recorded ? 1 : 0]) });
  if (moved !== 1) throw new LeaseLostError(lease.job);
}

export interface JobState {
  cursor: string | null;
  holder: string | null;
  leaseUntil: string | null;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastSucceededAt: string | null;
  lastError: string | null;
  eventsRecorded: number;
}

export async function getJobState(job: JobName, { db = getDb() }: ModelContext = {}): Promise<JobState> {
  const row = await db('background_jobs').where({ name: job }).first();
  return {
    cursor: row?.cursor ?? null,
    holder: row?.holder ?? null,
    leaseUntil: row?.lease_until ?? null,
    lastStartedAt: row?.last_started_at ?? null,
    lastFinishedAt: row?.last_finished_at ?? null,
    lastSucceededAt: row?.last_succeeded_at ?? null,
    lastError: row?.last_error ?? null,
    eventsRecorded: Number(row?.events_recorded ?? 0),
  };
}
