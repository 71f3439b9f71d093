import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { apiErrorHandler, apiRouter } from './api';
import { FaultBook, faultBody, faultRuleSchema, type FaultRule } from './faults';
import { itContactsRouter } from './it-contacts';
import { InvitationMailer, type SandboxMailOptions } from './mail';
import { portalRouter } from './portal';
import { eventForWire, invitationStatus, SandboxClock, SandboxStore } from './store';
import { WebhookDispatcher } from './webhooks';

/** One request as the sandbox saw it, for tests to assert what the app sent. */
export interface LoggedRequest {
  requestId: string;
  at: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  idempotencyKey: string | null;
  authorized: boolean;
  body: unknown;
  status: number;
  responseBody: unknown;
  replayed: boolean;
  fault: Omit<FaultRule, 'body'> | null;
}

export interface SandboxOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** API keys accepted as `Authorization: Bearer <key>`. */
  apiKeys?: string[];
  /** Where to keep state between restarts (development); in memory when absent. */
  persistPath?: string;
  /** Organizations to create at start when the state is empty (not on a restart with saved state). */
  seed?: { organizations?: { name: string; domains?: string[]; externalId?: string }[] };
  /**
   * The origin Admin Portal links point to, as a WorkOS custom portal domain would make them;
   * its own URL when absent (the simulated portal is served there).
   */
  portalOrigin?: string;
  /**
   * API keys that authenticate but lack the IT-contacts permission: every IT-contacts route
   * answers them 403, everything else works.
   */
  limitedApiKeys?: string[];
  /**
   * The SMTP server the IT-contact invitation emails go to (a local catcher). Without it
   * invitations are still made (the control API shows their links) but no email is sent.
   */
  mail?: SandboxMailOptions;
}

export const DEFAULT_SANDBOX_API_KEY = 'sk_test_sandbox_local_development_key';

interface CachedResponse {
  fingerprint: string;
  /** Rejects when the first request never reached the API. */
  done: Promise<{ status: number; body: unknown }>;
}

/** The API paths that need an API key (everything WorkOS serves to servers). */
const API_PATH = /^\/(organizations|portal\/generate_link|events)(\/|$)/;

/**
 * Builds the sandbox app: request ids, a request log, API-key auth, idempotency, fault injection,
 * the API, the simulated portal, and a control API under /__sandbox for tests.
 */
export function createSandbox(options: SandboxOptions & { publicUrl: () => string }) {
  const clock = new SandboxClock();
  const store = new SandboxStore(clock, options.persistPath);
  const faults = new FaultBook();
  const webhooks = new WebhookDispatcher();
  const requests: LoggedRequest[] = [];
  const idempotency = new Map<string, CachedResponse>();
  const apiKeys = new Set(options.apiKeys ?? [DEFAULT_SANDBOX_API_KEY]);
  const limitedApiKeys = new Set(options.limitedApiKeys ?? []);
  const mailer = new InvitationMailer(store, options.mail);
  const origin = () => options.portalOrigin ?? options.publicUrl();
  const invitationUrl = (token: string) => `${origin()}/invitation?token=${encodeURIComponent(token)}`;
  store.onEvent((event) => webhooks.dispatch(event));
  if (store.state.organizations.length === 0) {
    for (const organization of options.seed?.organizations ?? []) store.seedOrganization(organization);
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json({ limit: '1mb' }));

  // Request id, response capture for the log.
  app.use((req, res, next) => {
    if (req.path.startsWith('/__sandbox')) return next();
    const requestId = crypto.randomUUID();
    res.setHeader('X-Request-ID', requestId);
    const entry: LoggedRequest = {
      requestId,
      at: clock.iso(),
      method: req.method,
      path: req.path,
      query: { ...req.query },
      idempotencyKey: req.get('Idempotency-Key') ?? null,
      authorized: false,
      body: req.body && Object.keys(req.body as object).length ? req.body : null,
      status: 0,
      responseBody: null,
      replayed: false,
      fault: null,
    };
    res.locals.logEntry = entry;
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      entry.responseBody = body;
      return json(body);
    };
    res.on('finish', () => {
      entry.status = res.statusCode;
      requests.push(entry);
    });
    next();
  });

  // API-key auth, as WorkOS answers a missing or unknown key.
  app.use((req, res, next) => {
    if (!API_PATH.test(req.path)) return next();
    const key = /^Bearer (.+)$/.exec(req.get('Authorization') ?? '')?.[1];
    if (!key || !(apiKeys.has(key) || limitedApiKeys.has(key))) {
      res.status(401).json({ message: 'Unauthorized: the API key is missing or not valid for this environment.' });
      return;
    }
    (res.locals.logEntry as LoggedRequest).authorized = true;
    res.locals.limitedApiKey = !apiKeys.has(key);
    next();
  });

  // Fault injection, before or after the API does its work. Before idempotency: a fault stands
  // for the network or a proxy, which fail a request whatever WorkOS has cached.
  app.use(async (req, res, next) => {
    if (req.path.startsWith('/__sandbox')) return next();
    const rule = faults.take(req.method, req.path, req.body);
    if (!rule) return next();
    const { body: _body, ...ruleSummary } = rule;
    (res.locals.logEntry as LoggedRequest).fault = ruleSummary;
    if (rule.latencyMs) await new Promise((resolve) => setTimeout(resolve, rule.latencyMs));
    if (rule.hold) await faults.held(rule.id);
    if (rule.pass) return next();
    if (rule.phase === 'after') {
      res.locals.afterFault = rule;
      return next();
    }
    sendFault(req, res, rule, next);
  });

  // Idempotency: the same key and body get the same response; the first request's result wins
  // even when concurrent copies arrive while it is still running.
  const idempotent = (req: Request, res: Response, next: NextFunction): void => {
    const key = req.get('Idempotency-Key');
    // A WorkOS that ignores the header (the docs promise replays; the app must not depend on it).
    if (store.readings.idempotencyKeys === 'ignored') return next();
    if (req.method !== 'POST' || !key || !API_PATH.test(req.path)) return next();
    const scope = `${req.get('Authorization')} ${req.path} ${key}`;
    const fingerprint = JSON.stringify(req.body ?? null);
    const cached = idempotency.get(scope);
    if (cached) {
      if (cached.fingerprint !== fingerprint) {
        res.status(422).json({ message: `The Idempotency-Key '${key}' was already used with a different request body.` });
        return;
      }
      cached.done.then(
        ({ status, body }) => {
          (res.locals.logEntry as LoggedRequest).replayed = true;
          const afterFault = res.locals.afterFault as FaultRule | undefined;
          if (afterFault) return sendFault(req, res, afterFault, next);
          res.setHeader('Idempotent-Replayed', 'true');
          res.status(status).json(body);
        },
        // The first copy never reached the API (a fault before it): this one is processed afresh.
        () => idempotent(req, res, next),
      );
      return;
    }
    let settle!: (value: { status: number; body: unknown } | null) => void;
    const outcome = new Promise<{ status: number; body: unknown } | null>((resolve) => (settle = resolve));
    const done = outcome.then((value) => value ?? Promise.reject(new Error('not processed')));
    done.catch(() => idempotency.delete(scope));
    idempotency.set(scope, { fingerprint, done });
    res.locals.settleIdempotency = settle;
    res.on('close', () => settle(null));
    next();
  };
  app.use(idempotent);

  // With a fault `after`, the API's response is recorded for idempotency and then replaced.
  app.use((_req, res, next) => {
    const settle = res.locals.settleIdempotency as ((value: { status: number; body: unknown }) => void) | undefined;
    const afterFault = res.locals.afterFault as FaultRule | undefined;
    if (!settle && !afterFault) return next();
    let replaced = false;
    const json = res.json.bind(res);
    const end = res.end.bind(res);
    const replaceWithFault = () => {
      replaced = true;
      if (afterFault!.drop) {
        res.socket?.destroy();
        return res;
      }
      if (afterFault!.retryAfter !== undefined) res.setHeader('Retry-After', String(afterFault!.retryAfter));
      res.status(afterFault!.status ?? 500);
      return json(faultBody(afterFault!));
    };
    res.json = (body: unknown) => {
      settle?.({ status: res.statusCode, body });
      return afterFault && !replaced ? replaceWithFault() : json(body);
    };
    res.end = ((...args: Parameters<typeof res.end>) => {
      settle?.({ status: res.statusCode, body: null });
      return afterFault && !replaced ? replaceWithFault() : end(...args);
    }) as typeof res.end;
    next();
  });

  // Browsers ask for it on every portal page; an empty answer keeps their consoles clean.
  app.get('/favicon.ico', (_req, res) => res.status(204).end());
  app.use(apiRouter(store, { publicUrl: origin }));
  app.use(itContactsRouter(store, { mailer, invitationUrl }));
  app.use(portalRouter(store));
  app.use('/__sandbox', controlRouter());
  app.use((req, res) => res.status(404).json({ message: `No route for ${req.method} ${req.path}` }));
  app.use(apiErrorHandler);

  function sendFault(_req: Request, res: Response, rule: FaultRule, _next: NextFunction): void {
    if (rule.drop) {
      res.socket?.destroy();
      return;
    }
    if (rule.retryAfter !== undefined) res.setHeader('Retry-After', String(rule.retryAfter));
    res.status(rule.status ?? 500).json(faultBody(rule));
  }

  function controlRouter() {
    const router = express.Router();
    router.get('/requests', (_req, res) => res.json(requests));
    router.delete('/requests', (_req, res) => {
      requests.length = 0;
      res.status(204).end();
    });
    router.get('/faults', (_req, res) => res.json(faults.list()));
    router.post('/faults', (req, res) => {
      const parsed = faultRuleSchema.safeParse(req.body);
      if (!parsed.success) return void res.status(400).json({ message: parsed.error.message });
      res.status(201).json(faults.add(req.body));
    });
    router.post('/faults/:id/release', (req, res) => {
      faults.release(Number(req.params.id));
      res.status(204).end();
    });
    router.delete('/faults', (_req, res) => {
      faults.clear();
      res.status(204).end();
    });
    router.post('/webhook-endpoints', (req, res) => {
      const body = z.object({ url: z.url(), secret: z.string().min(8) }).safeParse(req.body);
      if (!body.success) return void res.status(400).json({ message: body.error.message });
      res.status(201).json(webhooks.add(body.data.url, body.data.secret));
    });
    // Stops (and resumes) delivering one organization's events: a test of the poller, where WorkOS
    // cannot reach the app, without touching other tests' webhooks.
    router.post('/webhook-mutes', (req, res) => {
      const body = z.object({ organization_id: z.string().min(1) }).safeParse(req.body);
      if (!body.success) return void res.status(400).json({ message: body.error.message });
      webhooks.mute(body.data.organization_id);
      res.status(204).end();
    });
    router.delete('/webhook-mutes/:organizationId', (req, res) => {
      webhooks.unmute(req.params.organizationId);
      res.status(204).end();
    });
    router.get('/webhook-deliveries', async (_req, res) => {
      await webhooks.settle();
      res.json(webhooks.deliveries);
    });
    router.post('/clock', (req, res) => {
      const body = z.object({ advanceMs: z.number().int() }).safeParse(req.body);
      if (!body.success) return void res.status(400).json({ message: body.error.message });
      clock.offsetMs += body.data.advanceMs;
      res.json({ now: clock.iso() });
    });
    // Expires one Admin Portal link now (moving the clock would expire everyone's).
    router.post('/expire-portal-link', (req, res) => {
      const body = z.object({ link: z.url() }).safeParse(req.body);
      const token = body.success ? new URL(body.data.link).searchParams.get('token') : null;
      const session = store.state.portalSessions.find((candidate) => candidate.token === token);
      if (!session) return void res.status(404).json({ message: 'No such portal link' });
      session.expires_at = new Date(clock.now().getTime() - 1).toISOString();
      session.opened_at = null;
      store.save();
      res.status(204).end();
    });
    router.post('/events', (req, res) => {
      const body = z.object({ event: z.string().min(1), data: z.record(z.string(), z.unknown()), organization_id: z.string().optional() }).safeParse(req.body);
      if (!body.success) return void res.status(400).json({ message: body.error.message });
      res.status(201).json(eventForWire(store.emit(body.data.event, body.data.data, body.data.organization_id)));
    });
    // IT-contact invitations with their links and status, once any email under way has been sent
    // (or failed): a test follows a link without reading a mail catcher.
    router.get('/it-invitations', async (req, res) => {
      await mailer.settle();
      const organizationId = typeof req.query.organization_id === 'string' ? req.query.organization_id : undefined;
      const now = clock.now();
      res.json(
        store.state.itInvitations
          .filter((invitation) => !organizationId || invitation.organization_id === organizationId)
          .map((invitation) => ({
            ...invitation,
            contact_email: store.state.itContacts.find((contact) => contact.id === invitation.contact_id)?.email ?? null,
            url: invitationUrl(invitation.token),
            status: invitationStatus(invitation, now),
          })),
      );
    });
    router.get('/state', (_req, res) => res.json(store.state));
    router.post('/reset', (_req, res) => {
      store.reset();
      faults.clear();
      webhooks.clear();
      requests.length = 0;
      idempotency.clear();
      clock.offsetMs = 0;
      res.status(204).end();
    });
    return router;
  }

  return { app, store, faults, webhooks, requests, clock, mailer };
}

export interface RunningSandbox {
  /** Base URL, e.g. http://localhost:4100 (also the Admin Portal links' origin). */
  url: string;
  port: number;
  host: string;
  apiKey: string;
  /** Options for `new WorkOS(apiKey, sdkOptions)`. */
  sdkOptions: { apiHostname: string; port: number; https: false };
  store: SandboxStore;
  faults: FaultBook;
  webhooks: WebhookDispatcher;
  requests: LoggedRequest[];
  clock: SandboxClock;
  /** Sends the IT-contact invitation emails; `settle()` waits for those under way. */
  mailer: InvitationMailer;
  stop(): Promise<void>;
}

/** Starts the sandbox on `port` (0: a free one) and resolves once it is listening. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  let publicUrl = '';
  const sandbox = createSandbox({ ...options, publicUrl: () => publicUrl });
  const server: Server = await new Promise((resolve, reject) => {
    const listening = sandbox.app.listen(options.port ?? 0, host, () => resolve(listening));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  publicUrl = `http://${host === '127.0.0.1' ? 'localhost' : host}:${port}`;
  return {
    url: publicUrl,
    port,
    host,
    apiKey: [...(options.apiKeys ?? [DEFAULT_SANDBOX_API_KEY])][0]!,
    sdkOptions: { apiHostname: host, port, https: false },
    store: sandbox.store,
    faults: sandbox.faults,
    webhooks: sandbox.webhooks,
    requests: sandbox.requests,
    clock: sandbox.clock,
    mailer: sandbox.mailer,
    async stop() {
      // Held requests go on (and finish) rather than keep the server from closing.
      sandbox.faults.clear();
      await sandbox.webhooks.settle();
      await sandbox.mailer.settle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
