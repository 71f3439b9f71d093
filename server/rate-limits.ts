import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { routeOf } from './canonical-path';

const SLOW_DOWN_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Please slow down</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">
<h1>Please slow down</h1><p>There were too many requests in a short time. Wait a minute, then try again.</p></body></html>`;

function slowDown(windowMs: number, limit: number, keyGenerator?: (req: Parameters<RequestHandler>[0]) => string): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...(keyGenerator ? { keyGenerator } : {}),
    handler: (_req, res) => {
      res.status(429).setHeader('Cache-Control', 'no-store').type('html').send(SLOW_DOWN_PAGE);
    },
  });
}

/**
 * Limits on the IT admin's setup pages: per client address, and per link for launches. Both go
 * by the route as Remix reaches it (`canonicalRoute`): any spelling of `/setup/<token>` — page,
 * launch, data request — counts against the same budgets. The per-link key is a hash of the
 * decoded token, never the token itself, so no token sits in memory as a key.
 */
export function setupRateLimits({ perIpPerMinute = 60, launchesPerLinkPer10Minutes = 30 } = {}): RequestHandler[] {
  const perIp = slowDown(60_000, perIpPerMinute);
  const perLink = slowDown(10 * 60_000, launchesPerLinkPer10Minutes, (req) =>
    crypto
      .createHash('sha256')
      .update(String((req.res?.locals.route as { setupToken?: string } | undefined)?.setupToken ?? ''))
      .digest('hex'),
  );
  return [
    (req, res, next) => (routeOf(req, res).isSetup ? perIp(req, res, next) : next()),
    // Remix runs the action for any method but GET and HEAD: PUT or DELETE launch as POST does.
    (req, res, next) => (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && routeOf(req, res).setupToken !== null ? perLink(req, res, next) : next()),
  ];
}
