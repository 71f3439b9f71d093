import fs from 'node:fs';
import path from 'node:path';
import type { ServerBuild } from '@remix-run/node';
import compression from 'compression';
import express, { type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Env } from '../app/utils/env.server';
import { observe } from '../app/models/server-observations.server';
import { runInRequestScope } from '../app/utils/request-scope.server';
import { accessLog } from './access-log';
import { readCanonicalRoute } from './canonical-path';
import { remixRequestHandler } from './remix-handler';
import { setupRateLimits } from './rate-limits';
import { requestBodies } from './request-bodies';
import { cspNonce, originCheck, securityHeaders, setupPageHeaders } from './security';

export interface AppOptions {
  env: Env;
  logger: Logger;
  db: Knex;
  /** Returns the current Remix build (it changes under the dev server). */
  getBuild: () => Promise<ServerBuild>;
  /** True once shutdown has begun: health checks fail and connections are not kept alive. */
  isShuttingDown: () => boolean;
}

/** The Express app: headers, logging, health checks, static files, CSRF check, limits, then Remix. */
export function createApp({ env, logger, db, getBuild, isShuttingDown }: AppOptions) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', env.TRUST_PROXY);

  // Development reads one short line per page; production (and tests) keep pino's JSON line per request.
  app.use(accessLog(logger, { trustRequestIdHeader: env.TRUST_PROXY !== false, format: env.NODE_ENV === 'development' ? 'line' : 'json' }));
  // Once shutdown has begun, every response closes its connection: asked when its headers go
  // out, not when its request came in. A response to a request that came in just before the
  // SIGTERM used to say keep-alive, its client sent the next request down that connection, and
  // the shutdown's sweep of idle connections closed it under that request: a POST lost after it
  // was sent (a reset), which a load balancer cannot safely send elsewhere — a refused connection
  // it can (server/instances.postgres.test.ts).
  app.use((_req, res, next) => {
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
    res.writeHead = ((...args: unknown[]) => {
      if (isShuttingDown() && !res.headersSent) res.setHeader('Connection', 'close');
      return writeHead(...args);
    }) as typeof res.writeHead;
    next();
  });
  const publicOrigin = new URL(env.PUBLIC_URL).origin;
  app.use(readCanonicalRoute(publicOrigin));
  if (env.TRUST_PROXY === false) app.use(noticeUntrustedProxy(db, logger));
  app.use(cspNonce);
  app.use(securityHeaders(env));
  app.use(setupPageHeaders);
  app.use(compression());

  // For a load balancer, before the rate limits and quiet in the access log: live (the process
  // answers, no database asked) and ready (send it traffic).
  app.get('/livez', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'live' });
  });
  app.get('/readyz', readinessProbe(db, isShuttingDown, logger));
  app.get('/healthz', healthCheck(db, isShuttingDown));

  // Fingerprinted assets are cached for a year (their names change with their content); the few
  // other files of public/ for an hour. Only these paths touch the disk: a page never stats it.
  app.use('/build', express.static(path.resolve('public/build'), { immutable: true, maxAge: '1y', index: false }));
  const publicFiles = topLevelPublicFiles();
  const publicStatic = express.static(path.resolve('public'), { maxAge: '1h', index: false });
  app.use((req, res, next) => (publicFiles.has(req.path) ? publicStatic(req, res, next) : next()));

  app.use(originCheck(env));
  app.use(setupRateLimits(env.SETUP_RATE_LIMITS, { db, logger }));
  app.use(requestBodies);
  // Pages hold staff data: never keep them in a cache, nor show them again from history after
  // sign-out. A route may still override this.
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  app.all('*', remixHandler(getBuild, env.NODE_ENV, publicOrigin));
  return app;
}

function remixHandler(getBuild: AppOptions['getBuild'], mode: string, publicOrigin: string): RequestHandler {
  const handle = remixRequestHandler({
    build: getBuild,
    mode,
    publicOrigin,
    getLoadContext: (req, res) => ({
      cspNonce: res.locals.cspNonce as string,
      requestId: String(req.id),
      clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      selfUrl: selfUrlOf(req.socket),
    }),
  });
  // Each request in its own scope: what its loaders share (the signed-in staff member) stays its own.
  return (req, res, next) => runInRequestScope(() => handle(req, res, next));
}

/** The address this connection reached the server on, as a URL the server can call itself on. */
function selfUrlOf(socket: { localAddress?: string; localPort?: number }): string | null {
  if (!socket.localAddress || !socket.localPort) return null;
  const host = socket.localAddress.replace(/^::ffff:/, '');
  return `http://${host.includes(':') ? `[${host}]` : host}:${socket.localPort}`;
}

/** `/favicon.ico` and the like: the files directly in public/, read once at start-up. */
function topLevelPublicFiles(): Set<string> {
  const dir = path.resolve('public');
  if (!fs.existsSync(dir)) return new Set();
  return new Set(
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => `/${entry.name}`),
  );
}

/** Headers a reverse proxy adds (nginx's `proxy_set_header` defaults among them). */
const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-proto', 'x-forwarded-host', 'via'];

/**
 * A request carrying X-Forwarded-For (or another proxy header) while TRUST_PROXY is unset came through a proxy the app
 * does not see through: recorded (at most once a minute) for the doctor to warn about.
 */
function noticeUntrustedProxy(db: Knex, logger: Logger): RequestHandler {
  return (req, _res, next) => {
    if (PROXY_HEADERS.some((header) => req.headers[header] !== undefined)) {
      observe('forwarded_without_trust_proxy', `from ${req.socket.remoteAddress ?? 'unknown'}`, { db }).catch((error: unknown) =>
        logger.warn({ err: error }, 'could not record a proxied request'),
      );
    }
    next();
  };
}

type Readiness = { ready: true } | { ready: false; reason: 'shutting_down' | 'database_unreachable' | 'migrations_pending'; error?: unknown };

/** Whether this instance should take requests: not shutting down, its database answering and fully migrated. */
async function readiness(db: Knex, isShuttingDown: () => boolean): Promise<Readiness> {
  if (isShuttingDown()) return { ready: false, reason: 'shutting_down' };
  try {
    await db.raw('select 1');
    const [, pending] = (await db.migrate.list()) as [unknown[], unknown[]];
    return pending.length > 0 ? { ready: false, reason: 'migrations_pending' } : { ready: true };
  } catch (error) {
    return { ready: false, reason: 'database_unreachable', error };
  }
}

/**
 * `/readyz`: 200, or 503 with the reason. A load balancer asks every few seconds, so only a change
 * of answer is logged (the access log keeps its lines at debug).
 */
function readinessProbe(db: Knex, isShuttingDown: () => boolean, logger: Logger): RequestHandler {
  let lastReason: string | null = null;
  return async (_req, res) => {
    const state = await readiness(db, isShuttingDown);
    const reason = state.ready ? null : state.reason;
    if (reason !== lastReason) {
      if (state.ready) logger.info('ready again: the database answers and is migrated');
      else logger.warn({ reason: state.reason, err: state.error }, 'not ready: the load balancer is told to send no requests here');
      lastReason = reason;
    }
    res.setHeader('Cache-Control', 'no-store');
    if (state.ready) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'not_ready', reason: state.reason });
  };
}

/** `/healthz`, as it always answered: readiness in its own words. */
function healthCheck(db: Knex, isShuttingDown: () => boolean): RequestHandler {
  return async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const state = await readiness(db, isShuttingDown);
    if (state.ready) res.json({ status: 'ok', database: 'ok' });
    else if (state.reason === 'shutting_down') res.status(503).json({ status: 'shutting_down' });
    else if (state.reason === 'migrations_pending') res.status(503).json({ status: 'error', database: 'migrations pending' });
    else {
      req.log.error({ err: state.error }, 'health check failed');
      res.status(503).json({ status: 'error', database: 'unreachable' });
    }
  };
}
