import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { redactUrlForLog, scrubLinkValues } from '../app/utils/link-secrets';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

/** A proxy's request id is kept — unless it could be a link value (it is logged and stored). */
function acceptableRequestId(id: unknown): id is string {
  return typeof id === 'string' && REQUEST_ID_PATTERN.test(id) && !scrubLinkValues(id).scrubbed && !/sdl/i.test(id);
}

/**
 * The access log: one JSON line per request with its id, redacted URL, status and time.
 * Headers and bodies are left out entirely; the `/setup/<token>` segment is replaced before the
 * line is built, so no setup token can reach a log.
 *
 * `format: 'line'` (development) writes one short line per page request instead —
 * `GET /setup/[redacted] 200 12ms` — and nothing for assets (`/build/…`, files, the health check);
 * requests still get their id and `req.log`. The logger's level applies: below `info`, no line.
 */
export function accessLog(
  logger: Logger,
  { trustRequestIdHeader, format = 'json', write = (line: string) => process.stdout.write(line) }: AccessLogOptions,
): RequestHandler {
  const json = jsonAccessLog(logger, { trustRequestIdHeader, autoLogging: format === 'json' });
  if (format === 'json') return json;
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      // LOG_LEVEL (or the doctor's silent logger) quiets these lines as it quiets the JSON ones.
      if (isAsset(req.path) || !logger.isLevelEnabled('info')) return;
      const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
      write(`${formatAccessLine({ method: req.method, url: req.originalUrl, status: res.statusCode, ms })}\n`);
    });
    json(req, res, next);
  };
}

export interface AccessLogOptions {
  trustRequestIdHeader: boolean;
  /** `json` (production, tests): pino's line per request; `line`: one short line per page request. */
  format?: 'json' | 'line';
  /** Where `line` writes (stdout). */
  write?: (line: string) => void;
}

/** `GET /setup/[redacted] 200 12ms`: the development access line, link values redacted. */
export function formatAccessLine({ method, url, status, ms }: { method: string; url: string; status: number; ms: number }): string {
  return `${method} ${redactUrlForLog(url)} ${status} ${ms}ms`;
}

/** What a load balancer asks every few seconds: logged at debug, whatever the answer (`/readyz` logs a change itself). */
const PROBES = new Set(['/livez', '/readyz']);

/** Fingerprinted assets, files of public/, Remix's route manifest and the health checks: no line for them in development. */
export function isAsset(path: string): boolean {
  return path.startsWith('/build/') || path === '/healthz' || PROBES.has(path) || path === '/__manifest' || /\.(?!data$)[a-z0-9]{1,8}$/i.test(path);
}

function jsonAccessLog(logger: Logger, { trustRequestIdHeader, autoLogging }: { trustRequestIdHeader: boolean; autoLogging: boolean }) {
  return pinoHttp({
    logger,
    autoLogging,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const incoming = req.headers['x-request-id'];
      const id = trustRequestIdHeader && acceptableRequestId(incoming) ? incoming : crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel(req, res, error) {
      if (PROBES.has(req.url ?? '')) return 'debug';
      if (error || res.statusCode >= 500) return 'error';
      if (req.url === '/healthz') return 'debug';
      return 'info';
    },
    customSuccessMessage: (req, res) => `${req.method} ${redactUrlForLog(req.url ?? '')} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${redactUrlForLog(req.url ?? '')} ${res.statusCode}`,
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrlForLog(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // pino-http would otherwise log `req.originalUrl` raw on errors through its own serializer path.
    wrapSerializers: false,
  });
}
