import { getDb, type ModelContext } from '~/utils/db.server';

/**
 * What the server saw of its surroundings, for the doctor: today, requests that came through a
 * proxy (they carry X-Forwarded-For) while TRUST_PROXY is unset — every client then looks like
 * the proxy, and the limits per address count everyone together.
 */
export type ObservationKind = 'forwarded_without_trust_proxy';

const WRITE_AT_MOST_EVERY_MS = 60_000;
const lastWritten = new Map<ObservationKind, number>();

/** Records that it happened (at most once a minute per process: it sits on the request path). */
export async function observe(kind: ObservationKind, detail: string, { db = getDb(), now = new Date() }: ModelContext = {}): Promise<void> {
  const last = lastWritten.get(kind) ?? 0;
  if (now.getTime() - last < WRITE_AT_MOST_EVERY_MS) return;
  lastWritten.set(kind, now.getTime());
  await db('server_observations')
    .insert({ kind, observed_at: now.toISOString(), detail: detail.slice(0, 200) })
    .onConflict('kind')
    .merge();
}

export async function lastObserved(kind: ObservationKind, { db = getDb() }: ModelContext = {}): Promise<{ at: string; detail: string } | null> {
  const row = await db('server_observations').where({ kind }).first('observed_at', 'detail');
  return row ? { at: row.observed_at as string, detail: row.detail as string } : null;
}
