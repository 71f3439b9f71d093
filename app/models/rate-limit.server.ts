import crypto from 'node:crypto';
import { getDb, type ModelContext } from '~/utils/db.server';
import { getEnv } from '~/utils/env.server';

/**
 * Hits against the limits on the IT admin's pages (`server/rate-limits.ts`), counted in the
 * database so that every instance of the app holds a client to one budget. Each limit keeps a
 * fixed window per client, as express-rate-limit's own memory store does: the first hit opens it,
 * and it closes `windowMs` later.
 *
 * A client is kept by an HMAC of the limit's name and its key (keyed with the session secret, as
 * sign-in attempts are): the table holds neither an address nor anything derived from a token that
 * could be checked against a guess. Rotating the secret starts every window afresh, which is harmless.
 */

export interface HitCount {
  hits: number;
  resetAt: Date;
}

interface Client {
  /** The limit's name: two limits never share a count. */
  limit: string;
  /** The client as the limit knows it: an address, or the hash of a link's token. */
  key: string;
}

/** At most this many lapsed rows go per statement, so pruning never holds the database for long. */
const PRUNE_BATCH = 1_000;

function bucketOf({ limit, key }: Client): string {
  return crypto.createHmac('sha256', `rate-limits:${getEnv().SESSION_SECRET}`).update(`${limit}\n${key}`).digest('hex');
}

/**
 * Counts one hit and returns the window's count, in one statement: an upsert that opens a new
 * window when the stored one has closed. Hits from any number of instances at once each add one
 * (the database applies the upserts of one row one after another; PostgreSQL re-reads the row
 * a waiting upsert found locked), so none is lost and none is counted twice.
 */
export async function countHit(
  { windowMs, ...client }: Client & { windowMs: number },
  { db = getDb(), now = new Date() }: ModelContext = {},
): Promise<HitCount> {
  const at = now.toISOString();
  const lapsed = 'rate_limit_hits.reset_at <= ?';
  const [row] = (await db('rate_limit_hits')
    .insert({ key: bucketOf(client), hits: 1, reset_at: new Date(now.getTime() + windowMs).toISOString() })
    .onConflict('key')
    .merge({
      hits: db.raw(`CASE WHEN ${lapsed} THEN 1 ELSE rate_limit_hits.hits + 1 END`, [at]),
      reset_at: db.raw(`CASE WHEN ${lapsed} THEN excluded.reset_at ELSE rate_limit_hits.reset_at END`, [at]),
    })
    .returning(['hits', 'reset_at'])) as { hits: number; reset_at: string }[];
  return { hits: Number(row!.hits), resetAt: new Date(row!.reset_at) };
}

/** Takes one hit back (a request the limit decided not to count), within the open window only. */
export async function uncountHit(client: Client, { db = getDb(), now = new Date() }: ModelContext = {}): Promise<void> {
  await db('rate_limit_hits')
    .where({ key: bucketOf(client) })
    .where('reset_at', '>', now.toISOString())
    .where('hits', '>', 0)
    .decrement('hits', 1);
}

/** Forgets a client's count: its next hit opens a new window. */
export async function forgetHits(client: Client, { db = getDb() }: ModelContext = {}): Promise<void> {
  await db('rate_limit_hits')
    .where({ key: bucketOf(client) })
    .delete();
}

/** The client's count in the open window, or null when it has none. */
export async function readHits(client: Client, { db = getDb(), now = new Date() }: ModelContext = {}): Promise<HitCount | null> {
  const row = (await db('rate_limit_hits')
    .where({ key: bucketOf(client) })
    .where('reset_at', '>', now.toISOString())
    .first('hits', 'reset_at')) as { hits: number; reset_at: string } | undefined;
  return row ? { hits: Number(row.hits), resetAt: new Date(row.reset_at) } : null;
}

/** Deletes the counts whose window has closed (maintenance); returns how many went. */
export async function pruneLapsedHits({ db = getDb(), now = new Date() }: ModelContext = {}): Promise<number> {
  const at = now.toISOString();
  let pruned = 0;
  for (;;) {
    const lapsed = db('rate_limit_hits').where('reset_at', '<=', at).limit(PRUNE_BATCH).select('key');
    // Asked again of the row itself: a hit that reopened the window since the batch was chosen
    // keeps its row (PostgreSQL re-checks this against the row the hit committed).
    const deleted = await db('rate_limit_hits').whereIn('key', lapsed).where('reset_at', '<=', at).delete();
    pruned += deleted;
    if (deleted < PRUNE_BATCH) return pruned;
  }
}
