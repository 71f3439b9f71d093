import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { pollWorkOSEvents, pollerHolderName } from '../app/models/event-poller.server';
import { sendOwnerDigests } from '../app/models/owner-digest.server';
import { endPortalSessions, settleLapsedLinks } from '../app/models/setup-link.server';
import { transaction } from '../app/utils/db.server';
import type { Env } from '../app/utils/env.server';

/**
 * The app's background work, in the server process: the WorkOS events poller (where webhooks
 * cannot reach the app) and maintenance (expire links nobody opened again, send owner digests).
 * Each job runs, then waits its interval: runs never overlap within a process, and the poller's
 * lease keeps two processes from polling at once.
 */
export interface BackgroundJobs {
  /** Stops scheduling and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

export function startBackgroundJobs({ env, logger, db }: { env: Env; logger: Logger; db: Knex }): BackgroundJobs {
  const loops: Loop[] = [];
  if (env.eventsPolling) {
    const holder = pollerHolderName();
    loops.push(
      loop('events poller', env.WORKOS_EVENTS_POLL_INTERVAL_MS, logger, async () => {
        const result = await pollWorkOSEvents({ holder }, { db });
        if (!result.ran) logger.debug({ holder: result.holder }, 'events poller: another process holds the lease');
        else if (!result.ok)
          logger.warn({ pages: result.pages, recorded: result.recorded, error: result.error }, 'events poller run failed; it resumes from its cursor');
        else if (result.seen > 0)
          logger.info({ pages: result.pages, seen: result.seen, recorded: result.recorded, completedLinks: result.completedLinks }, 'events poller run');
      }),
    );
  }
  loops.push(
    loop('maintenance', env.MAINTENANCE_INTERVAL_MS, logger, async () => {
      // The ended links come back as the transaction's result: it may run more than once (transaction()).
      const { expired, ended } = await transaction(db, async (trx) => {
        const ended: number[] = [];
        return { expired: await settleLapsedLinks({ ended }, { db: trx }), ended };
      });
      await endPortalSessions(ended, { db });
      const digests = await sendOwnerDigests({ db });
      if (expired > 0 || digests > 0) logger.info({ expiredLinks: expired, digestsSent: digests }, 'maintenance run');
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
