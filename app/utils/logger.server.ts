import { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { getEnv } from './env.server';
import { redactUrlForLog } from './link-secrets';
import { singleton } from './singleton.server';

/**
 * The app's JSON logger (pino). Access-log lines come from the server; this is for everything
 * else. Made on first use, not on import: its level comes from the environment, which a process
 * validates first (and says so plainly when it is wrong).
 */
export function getLogger(): Logger {
  return singleton('logger', createLogger);
}

function createLogger(): Logger {
  return pino({
    level: getEnv().LOG_LEVEL,
    base: { service: 'setup-desk' },
    // Belt and braces: these fields must never reach a log even if someone passes them in.
    redact: {
      paths: [
        'token',
        '*.token',
        'link',
        '*.link',
        'password',
        '*.password',
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers.referer',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
    serializers: { err: errorForLog },
    // Every string of every line, not only the fields someone thought of: a header, a report
    // field or a request id can carry a link value as well as a URL can.
    formatters: { log: (fields) => scrubFields(fields) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? safeText(arg, 4000) : arg)) as Parameters<typeof method>);
      },
    },
  });
}

// Only text that could hold one is scrubbed: the scrubber is not free, and most fields are numbers and ids.
const MAY_HOLD_A_LINK_VALUE = /sdl|setup|token|%[0-9a-f]{2}|[A-Za-z0-9_-]{40,}/i;

/** The fields of a log line with every string made safe, however deep. */
export function scrubFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return MAY_HOLD_A_LINK_VALUE.test(value) ? safeText(value, 4000) : value;
  if (depth > 6 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  // A request or response (the access log's reach this before their serializers): walked, it is
  // the whole socket, a copy per line and most of a page's logging cost. Only what the access
  // log's serializers take from them is kept — the id, method, redacted URL and status — on any
  // logger, under any key.
  if (value instanceof IncomingMessage) {
    const { id } = value as IncomingMessage & { id?: unknown };
    return { id: typeof id === 'string' ? safeText(id, 200) : id, method: value.method, url: redactUrlForLog(value.url ?? '') };
  }
  if (value instanceof ServerResponse) return { statusCode: value.statusCode };
  if (Array.isArray(value)) return value.map((item) => scrubFields(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, scrubFields(inner, depth + 1)]));
}

/** Text that may have come from a request, made safe for a log: link values and tokens out. */
function safeText(text: string, max: number): string {
  return redactUrlForLog(text.slice(0, max * 2)).slice(0, max);
}

/**
 * An error as a log line may show it. A database error is logged by its code and the shape of
 * its statement only: the driver's own words can quote a bound value (an FTS syntax error quotes
 * the search term). Any other message and stack pass through the link scrubber, since an error
 * can quote the URL or the input that caused it.
 */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: safeText(String(error), 300) };
  const { code, errno, severity, constraint } = error as { code?: unknown; errno?: unknown; severity?: unknown; constraint?: unknown };
  const statement = () => {
    const found = /^\s*(select|insert|update|delete|with|pragma|create|alter|drop|vacuum)\b[^]*? - /i.exec(error.message)?.[0].slice(0, -3);
    return found ? found.replace(/\s+/g, ' ').slice(0, 200) : undefined;
  };
  if (typeof code === 'string' && /^SQLITE_/.test(code)) return { type: 'DatabaseError', code, errno, statement: statement() };
  // PostgreSQL's: its SQLSTATE and the constraint's name (schema, not data); its message and
  // detail ("Key (email)=(…) already exists") quote values.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string') {
    return { type: 'DatabaseError', code, ...(typeof constraint === 'string' ? { constraint } : {}), statement: statement() };
  }
  return {
    type: error.name,
    message: safeText(error.message, 1000),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    stack: error.stack ? safeText(error.stack, 4000) : undefined,
  };
}
