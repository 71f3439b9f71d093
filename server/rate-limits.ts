import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { rateLimit, type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { countHit, forgetHits, readHits, uncountHit } from '../app/models/rate-limit.server';
import { routeOf } from './canonical-path';

const SLOW_DOWN_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Please slow down</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">
<h1>Please slow down</h1><p>There were too many requests in a short time. Wait a minute, then try again.</p></body></html>`;

/**
 * express-rate-limit's store over the database (the rate-limit model), so that every instance
 * counts against one budget. One per limit: the library refuses a store shared by two limiters.
 */
class DatabaseStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(
    readonly prefix: string,
    private readonly db: Knex,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { hits, resetAt } = await countHit({ limit: this.prefix, key, windowMs: this.windowMs }, { db: this.db });
    return { totalHits: hits, resetTime: resetAt };
  }

  async decrement(key: string): Promise<void> {
    await uncountHit({ limit: this.prefix, key }, { db: this.db });
  }

  async resetKey(key: string): Promise<void> {
    await forgetHits({ limit: this.prefix, key }, { db: this.db });
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const count = await readHits({ limit: this.prefix, key }, { db: this.db });
    return count ? { totalHits: count.hits, resetTime: count.resetAt } : undefined;
  }
}

interface LimitOptions {
  name: string;
  windowMs: number;
  limit: number;
  keyGenerator?: (req: Parameters<RequestHandler>[0]) => string;
}

function slowDown({ name, windowMs, limit, keyGenerator }: LimitOptions, { db, logger }: SharedLimits): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...(keyGenerator ? { keyGenerator } : {}),
    store: new DatabaseStore(name, db),
    // The database failing its count lets the request through: the limits hold off abuse, and the
    // page itself answers (or fails) on its own. Each such request is logged, so it cannot go unseen.
    passOnStoreError: true,
    logger: {
      error: (error, message) => logger.warn({ err: error, limit: name }, message ?? 'rate limit failed'),
      warn: (error, message) => logger.warn({ err: error, limit: name }, message ?? 'rate limit warning'),
    },
    handler: (_req, res) => {
      res.status(429).setHeader('Cache-Control', 'no-store').type('html').send(SLOW_DOWN_PAGE);
    },
  });
}

interface SharedLimits {
  /** Where the counts are kept: the one database every instance uses. */
  db: Knex;
  logger: Logger;
}

/**
 * Limits on the IT admin's setup pages: per client address, and per link for launches, counted
 * in the database for every instance together. Both go by the route as Remix reaches it
 * (`canonicalRoute`): any spelling of `/setup/<token>` — page, launch, data request — counts
 * against the same budgets. The per-link key is a hash of the decoded token, never the token
 * itself, so no token sits in memory as a key; the database keeps an HMAC of each key (the
 * rate-limit model).
 */
export function setupRateLimits(
  { perIpPerMinute = 60, launchesPerLinkPer10Minutes = 30 }: { perIpPerMinute?: number; launchesPerLinkPer10Minutes?: number },
  shared: SharedLimits,
): RequestHandler[] {
  const perIp = slowDown({ name: 'setup_per_ip', windowMs: 60_000, limit: perIpPerMinute }, shared);
  const perLink = slowDown(
    {
      name: 'setup_launches_per_link',
      windowMs: 10 * 60_000,
      limit: launchesPerLinkPer10Minutes,
      keyGenerator: (req) =>
        crypto
          .createHash('sha256')
          .update(String((req.res?.locals.route as { setupToken?: string } | undefined)?.setupToken ?? ''))
          .digest('hex'),
    },
    shared,
  );
  return [
    (req, res, next) => (routeOf(req, res).isSetup ? perIp(req, res, next) : next()),
    // Remix runs the action for any method but GET and HEAD: PUT or DELETE launch as POST does.
    (req, res, next) => (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && routeOf(req, res).setupToken !== null ? perLink(req, res, next) : next()),
  ];
}
