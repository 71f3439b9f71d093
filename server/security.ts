import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { Env } from '../app/utils/env.server';
import { portalOrigins } from '../app/utils/workos.server';
import { routeOf } from './canonical-path';

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
  const app = appSecurityHeaders(env);
  const emailPreview = emailPreviewSecurityHeaders(env);
  return (req, res, next) => (isEmailPreviewPath(routeOf(req, res).path) ? emailPreview : app)(req, res, next);
}

function appSecurityHeaders(env: Env): RequestHandler {
  const portal = portalOrigins(env).join(' ');
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
        // The IT admin's setup page posts a launch that redirects to the Admin Portal.
        formAction: ["'self'", (req, res) => (routeOf(req as Request, res as unknown as Response).isSetup ? portal : "'self'")],
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
 * The email preview is an email: inline styles (mail clients ignore style sheets, so emails carry
 * none) and nothing else — no script, no image, no font, no form, loaded from nowhere, and
 * sandboxed into an origin of its own so that it cannot reach the app even if a draft smuggled
 * markup past React's escaping.
 */
function emailPreviewSecurityHeaders(env: Env): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
        sandbox: [],
      },
    },
    strictTransportSecurity: env.HSTS ? { maxAge: 63_072_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
    xFrameOptions: { action: 'deny' },
  });
}

export function isEmailPreviewPath(path: string): boolean {
  return /^\/organizations\/[^/]+\/email-preview$/i.test(path);
}

/**
 * CSRF defence for every non-GET request, page actions, data requests (`.data`) and resource
 * routes alike: Remix's own check covers only document POSTs. Browsers send `Sec-Fetch-Site`
 * (which a page cannot forge) on every request: when present it decides alone — a form posted
 * from a `Referrer-Policy: no-referrer` page carries `Origin: null` although it is same-origin.
 * Older browsers send only `Origin`, which must then be ours. Server-to-server callers
 * (webhooks, curl) send neither and have no ambient cookies to abuse.
 */
export function originCheck(env: Env): RequestHandler {
  const publicOrigin = new URL(env.PUBLIC_URL).origin;
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const fetchSite = req.get('sec-fetch-site');
    const origin = req.get('origin');
    const ownOrigin = `${req.protocol}://${req.get('host') ?? ''}`;
    const refused =
      fetchSite !== undefined ? fetchSite !== 'same-origin' && fetchSite !== 'none' : origin !== undefined && origin !== publicOrigin && origin !== ownOrigin;
    if (refused) {
      req.log?.warn({ origin, fetchSite }, 'cross-site request refused');
      res.status(403).type('text/plain').send('Forbidden: this request came from another site.');
      return;
    }
    // Past this check the Origin header has said all it can. Remix repeats a check of its own
    // against Host (or an unvetted X-Forwarded-Host), which a proxy that rewrites Host turns into
    // a 500 — and `Origin: null` from a no-referrer page too. This check is the one that decides.
    delete req.headers.origin;
    next();
  };
}

/**
 * The IT admin's pages are reached by a secret URL: never cached, never sent on as a referrer,
 * never indexed.
 */
export const setupPageHeaders: RequestHandler = (req, res, next) => {
  if (routeOf(req, res).isSetup) {
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    res.setHeader('Referrer-Policy', 'no-referrer');
  }
  next();
};
