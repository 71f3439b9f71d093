import { setTimeout as delay } from 'node:timers/promises';
import type { Organization as WorkOSOrganization } from '@workos-inc/node';
import type { Knex } from 'knex';
import { MAX_ID } from '~/forms/ids';
import type { EditOrganizationInput, NewOrganizationInput, OrganizationListQuery } from '~/forms/organization';
import { getDb, transaction, type HandleContext, type ModelContext, type TransactionContext } from '~/utils/db.server';
import {
  caseFolded,
  escapeLike,
  fromIndexed,
  groupConcat,
  inIdList,
  isPostgres,
  jsonForColumn,
  isUniqueViolation,
  likeIgnoringCase,
  organizationSearchMatch,
  rowsOf,
} from '~/utils/dialect.server';
import { getWorkOS, getWorkOSWithoutRetries, isoTimestamp } from '~/utils/workos.server';
import { describeWorkOSError, type WorkOSProblem } from '~/utils/workos-errors.server';
import { recordAuditEvent, type AuditActor } from './audit.server';
import {
  currentLinkSql,
  endLinksAtWorkOS,
  linkIsActiveSql,
  linkStatusSql,
  revokeActiveLinkOf,
  type SetupLinkStatus,
  type SqlFragment,
} from './setup-link.server';
import { type StaffRow } from './staff.server';
import { type OrganizationStatus, type SetupState } from '~/domain/organizations';
import { EXPIRING_SOON_HOURS } from '~/domain/setup-links';
import { hasCompletionSignal, type SetupFeature } from '~/domain/features';
import { roleAtLeast } from '~/domain/staff';

/** A rule about organizations was broken; `message` is written for the rep, `field` places it. */
export class OrganizationRuleError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'OrganizationRuleError';
  }
}

export interface OrganizationRow {
  id: number;
  workos_id: string | null;
  name: string;
  external_id: string | null;
  cs_owner_id: number | null;
  status: OrganizationStatus;
  idempotency_key: string;
  last_error: string | null;
  created_by: number | null;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
  synced_at: string | null;
  remind_it_admin: number;
  register_it_contacts: number;
}

export interface OrganizationDomain {
  domain: string;
  state: string;
}

export interface OrganizationDetail {
  id: number;
  workosId: string | null;
  name: string;
  externalId: string | null;
  status: OrganizationStatus;
  csOwner: { id: number; name: string } | null;
  domains: OrganizationDomain[];
  lastError: WorkOSProblem | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  /** Emailed links get reminders (decision 025) unless a rep turned them off for this customer. */
  remindItAdmin: boolean;
  /** The IT admin a link is emailed to becomes a WorkOS IT contact (opt-in), for WorkOS's own alerts. */
  registerItContacts: boolean;
}

/** Metadata key on the WorkOS organization that ties it to our row (found again after a crash). */
const SETUP_DESK_KEY = 'setup_desk_key';

// ---------------------------------------------------------------------------------------------
// Reading

export async function getOrganization(id: number, { db = getDb() }: ModelContext = {}): Promise<OrganizationDetail | null> {
  const row = await db<OrganizationRow>('organizations').where({ id }).first();
  if (!row) return null;
  const [domains, owner] = await Promise.all([
    db('organization_domains').where({ organization_id: id }).orderBy('domain').select('domain', 'state'),
    row.cs_owner_id ? db<StaffRow>('staff').where({ id: row.cs_owner_id }).first('id', 'name') : undefined,
  ]);
  return {
    id: row.id,
    workosId: row.workos_id,
    name: row.name,
    externalId: row.external_id,
    status: row.status,
    csOwner: owner ? { id: owner.id, name: owner.name } : null,
    domains: domains as OrganizationDomain[],
    lastError: row.last_error ? (JSON.parse(row.last_error) as WorkOSProblem) : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
    remindItAdmin: row.remind_it_admin === 1,
    registerItContacts: row.register_it_contacts === 1,
  };
}

/** Staff who can own customers: active support reps and admins. */
export async function listAssignableOwners({ db = getDb() }: ModelContext = {}): Promise<{ id: number; name: string }[]> {
  return db('staff').whereNull('disabled_at').whereIn('role', ['support', 'admin']).orderByRaw(caseFolded.order(db, 'name')).select('id', 'name');
}

/** The current setup link's status as the list shows it (read through `linkStatusSql`), or none. */
export type LinkState = 'none' | SetupLinkStatus;

export interface OrganizationListItem {
  linkState: LinkState;
  setupState: SetupState;
  /** Of the current link's features WorkOS reports on: how many are done, of how many. */
  setupDone: number;
  setupTotal: number;
  id: number;
  name: string;
  status: OrganizationStatus;
  externalId: string | null;
  workosId: string | null;
  ownerName: string | null;
  domains: string[];
  createdAt: string;
}

export interface OrganizationPage {
  items: OrganizationListItem[];
  /** Cursors for the next and previous pages, or null at either end. */
  nextCursor: string | null;
  previousCursor: string | null;
  /**
   * Set when this page stopped early: it looked through this many organizations in the list's
   * order and found fewer than a page of matches (a search or filter whose matches are few here
   * but too many elsewhere to read whole). The page is still exact; Next and Previous carry on.
   */
  stoppedAfter: number | null;
}

export const ORGANIZATIONS_PAGE_SIZE = 25;

/**
 * How far a page may read (decision 022). `candidates`: a search or selective filter with at most
 * this many candidates is read whole and sorted, so the page costs in proportion to this bound,
 * not to the table. `walk`: with more, the list's own order is walked and each row tested, at most
 * this many rows a page. `fallback`: a walk that finds less than a page reads the candidates whole
 * after all if there are at most this many.
 */
export const LIST_LIMITS = { candidates: 1_000, walk: 5_000, fallback: 10_000 };

/** Current organizations, as the partial indexes of migration 013 are defined. */
const CURRENT = "o.status <> 'archived'";

/** A row's place in the order: its id and the sort column (the other is absent). */
type SortKeyRow = { id: number; name: string; created_at: string };

/**
 * One page of organizations, filtered and sorted, with keyset cursors. Search matches any 3+
 * characters of the name, a domain, the external id or the WorkOS id (trigram index); shorter
 * searches match the start of the name.
 *
 * What a page costs is bounded by the page, whatever matches (decision 022, LIST_LIMITS): a search
 * or a selective filter with few candidates is read whole; otherwise the list's sort index is
 * walked and each row tested, up to a bound; a walk that finds less than a page reads the
 * candidates whole if they are not too many, and else returns the short page it found
 * (`stoppedAfter`). Every page is exact either way. The page's rows are found first (ids and sort
 * keys only) and described after, so no row outside the page is described.
 */
export async function listOrganizations(
  query: OrganizationListQuery,
  { viewerId, pageSize = ORGANIZATIONS_PAGE_SIZE, limits = LIST_LIMITS }: { viewerId: number; pageSize?: number; limits?: typeof LIST_LIMITS },
  { db = getDb(), now = new Date() }: ModelContext = {},
): Promise<OrganizationPage> {
  const byName = query.sort === 'name';
  const sortColumn = byName ? caseFolded.order(db, 'o.name') : 'o.created_at';
  // Name ascending; newest first.
  const ascending = byName;
  const backwards = Boolean(query.before) && !query.after;
  const cursor = decodeCursor(query.after ?? query.before);
  // Towards the end of this walk: ">" for name order and "<" for newest-first; backwards flips it.
  const greater = ascending !== backwards;
  const direction = greater ? 'ASC' : 'DESC';
  const ownerId = query.owner === undefined ? undefined : query.owner === 'mine' ? viewerId : query.owner;
  const search = searchTerm(query.q);
  const sources = candidateSources(query, search, now);

  /** The page's ids and sort keys, from the candidates if given, else walking the sort index (up to `bound`). */
  const findRows = (candidates: Candidates | null, bound: SortKeyRow | null) => {
    const statement = db('organizations as o').select('o.id', byName ? 'o.name' : 'o.created_at');
    // The search goes between the filters' probes and their full states (whereListed).
    whereListed(db, statement, query, ownerId, now, () => {
      if (search && !candidates?.exact) whereMatchesPerRow(db, statement, search);
    });
    if (candidates) statement.whereRaw(...inIdList(db, 'o.id', candidates.ids));
    if (cursor) statement.whereRaw(keysetSql(db, byName, greater ? '>' : '<'), [cursor.value, cursor.id]);
    if (bound) statement.whereRaw(keysetSql(db, byName, greater ? '<=' : '>='), [byName ? bound.name : bound.created_at, bound.id]);
    return statement.orderByRaw(`${sortColumn} ${direction}, o.id ${direction}`).limit(pageSize + 1) as Promise<SortKeyRow[]>;
  };

  let rows: SortKeyRow[];
  let stoppedAfter: number | null = null;
  let boundary: SortKeyRow | null = null;
  const few = await intersectCandidates(
    db,
    sources.filter((source) => !source.fallbackOnly),
    limits.candidates,
  );
  if (few || sources.length === 0) {
    rows = await findRows(few, null);
  } else {
    // Many candidates: walk the order from the cursor, but no further than `limits.walk` rows
    // (found on the sort index alone, which is cheap: the rows are then tested only up to there).
    // Every organization of the status in the order counts, whatever the other filters: a
    // covering index scan.
    const walk = db('organizations as o').select('o.id', byName ? 'o.name' : 'o.created_at');
    if (query.status === 'current') walk.whereRaw(CURRENT);
    else walk.where('o.status', query.status);
    if (cursor) walk.whereRaw(keysetSql(db, byName, greater ? '>' : '<'), [cursor.value, cursor.id]);
    boundary = ((await walk
      .orderByRaw(`${sortColumn} ${direction}, o.id ${direction}`)
      .offset(limits.walk - 1)
      .first()) ?? null) as SortKeyRow | null;
    rows = await findRows(null, boundary);
    if (boundary && rows.length <= pageSize) {
      const some = await intersectCandidates(db, sources, limits.fallback);
      if (some) {
        rows = await findRows(some, null);
      } else {
        stoppedAfter = limits.walk;
      }
    }
  }

  const hasMore = rows.length > pageSize;
  const pageRows = rows.slice(0, pageSize);
  if (backwards) pageRows.reverse();
  const items = await describeRows(
    db,
    pageRows.map((row) => row.id),
    now,
  );
  const cursorOf = (item: { name: string; createdAt: string; id: number } | undefined) =>
    item ? encodeCursor({ value: byName ? item.name : item.createdAt, id: item.id }) : null;
  const boundaryCursor = boundary ? cursorOf({ name: boundary.name, createdAt: boundary.created_at, id: boundary.id }) : null;
  // Back the way a page came, when it found no row: from the row it started after, that row
  // included. (Ids are integers: "(value, id) > (v, i - 1)" holds the row (v, i); "<" takes i + 1.)
  const otherWayGreater = ascending === backwards;
  const startIncluded = cursor ? encodeCursor({ value: cursor.value, id: cursor.id + (otherWayGreater ? -1 : 1) }) : null;
  const first = items.length ? cursorOf(items[0]) : startIncluded;
  const last = items.length ? cursorOf(items.at(-1)) : startIncluded;
  if (stoppedAfter !== null) {
    // A short page: the walk goes on from where it stopped.
    return {
      items,
      nextCursor: backwards ? last : boundaryCursor,
      previousCursor: backwards ? boundaryCursor : cursor ? first : null,
      stoppedAfter,
    };
  }
  const atStart = backwards ? !hasMore : !cursor;
  const atEnd = backwards ? false : !hasMore;
  return { items, nextCursor: atEnd ? null : last, previousCursor: atStart ? null : first, stoppedAfter: null };
}

/**
 * On SQLite the collation goes on the value side: "(o.name, o.id) > (? COLLATE NOCASE, ?)" lets
 * it seek in the index, where "(o.name COLLATE NOCASE, o.id) > …" scans it from the start.
 */
function keysetSql(db: Knex, byName: boolean, operator: '>' | '<' | '>=' | '<='): string {
  return byName ? `(${caseFolded.column(db, 'o.name')}, o.id) ${operator} (${caseFolded.value(db)}, ?)` : `(o.created_at, o.id) ${operator} (?, ?)`;
}

/**
 * The list's filters as tests of each row, in the order SQLite runs them: the status and owner;
 * then each filter's cheap necessary condition (an index probe, which most rows fail); then the
 * search (`thenSearch`, a few µs a row); then the full link or setup state, for the few left.
 */
function whereListed(
  db: Knex,
  statement: Knex.QueryBuilder,
  query: OrganizationListQuery,
  ownerId: number | undefined,
  now: Date,
  thenSearch: () => void,
): void {
  // "<> 'archived'" rather than "IN ('pending', 'active')": the planner then walks the sort index
  // instead of sorting every current row (the status index would be chosen otherwise). A literal,
  // not a bound value: only then may SQLite use the indexes of current organizations (013).
  if (query.status === 'current') statement.whereRaw(CURRENT);
  else statement.where('o.status', query.status);
  if (ownerId !== undefined) statement.where('o.cs_owner_id', ownerId);
  const linkState = currentLinkSql('o', linkStatusSql('l', now), now);
  const setupState = setupStateSql(now);
  const active = linkIsActiveSql('l', now);
  const activeLink = `SELECT 1 FROM setup_links l WHERE l.organization_id = o.id AND ${active.sql}`;
  // Scalar probes of covering indexes, named: as an EXISTS, SQLite builds a Bloom filter of every
  // link first, or probes the wider organization index and reads each link.
  const oneLink = (status: 'active' | 'sending') =>
    `(SELECT 1 FROM ${fromIndexed(db, 'setup_links', 'l', `setup_links_one_${status}`)} WHERE l.organization_id = o.id AND l.status = '${status}') IS NOT NULL`;
  const completedLink = `(SELECT 1 FROM ${fromIndexed(db, 'setup_links', 'l', 'setup_links_completed_by_organization')} WHERE l.organization_id = o.id AND l.status = 'completed' LIMIT 1) IS NOT NULL`;
  const probes: [string, unknown[]][] = [];
  const states: [string, unknown[]][] = [];
  switch (query.link) {
    case 'none':
      probes.push([`NOT EXISTS (${activeLink})`, active.bindings]);
      break;
    case 'active':
      probes.push([`EXISTS (${activeLink})`, active.bindings]);
      break;
    case 'expiring':
      probes.push([
        `EXISTS (${activeLink} AND l.expires_at <= ?)`,
        [...active.bindings, new Date(now.getTime() + EXPIRING_SOON_HOURS * 3_600_000).toISOString()],
      ]);
      break;
    case 'expired':
      probes.push([
        "EXISTS (SELECT 1 FROM setup_links l WHERE l.organization_id = o.id AND (l.status = 'expired' OR (l.status = 'active' AND l.expires_at <= ?)))",
        [now.toISOString()],
      ]);
      states.push([`${linkState.sql} = 'expired'`, linkState.bindings]);
      break;
    case 'completed':
      probes.push([completedLink, []]);
      states.push([`${linkState.sql} = 'completed'`, linkState.bindings]);
      break;
  }
  switch (query.setup) {
    case 'any':
      break;
    case 'attention':
      probes.push(["o.workos_id IN (SELECT f.workos_organization_id FROM feature_status f WHERE f.state = 'attention')", []]);
      break;
    case 'completed':
      probes.push([completedLink, []]);
      states.push([`${setupState.sql} = 'completed'`, setupState.bindings]);
      break;
    case 'waiting':
      probes.push([`(${oneLink('active')} OR ${oneLink('sending')})`, []]);
      states.push([`${setupState.sql} = 'waiting'`, setupState.bindings]);
      break;
    case 'in_progress':
      probes.push([oneLink('active'), []]);
      states.push([`${setupState.sql} = 'in_progress'`, setupState.bindings]);
      break;
    case 'not_started':
      probes.push(['NOT EXISTS (SELECT 1 FROM setup_links l WHERE l.organization_id = o.id)', []]);
      break;
  }
  for (const [sql, bindings] of probes) statement.whereRaw(sql, bindings as never);
  thenSearch();
  for (const [sql, bindings] of states) statement.whereRaw(sql, bindings as never);
}

/**
 * A set of organization ids a page can start from; `exact` when it is the search's own match;
 * `fallbackOnly` when the page should walk first and read the set only if the walk runs out.
 */
interface CandidateSource {
  exact: boolean;
  fallbackOnly: boolean;
  read: (db: Knex, limit: number) => Promise<number[]>;
}
interface Candidates {
  ids: number[];
  /** The ids are exactly the search's matches (its test per row is not needed). */
  exact: boolean;
}

/**
 * The small indexed sets a page can start from: the search's matches (trigram index, or a name
 * prefix as a range of the name index) and, for selective filters, a superset of their rows (the
 * filter's own test still applies). Common states have none: a walk finds them quickly.
 */
function candidateSources(query: OrganizationListQuery, search: string, now: Date): CandidateSource[] {
  const ids = (statement: (db: Knex) => [sql: string, bindings: unknown[]], { exact = false, fallbackOnly = false } = {}): CandidateSource => ({
    exact,
    fallbackOnly,
    read: async (db, limit) => {
      const [sql, bindings] = statement(db);
      return (rowsOf(await db.raw(`${sql} LIMIT ?`, [...bindings, limit] as never)) as { id: number }[]).map((row) => row.id);
    },
  });
  const sources: CandidateSource[] = [];
  if (search.length >= 3) {
    sources.push(
      ids(
        (db) => {
          const [match, bindings] = organizationSearchMatch(db, 's', search);
          return [`SELECT s.rowid AS id FROM organization_search s WHERE ${match}`, bindings];
        },
        { exact: true },
      ),
    );
  } else if (search) {
    // LIKE folds ASCII letters only, as NOCASE does: the prefix's range in the name index holds
    // exactly its matches (the LIKE test still runs per row). PostgreSQL reads its lower(name)
    // index for a prefix LIKE where the database's collation allows (C), else tests each name.
    const lower = search.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
    const characters = [...lower];
    const upper = characters.slice(0, -1).join('') + String.fromCodePoint(characters.at(-1)!.codePointAt(0)! + 1);
    sources.push(
      ids((db) =>
        isPostgres(db)
          ? ["SELECT id FROM organizations WHERE lower(name) LIKE ? ESCAPE '\\'", [`${escapeLike(search.toLowerCase())}%`]]
          : ['SELECT id FROM organizations WHERE name >= (? COLLATE NOCASE) AND name < (? COLLATE NOCASE)', [lower, upper]],
      ),
    );
  }
  if (query.setup === 'attention') {
    // Walked first: its probe (membership in the flagged set, read once) is cheaper per row than
    // reading and sorting some hundreds of flagged organizations.
    sources.push(
      ids(() => ["SELECT o.id FROM feature_status f JOIN organizations o ON o.workos_id = f.workos_organization_id WHERE f.state = 'attention'", []], {
        fallbackOnly: true,
      }),
    );
  }
  if (query.setup === 'completed' || query.link === 'completed')
    sources.push(
      ids((db) => [
        `SELECT l.organization_id AS id FROM ${fromIndexed(db, 'setup_links', 'l', 'setup_links_completed_by_organization')} WHERE l.status = 'completed'`,
        [],
      ]),
    );
  if (query.link === 'expired') {
    sources.push(
      ids(() => [
        "SELECT organization_id AS id FROM setup_links WHERE status = 'expired' UNION ALL SELECT organization_id FROM setup_links WHERE status = 'active' AND expires_at <= ?",
        [now.toISOString()],
      ]),
    );
  }
  return sources;
}

/**
 * The ids every small source holds, when at least one has at most `limit` (each read with a limit
 * of one more, so that a large set costs no more than a small one); null when none is that small.
 */
async function intersectCandidates(db: Knex, sources: CandidateSource[], limit: number): Promise<Candidates | null> {
  let result = null as Candidates | null;
  for (const source of sources) {
    // Link rows, not organizations, for the filters' sets (no DISTINCT: it would read every link
    // in organization order): a set over the limit in rows may be under it in organizations.
    const rows = await source.read(db, limit + 1);
    if (rows.length > limit) continue;
    const ids = [...new Set(rows)];
    const previous: Candidates | null = result;
    const held = previous ? new Set(previous.ids) : null;
    result = { ids: held ? ids.filter((id) => held.has(id)) : ids, exact: Boolean(previous?.exact) || source.exact };
  }
  return result;
}

/** The list's rows for these ids, in this order: owner, domains, the current link and setup state. */
async function describeRows(db: Knex, ids: number[], now: Date): Promise<OrganizationListItem[]> {
  if (ids.length === 0) return [];
  const linkState = currentLinkSql('o', linkStatusSql('l', now), now);
  const linkFeatures = currentLinkSql('o', 'l.features', now);
  const setupState = setupStateSql(now);
  const rows = (await db('organizations as o')
    .leftJoin('staff as owner', 'owner.id', 'o.cs_owner_id')
    .whereIn('o.id', ids)
    .select(
      'o.id',
      'o.name',
      'o.status',
      'o.external_id',
      'o.workos_id',
      'o.created_at',
      'owner.name as owner_name',
      db.raw(`(SELECT ${groupConcat(db, 'd.domain', ' ')} FROM organization_domains d WHERE d.organization_id = o.id) AS domains`),
      db.raw(`${linkState.sql} AS link_state`, linkState.bindings),
      db.raw(`${setupState.sql} AS setup_state`, setupState.bindings),
      db.raw(`${linkFeatures.sql} AS link_features`, linkFeatures.bindings),
    )) as {
    id: number;
    name: string;
    status: OrganizationStatus;
    external_id: string | null;
    workos_id: string | null;
    created_at: string;
    owner_name: string | null;
    domains: string | null;
    link_state: LinkState | null;
    setup_state: SetupState;
    link_features: string | null;
  }[];
  const byId = new Map(rows.map((row) => [row.id, row]));
  const pageRows = ids.flatMap((id) => byId.get(id) ?? []);
  // Done counts for the page's rows only: one small query, not a subquery per row.
  const workosIds = pageRows.flatMap((row) => (row.workos_id ? [row.workos_id] : []));
  const doneRows = workosIds.length
    ? ((await db('feature_status').whereIn('workos_organization_id', workosIds).where({ state: 'done' }).select('workos_organization_id', 'feature')) as {
        workos_organization_id: string;
        feature: string;
      }[])
    : [];
  return pageRows.map((row) => ({
    id: row.id,
    name: row.name,
    status: row.status,
    externalId: row.external_id,
    workosId: row.workos_id,
    ownerName: row.owner_name,
    domains: row.domains ? row.domains.split(' ') : [],
    createdAt: row.created_at,
    linkState: row.link_state ?? 'none',
    setupState: row.setup_state,
    ...setupCounts(
      row.link_features,
      doneRows.filter((done) => done.workos_organization_id === row.workos_id).map((done) => done.feature),
    ),
  }));
}

/**
 * The setup state of `o` (see SETUP_STATES), from its current link as it reads now
 * (`linkStatusSql`): an active link past its expiry is no longer waiting or in progress.
 */
function setupStateSql(now: Date): SqlFragment {
  const current = currentLinkSql('o', linkStatusSql('l', now), now);
  const active = linkIsActiveSql('l', now);
  return {
    sql: `(CASE
  WHEN o.workos_id IS NOT NULL AND EXISTS (SELECT 1 FROM feature_status f WHERE f.workos_organization_id = o.workos_id AND f.state = 'attention') THEN 'attention'
  WHEN ${current.sql} = 'completed' THEN 'completed'
  WHEN EXISTS (SELECT 1 FROM setup_links l WHERE l.organization_id = o.id AND ${active.sql}
    AND (EXISTS (SELECT 1 FROM setup_link_launches x WHERE x.setup_link_id = l.id) OR EXISTS (SELECT 1 FROM feature_status f WHERE f.workos_organization_id = o.workos_id AND f.state = 'done'))) THEN 'in_progress'
  WHEN ${current.sql} IN ('active', 'sending') THEN 'waiting'
  WHEN NOT EXISTS (SELECT 1 FROM setup_links l WHERE l.organization_id = o.id) THEN 'not_started'
  ELSE 'stopped'
END)`,
    bindings: [...current.bindings, ...active.bindings, ...current.bindings],
  };
}

function setupCounts(linkFeatures: string | null, doneFeatures: string[]): { setupDone: number; setupTotal: number } {
  const reported = (linkFeatures ? (JSON.parse(linkFeatures) as string[]) : []).filter((feature) => hasCompletionSignal(feature as SetupFeature));
  return { setupDone: reported.filter((feature) => doneFeatures.includes(feature)).length, setupTotal: reported.length };
}

/** A page cursor: the sort value and id of the row to continue after (or before). */
export function encodeCursor(cursor: { value: string; id: number }): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.id])).toString('base64url');
}

function decodeCursor(raw: string | undefined): { value: string; id: number } | null {
  if (!raw) return null;
  try {
    const [value, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    // A crafted cursor is no cursor: a NUL (which PostgreSQL's text cannot hold) or an id outside the column's range.
    return typeof value === 'string' && !value.includes('\0') && Number.isInteger(id) && (id as number) >= 0 && (id as number) <= MAX_ID
      ? { value, id: id as number }
      : null;
  } catch {
    return null;
  }
}

/**
 * What a typed search looks for: control characters (a NUL ends an FTS5 query string early, which
 * SQLite reports as an error) and runs of white space become single spaces.
 */
function searchTerm(typed: string | undefined): string {
  return (typed ?? '').replace(/[\p{Cc}\s]+/gu, ' ').trim();
}

/** Any 3+ characters anywhere (the trigram index); shorter terms match the start of the name. */
function whereNameMatches(db: Knex, statement: Knex.QueryBuilder, term: string): void {
  if (term.length >= 3) {
    const [match, bindings] = organizationSearchMatch(db, 's', term);
    statement.whereRaw(`o.id IN (SELECT s.rowid FROM organization_search s WHERE ${match})`, bindings as never);
  } else {
    statement.whereRaw(`o.name ${likeIgnoringCase(db)} ? ESCAPE '\\'`, [`${escapeLike(term)}%`]);
  }
}

/**
 * The same match as a test of the row `o` alone, for a walk of the list's order: it never reads
 * the other matches. A trigram MATCH at one rowid still seeks in every trigram's list (≈0.1 ms a
 * row for a term in every row), so the row's own indexed text is read instead (its search row, by
 * rowid) and searched: for ASCII text and an ASCII term, the trigram match is exactly "contains,
 * ASCII letters folded", which instr() on lower() is. Anything else — a term or a row with other
 * characters, which the trigram tokenizer folds by Unicode's rules — asks the trigram index.
 */
function whereMatchesPerRow(db: Knex, statement: Knex.QueryBuilder, term: string): void {
  if (term.length < 3) return whereNameMatches(db, statement, term);
  const [match, bindings] = organizationSearchMatch(db, 's', term);
  const trigram = [`EXISTS (SELECT 1 FROM organization_search s WHERE ${match} AND s.rowid = o.id)`, bindings] as const;
  // PostgreSQL reads the row's search row by its key and tests it: no trigram list is read.
  if (isPostgres(db)) return void statement.whereRaw(...trigram);
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(term)) return void statement.whereRaw(...trigram);
  const text = "(s.name || ' ' || s.domains || ' ' || s.external_id || ' ' || s.workos_id)";
  const contains = ['name', 'domains', 'external_id', 'workos_id'].map((column) => `instr(lower(s.${column}), lower(?)) > 0`).join(' OR ');
  statement.whereRaw(
    `COALESCE((SELECT CASE WHEN length(${text}) = length(CAST(${text} AS BLOB)) THEN ${contains} END FROM organization_search s WHERE s.rowid = o.id), ${trigram[0]})`,
    [term, term, term, term, ...trigram[1]],
  );
}

// ---------------------------------------------------------------------------------------------
// Creating

/** The organization a form submission made, if it made one (its submission id is the idempotency key). */
export async function findOrganizationBySubmission(submissionId: string, { db = getDb() }: ModelContext = {}): Promise<{ id: number } | null> {
  return (await db<OrganizationRow>('organizations').where({ idempotency_key: submissionId }).first('id')) ?? null;
}

/**
 * Writes the local row, `pending`, keyed by the form's submission id — a double submit finds the
 * row the first one wrote (`existing: true`) instead of making a second. The WorkOS call happens
 * afterwards, outside any transaction (`finishOrganizationCreation`).
 */
export async function startOrganizationCreation(
  input: NewOrganizationInput,
  actor: AuditActor & { role: StaffRow['role'] },
  { requestId, db = getDb(), now: at = new Date() }: ModelContext = {},
): Promise<{ id: number; existing: boolean }> {
  const existing = await db<OrganizationRow>('organizations').where({ idempotency_key: input.submissionId }).first('id');
  if (existing) return { id: existing.id, existing: true };
  if (input.domainsVerified && input.domains.length > 0 && !roleAtLeast(actor.role, 'admin')) {
    throw new OrganizationRuleError('Only an admin can mark domains verified.', 'domains');
  }
  const owner = await db<StaffRow>('staff').where({ id: input.csOwnerId }).whereNull('disabled_at').first();
  if (!owner || !roleAtLeast(owner.role, 'support')) {
    throw new OrganizationRuleError('Choose an active support rep or admin as CS owner.', 'csOwnerId');
  }
  if (input.externalId && (await db('organizations').where({ external_id: input.externalId }).first('id'))) {
    throw new OrganizationRuleError(`Another organization here already has the external id “${input.externalId}”.`, 'externalId');
  }
  const now = at.toISOString();
  try {
    const id = await transaction(db, async (trx) => {
      const [row] = await trx('organizations')
        .insert({
          name: input.name,
          external_id: input.externalId,
          cs_owner_id: owner.id,
          status: 'pending',
          idempotency_key: input.submissionId,
          created_by: actor.id ?? null,
          created_at: now,
          updated_at: now,
        })
        .returning('id');
      const organizationId = (row as { id: number }).id;
      const state = input.domainsVerified ? 'verified' : 'pending';
      if (input.domains.length > 0) {
        await trx('organization_domains').insert(input.domains.map((domain) => ({ organization_id: organizationId, domain, state })));
      }
      await refreshSearchRow(organizationId, { db: trx });
      await recordAuditEvent(
        {
          actor,
          action: 'organization.create_requested',
          organizationId,
          requestId,
          note: input.note,
          details: { name: input.name, domains: input.domains, domainState: state, externalId: input.externalId, csOwner: owner.name },
        },
        { db: trx },
      );
      return organizationId;
    });
    return { id, existing: false };
  } catch (error) {
    if (isUniqueViolation(error, { name: 'organizations_idempotency_key', columns: 'organizations.idempotency_key' })) {
      const row = await db<OrganizationRow>('organizations').where({ idempotency_key: input.submissionId }).first('id');
      if (row) return { id: row.id, existing: true };
    }
    if (isUniqueViolation(error, { name: 'organizations_external_id', columns: 'organizations.external_id' })) {
      throw new OrganizationRuleError(`Another organization here already has the external id “${input.externalId}”.`, 'externalId');
    }
    throw error;
  }
}

export type CreationResult = { ok: true; id: number; workosId: string } | { ok: false; id: number; problem: WorkOSProblem; discarded: boolean };

/**
 * Creates the organization in WorkOS for a pending row (the first time, or as a retry) with the
 * row's idempotency key, so that however often this runs WorkOS makes one organization. If a
 * previous attempt's answer was lost, the organization is found by external id and linked. A
 * definitive refusal (bad data) discards the pending row so the rep can correct the form.
 */
export async function finishOrganizationCreation(
  id: number,
  actor: AuditActor,
  { requestId, db = getDb(), now: at = new Date() }: ModelContext = {},
): Promise<CreationResult> {
  const row = await db<OrganizationRow>('organizations').where({ id }).first();
  if (!row) throw new OrganizationRuleError('No such organization.');
  if (row.status !== 'pending') return { ok: true, id, workosId: row.workos_id! };
  const domains = (await db('organization_domains').where({ organization_id: id }).select('domain', 'state')) as OrganizationDomain[];

  let created: WorkOSOrganization;
  try {
    // A previous attempt whose answer was lost may have created it: found (by external id, or —
    // without one — among WorkOS's newest organizations by our key in its metadata) rather than
    // created twice. The same holds between this call's own attempts: they are the app's, not the
    // SDK's, so that each looks first — correct even with a WorkOS that ignored the idempotency key.
    // Not plainly a first attempt (an earlier one failed, or this row has waited long enough for a
    // crash between WorkOS's answer and ours): WorkOS may already have it.
    const mayExist = Boolean(row.last_error) || Date.now() - new Date(row.created_at).getTime() > 60_000;
    let found = row.external_id ? await findOurOrganizationByExternalId(row) : mayExist ? await findOurRecentOrganization(row, domains) : null;
    for (let attempt = 1; ; attempt += 1) {
      if (found) {
        created = found;
        break;
      }
      try {
        created = await getWorkOSWithoutRetries().organizations.createOrganization(
          {
            name: row.name,
            domainData: domains.map(({ domain, state }) => ({ domain, state: state === 'verified' ? 'verified' : 'pending' })) as never,
            externalId: row.external_id ?? undefined,
            metadata: { [SETUP_DESK_KEY]: row.idempotency_key },
          },
          { idempotencyKey: row.idempotency_key },
        );
        break;
      } catch (error) {
        const problem = describeWorkOSError(error, { externalId: row.external_id });
        const transient = !problem.refused || (problem.kind === 'rate_limited' && (problem.retryAfterSeconds ?? 0) <= 2);
        if (!transient || attempt >= CREATE_ATTEMPTS) throw error;
        // Time itself is the point here: WorkOS asked for this pause (Retry-After) or a brief outage needs it to pass.
        await delay(Math.max(400 * attempt, (problem.retryAfterSeconds ?? 0) * 1000));
        // It may have acted before failing: look before trying again.
        found = row.external_id ? await findOurOrganizationByExternalId(row) : await findOurRecentOrganization(row, domains);
      }
    }
  } catch (error) {
    const problem = describeWorkOSError(error, { externalId: row.external_id });
    const discard = problem.refused && ['external_id_taken', 'domain_conflict', 'invalid_request'].includes(problem.kind);
    await transaction(db, async (trx) => {
      if (discard) {
        await trx('organization_search').where({ rowid: id }).delete();
        await trx('organizations').where({ id }).delete();
      } else {
        await trx('organizations')
          .where({ id })
          .update({ last_error: jsonForColumn(problem), updated_at: at.toISOString() });
      }
      await recordAuditEvent(
        {
          actor,
          action: discard ? 'organization.create_refused' : 'organization.create_failed',
          organizationId: id,
          requestId,
          details: { name: row.name, kind: problem.kind, status: problem.status ?? null, workosRequestId: problem.requestId ?? null },
        },
        { db: trx },
      );
    });
    return { ok: false, id, problem, discarded: discard };
  }

  await transaction(db, async (trx) => {
    // Two Retry clicks on two instances may both get here: the first applies and audits, the second finds it done.
    const still = await trx<OrganizationRow>('organizations').where({ id, status: 'pending' }).first('id');
    if (!still) return;
    await applyWorkOSOrganization(id, created, { status: 'active' }, { db: trx });
    await recordAuditEvent({ actor, action: 'organization.created', organizationId: id, requestId, details: { workosId: created.id } }, { db: trx });
  });
  return { ok: true, id, workosId: created.id };
}

/** How often one creation tries WorkOS, looking for an earlier attempt's organization between tries. */
const CREATE_ATTEMPTS = 3;

/**
 * The organization this row created, among WorkOS's newest (narrowed by a domain when it has
 * one): it carries the row's key in its metadata. Looks back no further than the row itself, and
 * at most a few pages.
 */
async function findOurRecentOrganization(row: OrganizationRow, domains: OrganizationDomain[]): Promise<WorkOSOrganization | null> {
  const since = new Date(new Date(row.created_at).getTime() - 5 * 60_000).toISOString();
  let after: string | undefined;
  for (let page = 0; page < 5; page += 1) {
    const list = await getWorkOS().organizations.listOrganizations({
      limit: 100,
      order: 'desc',
      after,
      ...(domains[0] ? { domains: [domains[0].domain] } : {}),
    });
    for (const organization of list.data) {
      if (organization.metadata?.[SETUP_DESK_KEY] === row.idempotency_key) return organization;
    }
    const oldest = list.data.at(-1);
    if (!oldest || !list.listMetadata?.after || (isoTimestamp(oldest.createdAt) ?? '') < since) return null;
    after = list.listMetadata.after;
  }
  return null;
}

/** The WorkOS organization with this row's external id, if it is the one this row created. */
async function findOurOrganizationByExternalId(row: OrganizationRow): Promise<WorkOSOrganization | null> {
  try {
    const found = await getWorkOS().organizations.getOrganizationByExternalId(row.external_id!);
    return found.metadata?.[SETUP_DESK_KEY] === row.idempotency_key ? found : null;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

/**
 * Copies WorkOS's view of an organization (id, name, external id, domains) onto our row.
 * `keepExternalId` leaves ours alone (an import whose external id another local row holds).
 */
export async function applyWorkOSOrganization(
  id: number,
  organization: WorkOSOrganization,
  { status, keepExternalId = false }: { status?: OrganizationStatus; keepExternalId?: boolean },
  { db: trx }: TransactionContext,
): Promise<void> {
  const now = new Date().toISOString();
  await trx('organizations')
    .where({ id })
    .update({
      workos_id: organization.id,
      name: organization.name,
      ...(keepExternalId ? {} : { external_id: organization.externalId ?? null }),
      last_error: null,
      updated_at: now,
      synced_at: now,
      ...(status ? { status } : {}),
    });
  await trx('organization_domains').where({ organization_id: id }).delete();
  if (organization.domains.length > 0) {
    await trx('organization_domains').insert(
      organization.domains.map((domain) => ({
        organization_id: id,
        domain: domain.domain.toLowerCase(),
        state: domain.state ?? 'pending',
        workos_domain_id: domain.id,
      })),
    );
  }
  await refreshSearchRow(id, { db: trx });
}

/** What a WorkOS event says about an organization's domains. */
export type DomainUpdate =
  | { kind: 'upsert'; domain: string; state: string; domainId: string | null }
  | { kind: 'delete'; domain: string }
  | { kind: 'replace'; domains: { domain: string; state: string; domainId: string | null }[] };

const DOMAIN_STATES = new Set(['pending', 'verified', 'failed', 'legacy_verified', 'unverified']);

/**
 * Mirrors a WorkOS domain event onto the organization's domains, when it is newer than what the
 * last edit or sync brought (`synced_at`): WorkOS owns domains and their verification; the app
 * keeps an up-to-date copy to show. Returns whether anything was applied.
 */
export async function applyWorkOSDomainEvent(
  workosOrganizationId: string,
  update: DomainUpdate,
  eventCreatedAt: string,
  { db: trx }: TransactionContext,
): Promise<boolean> {
  const organization = await trx<OrganizationRow>('organizations').where({ workos_id: workosOrganizationId }).first('id', 'synced_at');
  if (!organization) return false;
  if (organization.synced_at && eventCreatedAt <= organization.synced_at) return false;
  const existing = (await trx('organization_domains').where({ organization_id: organization.id }).select('domain', 'state_at')) as {
    domain: string;
    state_at: string | null;
  }[];
  // Newest wins per domain: an event no newer than what was last applied to it changes nothing.
  const newer = (domain: string) => {
    const seen = existing.find((row) => row.domain === domain.toLowerCase())?.state_at;
    return !seen || eventCreatedAt > seen;
  };
  const row = (domain: string, state: string, domainId: string | null) => ({
    organization_id: organization.id,
    domain: domain.toLowerCase(),
    state: DOMAIN_STATES.has(state) ? state : 'pending',
    workos_domain_id: domainId,
    state_at: eventCreatedAt,
  });
  if (update.kind === 'delete') {
    if (!newer(update.domain)) return false;
    await trx('organization_domains').where({ organization_id: organization.id, domain: update.domain.toLowerCase() }).delete();
  } else if (update.kind === 'upsert') {
    if (!newer(update.domain)) return false;
    await trx('organization_domains')
      .insert(row(update.domain, update.state, update.domainId))
      .onConflict(['organization_id', 'domain'])
      .merge();
  } else {
    // A whole list replaces the copy only when it is newer than everything applied to it.
    if (!existing.every((domain) => !domain.state_at || eventCreatedAt > domain.state_at)) return false;
    await trx('organization_domains').where({ organization_id: organization.id }).delete();
    const rows = [...new Map(update.domains.map((entry) => [entry.domain.toLowerCase(), row(entry.domain, entry.state, entry.domainId)])).values()];
    if (rows.length > 0) await trx('organization_domains').insert(rows);
  }
  await refreshSearchRow(organization.id, { db: trx });
  return true;
}

/** Rewrites the search index row of one organization (call after any change to it). */
export async function refreshSearchRow(id: number, { db: trx }: HandleContext): Promise<void> {
  await trx('organization_search').where({ rowid: id }).delete();
  const row = await trx<OrganizationRow>('organizations').where({ id }).first();
  if (!row) return;
  const domains = (await trx('organization_domains').where({ organization_id: id }).pluck('domain')) as string[];
  await trx('organization_search').insert({
    rowid: id,
    name: row.name,
    domains: domains.join(' '),
    external_id: row.external_id ?? '',
    workos_id: row.workos_id ?? '',
  });
}

// ---------------------------------------------------------------------------------------------
// Changing

/**
 * Edits name, domains and external id in WorkOS first, then here — as a change against WorkOS's
 * *current* organization, read just before the write (decision 016): the domains the rep removed
 * (of those the page showed them) go, the ones they typed are added, and every other domain WorkOS
 * has — one the IT admin added, or verified, since the page was loaded — stays as WorkOS has it.
 * Nothing the rep did not remove is dropped or downgraded. New domains are pending unless an admin
 * marks them verified.
 */
export async function updateOrganizationDetails(
  id: number,
  input: EditOrganizationInput,
  actor: AuditActor & { role: StaffRow['role'] },
  { requestId, db = getDb() }: ModelContext = {},
): Promise<{ ok: true; keptByWorkOS: string[] } | { ok: false; problem: WorkOSProblem }> {
  const row = await db<OrganizationRow>('organizations').where({ id }).first();
  if (!row || row.status !== 'active' || !row.workos_id) throw new OrganizationRuleError('Only an active organization can be edited.');
  if (input.domainsVerified && !roleAtLeast(actor.role, 'admin')) {
    throw new OrganizationRuleError('Only an admin can mark domains verified.', 'domains');
  }
  if (input.externalId && (await db('organizations').where({ external_id: input.externalId }).whereNot({ id }).first('id'))) {
    throw new OrganizationRuleError(`Another organization here already has the external id “${input.externalId}”.`, 'externalId');
  }
  // What the page showed the rep (the form says; else the local copy): their removals are taken
  // from it — not from WorkOS's list, nor from a copy an event has changed since the page loaded.
  const local = (await db('organization_domains').where({ organization_id: id }).select('domain', 'state')) as OrganizationDomain[];
  const shown = input.shownDomains ?? local.map((domain) => domain.domain);
  const wanted = new Set(input.domains);
  const removed = new Set(shown.filter((domain) => !wanted.has(domain)));
  let updated: WorkOSOrganization;
  try {
    const current = await getWorkOS().organizations.getOrganization(row.workos_id);
    const currentDomains = current.domains.map((domain) => ({ domain: domain.domain.toLowerCase(), state: domain.state as string }));
    const kept = currentDomains.filter((domain) => !removed.has(domain.domain));
    const added = input.domains.filter((domain) => !currentDomains.some((existing) => existing.domain === domain));
    const domainData = [
      ...kept.map((domain) => ({
        domain: domain.domain,
        state: input.domainsVerified && wanted.has(domain.domain) ? 'verified' : writableState(domain.state),
      })),
      ...added.map((domain) => ({ domain, state: input.domainsVerified ? 'verified' : 'pending' })),
    ];
    updated = await getWorkOS().organizations.updateOrganization({
      organization: row.workos_id,
      name: input.name,
      domainData: domainData as never,
      externalId: input.externalId,
    });
  } catch (error) {
    const problem = describeWorkOSError(error, { organizationId: row.workos_id, externalId: input.externalId });
    await recordAuditEvent(
      { actor, action: 'organization.update_failed', organizationId: id, requestId, details: { kind: problem.kind, status: problem.status ?? null } },
      { db },
    );
    return { ok: false, problem };
  }
  // A WorkOS that merges rather than replaces keeps what was removed: say so, never pretend.
  const keptByWorkOS = updated.domains.map((domain) => domain.domain.toLowerCase()).filter((domain) => removed.has(domain));
  await transaction(db, async (trx) => {
    await applyWorkOSOrganization(id, updated, {}, { db: trx });
    await recordAuditEvent(
      {
        actor,
        action: 'organization.updated',
        organizationId: id,
        requestId,
        details: {
          name: { from: row.name, to: updated.name },
          externalId: { from: row.external_id, to: updated.externalId ?? null },
          domains: { from: local.map((domain) => domain.domain), to: updated.domains.map((domain) => domain.domain) },
        },
      },
      { db: trx },
    );
  });
  return { ok: true, keptByWorkOS };
}

/**
 * A domain's state as `domain_data` takes it back: a verified domain (however WorkOS came to
 * verify it, `legacy_verified` included) stays verified; anything else is pending.
 */
function writableState(state: string): 'verified' | 'pending' {
  return state === 'verified' || state === 'legacy_verified' ? 'verified' : 'pending';
}

/** Sets the CS owner (an active support rep or admin). */
export async function setCsOwner(
  id: number,
  ownerId: number,
  actor: AuditActor,
  { requestId, db = getDb(), now: at = new Date() }: ModelContext = {},
): Promise<void> {
  const owner = await db<StaffRow>('staff').where({ id: ownerId }).whereNull('disabled_at').first();
  if (!owner || !roleAtLeast(owner.role, 'support')) throw new OrganizationRuleError('Choose an active support rep or admin as CS owner.', 'csOwnerId');
  await transaction(db, async (trx) => {
    const row = await trx<OrganizationRow>('organizations').where({ id }).first();
    if (!row) throw new OrganizationRuleError('No such organization.');
    if (row.cs_owner_id === ownerId) return;
    const previous = row.cs_owner_id ? await trx<StaffRow>('staff').where({ id: row.cs_owner_id }).first('name') : undefined;
    await trx('organizations').where({ id }).update({ cs_owner_id: ownerId, updated_at: at.toISOString() });
    await recordAuditEvent(
      { actor, action: 'organization.owner_changed', organizationId: id, requestId, details: { from: previous?.name ?? null, to: owner.name } },
      { db: trx },
    );
  });
}

/**
 * Sets how the organization's links are followed up (decision 025): reminders to the IT admin
 * (on by default), and registering the IT admin as a WorkOS IT contact (off by default). Audited
 * when something changed.
 */
export async function setLinkPreferences(
  id: number,
  preferences: { remindItAdmin: boolean; registerItContacts: boolean },
  actor: AuditActor,
  { requestId, db = getDb(), now: at = new Date() }: ModelContext = {},
): Promise<{ changed: boolean }> {
  return transaction(db, async (trx) => {
    const row = await trx<OrganizationRow>('organizations').where({ id }).first('remind_it_admin', 'register_it_contacts');
    if (!row) throw new OrganizationRuleError('No such organization.');
    const next = { remind_it_admin: preferences.remindItAdmin ? 1 : 0, register_it_contacts: preferences.registerItContacts ? 1 : 0 };
    if (row.remind_it_admin === next.remind_it_admin && row.register_it_contacts === next.register_it_contacts) return { changed: false };
    await trx('organizations')
      .where({ id })
      .update({ ...next, updated_at: at.toISOString() });
    await recordAuditEvent({ actor, action: 'organization.preferences_changed', organizationId: id, requestId, details: preferences }, { db: trx });
    return { changed: true };
  });
}

/**
 * Archives an organization here (WorkOS keeps it: this app never deletes there). Archived
 * organizations leave the default list and cannot get new setup links.
 */
export async function archiveOrganization(
  id: number,
  { reason }: { reason: string },
  actor: AuditActor,
  { requestId, db = getDb(), now: at = new Date() }: ModelContext = {},
): Promise<{ alreadyArchived: boolean }> {
  // The revoked links come back as the transaction's result: it may run more than once (transaction()).
  const { alreadyArchived, revoked } = await transaction(db, async (trx) => {
    const row = await trx<OrganizationRow>('organizations').where({ id }).first();
    if (!row) throw new OrganizationRuleError('No such organization.');
    if (row.status === 'archived') return { alreadyArchived: true, revoked: [] };
    if (row.status === 'pending') throw new OrganizationRuleError('Finish (retry) or let the creation fail before archiving.');
    const now = at.toISOString();
    await trx('organizations').where({ id }).update({ status: 'archived', archived_at: now, updated_at: now });
    await recordAuditEvent({ actor, action: 'organization.archived', organizationId: id, requestId, note: reason, details: {} }, { db: trx });
    return { alreadyArchived: false, revoked: await revokeActiveLinkOf(id, { reason: 'The organization was archived.' }, actor, { db: trx, requestId }) };
  });
  await endLinksAtWorkOS(revoked, { db });
  return { alreadyArchived };
}

/** Up to `limit` organizations whose name (or domain, ids) matches, as the list's search does. */
export async function findOrganizationsByName(
  search: string,
  { limit = 20 }: { limit?: number } = {},
  { db = getDb() }: ModelContext = {},
): Promise<{ id: number; name: string }[]> {
  const text = searchTerm(search);
  if (!text) return [];
  const statement = db('organizations as o').select('o.id', 'o.name').orderBy('o.name').limit(limit);
  whereNameMatches(db, statement, text);
  return (await statement) as { id: number; name: string }[];
}

/** An organization that may be the one a rep is about to create: why it matched, and where it is. */
export interface PossibleDuplicate {
  id: number;
  name: string;
  status: OrganizationStatus;
  /** The name is the same, letter case aside. */
  sameName: boolean;
  /** The typed domains it already has. */
  sameDomains: string[];
}

/**
 * Organizations here with the same name (case-insensitive, trimmed) or any of the same domains:
 * what a new customer may duplicate. The row a submission already wrote (`exceptSubmissionId`: a
 * retry or a double submit of the same form) is not its own duplicate. Writes nothing.
 */
export async function findPossibleDuplicates(
  { name, domains, exceptSubmissionId }: { name: string; domains: string[]; exceptSubmissionId?: string },
  { limit = 10 }: { limit?: number } = {},
  { db = getDb() }: ModelContext = {},
): Promise<PossibleDuplicate[]> {
  const trimmed = name.trim();
  const wanted = [...new Set(domains.map((domain) => domain.trim().toLowerCase()).filter(Boolean))];
  if (!trimmed && wanted.length === 0) return [];
  const statement = db('organizations as o')
    .select('o.id', 'o.name', 'o.status')
    .where((query) => {
      if (trimmed) query.orWhereRaw('lower(trim(o.name)) = lower(?)', [trimmed]);
      if (wanted.length > 0) query.orWhereIn('o.id', db('organization_domains').whereIn('domain', wanted).select('organization_id'));
    })
    .orderByRaw(`${caseFolded.order(db, 'o.name')}, o.id`)
    .limit(limit);
  if (exceptSubmissionId) statement.whereNot('o.idempotency_key', exceptSubmissionId);
  const rows = (await statement) as { id: number; name: string; status: OrganizationStatus }[];
  if (rows.length === 0) return [];
  const matched = (await db('organization_domains')
    .whereIn(
      'organization_id',
      rows.map((row) => row.id),
    )
    .whereIn('domain', wanted.length > 0 ? wanted : [''])
    .orderBy('domain')
    .select('organization_id', 'domain')) as { organization_id: number; domain: string }[];
  return rows.map((row) => ({
    ...row,
    sameName: Boolean(trimmed) && row.name.trim().toLowerCase() === trimmed.toLowerCase(),
    sameDomains: matched.filter((each) => each.organization_id === row.id).map((each) => each.domain),
  }));
}

/**
 * Brings one organization from a WorkOS listing (the sync): imported when it is new here, updated
 * when WorkOS's name, external id or domains differ (or its creation here was left pending).
 */
export async function upsertOrganizationFromWorkOS(
  organization: WorkOSOrganization,
  actor: AuditActor,
  { requestId, db = getDb(), now: at = new Date() }: ModelContext = {},
): Promise<'created' | 'updated' | 'unchanged'> {
  const key = organization.metadata?.setup_desk_key;
  return transaction(db, async (trx) => {
    // Read inside the transaction: a creation finishing on another instance meanwhile is seen, or conflicts and runs this again.
    const local =
      (await trx<OrganizationRow>('organizations').where({ workos_id: organization.id }).first()) ??
      (key ? await trx<OrganizationRow>('organizations').where({ idempotency_key: key, status: 'pending' }).first() : undefined);
    if (!local) {
      const now = at.toISOString();
      const externalTaken = organization.externalId ? await trx('organizations').where({ external_id: organization.externalId }).first('id') : undefined;
      const [row] = await trx('organizations')
        .insert({
          name: organization.name,
          workos_id: organization.id,
          external_id: externalTaken ? null : (organization.externalId ?? null),
          status: 'active',
          idempotency_key: `import:${organization.id}`,
          created_by: actor.id ?? null,
          created_at: isoTimestamp(organization.createdAt) ?? now,
          updated_at: now,
        })
        .returning('id');
      const id = (row as { id: number }).id;
      await applyWorkOSOrganization(id, organization, { keepExternalId: Boolean(externalTaken) }, { db: trx });
      await recordAuditEvent({ actor, action: 'organization.imported', organizationId: id, requestId, details: { workosId: organization.id } }, { db: trx });
      return 'created';
    }
    // Both sides in one order, the same code point order whatever the database's collation (a
    // PostgreSQL in en_US ignores punctuation: acme.com and acme-inc.com would swap, and every
    // sync would "change" the organization).
    const byDomain = (a: { domain: string }, b: { domain: string }) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0);
    const domains = ((await trx('organization_domains').where({ organization_id: local.id }).select('domain', 'state')) as { domain: string; state: string }[])
      .map(({ domain, state }) => ({ domain, state }))
      .sort(byDomain);
    const incoming = organization.domains.map((domain) => ({ domain: domain.domain.toLowerCase(), state: domain.state ?? 'pending' })).sort(byDomain);
    const changed =
      local.status === 'pending' ||
      local.name !== organization.name ||
      (local.external_id ?? null) !== (organization.externalId ?? null) ||
      JSON.stringify(domains) !== JSON.stringify(incoming);
    if (!changed) return 'unchanged';
    await applyWorkOSOrganization(local.id, organization, { status: local.status === 'pending' ? 'active' : undefined }, { db: trx });
    await recordAuditEvent({ actor, action: 'organization.synced', organizationId: local.id, requestId, details: { workosId: organization.id } }, { db: trx });
    return 'updated';
  });
}

/**
 * Archives the active organizations a full WorkOS listing no longer holds (deleted there), ending
 * their links. Returns how many were archived.
 */
export async function archiveOrganizationsGoneFromWorkOS(
  {
    seenWorkOSIds,
    listedFrom,
    onArchived,
  }: {
    seenWorkOSIds: Set<string>;
    /**
     * When the listing of WorkOS began: an organization created or changed here since (its
     * creation finished, on any instance) may be missing from the listing without being gone.
     */
    listedFrom: string;
    /** Called after each archival commits (the sync counts as it goes). */
    onArchived?: () => void;
  },
  actor: AuditActor,
  { requestId, db = getDb(), now: at = new Date() }: ModelContext = {},
): Promise<number> {
  const active = (await db('organizations')
    .where({ status: 'active' })
    .whereNotNull('workos_id')
    .where('updated_at', '<', listedFrom)
    .select('id', 'workos_id')) as {
    id: number;
    workos_id: string;
  }[];
  let archived = 0;
  for (const row of active.filter((candidate) => !seenWorkOSIds.has(candidate.workos_id))) {
    const changed = await transaction(db, async (trx) => {
      const now = at.toISOString();
      // Another instance's sync (or a rep) may have archived it meanwhile: audited once, by whoever did.
      const updated = await trx('organizations').where({ id: row.id, status: 'active' }).update({ status: 'archived', archived_at: now, updated_at: now });
      if (updated === 0) return false;
      await recordAuditEvent(
        { actor, action: 'organization.archived_deleted_in_workos', organizationId: row.id, requestId, details: { workosId: row.workos_id } },
        { db: trx },
      );
      await revokeActiveLinkOf(row.id, { reason: 'The organization was deleted in WorkOS.' }, actor, { db: trx, requestId });
      return true;
    });
    if (!changed) continue;
    archived += 1;
    onArchived?.();
  }
  return archived;
}
