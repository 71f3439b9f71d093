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

/** Reads the route once per request, before any rule that depends on it. */
export const readCanonicalRoute: RequestHandler = (req, res, next) => {
  res.locals.route = canonicalRoute(req.path);
  next();
};

export function routeOf(req: Request, res: Response): CanonicalRoute {
  return (res.locals.route as CanonicalRoute | undefined) ?? canonicalRoute(req.path);
}
