/**
 * One instance per process, even when a module is loaded twice: the Express server bundle and the
 * Remix server build each contain their own copy of the app's server modules, and the Remix dev
 * server re-imports the build on every change. Both must share one database pool and one logger.
 */
export function singleton<Value>(name: string, create: () => Value): Value {
  const store = globalThis as typeof globalThis & { __setupDeskSingletons?: Map<string, unknown> };
  store.__setupDeskSingletons ??= new Map();
  if (!store.__setupDeskSingletons.has(name)) store.__setupDeskSingletons.set(name, create());
  return store.__setupDeskSingletons.get(name) as Value;
}

/**
 * Drops a singleton so that the next `singleton(name, …)` creates a fresh one; returns the old
 * instance (if any) for the caller to close.
 */
export function forgetSingleton<Value = unknown>(name: string): Value | undefined {
  const store = globalThis as typeof globalThis & { __setupDeskSingletons?: Map<string, unknown> };
  const existing = store.__setupDeskSingletons?.get(name) as Value | undefined;
  store.__setupDeskSingletons?.delete(name);
  return existing;
}
