/**
 * The authorization matrix: every route module in app/routes (found on disk, not listed by hand)
 * declares who may run its loader and action (`handle.access`), and each persona below is
 * checked against that declaration by calling the real loader and action. A route added without a
 * declaration, without a guard, or with a guard that differs from its declaration fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '~/utils/db.server';
import type { RunningSandbox } from '../../sandbox/server';
import { createOrganization, createTestStaff, disableDirectly, sessionCookieFor } from '../../test/factories';
import { buildRequest, testContext } from '../../test/requests';
import { STAFF_ROLES, type StaffRole, roleAtLeast } from '~/domain/staff';
import { startSandboxInProcess } from '../../test/sandbox';

type Access = 'public' | StaffRole;
type Outcome = 'allowed' | 'login' | 'forbidden';
type Persona = 'anonymous' | 'viewer' | 'support' | 'admin' | 'disabled' | 'expired' | 'idle';
const PERSONAS: Persona[] = ['anonymous', 'viewer', 'support', 'admin', 'disabled', 'expired', 'idle'];

interface RouteModule {
  handle?: { access?: { loader?: Access; action?: Access } };
  loader?: (args: unknown) => Promise<unknown>;
  action?: (args: unknown) => Promise<unknown>;
}

const ROUTES_DIR = path.resolve('app/routes');
/** Flat routes: each file in app/routes is a route, and so is each folder's route.tsx (the folder's other files are not). */
const routeFiles = [
  path.resolve('app/root.tsx'),
  ...fs.readdirSync(ROUTES_DIR, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) {
      const module = ['route.tsx', 'route.ts'].find((file) => fs.existsSync(path.join(ROUTES_DIR, entry.name, file)));
      return module ? [path.join(ROUTES_DIR, entry.name, module)] : [];
    }
    return /\.(ts|tsx)$/.test(entry.name) && !entry.name.includes('.test.') ? [path.join(ROUTES_DIR, entry.name)] : [];
  }),
];

/** `staff.$staffId.tsx` and `organizations.$organizationId/route.tsx` → `staff.$staffId`, `organizations.$organizationId` */
function routeName(file: string): string {
  const base = path.basename(file);
  return /^route\.tsx?$/.test(base) ? path.basename(path.dirname(file)) : base.replace(/\.(ts|tsx)$/, '');
}

const personaStaff = new Map<Persona, number>();
let organizationId = 0;
const paramValues: Record<string, () => string> = {
  staffId: () => String(personaStaff.get('viewer')),
  organizationId: () => String(organizationId),
  token: () => `sdl_${'x'.repeat(43)}`,
  '*': () => 'no/such/page',
};

let sandbox: RunningSandbox;

beforeAll(async () => {
  // Allowed personas really run the actions; those that call WorkOS reach a sandbox.
  sandbox = await startSandboxInProcess();
  for (const role of STAFF_ROLES) personaStaff.set(role, (await createTestStaff(role)).id);
  for (const persona of ['disabled', 'expired', 'idle'] as const) {
    personaStaff.set(persona, (await createTestStaff('admin')).id);
  }
  organizationId = (await createOrganization({ name: 'Matrix Co' })).id;
});

afterAll(async () => {
  // An admin's POST started a sync from WorkOS in the background: let it finish first.
  const deadline = Date.now() + 10_000;
  while ((await getDb()('organization_syncs').where({ status: 'running' })).length > 0) {
    if (Date.now() > deadline) throw new Error('the sync started by the matrix did not finish');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await sandbox.stop();
});

/** A fresh session per call: a sign-out action must not spoil the next check. */
async function cookieFor(persona: Persona): Promise<string | undefined> {
  if (persona === 'anonymous') return undefined;
  const staffId = personaStaff.get(persona)!;
  if (persona === 'expired') {
    // Signed in 13 hours ago: past the 12-hour absolute limit, though seen a minute ago.
    const { cookie, sessionId } = await sessionCookieFor(staffId, { now: new Date(Date.now() - 13 * 3_600_000) });
    await getDb()('sessions')
      .where({ id: sessionId })
      .update({ last_seen_at: new Date(Date.now() - 60_000).toISOString() });
    return cookie;
  }
  if (persona === 'idle') {
    return (await sessionCookieFor(staffId, { now: new Date(Date.now() - 3 * 3_600_000) })).cookie; // idle limit: 2 h
  }
  const { cookie } = await sessionCookieFor(staffId);
  if (persona === 'disabled') await disableDirectly(staffId);
  return cookie;
}

function expectedOutcome(access: Access, persona: Persona): Outcome {
  if (access === 'public') return 'allowed';
  if (persona === 'anonymous' || persona === 'disabled' || persona === 'expired' || persona === 'idle') return 'login';
  return roleAtLeast(persona, access) ? 'allowed' : 'forbidden';
}

function classify(value: unknown): Outcome {
  if (value instanceof Response) {
    if (value.status === 403) return 'forbidden';
    if (value.status >= 300 && value.status < 400 && (value.headers.get('Location') ?? '').startsWith('/login?redirectTo=')) {
      return 'login';
    }
  }
  return 'allowed';
}

async function run(fn: (args: unknown) => Promise<unknown>, args: unknown): Promise<Outcome> {
  try {
    return classify(await fn(args));
  } catch (thrown) {
    // A guard throws a Response; any other exception is a bug in the route, not a refusal.
    if (thrown instanceof Response) return classify(thrown);
    throw thrown;
  }
}

/** `staff.$staffId.tsx` → { path: '/staff/12', params: { staffId: '12' } } */
function requestTarget(file: string): { path: string; params: Record<string, string> } {
  if (file.endsWith(`${path.sep}root.tsx`)) return { path: '/', params: {} };
  const params: Record<string, string> = {};
  const segments = routeName(file)
    .split('.')
    .filter((segment) => segment !== '_index' && !segment.startsWith('_'))
    .map((segment) => {
      if (!segment.startsWith('$')) return segment;
      const name = segment === '$' ? '*' : segment.slice(1);
      const value = paramValues[name];
      if (!value) throw new Error(`Add a sample value for the route parameter "${name}" to paramValues.`);
      params[name] = value();
      return params[name];
    });
  return { path: `/${segments.join('/')}`, params };
}

/** The first statement of a guarded loader or action must be the guard, with the declared role. */
function guardRoleInSource(fn: (args: unknown) => Promise<unknown>): string | null {
  const source = fn.toString();
  const bodyStart = source.indexOf(') {'); // after the parameter list, which may destructure
  if (bodyStart === -1) return null;
  const body = source.slice(bodyStart + 3).trimStart();
  const match = /^(?:const\s+[\w$]+\s*=\s*)?await\s+(?:[\w$]+\.)?requireStaff\(\s*request\s*,\s*["'](\w+)["']/.exec(body);
  return match?.[1] ?? null;
}

describe('authorization matrix', () => {
  it('discovers the route modules', () => {
    expect(routeFiles.length).toBeGreaterThan(5);
  });

  for (const file of routeFiles) {
    const name = path.relative(path.resolve('app'), file);
    describe(name, () => {
      let module: RouteModule;
      beforeAll(async () => {
        module = (await import(/* @vite-ignore */ file)) as RouteModule;
      });

      for (const kind of ['loader', 'action'] as const) {
        it(`${kind}: declares its access, starts with the matching guard, and behaves as declared`, async () => {
          const fn = module[kind];
          const declared = module.handle?.access?.[kind];
          if (!fn) {
            expect(declared, `${name} declares ${kind} access but has no ${kind}`).toBeUndefined();
            return;
          }
          expect(declared, `${name} must declare handle.access.${kind} ('public' or a role)`).toBeDefined();
          const access = declared!;
          if (access !== 'public') {
            expect(guardRoleInSource(fn), `${name} ${kind} must begin with requireStaff(request, '${access}')`).toBe(access);
          }
          const { path: urlPath, params } = requestTarget(file);
          for (const persona of PERSONAS) {
            const request = buildRequest(urlPath, {
              method: kind === 'loader' ? 'GET' : 'POST',
              cookie: await cookieFor(persona),
              form: kind === 'action' ? {} : undefined,
            });
            const outcome = await run(fn, { request, params, context: testContext });
            expect(outcome, `${name} ${kind} as ${persona}`).toBe(expectedOutcome(access, persona));
          }
        });
      }
    });
  }
});
