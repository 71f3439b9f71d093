import crypto from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { Env } from '../app/utils/env.server';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Gives each request a fresh CSP nonce, which Remix puts on its inline scripts. */
export const cspNonce: RequestHandler = (_req, res, next) => {
  res.locals.cspNonce = crypto.randomBytes(16).toString('base64');
  next();
};

/**
 * Security headers for every response. The script policy is nonce-based: only scripts Remix
 * renders with this request's nonce run. In development the live-reload socket needs `ws:`.
 */
export function securityHeaders(env: Env): RequestHandler {
  const connectSrc = ["'self'"];
  if (!env.isProduction) connectSrc.push('ws://localhost:*', 'ws://127.0.0.1:*');
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        scriptSrc: ["'self'", (_req, res) => `'nonce-${String((res as unknown as Response).locals.cspNonce)}'`],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc,
        reportUri: ['/csp-report'],
        upgradeInsecureRequests: env.isProduction ? [] : null,
      },
    },
    // HSTS only where the app is served over HTTPS; on http://localhost it would pin a dev browser.
    strictTransportSecurity: env.HSTS ? { maxAge: 63_072_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
    xFrameOptions: { action: 'deny' },
  });
}

/**
 * CSRF defence for every non-GET request, page actions, data requests (`.data`) and resource
 * routes alike: Remix's own check covers only document POSTs. A browser always sends
 * `Sec-Fetch-Site` or `Origin` on a cross-site POST; server-to-server callers (webhooks, curl)
 * send neither and have no ambient cookies to abuse.
 */
export function originCheck(env: Env): RequestHandler {
  const publicOrigin = new URL(env.PUBLIC_URL).origin;
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const fetchSite = req.get('sec-fetch-site');
    const origin = req.get('origin');
    const ownOrigin = `${req.protocol}://${req.get('host') ?? ''}`;
    const crossSiteFetch = fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none';
    const foreignOrigin = origin !== undefined && origin !== publicOrigin && origin !== ownOrigin;
    if (crossSiteFetch || foreignOrigin) {
      req.log?.warn({ origin, fetchSite }, 'cross-site request refused');
      res.status(403).type('text/plain').send('Forbidden: this request came from another site.');
      return;
    }
    next();
  };
}
