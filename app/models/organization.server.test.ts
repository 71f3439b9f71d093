/**
 * Organizations against the WorkOS sandbox, through the real SDK, with injected faults: one
 * organization per submission whatever happens, and a message a rep can act on for each error.
 */
import { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NewOrganizationInput } from '~/forms/organization';
import type { Knex } from 'knex';
import type { OrganizationListQuery } from '~/forms/organization';
import { getDb, migrateToLatest, openDatabase } from '~/utils/db.server';
import { resetEnvCache } from '~/utils/env.server';
import { resetWorkOS } from '~/utils/workos.server';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { seedOrganizations } from '../../db/seed-organizations';
import { createOrganization, createTestStaff, deliverWorkOSEvent, insertOrganizationWithoutHistory } from '../../test/factories';
import { makeTempDir } from '../../test/temp-dirs';
import { startOrganizationSync, type OrganizationSync } from './organization-sync.server';
import {
  archiveOrganization,
  finishOrganizationCreation,
  encodeCursor,
  getOrganization,
  LIST_LIMITS,
  listOrganizations,
  type OrganizationListItem,
  type OrganizationPage,
  setCsOwner,
  startOrganizationCreation,
  updateOrganizationDetails,
} from './organization.server';
import { staffActor, type Staff } from './staff.server';

let sandbox: RunningSandbox;
let workos: WorkOS;
let rep: Staff;
let admin: Staff;
let repActor: ReturnType<typeof staffActor> & { role: 'support' };

function pointAppAt(target: RunningSandbox, apiKey = target.apiKey) {
  Object.assign(process.env, { WORKOS_API_KEY: apiKey, WORKOS_API_HOSTNAME: target.host, WORKOS_API_PORT: String(target.port) });
  resetEnvCache();
  resetWorkOS();
}

beforeAll(async () => {
  sandbox = await startSandbox();
  pointAppAt(sandbox);
  workos = new WorkOS(sandbox.apiKey, { ...sandbox.sdkOptions, maxRetries: 0 });
  rep = await createTestStaff('support');
  admin = await createTestStaff('admin');
  repActor = { ...staffActor(rep), role: 'support' };
});
afterAll(async () => {
  await sandbox.stop();
});
beforeEach(() => {
  sandbox.faults.clear();
});

let counter = 0;
function newInput(overrides: Partial<NewOrganizationInput> = {}): NewOrganizationInput {
  counter += 1;
  return {
    submissionId: crypto.randomUUID(),
    name: `Customer ${counter} ${Date.now()}`,
    domains: [],
    domainsVerified: false,
    externalId: null,
    csOwnerId: rep.id,
    note: undefined,
    ...overrides,
  };
}

const workosOrganizationsNamed = (name: string) => sandbox.store.state.organizations.filter((organization) => organization.name === name);
const auditActions = async (organizationId: number) =>
  (await getDb()('audit_events').where({ organization_id: organizationId }).orderBy('id').pluck('action')) as string[];

async function create(input: NewOrganizationInput) {
  const started = await startOrganizationCreation(input, repActor);
  return { started, result: await finishOrganizationCreation(started.id, repActor) };
}

describe('creating an organization', () => {
  it('writes the row pending, creates it in WorkOS with its domains, then marks it active', async () => {
    const input = newInput({ domains: ['acme.example', 'acme-eu.example'], externalId: `ext-${counter}`, note: 'Kick-off call on Monday' });
    const { started, result } = await create(input);
    expect(result).toMatchObject({ ok: true, id: started.id });
    const organization = await getOrganization(started.id);
    expect(organization).toMatchObject({ status: 'active', name: input.name, externalId: input.externalId, csOwner: { id: rep.id } });
    expect(organization!.domains).toEqual([
      { domain: 'acme-eu.example', state: 'pending' },
      { domain: 'acme.example', state: 'pending' },
    ]);
    const [inWorkOS] = workosOrganizationsNamed(input.name);
    expect(inWorkOS).toMatchObject({ id: organization!.workosId, external_id: input.externalId, metadata: { setup_desk_key: input.submissionId } });
    expect(await auditActions(started.id)).toEqual(['organization.create_requested', 'organization.created']);
    const requested = await getDb()('audit_events').where({ organization_id: started.id, action: 'organization.create_requested' }).first();
    expect(requested.note).toBe('Kick-off call on Monday');
  });

  it('a double submit finds the first row and makes no second organization', async () => {
    const input = newInput();
    await create(input);
    const again = await startOrganizationCreation(input, repActor);
    expect(again.existing).toBe(true);
    expect(workosOrganizationsNamed(input.name)).toHaveLength(1);
    expect(await getDb()('organizations').where({ name: input.name })).toHaveLength(1);
  });

  it('only an admin can mark domains verified', async () => {
    await expect(startOrganizationCreation(newInput({ domains: ['ok.example'], domainsVerified: true }), repActor)).rejects.toThrow(
      'Only an admin can mark domains verified.',
    );
    const input = newInput({ domains: ['proved.example'], domainsVerified: true });
    const started = await startOrganizationCreation(input, { ...staffActor(admin), role: 'admin' });
    await finishOrganizationCreation(started.id, repActor);
    expect((await getOrganization(started.id))!.domains).toEqual([{ domain: 'proved.example', state: 'verified' }]);
  });

  for (const keys of ['replayed', 'ignored'] as const) {
    it(`a 500 after WorkOS created it: the next attempt looks first, and one organization is linked (idempotency keys ${keys}; no external id)`, async () => {
      sandbox.store.readings.idempotencyKeys = keys;
      try {
        const input = newInput();
        sandbox.faults.add({ method: 'POST', path: '/organizations', status: 500, phase: 'after' });
        const { started, result } = await create(input);
        expect(result).toMatchObject({ ok: true });
        expect(workosOrganizationsNamed(input.name)).toHaveLength(1);
        expect((await getOrganization(started.id))!.workosId).toBe(workosOrganizationsNamed(input.name)[0]!.id);
        expect(await auditActions(started.id)).toEqual(['organization.create_requested', 'organization.created']);
      } finally {
        sandbox.store.readings.idempotencyKeys = 'replayed';
      }
    });

    it(`a lost answer while WorkOS stays down, then the rep's "retry", ends with exactly one organization (idempotency keys ${keys}; no external id)`, async () => {
      sandbox.store.readings.idempotencyKeys = keys;
      try {
        const input = newInput();
        // WorkOS creates it but the answer is lost; the look-ups and attempts after it fail too.
        sandbox.faults.add({ method: 'POST', path: '/organizations', status: 500, phase: 'after' });
        sandbox.faults.add({ method: 'GET', path: '/organizations', status: 503, times: 10 });
        const { started, result } = await create(input);
        expect(result).toMatchObject({ ok: false, discarded: false, problem: { kind: 'unavailable' } });
        expect((await getOrganization(started.id))!.status).toBe('pending');
        expect(workosOrganizationsNamed(input.name)).toHaveLength(1);
        sandbox.faults.clear();
        expect(await finishOrganizationCreation(started.id, repActor)).toMatchObject({ ok: true });
        expect(workosOrganizationsNamed(input.name)).toHaveLength(1);
        expect((await getOrganization(started.id))!).toMatchObject({
          status: 'active',
          workosId: workosOrganizationsNamed(input.name)[0]!.id,
          lastError: null,
        });
        expect(await auditActions(started.id)).toEqual(['organization.create_requested', 'organization.create_failed', 'organization.created']);
      } finally {
        sandbox.store.readings.idempotencyKeys = 'replayed';
      }
    });
  }

  it('an organization created by a lost attempt is found by external id and linked, not duplicated', async () => {
    const input = newInput({ externalId: `lost-${Date.now()}` });
    const started = await startOrganizationCreation(input, repActor);
    // The app died after WorkOS created it: only WorkOS knows (with our key in its metadata).
    const orphan = await workos.organizations.createOrganization({
      name: input.name,
      externalId: input.externalId!,
      metadata: { setup_desk_key: input.submissionId },
    });
    const result = await finishOrganizationCreation(started.id, repActor);
    expect(result).toMatchObject({ ok: true, workosId: orphan.id });
    expect(workosOrganizationsNamed(input.name)).toHaveLength(1);
  });

  it('a 429 is retried by the SDK and then succeeds', async () => {
    sandbox.faults.add({ method: 'POST', path: '/organizations', status: 429, retryAfter: 0, times: 1 });
    const { result } = await create(newInput());
    expect(result.ok).toBe(true);
  });

  it('rate limited beyond the retries: "WorkOS is busy, try again in N s", the row kept for a retry', async () => {
    sandbox.faults.add({ method: 'POST', path: '/organizations', status: 429, retryAfter: 0, times: 10 });
    const { started, result } = await create(newInput());
    expect(result).toMatchObject({ ok: false, discarded: false, problem: { kind: 'rate_limited' } });
    if (!result.ok) expect(result.problem.message).toMatch(/^WorkOS is busy \(rate limited\)\. Try again in \d+ s\.$/);
    expect((await getOrganization(started.id))!.status).toBe('pending');
  });

  it.each([
    [403, 'forbidden', /lacks permission for this, or belongs to another environment/],
    [503, 'unavailable', /WorkOS is unavailable right now/],
  ])('an injected %i keeps the row pending with its message and audits it', async (status, kind, message) => {
    sandbox.faults.add({ method: 'POST', path: '/organizations', status, retryAfter: 0, times: 10 });
    const { started, result } = await create(newInput());
    expect(result).toMatchObject({ ok: false, discarded: false, problem: { kind } });
    if (!result.ok) expect(result.problem.message).toMatch(message);
    expect((await getOrganization(started.id))!.lastError).toMatchObject({ kind });
    const failed = await getDb()('audit_events').where({ organization_id: started.id, action: 'organization.create_failed' }).first();
    expect(JSON.parse(failed.details)).toMatchObject({ kind, status });
  });

  it('a rejected API key (401) says to check WORKOS_API_KEY and keeps the row pending', async () => {
    pointAppAt(sandbox, 'sk_test_not_the_sandbox_key');
    try {
      const { started, result } = await create(newInput());
      expect(result).toMatchObject({ ok: false, discarded: false, problem: { kind: 'invalid_api_key' } });
      if (!result.ok) expect(result.problem.message).toMatch(/check WORKOS_API_KEY/);
      expect((await getOrganization(started.id))!.status).toBe('pending');
    } finally {
      pointAppAt(sandbox);
    }
  });

  it('an injected 422 is a refusal: the pending row is discarded so the rep can correct the form', async () => {
    sandbox.faults.add({
      method: 'POST',
      path: '/organizations',
      status: 422,
      body: { message: 'Validation failed', errors: [{ field: 'name', code: 'invalid' }] },
    });
    const input = newInput();
    const { started, result } = await create(input);
    expect(result).toMatchObject({ ok: false, discarded: true, problem: { kind: 'invalid_request' } });
    expect(await getOrganization(started.id)).toBeNull();
    expect(await auditActions(started.id)).toEqual(['organization.create_requested', 'organization.create_refused']);
  });

  it('an external id another WorkOS organization uses is refused on the external id field', async () => {
    const externalId = `taken-${Date.now()}`;
    await workos.organizations.createOrganization({ name: 'Someone else', externalId });
    const { result } = await create(newInput({ externalId }));
    expect(result).toMatchObject({ ok: false, discarded: true, problem: { kind: 'external_id_taken', field: 'externalId' } });
  });

  it('a domain another organization verified is refused on the domains field', async () => {
    const domain = `claimed-${Date.now()}.example`;
    await workos.organizations.createOrganization({ name: 'Owner of the domain', domainData: [{ domain, state: 'verified' as never }] });
    const { result } = await create(newInput({ domains: [domain] }));
    expect(result).toMatchObject({ ok: false, discarded: true, problem: { kind: 'domain_conflict', field: 'domains' } });
  });

  it('…or, with a WorkOS that accepts it unverified instead, created with that domain pending, as WorkOS says', async () => {
    sandbox.store.readings.domainVerifiedElsewhere = 'pending';
    try {
      const domain = `claimed-elsewhere-${Date.now()}.example`;
      await workos.organizations.createOrganization({ name: 'First owner', domainData: [{ domain, state: 'verified' as never }] });
      const { started, result } = await create(newInput({ domains: [domain] }));
      expect(result).toMatchObject({ ok: true });
      expect((await getOrganization(started.id))!.domains).toEqual([{ domain, state: 'pending' }]);
    } finally {
      sandbox.store.readings.domainVerifiedElsewhere = 'conflict';
    }
  });
});

describe('changing an organization', () => {
  it('edits name, domains and external id in WorkOS, keeping domain states', async () => {
    const { started } = await create(newInput({ domains: ['keep.example'], externalId: `edit-${Date.now()}` }));
    const adminActor = { ...staffActor(admin), role: 'admin' as const };
    await updateOrganizationDetails(started.id, { name: 'Renamed', domains: ['keep.example'], domainsVerified: true, externalId: null }, adminActor);
    await updateOrganizationDetails(
      started.id,
      { name: 'Renamed Again', domains: ['keep.example', 'added.example'], domainsVerified: false, externalId: 'new-ext' },
      repActor,
    );
    const organization = (await getOrganization(started.id))!;
    expect(organization).toMatchObject({ name: 'Renamed Again', externalId: 'new-ext' });
    expect(organization.domains).toEqual([
      { domain: 'added.example', state: 'pending' },
      { domain: 'keep.example', state: 'verified' },
    ]);
    expect(sandbox.store.findOrganization(organization.workosId!)).toMatchObject({ name: 'Renamed Again', external_id: 'new-ext' });
  });

  it('an edit is a change against WorkOS’s current organization: a domain verified or added there since the page loaded survives a rename', async () => {
    const { started } = await create(newInput({ domains: ['verify-me.example', 'stays-pending.example'] }));
    const workosId = (await getOrganization(started.id))!.workosId!;
    // In WorkOS meanwhile (the local copy has not heard): the IT admin verified one domain and
    // added another; an older one is legacy-verified.
    const inWorkOS = sandbox.store.findOrganization(workosId)!;
    inWorkOS.domains.find((domain) => domain.domain === 'verify-me.example')!.state = 'verified';
    inWorkOS.domains.push(
      sandbox.store.makeDomain(workosId, 'added-by-it.example', 'verified'),
      sandbox.store.makeDomain(workosId, 'old.example', 'legacy_verified'),
    );
    expect((await getOrganization(started.id))!.domains.map((domain) => domain.state)).toEqual(['pending', 'pending']);
    // The rep renames it, with the domains the page showed them.
    const result = await updateOrganizationDetails(
      started.id,
      { name: 'Renamed Safely', domains: ['stays-pending.example', 'verify-me.example'], domainsVerified: false, externalId: null },
      repActor,
    );
    expect(result).toEqual({ ok: true, keptByWorkOS: [] });
    const states = (domains: { domain: string; state: string }[]) => Object.fromEntries(domains.map((domain) => [domain.domain, domain.state]));
    expect(states(sandbox.store.findOrganization(workosId)!.domains)).toEqual({
      'verify-me.example': 'verified',
      'stays-pending.example': 'pending',
      'added-by-it.example': 'verified',
      'old.example': 'verified',
    });
    // …and the page shows WorkOS's answer.
    expect(states((await getOrganization(started.id))!.domains)).toEqual(states(sandbox.store.findOrganization(workosId)!.domains));
  });

  it('a domain an event brought in after the page loaded is not taken for one the rep removed', async () => {
    const { started } = await create(newInput({ domains: ['shown.example'] }));
    const workosId = (await getOrganization(started.id))!.workosId!;
    // While the rep's page is open, the IT admin adds a domain in WorkOS and its event updates the local copy.
    const arrived = sandbox.store.makeDomain(workosId, 'arrived.example', 'verified');
    sandbox.store.findOrganization(workosId)!.domains.push(arrived);
    await deliverWorkOSEvent('organization_domain.created', {
      object: 'organization_domain',
      id: arrived.id,
      organizationId: workosId,
      domain: arrived.domain,
      state: 'verified',
    });
    const result = await updateOrganizationDetails(
      started.id,
      { name: 'Renamed With Care', domains: ['shown.example'], shownDomains: ['shown.example'], domainsVerified: false, externalId: null },
      repActor,
    );
    expect(result).toEqual({ ok: true, keptByWorkOS: [] });
    expect(
      sandbox.store
        .findOrganization(workosId)!
        .domains.map((domain) => domain.domain)
        .sort(),
    ).toEqual(['arrived.example', 'shown.example']);
  });

  it('removes only what the rep removed; a WorkOS that keeps it anyway is reported, not hidden', async () => {
    for (const reading of ['replace', 'merge'] as const) {
      sandbox.store.readings.putDomainData = reading;
      try {
        const { started } = await create(newInput({ domains: ['gone.example', 'kept.example'] }));
        const workosId = (await getOrganization(started.id))!.workosId!;
        const result = await updateOrganizationDetails(
          started.id,
          { name: `Trimmed ${reading}`, domains: ['kept.example'], domainsVerified: false, externalId: null },
          repActor,
        );
        const inWorkOS = sandbox.store
          .findOrganization(workosId)!
          .domains.map((domain) => domain.domain)
          .sort();
        if (reading === 'replace') {
          expect(result).toEqual({ ok: true, keptByWorkOS: [] });
          expect(inWorkOS).toEqual(['kept.example']);
        } else {
          expect(result).toEqual({ ok: true, keptByWorkOS: ['gone.example'] });
          expect(inWorkOS).toEqual(['gone.example', 'kept.example']);
        }
      } finally {
        sandbox.store.readings.putDomainData = 'replace';
      }
    }
  });

  it('an organization deleted in WorkOS: the edit says so (404) and is audited', async () => {
    const { started } = await create(newInput());
    const organization = (await getOrganization(started.id))!;
    await workos.organizations.deleteOrganization(organization.workosId!);
    const result = await updateOrganizationDetails(started.id, { name: 'Too late', domains: [], domainsVerified: false, externalId: null }, repActor);
    expect(result).toMatchObject({ ok: false, problem: { kind: 'not_found' } });
    if (!result.ok) expect(result.problem.message).toMatch(/deleted in WorkOS, or the app is using the API key of another environment/);
    expect(await auditActions(started.id)).toContain('organization.update_failed');
  });

  it('changes the CS owner and archives, both audited; archiving twice is a no-op', async () => {
    const { started } = await create(newInput());
    const otherRep = await createTestStaff('support');
    await setCsOwner(started.id, otherRep.id, repActor);
    expect((await getOrganization(started.id))!.csOwner).toEqual({ id: otherRep.id, name: otherRep.name });
    const viewer = await createTestStaff('viewer');
    await expect(setCsOwner(started.id, viewer.id, repActor)).rejects.toThrow(/support rep or admin/);
    expect(await archiveOrganization(started.id, { reason: 'Churned' }, repActor)).toEqual({ alreadyArchived: false });
    expect(await archiveOrganization(started.id, { reason: 'Again' }, repActor)).toEqual({ alreadyArchived: true });
    expect((await getOrganization(started.id))!.status).toBe('archived');
    expect(await auditActions(started.id)).toEqual(expect.arrayContaining(['organization.owner_changed', 'organization.archived']));
  });
});

describe('listing and searching', () => {
  it('finds by part of the name, by domain, by external id and by WorkOS id; filters by owner', async () => {
    const tag = `zq${Date.now().toString(36)}`;
    const { started } = await create(newInput({ name: `Globex ${tag} Industries`, domains: [`${tag}-globex.example`], externalId: `acct-${tag}` }));
    const workosId = (await getOrganization(started.id))!.workosId!;
    const find = async (q: string, extra: object = {}) =>
      (await listOrganizations({ q, status: 'current', sort: 'name', link: 'any', setup: 'any', ...extra }, { viewerId: rep.id })).items.map((item) => item.id);
    expect(await find(`${tag} indus`)).toEqual([started.id]);
    expect(await find(`${tag}-globex.example`)).toEqual([started.id]);
    expect(await find(`acct-${tag}`)).toEqual([started.id]);
    expect(await find(workosId)).toEqual([started.id]);
    expect(await find(`${tag}"' OR 1=1 --`)).toEqual([]);
    expect(await find(tag, { owner: 'mine' })).toEqual([started.id]);
    expect(await find(tag, { owner: admin.id })).toEqual([]);
  });

  it('pages forward and back with keyset cursors, in name order and newest first', async () => {
    const tag = `pg${Date.now().toString(36)}`;
    // One after the other: newest first is the reverse of this order (ties in time go by id).
    for (let index = 0; index < 12; index += 1) await createOrganization({ name: `${tag} ${String.fromCharCode(97 + index)}` });
    const walk = async (sort: 'name' | 'newest') => {
      const names: string[][] = [];
      let page = await listOrganizations({ q: tag, status: 'current', sort, link: 'any', setup: 'any' }, { viewerId: rep.id, pageSize: 5 });
      names.push(page.items.map((item) => item.name));
      expect(page.previousCursor).toBeNull();
      while (page.nextCursor) {
        page = await listOrganizations(
          { q: tag, status: 'current', sort, link: 'any', setup: 'any', after: page.nextCursor },
          { viewerId: rep.id, pageSize: 5 },
        );
        names.push(page.items.map((item) => item.name));
      }
      const back = await listOrganizations(
        { q: tag, status: 'current', sort, link: 'any', setup: 'any', before: page.previousCursor! },
        { viewerId: rep.id, pageSize: 5 },
      );
      expect(back.items.map((item) => item.name)).toEqual(names[1]);
      return names.flat();
    };
    const letters = Array.from({ length: 12 }, (_, index) => `${tag} ${String.fromCharCode(97 + index)}`);
    expect(await walk('name')).toEqual(letters);
    expect(await walk('newest')).toEqual([...letters].reverse());
  });
});

describe('the list at scale: every strategy gives the exact rows, order and cursors', () => {
  // Its own database: thousands of organizations, seeded as the benchmark seeds them, plus 300
  // that match one word and sort after all the others (the walk's worst case).
  let db: Knex;
  let ownerId: number;
  let everyone: OrganizationListItem[];
  const now = new Date();
  const small = { candidates: 50, walk: 200, fallback: 400 };

  beforeAll(async () => {
    db = openDatabase(`${makeTempDir('setup-desk-scale-')}/scale.sqlite`);
    await migrateToLatest(db);
    const owners = [await createTestStaff('support', { db }), await createTestStaff('support', { db }), await createTestStaff('admin', { db })];
    ownerId = owners[0]!.id;
    await seedOrganizations(db, { count: 3_000, ownerIds: owners.map((owner) => owner.id) });
    for (let index = 0; index < 300; index += 1) await insertOrganizationWithoutHistory({ name: `Zulu Clustered ${index}`, db });
    // Letters the trigram index folds by Unicode's rules: their rows are tested by the index itself.
    for (let index = 0; index < 60; index += 1) await insertOrganizationWithoutHistory({ name: `Énergie Ålesund ${index}`, db });
    // The reference: every current organization as the plain list describes it, one page.
    everyone = (await listOrganizations(query(), { viewerId: ownerId, pageSize: 10_000 }, { db, now })).items;
  }, 60_000);
  afterAll(async () => {
    await db.destroy();
  });

  function query(overrides: Partial<OrganizationListQuery> = {}): OrganizationListQuery {
    return { status: 'current', sort: 'name', link: 'any', setup: 'any', ...overrides };
  }

  /** What the filters select, by brute force over the reference rows, in the list's order. */
  async function expected(filters: Partial<OrganizationListQuery>): Promise<number[]> {
    const texts = new Map(
      ((await db('organization_search').select('rowid', 'name', 'domains', 'external_id', 'workos_id')) as Record<string, string | number>[]).map((row) => [
        row.rowid as number,
        [row.name, row.domains, row.external_id, row.workos_id].join('\n').toLowerCase(),
      ]),
    );
    const owner = (await db('staff').where({ id: ownerId }).first('name')) as { name: string };
    const term = filters.q?.toLowerCase();
    const rows = everyone.filter(
      (item) =>
        (!term || (term.length >= 3 ? texts.get(item.id)!.includes(term) : item.name.toLowerCase().startsWith(term))) &&
        (filters.owner === undefined || item.ownerName === owner.name) &&
        (filters.setup === undefined || filters.setup === 'any' || item.setupState === filters.setup) &&
        (filters.link === undefined ||
          filters.link === 'any' ||
          (filters.link === 'none' ? item.linkState !== 'active' : filters.link === 'active' ? item.linkState === 'active' : item.linkState === filters.link)),
    );
    const byName = (a: OrganizationListItem, b: OrganizationListItem) => {
      const [x, y] = [a.name.toLowerCase(), b.name.toLowerCase()];
      return x < y ? -1 : x > y ? 1 : a.id - b.id;
    };
    const newest = (a: OrganizationListItem, b: OrganizationListItem) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id - a.id);
    return rows.sort(filters.sort === 'newest' ? newest : byName).map((item) => item.id);
  }

  /** Every page forward from the first, then every page back from the last. */
  async function walkBothWays(filters: Partial<OrganizationListQuery>, limits = small, pageSize = 40) {
    const list = (extra: Partial<OrganizationListQuery>) =>
      listOrganizations(query({ ...filters, ...extra }), { viewerId: ownerId, pageSize, limits }, { db, now });
    const cursorOf = (item: OrganizationListItem) => encodeCursor({ value: filters.sort === 'newest' ? item.createdAt : item.name, id: item.id });
    const forward: OrganizationPage[] = [await list({})];
    expect(forward[0]!.previousCursor).toBeNull();
    while (forward.at(-1)!.nextCursor && forward.length < 500) forward.push(await list({ after: forward.at(-1)!.nextCursor! }));
    const backward: OrganizationPage[] = [];
    let cursor = forward.at(-1)!.previousCursor;
    while (cursor && backward.length < 500) {
      backward.unshift(await list({ before: cursor }));
      cursor = backward[0]!.previousCursor;
    }
    for (const page of forward) {
      expect(page.items.length).toBeLessThanOrEqual(pageSize);
      // A full page's cursors are its own first and last rows, as they always were.
      if (page.stoppedAfter === null && page.nextCursor) expect(page.nextCursor).toBe(cursorOf(page.items.at(-1)!));
    }
    return {
      forward: forward.flatMap((page) => page.items.map((item) => item.id)),
      backward: [...backward, forward.at(-1)!].flatMap((page) => page.items.map((item) => item.id)),
      stopped: forward.filter((page) => page.stoppedAfter !== null).length,
      pages: forward.length,
    };
  }

  const cases: [string, Partial<OrganizationListQuery>][] = [
    ['a term every organization matches (domains end .example)', { q: 'example' }],
    ['…newest first', { q: 'example', sort: 'newest' }],
    ['a term most match (external ids)', { q: 'acct-' }],
    ['a common name word', { q: 'globex' }],
    ['…newest first', { q: 'globex', sort: 'newest' }],
    ['a rare term (fewer matches than the candidate bound)', { q: 'acct-31' }],
    ['a term matching nothing', { q: 'zzqx' }],
    ['a 2-character name prefix', { q: 'gl' }],
    ['…newest first', { q: 'gl', sort: 'newest' }],
    ['search and owner', { q: 'example', owner: 'mine' }],
    ['search and an active link', { q: 'example', link: 'active' }],
    ['search and a completed link', { q: 'globex', link: 'completed' }],
    ['search and waiting', { q: 'example', setup: 'waiting' }],
    ['search and needs attention', { q: 'example', setup: 'attention' }],
    ['search and completed, newest first', { q: 'example', setup: 'completed', sort: 'newest' }],
    ['completed, no search', { setup: 'completed' }],
    ['needs attention, no search', { setup: 'attention' }],
    ['a completed link, by owner', { link: 'completed', owner: 'mine' }],
    ['in progress', { setup: 'in_progress' }],
    ['many matches clustered at the end of the order', { q: 'zulu' }],
    ['a term with letters beyond ASCII, folded', { q: 'ÉNERGIE' }],
    ['an ASCII term in rows with letters beyond ASCII', { q: 'nergie' }],
    ['…and in all the others too', { q: 'ene' }],
  ];
  for (const [label, filters] of cases) {
    it(`${label}: ${JSON.stringify(filters)}`, async () => {
      const want = await expected(filters);
      for (const limits of [small, LIST_LIMITS]) {
        const got = await walkBothWays(filters, limits);
        expect(got.forward, 'forward').toEqual(want);
        expect(got.backward, 'backward').toEqual(want);
        // The default bounds never stop short here; the small ones may (the Zulus have no
        // domain, and sort last by name and first by age), and the pages still add up.
        if (limits === LIST_LIMITS) expect(got.stopped).toBe(0);
      }
    });
  }

  it('the reference holds what the cases need: matches for every term, most of them past the candidate bound', async () => {
    expect((await expected({ q: 'example' })).length).toBe(everyone.length - 360); // the Zulus and Énergies have no domain
    expect((await expected({ q: 'ÉNERGIE' })).length).toBe(60);
    expect((await expected({ q: 'globex' })).length).toBeGreaterThan(small.candidates);
    expect((await expected({ q: 'acct-31' })).length).toBeLessThanOrEqual(small.candidates);
    expect((await expected({ q: 'zulu' })).length).toBe(300);
    expect((await expected({ setup: 'completed' })).length).toBeGreaterThan(small.candidates);
    expect((await expected({ q: 'zzqx' })).length).toBe(0);
  });

  it('a walk that runs out with too many candidates to read whole returns short pages that still add up exactly', async () => {
    const limits = { candidates: 50, walk: 200, fallback: 100 };
    const want = await expected({ q: 'zulu' });
    const got = await walkBothWays({ q: 'zulu' }, limits);
    expect(got.forward).toEqual(want);
    expect(got.backward).toEqual(want);
    // 3,000 organizations sort before the first Zulu: the walk stops 200 rows at a time until it reaches them.
    expect(got.stopped).toBeGreaterThan(10);
    const first = await listOrganizations(query({ q: 'zulu' }), { viewerId: ownerId, pageSize: 40, limits }, { db, now });
    expect(first).toMatchObject({ items: [], stoppedAfter: 200, previousCursor: null });
    expect(first.nextCursor).not.toBeNull();
  });
});

describe('the setup-link filter', () => {
  it('finds organizations with no link, an active one, one expiring within 48 h, and an expired one', async () => {
    const tag = `lf${Date.now().toString(36)}`;
    const ids: Record<string, number> = {};
    for (const kind of ['none', 'active', 'expiring', 'expired']) {
      const { started } = await create(newInput({ name: `${tag} ${kind}` }));
      ids[kind] = started.id;
    }
    const { createSetupLink } = await import('./setup-link.server');
    const link = { features: ['sso' as const], lifetimeDays: 7 };
    await createSetupLink(ids.active!, link, repActor);
    await createSetupLink(ids.expiring!, { ...link, lifetimeDays: 1 }, repActor);
    await createSetupLink(ids.expired!, { ...link, lifetimeDays: 1 }, repActor, { now: new Date(Date.now() - 2 * 86_400_000) });
    const find = async (filter: 'none' | 'active' | 'expiring' | 'expired') =>
      (await listOrganizations({ q: tag, status: 'current', sort: 'name', link: filter, setup: 'any' }, { viewerId: rep.id })).items.map((item) => item.name);
    expect(await find('none')).toEqual([`${tag} expired`, `${tag} none`]);
    expect(await find('active')).toEqual([`${tag} active`, `${tag} expiring`]);
    expect(await find('expiring')).toEqual([`${tag} expiring`]);
    expect(await find('expired')).toEqual([`${tag} expired`]);
    const all = await listOrganizations({ q: tag, status: 'current', sort: 'name', link: 'any', setup: 'any' }, { viewerId: rep.id });
    expect(Object.fromEntries(all.items.map((item) => [item.name.split(' ')[1], item.linkState]))).toEqual({
      active: 'active',
      expiring: 'active',
      expired: 'expired',
      none: 'none',
    });
  });
});

describe('the setup-state filter and column', () => {
  it('tells not started, waiting, in progress, needs attention, completed and stopped apart, with done counts', async () => {
    const tag = `sf${Date.now().toString(36)}`;
    const ids: Record<string, number> = {};
    const workosIds: Record<string, string> = {};
    for (const kind of ['notstarted', 'waiting', 'progress', 'attention', 'completed', 'stopped']) {
      const { started } = await create(newInput({ name: `${tag} ${kind}` }));
      ids[kind] = started.id;
      workosIds[kind] = (await getOrganization(started.id))!.workosId!;
    }
    const { createSetupLink, revokeSetupLink } = await import('./setup-link.server');
    const link = { features: ['sso' as const, 'dsync' as const, 'audit_logs' as const], lifetimeDays: 7 };
    for (const kind of ['waiting', 'progress', 'attention', 'completed']) await createSetupLink(ids[kind]!, link, repActor);
    const stopped = await createSetupLink(ids.stopped!, link, repActor);
    await revokeSetupLink(stopped.link.id, { reason: 'wrong contact' }, repActor);
    let counter = 0;
    const report = (kind: string, event: string, data: Record<string, unknown>) => {
      counter += 1;
      return deliverWorkOSEvent(event, { ...data, organizationId: workosIds[kind] }, { id: `event_${tag}_${counter}`, at: new Date(Date.now() + counter) });
    };
    await report('progress', 'connection.activated', { id: `conn_${tag}p`, type: 'OktaSAML' });
    await report('attention', 'connection.activated', { id: `conn_${tag}a`, type: 'OktaSAML' });
    await report('attention', 'connection.deactivated', { id: `conn_${tag}a`, type: 'OktaSAML' });
    await report('completed', 'connection.activated', { id: `conn_${tag}c`, type: 'OktaSAML' });
    await report('completed', 'dsync.activated', { id: `directory_${tag}c`, type: 'okta scim v2.0' });

    const list = async (setup: 'any' | 'not_started' | 'waiting' | 'in_progress' | 'attention' | 'completed') =>
      (await listOrganizations({ q: tag, status: 'current', sort: 'name', link: 'any', setup }, { viewerId: rep.id })).items;
    const all = await list('any');
    expect(Object.fromEntries(all.map((item) => [item.name.split(' ')[1], [item.setupState, item.setupDone, item.setupTotal]]))).toEqual({
      notstarted: ['not_started', 0, 0],
      waiting: ['waiting', 0, 2],
      progress: ['in_progress', 1, 2],
      attention: ['attention', 0, 2],
      completed: ['completed', 2, 2],
      stopped: ['stopped', 0, 2],
    });
    for (const [filter, kind] of [
      ['not_started', 'notstarted'],
      ['waiting', 'waiting'],
      ['in_progress', 'progress'],
      ['attention', 'attention'],
      ['completed', 'completed'],
    ] as const) {
      expect(
        (await list(filter)).map((item) => item.name),
        filter,
      ).toEqual([`${tag} ${kind}`]);
    }
  });
});

describe('sync from WorkOS', () => {
  it('imports, updates, links a lost creation, archives what WorkOS deleted, and is safe to re-run', async () => {
    const own = await startSandbox();
    pointAppAt(own);
    const ownWorkOS = new WorkOS(own.apiKey, { ...own.sdkOptions, maxRetries: 0 });
    try {
      const outside = await ownWorkOS.organizations.createOrganization({
        name: 'Made in the dashboard',
        domainData: [{ domain: 'dash.example', state: 'verified' as never }],
      });
      const kept = await ownWorkOS.organizations.createOrganization({ name: 'Will be renamed' });
      const doomed = await ownWorkOS.organizations.createOrganization({ name: 'Will be deleted' });
      const input = newInput();
      const pending = await startOrganizationCreation(input, repActor);
      await ownWorkOS.organizations.createOrganization({ name: input.name, metadata: { setup_desk_key: input.submissionId } });

      const runSync = () => new Promise<OrganizationSync>((resolve, reject) => void startOrganizationSync(repActor, { onFinished: resolve }).catch(reject));
      expect(await runSync()).toMatchObject({ status: 'succeeded', seen: 4, created: 3, updated: 1 });
      expect((await getOrganization(pending.id))!.status).toBe('active');
      const imported = await getDb()('organizations').where({ workos_id: outside.id }).first();
      expect((await getOrganization(imported.id))!.domains).toEqual([{ domain: 'dash.example', state: 'verified' }]);

      await ownWorkOS.organizations.updateOrganization({ organization: kept.id, name: 'Renamed in WorkOS' });
      await ownWorkOS.organizations.deleteOrganization(doomed.id);
      const second = await runSync();
      expect(second).toMatchObject({ status: 'succeeded', seen: 3, created: 0, updated: 1 });
      expect(second.archived).toBeGreaterThanOrEqual(1);
      const doomedRow = await getDb()('organizations').where({ workos_id: doomed.id }).first();
      expect(doomedRow.status).toBe('archived');
      expect(await auditActions(doomedRow.id)).toContain('organization.archived_deleted_in_workos');

      expect(await runSync()).toMatchObject({ status: 'succeeded', seen: 3, created: 0, updated: 0, archived: 0 });
    } finally {
      pointAppAt(sandbox);
      await own.stop();
    }
  });
});
