import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
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
 */
export function accessLog(logger: Logger, { trustRequestIdHeader }: { trustRequestIdHeader: boolean }) {
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const incoming = req.headers['x-request-id'];
      const id = trustRequestIdHeader && acceptableRequestId(incoming) ? incoming : crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel(req, res, error) {
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
