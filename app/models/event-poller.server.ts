import type { WorkOS } from '@workos-inc/node';
import { getDb, transaction, type ModelContext } from '~/utils/db.server';
import { getWorkOS, isoTimestamp, rootWorkOSError } from '~/utils/workos.server';
import { redactUrlForLog, scrubLinkValues } from '~/utils/link-secrets';
import { describeWorkOSError } from '~/utils/workos-errors.server';
import { acquireLease, advanceCursor, getJobState, LeaseLostError, type JobState } from './background-jobs.server';
import { recordWorkOSEvent, SETUP_EVENT_TYPES, type RecordOutcome } from './setup-progress.server';

/**
 * The events poller: the fallback where WorkOS's webhooks cannot reach the app. It pages
 * `GET /events` after a stored cursor. Each event is recorded and the cursor moved in one
 * transaction, so a crash anywhere resumes exactly after the last recorded event: nothing lost,
 * nothing applied twice (and recording is idempotent by event id anyway).
 *
 * One poller runs at a time across instances: it holds the job's lease (background-jobs model),
 * renewed per page, and moves the cursor only while it holds it.
 */

export const POLLER_JOB = 'workos_events_poller';
export const POLL_PAGE_SIZE = 100;
/** A run stops after this many pages and continues on the next tick (keeps one run short). */
const MAX_PAGES_PER_RUN = 50;
/** Longer than any page takes; a poller that died holding the lease is replaced after it. */
export const POLLER_LEASE_MS = 2 * 60_000;

export type PollResult =
  | { ran: false; reason: 'busy' | 'not_due'; holder: string | null }
  | { ran: true; ok: true; pages: number; seen: number; recorded: number; completedLinks: number; cursor: string | null }
  | { ran: true; ok: false; pages: number; seen: number; recorded: number; completedLinks: number; cursor: string | null; error: string };

export interface PollOptions {
  workos?: WorkOS;
  holder?: string;
  /** The poller runs for a while: it reads the time afresh at each step. */
  clock?: () => Date;
  leaseMs?: number;
  /** On an interval (the server's loop): not due until this long after the last run started on any instance. */
  everyMs?: number;
  pageSize?: number;
  /** Called after each event is committed (progress reporting; tests stop a run here). */
  onEventRecorded?: (eventId: string, outcome: RecordOutcome) => void | Promise<void>;
}

export type PollerState = JobState;

export async function getPollerState(context: ModelContext = {}): Promise<PollerState> {
  return getJobState(POLLER_JOB, context);
}

/** Runs the poller once: every new setup event, page by page, until WorkOS has no more. */
export async function pollWorkOSEvents(
  {
    workos = getWorkOS(),
    holder,
    clock: now = () => new Date(),
    leaseMs = POLLER_LEASE_MS,
    everyMs,
    pageSize = POLL_PAGE_SIZE,
    onEventRecorded,
  }: PollOptions = {},
  { db = getDb() }: ModelContext = {},
): Promise<PollResult> {
  const attempt = await acquireLease(POLLER_JOB, { holder, leaseMs, everyMs, clock: now }, { db });
  if (!attempt.taken) return { ran: false, reason: attempt.reason, holder: attempt.holder };
  const { lease } = attempt;
  let cursor = (await getPollerState({ db })).cursor;
  let pages = 0;
  let seen = 0;
  let recorded = 0;
  let completedLinks = 0;
  try {
    for (;;) {
      // Oldest first, asked for in so many words: the spec's default is newest first (and `after`
      // then pages towards older events), while the live API is reported to ignore `order`. SDK 12's
      // listEvents no longer sends `order`, so the list is read through its plain GET.
      const { data: page } = await workos.get<{ data: unknown[] }>('/events', {
        query: { events: SETUP_EVENT_TYPES.join(','), limit: pageSize, order: 'asc', ...(cursor ? { after: cursor } : {}) },
      });
      pages += 1;
      // Whatever order the page came in, it is recorded oldest first, and the cursor only moves
      // forward — past what has been recorded, never back.
      const ordered = (page.data as { id: string; created_at: unknown }[]).sort((a, b) => compareEvents(a, b));
      const startedAt = cursor;
      for (const event of ordered) {
        const advances = cursor === null || event.id > cursor;
        const outcome = await transaction(db, async (trx) => {
          const result = await recordWorkOSEvent(event, 'poller', { db: trx, now: now() });
          await advanceCursor(lease, { cursor: advances ? event.id : null, recorded: result.recorded }, { db: trx });
          return result;
        });
        if (advances) cursor = event.id;
        seen += 1;
        if (outcome.recorded) recorded += 1;
        if (outcome.completedLinkId) completedLinks += 1;
        await onEventRecorded?.(event.id, outcome);
      }
      await lease.renew();
      // Events came back, but none after the cursor: WorkOS is not answering "after" as asked, and
      // asking again would get the same page. Said plainly, never reported as a good run.
      if (page.data.length > 0 && cursor === startedAt) throw new PollerStalledError(cursor);
      if (page.data.length < pageSize || pages >= MAX_PAGES_PER_RUN) break;
    }
    await lease.release(null);
    return { ran: true, ok: true, pages, seen, recorded, completedLinks, cursor };
  } catch (error) {
    const message =
      error instanceof LeaseLostError || error instanceof PollerStalledError
        ? error.message
        : error instanceof Error && ('status' in error || rootWorkOSError(error) !== error)
          ? describeWorkOSError(error).message
          : error instanceof Error
            ? error.message
            : String(error);
    // Stored and shown to admins: an error's words can quote a URL, so they are scrubbed first.
    const safe = scrubLinkValues(redactUrlForLog(message)).text.slice(0, 500);
    await lease.release(safe);
    return { ran: true, ok: false, pages, seen, recorded, completedLinks, cursor, error: safe };
  }
}

/** WorkOS answered a page after the cursor with events at or before it: the cursor cannot advance. */
class PollerStalledError extends Error {
  constructor(cursor: string | null) {
    super(
      `not advancing: WorkOS returned only events at or before the cursor (${cursor ?? 'none'}), so the same page would come back; the events API is not paging oldest first as asked`,
    );
    this.name = 'PollerStalledError';
  }
}

/** Oldest first: by creation time, then by id (WorkOS ids are time-ordered). */
function compareEvents(a: { id: string; created_at: unknown }, b: { id: string; created_at: unknown }): number {
  const time = (value: unknown) => Date.parse(isoTimestamp(value) ?? '');
  return time(a.created_at) - time(b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
