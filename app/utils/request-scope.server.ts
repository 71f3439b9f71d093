import { AsyncLocalStorage } from 'node:async_hooks';
import { singleton } from './singleton.server';

/**
 * What the loaders of one HTTP request share: the Express server runs each request to Remix in
 * its own scope (server/app.ts). Remix hands each loader its own copy of the Request, so the
 * request object cannot carry this; and the scope is one per process (a singleton), because the
 * server bundle and the Remix build each hold a copy of this module.
 */
type RequestScope = Map<string, unknown>;

function storage(): AsyncLocalStorage<RequestScope> {
  return singleton('request-scope', () => new AsyncLocalStorage<RequestScope>());
}

/** Runs `handle` (one request's handling) in a fresh scope. */
export function runInRequestScope<Result>(handle: () => Result): Result {
  return storage().run(new Map(), handle);
}

/**
 * `compute()`'s value for `key`, computed once per request and shared by every caller in it.
 * Outside a request scope (a script, a loader called by a test) it is computed at every call.
 */
export function oncePerRequest<Value>(key: string, compute: () => Value): Value {
  const scope = storage().getStore();
  if (!scope) return compute();
  if (!scope.has(key)) scope.set(key, compute());
  return scope.get(key) as Value;
}
