import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { acquireLease, leaseHolderName } from '../app/models/background-jobs.server';
import { pollWorkOSEvents } from '../app/models/event-poller.server';
import { sendOwnerDigests } from '../app/models/owner-digest.server';
import { pruneLapsedHits } from '../app/models/rate-limit.server';
import { endDueInvitations, endLinksAtWorkOS, settleLapsedLinks } from '../app/models/setup-link.server';
import { sendDueReminders } from '../app/models/setup-link-reminders.server';
import type { Env } from '../app/utils/env.server';

/**
 * The app's background work, in the server process: the WorkOS events poller (where webhooks
 * cannot reach the app) and maintenance (expire links nobody opened again, remind IT admins of
 * links they have not started, send owner digests, prune lapsed rate-limit counts). Each job runs,
 * then waits its interval: runs never overlap within a process, and each job's lease makes it run
 * on one instance at a time and once per interval across all of them (the first instance to find
 * it due runs it; the others are told so).
 */
export interface BackgroundJobs {
  /** Stops scheduling and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

export function startBackgroundJobs({ env, logger, db }: { env: Env; logger: Logger; db: Knex }): BackgroundJobs {
  const loops: Loop[] = [];
  const holder = leaseHolderName();
  if (env.eventsPolling) {
    loops.push(
      loop('events poller', env.WORKOS_EVENTS_POLL_INTERVAL_MS, logger, async () => {
        const result = await pollWorkOSEvents({ holder, everyMs: env.WORKOS_EVENTS_POLL_INTERVAL_MS }, { db });
        if (!result.ran) logger.debug({ reason: result.reason, holder: result.holder }, 'events poller: not run here');
        else if (!result.ok)
          logger.warn({ pages: result.pages, recorded: result.recorded, error: result.error }, 'events poller run failed; it resumes from its cursor');
        else if (result.seen > 0)
          logger.info({ pages: result.pages, seen: result.seen, recorded: result.recorded, completedLinks: result.completedLinks }, 'events poller run');
      }),
    );
  }
  loops.push(
    loop('maintenance', env.MAINTENANCE_INTERVAL_MS, logger, async () => {
      const result = await runMaintenance({ holder, everyMs: env.MAINTENANCE_INTERVAL_MS }, { db });
      if (!result.ran) logger.debug({ reason: result.reason, holder: result.holder }, 'maintenance: not run here');
      else if (result.expiredLinks > 0 || result.invitationsAsked > 0 || result.remindersSent > 0 || result.digestsSent > 0 || result.prunedRateLimits > 0)
        logger.info(
          {
            expiredLinks: result.expiredLinks,
            invitationsAsked: result.invitationsAsked,
            remindersSent: result.remindersSent,
            digestsSent: result.digestsSent,
            prunedRateLimits: result.prunedRateLimits,
          },
          'maintenance run',
        );
    }),
  );
  logger.info(
    { eventsPoller: env.eventsPolling ? `every ${env.WORKOS_EVENTS_POLL_INTERVAL_MS} ms` : 'off', webhooks: env.WORKOS_WEBHOOK_SECRET ? 'on' : 'off' },
    'background jobs started',
  );
  return {
    async stop() {
      await Promise.all(loops.map((each) => each.stop()));
    },
  };
}

/** Longer than any one step of maintenance takes (each ended link's WorkOS call has its 10 s deadline; each digest its mail server). */
export const MAINTENANCE_LEASE_MS = 5 * 60_000;

export type MaintenanceResult =
  | { ran: false; reason: 'busy' | 'not_due'; holder: string | null }
  | { ran: true; expiredLinks: number; invitationsAsked: number; remindersSent: number; digestsSent: number; prunedRateLimits: number };

/**
 * One maintenance run, if this instance gets the lease: links past their time are settled, their
 * Admin Portal sessions ended, invitations WorkOS has not confirmed ending asked about again, due
 * reminders sent, owner digests sent, lapsed rate-limit counts pruned. The lease is renewed
 * between steps. A step that outlasts the lease lets another instance start maintenance beside it,
 * which is safe: each step claims its own rows (a link settles once, a reminder is claimed per link
 * and number, a digest per owner and day); the lease only keeps the work from being done N times over.
 */
export async function runMaintenance(
  { holder, everyMs, leaseMs = MAINTENANCE_LEASE_MS }: { holder?: string; everyMs?: number; leaseMs?: number },
  {
    db,
    now,
  }: {
    db: Knex;
    /** The clock of the steps' rules (a test moves it); the lease keeps real time. Default: each step's own now. */
    now?: Date;
  },
): Promise<MaintenanceResult> {
  const attempt = await acquireLease('maintenance', { holder, leaseMs, everyMs }, { db });
  if (!attempt.taken) return { ran: false, reason: attempt.reason, holder: attempt.holder };
  const { lease } = attempt;
  try {
    const ended: number[] = [];
    const expiredLinks = await settleLapsedLinks({ ended }, { db, now });
    await lease.renew();
    await endLinksAtWorkOS(ended, { db });
    await lease.renew();
    // WorkOS-sent links that ended here while WorkOS did not confirm ending its invitation: asked again.
    const invitationsAsked = await endDueInvitations({ db, now });
    await lease.renew();
    // After settling: a link that has just expired is no longer remindable. Before the digests: the
    // owner's digest can already list the reminders sent now.
    const remindersSent = await sendDueReminders({ db, now });
    await lease.renew();
    const digestsSent = await sendOwnerDigests({ db, now });
    await lease.renew();
    const prunedRateLimits = await pruneLapsedHits({ db, now });
    await lease.release(null);
    return { ran: true, expiredLinks, invitationsAsked, remindersSent, digestsSent, prunedRateLimits };
  } catch (error) {
    await lease.release(error instanceof Error ? error.message : String(error));
    throw error;
  }
}

interface Loop {
  stop(): Promise<void>;
}

function loop(name: string, intervalMs: number, logger: Logger, run: () => Promise<void>): Loop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  const tick = () => {
    current = run()
      .catch((error: unknown) => logger.error({ job: name, err: error }, 'background job failed'))
      .finally(() => {
        current = undefined;
        if (!stopped) timer = setTimeout(tick, intervalMs).unref();
      });
  };
  // The first run waits a moment: start-up (migrations, listening) comes first.
  timer = setTimeout(tick, Math.min(intervalMs, 1_000)).unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
