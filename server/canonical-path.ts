import type { Request, RequestHandler, Response } from 'express';

/**
 * The route a request reaches, read once the way Remix reads it — so that every rule keyed on a
 * path (rate limits, the IT admin's headers, body limits) sees the same thing whatever the
 * spelling: `/%73etup/…`, `/SETUP/…/`, an encoded token, or a single-fetch `….data` request all
 * reach `/setup/<token>`. Remix strips `.data`, decodes each segment once, matches case-
 * insensitively and ignores a trailing slash; so does this.
 */
export interface CanonicalRoute {
  /** The decoded path as Remix matches it, without `.data` or a trailing slash. */
  path: string;
  /** For any path under /setup: the IT admin's pages. */
  isSetup: boolean;
  /** The decoded token segment of `/setup/<token>` (never logged: only hashed for keys). */
  setupToken: string | null;
}

export function canonicalRoute(rawPath: string): CanonicalRoute {
  let path = rawPath.replace(/\.data$/, '');
  if (path === '/_root') path = '/';
  path = path
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
  if (path.length > 1) path = path.replace(/\/+$/, '');
  const setup = /^\/setup(?:\/([^/]+))?$/i.exec(path);
  return { path, isSetup: /^\/setup(\/|$)/i.test(path), setupToken: setup?.[1] ?? null };
}

/**
 * The URL Remix is handed: the public origin and the request's own path and query — never the
 * Host header (which a client chooses, and which would rewrite the path Remix routes).
 */
export function requestUrl(publicOrigin: string, originalUrl: string): URL {
  return new URL(`${publicOrigin}${originalUrl.startsWith('/') ? originalUrl : `/${originalUrl}`}`);
}

/**
 * Reads the route once per request, before any rule that depends on it. A path that a URL parser
 * would change — dot segments (plain or encoded), backslashes — is refused: the rules and Remix
 * must see one and the same path, and no browser sends such a path.
 */
export function readCanonicalRoute(publicOrigin: string): RequestHandler {
  return (req, res, next) => {
    const raw = req.originalUrl.split('?')[0]!;
    let parsed: URL;
    try {
      parsed = requestUrl(publicOrigin, req.originalUrl);
    } catch {
      res.status(400).setHeader('Connection', 'close').type('text/plain').send('Bad request: that is not a URL path.');
      return;
    }
    if (parsed.pathname !== raw) {
      res.status(400).setHeader('Cache-Control', 'no-store').type('text/plain').send('Bad request: the path has dot segments or backslashes.');
      return;
    }
    res.locals.route = canonicalRoute(parsed.pathname);
    next();
  };
}

export function routeOf(req: Request, res: Response): CanonicalRoute {
  return (res.locals.route as CanonicalRoute | undefined) ?? canonicalRoute(req.path);
}
