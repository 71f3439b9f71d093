import { AsyncLocalStorage } from 'node:async_hooks';
import { WorkOS } from '@workos-inc/node';
import { getEnv, type Env } from './env.server';
import { forgetSingleton, singleton } from './singleton.server';

/** The SDK gives up on one attempt after this long (its default, 60 s, is longer than anyone waits). */
const WORKOS_TIMEOUT_MS = 15_000;

/**
 * Deadlines (decision 015). A call made while a person waits — creating or editing an
 * organization, "Check WorkOS now", the IT admin's launch — runs inside `withPersonDeadline`: it
 * answers within the deadline whatever WorkOS does, retries included, and a `Retry-After` longer
 * than the time left is answered at once ("WorkOS is busy, try again in N s"). Background work
 * (the poller, a sync) runs outside it and keeps the SDK's patience: retries, backoff, Retry-After.
 */
interface Deadline {
  at: number;
  ms: number;
  signal: AbortSignal;
}
const deadlines = new AsyncLocalStorage<Deadline>();

/** WorkOS did not answer within the person's deadline. */
export class WorkOSDeadlineError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`WorkOS did not answer within ${Math.round(deadlineMs / 1000)} s`);
    this.name = 'WorkOSDeadlineError';
  }
}

/** WorkOS failed in a way worth retrying, but no retry fits in the time the person has left. */
export class WorkOSUnavailableError extends Error {
  constructor(readonly status: number) {
    super(`WorkOS answered ${status}, and there is no time left to try again`);
    this.name = 'WorkOSUnavailableError';
  }
}

/** WorkOS asked to be called again later than the person can wait. */
export class WorkOSBusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`WorkOS is busy: try again in ${retryAfterSeconds} s`);
    this.name = 'WorkOSBusyError';
  }
}

/**
 * A WorkOS timestamp as the ISO string the database keeps: SDK 12 hands over `Date` objects
 * where SDK 11 handed over strings, and raw API answers carry strings. The one place they meet.
 */
export function isoTimestamp(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return null;
}

/** The Admin Portal links made for one setup link carry this id, so that ending the link can end them (`revokeLink`). */
export function portalUserIdOf(setupLinkId: number): string {
  return `setup_link_${setupLinkId}`;
}

/**
 * The error a WorkOS call failed with, as we raised it: the SDK wraps anything its fetch throws
 * (our deadline and busy errors) in an "Unexpected error" whose `cause` is the original.
 */
export function rootWorkOSError(error: unknown): unknown {
  let current = error;
  const ours = (candidate: unknown) =>
    candidate instanceof WorkOSDeadlineError || candidate instanceof WorkOSBusyError || candidate instanceof WorkOSUnavailableError;
  for (let depth = 0; depth < 3 && current instanceof Error && !ours(current); depth += 1) {
    if (!(current.cause instanceof Error)) break;
    current = current.cause;
  }
  return ours(current) ? current : error;
}

/** Runs `work` with every WorkOS call in it bound to one deadline (`WORKOS_PERSON_DEADLINE_MS`). */
export async function withPersonDeadline<T>(work: () => Promise<T>, ms: number = getEnv().WORKOS_PERSON_DEADLINE_MS): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new WorkOSDeadlineError(ms)), ms);
  try {
    return await deadlines.run({ at: Date.now() + ms, ms, signal: controller.signal }, work);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The WorkOS client. Without WORKOS_API_HOSTNAME it talks to WorkOS itself; with it (as
 * `npm run dev` and the tests set it) to that host — the local WorkOS sandbox. Inside
 * `withPersonDeadline` every call it makes keeps that deadline.
 */
export function getWorkOS(): WorkOS {
  const client = singleton('workos', () => createWorkOS(getEnv()));
  return deadlines.getStore() ? singleton('workos-person', () => keepingDeadlines(client)) : client;
}

/**
 * The client for calls whose retries the caller makes itself (creating an organization looks for
 * what an earlier attempt may have created before trying again). Keeps a person's deadline.
 */
export function getWorkOSWithoutRetries(): WorkOS {
  const client = singleton('workos-no-retries', () => createWorkOS(getEnv(), { maxRetries: 0 }));
  return deadlines.getStore() ? singleton('workos-no-retries-person', () => keepingDeadlines(client)) : client;
}

/** A WorkOS client for this environment (the doctor makes its own, with fewer retries). */
export function createWorkOS(env: Env, { maxRetries = 3 }: { maxRetries?: number } = {}): WorkOS {
  return new WorkOS(env.WORKOS_API_KEY, {
    apiHostname: env.WORKOS_API_HOSTNAME,
    port: env.WORKOS_API_PORT,
    https: env.WORKOS_API_HTTPS,
    clientId: env.WORKOS_CLIENT_ID,
    timeout: WORKOS_TIMEOUT_MS,
    maxRetries,
    fetchFn: deadlineAwareFetch,
  });
}

/**
 * The SDK's longest backoff before its next attempt (500 ms × 1.5^attempt, ±50 %: up to 3.8 s
 * before the fourth); with less than this left, no retry is worth waiting for.
 */
const LONGEST_BACKOFF_MS = 4_000;
const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * The SDK's fetch. Outside a deadline it is plain fetch. Inside one: an attempt is aborted at the
 * deadline, none starts after it, and a retryable answer is not retried when WorkOS's Retry-After
 * (or the SDK's own backoff) would outlast what is left — the caller hears at once instead.
 */
const deadlineAwareFetch: typeof fetch = async (input, init) => {
  const deadline = deadlines.getStore();
  if (!deadline) return fetch(input, init);
  if (deadline.signal.aborted || Date.now() >= deadline.at) throw new WorkOSDeadlineError(deadline.ms);
  const signal = init?.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
  let response: Response;
  try {
    response = await fetch(input, { ...init, signal });
  } catch (error) {
    if (deadline.signal.aborted) throw new WorkOSDeadlineError(deadline.ms);
    throw error;
  }
  if (!RETRIED_STATUSES.has(response.status)) return response;
  const left = deadline.at - Date.now();
  const retryAfter = retryAfterSecondsOf(response.headers.get('Retry-After'));
  if (retryAfter !== null && retryAfter * 1000 > left) throw new WorkOSBusyError(retryAfter);
  if (retryAfter === null && left < LONGEST_BACKOFF_MS) throw new WorkOSUnavailableError(response.status);
  return response;
};

function retryAfterSecondsOf(header: string | null): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/**
 * The client as a person's request sees it: every SDK call also ends at the deadline (the SDK
 * may be sleeping between retries when it falls), and what it was still doing is left to fail on
 * its own — its next attempt is refused by `deadlineAwareFetch`.
 */
function keepingDeadlines(client: WorkOS): WorkOS {
  const wrap = (target: object): object =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value: unknown = Reflect.get(object, property, receiver);
        if (typeof value === 'function') {
          return (...args: unknown[]) => {
            const result: unknown = (value as (...callArgs: unknown[]) => unknown).apply(object, args);
            return result instanceof Promise ? raceDeadline(result) : result;
          };
        }
        return value && typeof value === 'object' && !Array.isArray(value) ? wrap(value) : value;
      },
    });
  return wrap(client) as WorkOS;
}

function raceDeadline<T>(call: Promise<T>): Promise<T> {
  const deadline = deadlines.getStore();
  if (!deadline) return call;
  call.catch(() => undefined); // settled later, unheard: its own failure is the expected one
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new WorkOSDeadlineError(deadline.ms));
    if (deadline.signal.aborted) return onAbort();
    deadline.signal.addEventListener('abort', onAbort, { once: true });
    call.then(resolve, reject).finally(() => deadline.signal.removeEventListener('abort', onAbort));
  });
}

/** Forgets the client so that the next `getWorkOS` reads the environment again (tests). */
export function resetWorkOS(): void {
  forgetSingleton('workos');
  forgetSingleton('workos-person');
  forgetSingleton('workos-no-retries');
  forgetSingleton('workos-no-retries-person');
}

/**
 * Where Admin Portal links point: a custom portal domain (WORKOS_PORTAL_ORIGIN); the local sandbox,
 * which serves its simulated portal on its own origin (a loopback API host); or WorkOS's hosted
 * portal, `https://setup.workos.com` — also when WORKOS_API_HOSTNAME names WorkOS's API or a custom
 * API domain: the API's host is not the portal's. The IT admin's setup page must allow it in its
 * CSP `form-action`, because browsers check the redirect that follows a form POST; the doctor
 * generates a link and fails when its origin is not among these.
 */
export function portalOrigins(env: Env = getEnv()): string[] {
  if (env.WORKOS_PORTAL_ORIGIN) return [new URL(env.WORKOS_PORTAL_ORIGIN).origin];
  const host = env.WORKOS_API_HOSTNAME;
  if (!host || !LOOPBACK_HOSTS.test(host)) return ['https://setup.workos.com'];
  const scheme = env.WORKOS_API_HTTPS ? 'https' : 'http';
  const port = env.WORKOS_API_PORT ? `:${env.WORKOS_API_PORT}` : '';
  return [...new Set([host, '127.0.0.1', 'localhost'])].map((name) => `${scheme}://${name}${port}`);
}

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?)$/i;
