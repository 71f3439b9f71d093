import type { RequestHandler, Response } from 'express';
import getRawBody from 'raw-body';
import { routeOf } from './canonical-path';

/**
 * Every request body, checked before any route sees it (decision 015): its type must be one the
 * route reads, and its size within the route's limit — refused with 415 or 413 before the body is
 * read into memory (the rest is read and dropped, or the connection cut: see `refuse`). A
 * form body is parsed once here, so a form no parser can read is a 400, not a route's 500. The
 * body read is handed to Remix as it is.
 */
export const BODY_LIMITS = {
  /** The largest form (a new organization with its domains, a 2,000-character note) is a few KB. */
  form: 64 * 1024,
  /** WorkOS's event payloads. */
  webhook: 256 * 1024,
  cspReport: 16 * 1024,
} as const;

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

interface BodyRule {
  types: string[];
  limit: number;
  /** Parsed as a form here (the route calls request.formData()). */
  form: boolean;
}

function ruleFor(path: string): BodyRule {
  if (/^\/webhooks\/workos$/i.test(path)) return { types: ['application/json'], limit: BODY_LIMITS.webhook, form: false };
  if (/^\/csp-report$/i.test(path))
    return { types: ['application/csp-report', 'application/json', 'application/reports+json'], limit: BODY_LIMITS.cspReport, form: false };
  return { types: FORM_TYPES, limit: BODY_LIMITS.form, form: true };
}

const BODILESS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const requestBodies: RequestHandler = async (req, res, next) => {
  if (BODILESS.has(req.method)) {
    // Nothing reads a GET's body, but the server would still take it in to keep the connection.
    const declared = req.headers['content-length'];
    if ((declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined) {
      refuse(req, res, 400, `A ${req.method} request carries no body.`);
      return;
    }
    return next();
  }
  const rule = ruleFor(routeOf(req, res).path);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const declared = req.headers['content-length'];
  const hasBody = (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;

  if (!hasBody && !type && rule.form) {
    // A bare POST (a button with no fields, a curl): an empty form, for the route to judge.
    req.headers['content-type'] = 'application/x-www-form-urlencoded';
    res.locals.body = Buffer.alloc(0);
    return next();
  }
  if (!rule.types.includes(type)) {
    refuse(req, res, 415, `Send this as ${rule.types.join(' or ')}.`);
    return;
  }
  if (declared !== undefined && Number(declared) > rule.limit) {
    refuse(req, res, 413, `That is more than this page takes (${Math.round(rule.limit / 1024)} KB).`);
    return;
  }
  let body: Buffer;
  try {
    body = await getRawBody(req, { length: declared, limit: rule.limit });
  } catch (error) {
    const kind = (error as { type?: string }).type;
    if (kind === 'request.aborted') return; // the client left; nobody to answer
    if (kind === 'entity.too.large') refuse(req, res, 413, `That is more than this page takes (${Math.round(rule.limit / 1024)} KB).`);
    else refuse(req, res, 400, 'The request body could not be read.');
    return;
  }
  if (rule.form) {
    let form: FormData;
    try {
      form = await new Request('http://setup-desk.invalid/', {
        method: 'POST',
        headers: { 'Content-Type': req.headers['content-type']! },
        body: new Uint8Array(body),
      }).formData();
    } catch {
      refuse(req, res, 400, 'The form could not be read: send it again from the page.');
      return;
    }
    // No field takes a NUL character, and PostgreSQL's text cannot hold one: refused for every
    // form at once, with what to do, rather than left for each field's schema to forget.
    for (const [name, value] of form.entries()) {
      if (name.includes('\0') || (typeof value === 'string' && value.includes('\0'))) {
        refuse(req, res, 400, 'A field holds a NUL character, which no field here takes: remove it and send the form again.');
        return;
      }
    }
  }
  res.locals.body = body;
  next();
};

/**
 * After a refusal the server goes on reading what the client is still sending — dropping it — up
 * to this much: a connection closed with unread data is reset, and the reset takes the answer
 * down with it (the person sees "connection reset", not the page that says what was wrong). The
 * framing of the request is kept, so the next request on the connection is read as it should be.
 * A client that declares or sends more than this is cut off.
 */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;
/** …and for at most this long: a client that stops sending mid-body must not hold the connection (nor a shutdown) open. */
const DRAIN_LIMIT_MS = 5_000;

/** Reads and drops the rest of a refused body; past the byte or time limit, cuts the connection. */
function drainWithinLimits(req: Parameters<RequestHandler>[0]): void {
  let drained = 0;
  const cutOff = setTimeout(() => req.socket.destroy(), DRAIN_LIMIT_MS);
  cutOff.unref();
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) req.socket.destroy();
  });
  req.once('end', () => clearTimeout(cutOff));
  req.once('close', () => clearTimeout(cutOff));
  req.resume();
}

/** A plain page for a browser's document request, plain text for anything else. */
function refuse(req: Parameters<RequestHandler>[0], res: Response, status: 400 | 413 | 415, message: string): void {
  res.status(status);
  if (Number(req.headers['content-length'] ?? 0) > DRAIN_LIMIT_BYTES) res.setHeader('Connection', 'close');
  else drainWithinLimits(req);
  res.setHeader('Cache-Control', 'no-store');
  const wantsPage = (req.headers.accept ?? '').includes('text/html') && !routeOf(req, res).path.endsWith('.data') && !req.path.endsWith('.data');
  if (!wantsPage) {
    res.type('text/plain').send(message);
    return;
  }
  const title = status === 413 ? 'That was too much to send' : 'That could not be read';
  res
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>` +
        `<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem"><h1>${title}</h1><p>${escapeHtml(message)}</p>` +
        '<p>Nothing was saved. Go back, shorten what you entered, and try again.</p></body></html>',
    );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
