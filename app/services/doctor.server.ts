import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { WorkOS } from '@workos-inc/node';
import type { Knex } from 'knex';
import nodemailer from 'nodemailer';
import { getPollerState } from '~/models/event-poller.server';
import { lastObserved } from '~/models/server-observations.server';
import { lastEventReceivedAt } from '~/models/setup-progress.server';
import { customerFacingProblems, getSettings } from '~/models/settings.server';
import { describeEmailFailure, sendTestEmail, smtpTransportOptions } from '~/utils/email.server';
import { databaseLabel, integrityProblems, migrationStatus, postgresState, writeProblem } from '~/utils/db.server';
import { isPostgres } from '~/utils/dialect.server';
import { EnvError, parseEnv, type Env } from '~/utils/env.server';
import { portalOrigins } from '~/utils/workos.server';
import { BUILD_INFO_FILE, sourceHash } from '~/utils/source-hash.server';
import { describeWorkOSError } from '~/utils/workos-errors.server';

/**
 * The integration checklist, run by the app itself (decision 013): `npm run doctor` prints it and
 * exits 0 only when no required check fails; the admin's System status page shows the same
 * results. Every check says what it found and, when it is not a pass, the fix. No check prints or
 * stores a link value: the portal-link check reports only where a generated link points.
 */

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  found: string;
  fix?: string;
}

export interface DoctorOptions {
  /** The raw environment (process.env): the checks read it as the app would, and report what is wrong. */
  rawEnv: Record<string, string | undefined>;
  db: Knex;
  workos: WorkOS;
  /** Where the running app answers (the page passes its own address); null: the check is skipped. */
  selfUrl: string | null;
  /** A WorkOS organization id to try the portal link on (default: the first one WorkOS lists). */
  organization?: string;
  /** Send a real test email here (from MAIL_FROM): the only check that sends anything. */
  testEmailTo?: string;
  /** The project's root (the source and the build live under it). */
  root?: string;
  now?: Date;
}

const pass = (id: string, title: string, found: string): CheckResult => ({ id, title, status: 'pass', found });
const warn = (id: string, title: string, found: string, fix: string): CheckResult => ({ id, title, status: 'warn', found, fix });
const fail = (id: string, title: string, found: string, fix: string): CheckResult => ({ id, title, status: 'fail', found, fix });

/** The Node.js release that is "Active LTS" on a date: even majors enter it each late October. */
export function currentNodeLts(now: Date): number {
  const year = now.getUTCFullYear();
  const afterOctober = now.getUTCMonth() > 9 || (now.getUTCMonth() === 9 && now.getUTCDate() >= 28);
  return 2 * (year - (afterOctober ? 2013 : 2014));
}

/** The environment as far as it can be read: the problems found, and a reading the checks can still use. */
export function lenientEnv(rawEnv: Record<string, string | undefined>): { env: Env; problems: string[] } {
  try {
    return { env: parseEnv(rawEnv), problems: [] };
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    // The other checks still run, on the development reading of the same variables; the checks
    // that production makes stricter look at the raw values themselves.
    try {
      return { env: parseEnv({ ...rawEnv, NODE_ENV: 'development' }), problems: error.problems };
    } catch (inner) {
      if (inner instanceof EnvError) return { env: parseEnv({ NODE_ENV: 'development' }), problems: error.problems };
      throw inner;
    }
  }
}

type Check = (context: Context) => Promise<CheckResult | CheckResult[]>;

interface Context extends DoctorOptions {
  env: Env;
  envProblems: string[];
  production: boolean;
  root: string;
  now: Date;
}

const checks: Check[] = [
  async function environment({ envProblems, production }) {
    const title = 'Environment variables';
    if (envProblems.length === 0) return pass('environment', title, `valid for ${production ? 'production' : 'development'}`);
    return fail('environment', title, envProblems.join('; '), 'Fix each variable named (see .env.example); the app refuses to start until then.');
  },

  async function sdkAndNode({ now }) {
    const results: CheckResult[] = [];
    try {
      const require = createRequire(import.meta.url);
      const entry = require.resolve('@workos-inc/node');
      let dir = path.dirname(entry);
      while (
        !fs.existsSync(path.join(dir, 'package.json')) ||
        JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== '@workos-inc/node'
      ) {
        dir = path.dirname(dir);
      }
      const version = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
      results.push(pass('sdk', 'WorkOS SDK', `@workos-inc/node ${version}`));
    } catch {
      results.push(fail('sdk', 'WorkOS SDK', '@workos-inc/node is not installed', 'Run `npm ci`.'));
    }
    const major = Number(process.versions.node.split('.')[0]);
    const lts = currentNodeLts(now);
    results.push(
      major >= lts
        ? pass('node', 'Node.js', `${process.versions.node} (current LTS: ${lts})`)
        : warn(
            'node',
            'Node.js',
            `${process.versions.node}, older than the current LTS (${lts})`,
            `Run Setup Desk on Node ${lts} LTS: older lines stop getting security fixes.`,
          ),
    );
    return results;
  },

  async function workosKeys({ rawEnv, production }) {
    const results: CheckResult[] = [];
    const key = rawEnv.WORKOS_API_KEY ?? '';
    const title = 'WorkOS API key';
    if (!key) {
      results.push(
        production
          ? fail('workos_key', title, 'WORKOS_API_KEY is not set', 'Set WORKOS_API_KEY to the secret key from the WorkOS dashboard (API Keys).')
          : pass('workos_key', title, 'not set: development uses the local WorkOS sandbox key'),
      );
    } else if (!key.startsWith('sk_')) {
      results.push(fail('workos_key', title, 'WORKOS_API_KEY does not start with sk_', 'Use the secret key (sk_…), not the client id or a publishable value.'));
    } else if (production && key.startsWith('sk_test_')) {
      results.push(
        warn(
          'workos_key',
          title,
          'a test key (sk_test_…) in production',
          'Use the production environment’s key (sk_live_…) unless this deployment is a staging copy.',
        ),
      );
    } else if (!production && key.startsWith('sk_live_')) {
      results.push(
        warn(
          'workos_key',
          title,
          'a live key (sk_live_…) outside production',
          'Use a test key (sk_test_…) here: development and tests must not touch real customers.',
        ),
      );
    } else {
      results.push(pass('workos_key', title, `${key.slice(0, 8)}… (${key.startsWith('sk_live_') ? 'live' : 'test'})`));
    }
    const clientId = rawEnv.WORKOS_CLIENT_ID;
    if (clientId === undefined || clientId === '') results.push(pass('workos_client_id', 'WorkOS client id', 'not set (Setup Desk does not need it)'));
    else if (!clientId.startsWith('client_'))
      results.push(
        fail(
          'workos_client_id',
          'WorkOS client id',
          'WORKOS_CLIENT_ID does not start with client_',
          'Copy the client id (client_…) from the WorkOS dashboard, or unset it.',
        ),
      );
    else results.push(pass('workos_client_id', 'WorkOS client id', `${clientId.slice(0, 10)}…`));
    return results;
  },

  async function workosKeyWorks({ workos }) {
    const title = 'WorkOS API answers with this key';
    try {
      const list = await workos.organizations.listOrganizations({ limit: 1 });
      return pass('workos_api', title, `yes (${list.data.length ? 'organizations visible' : 'no organizations yet'})`);
    } catch (error) {
      const problem = describeWorkOSError(error);
      return fail('workos_api', title, `no: ${problem.kind.replace(/_/g, ' ')}${problem.status ? ` (HTTP ${problem.status})` : ''}`, problem.message);
    }
  },

  async function publicUrl({ rawEnv, env, production }) {
    const title = 'Public URL and WorkOS redirect URLs';
    const raw = rawEnv.PUBLIC_URL ?? '';
    const derived = `return ${env.PUBLIC_URL}/setup/return, success ${env.PUBLIC_URL}/setup/return?done=<feature>`;
    if (production) {
      if (!raw)
        return fail('public_url', title, 'PUBLIC_URL is not set', 'Set PUBLIC_URL to the https:// address people open (e.g. https://setup-desk.example.com).');
      if (!raw.startsWith('https://')) {
        return fail(
          'public_url',
          title,
          `${raw} is not HTTPS`,
          'WorkOS requires HTTPS redirect URIs in production: set PUBLIC_URL to an https:// address (TLS at your proxy).',
        );
      }
      return pass('public_url', title, `${raw.replace(/\/+$/, '')}; ${derived}`);
    }
    const host = URL.canParse(env.PUBLIC_URL) ? new URL(env.PUBLIC_URL).hostname : '';
    return ['localhost', '127.0.0.1'].includes(host) || env.PUBLIC_URL.startsWith('https://')
      ? pass('public_url', title, `${env.PUBLIC_URL} (development: localhost over HTTP is allowed); ${derived}`)
      : warn(
          'public_url',
          title,
          `${env.PUBLIC_URL} over HTTP`,
          'Outside localhost WorkOS wants HTTPS redirect URIs: use https://, or localhost in development.',
        );
  },

  async function portalLink({ workos, env, organization }) {
    const title = 'An Admin Portal link can be generated';
    let organizationId = organization;
    try {
      if (!organizationId) organizationId = (await workos.organizations.listOrganizations({ limit: 1 })).data[0]?.id;
      if (!organizationId)
        return warn(
          'portal_link',
          title,
          'no organization in WorkOS to try it on',
          'Create an organization, or pass one: `npm run doctor -- --organization org_…`.',
        );
      const { link } = await workos.adminPortal.generateLink({
        organization: organizationId,
        intent: 'sso' as never,
        returnUrl: `${env.PUBLIC_URL}/setup/return`,
        successUrl: `${env.PUBLIC_URL}/setup/return?done=sso`,
      });
      // The link itself is a credential: only where it points is reported, and it is dropped here.
      const origin = URL.canParse(link) ? new URL(link).origin : '';
      // The setup page's CSP form-action allows exactly these: a link elsewhere would be blocked
      // in the IT admin's browser after they press "Set up".
      const allowed = portalOrigins(env);
      return allowed.includes(origin)
        ? pass('portal_link', title, `yes, for ${organizationId}: it points to ${origin}, which the setup page allows (the link is not shown)`)
        : fail(
            'portal_link',
            title,
            `the link points to ${origin || 'something that is not a URL'}, but the setup page allows only ${allowed.join(', ')}: browsers would block the IT admin's launch`,
            origin
              ? `Set WORKOS_PORTAL_ORIGIN=${origin} (the portal's origin, e.g. a custom portal domain) and restart.`
              : 'Check WORKOS_API_HOSTNAME: WorkOS did not answer with an Admin Portal link.',
          );
    } catch (error) {
      const problem = describeWorkOSError(error, { organizationId });
      return fail('portal_link', title, `no, for ${organizationId ?? 'the sample organization'}: ${problem.kind.replace(/_/g, ' ')}`, problem.message);
    }
  },

  function customerFacing(context) {
    return checkCustomerFacing(context);
  },

  async function smtp({ env, db, testEmailTo }) {
    const title = 'Mail server';
    // The sender the app uses: the Configuration page's, else the environment's (before migration 007, only the latter).
    const sender = (await db.schema.hasTable('settings')) ? await getSettings({ env }, { db }) : { mailFrom: env.MAIL_FROM, mailReplyTo: env.MAIL_REPLY_TO };
    const where = `${new URL(env.SMTP_URL).protocol.replace(':', '')}://${new URL(env.SMTP_URL).host}`;
    const transport = nodemailer.createTransport(smtpTransportOptions(env));
    try {
      await transport.verify();
    } catch (error) {
      const failure = describeEmailFailure(error);
      return fail(
        'smtp',
        title,
        `${where}: ${failure.errorClass}${failure.responseCode ? ` ${failure.responseCode}` : ''}`,
        `${failure.reason} Check SMTP_URL (host, port, user and password).`,
      );
    } finally {
      transport.close();
    }
    if (!testEmailTo) {
      return pass(
        'smtp',
        title,
        `${where} answers and accepts the sign-in; the sender ${sender.mailFrom.address} is tried only with a test email (--send-test-email <address>)`,
      );
    }
    const outcome = await sendTestEmail(testEmailTo, sender, 'Setup Desk’s doctor');
    return outcome.ok
      ? pass('smtp', title, `${where} accepted a test email from ${sender.mailFrom.address} to ${testEmailTo}`)
      : fail(
          'smtp',
          title,
          `${where} refused the test email from ${sender.mailFrom.address}: ${outcome.failure.errorClass}`,
          `${outcome.failure.reason} Check the sender (MAIL_FROM or the Configuration page: the server may not allow it) and SMTP_URL.`,
        );
  },

  async function database({ db, env }) {
    const title = 'Database';
    const where = databaseLabel(env.database);
    const { applied, total, latest } = await migrationStatus(db);
    if (applied < total) {
      return fail(
        'database',
        title,
        `${where}: ${applied} of ${total} migrations applied (latest is ${latest})`,
        `Run \`npm run db:migrate\` (the app also migrates at start-up). Back up ${isPostgres(db) ? 'the database' : 'the file'} first.`,
      );
    }
    if (isPostgres(db)) return postgresCheck(db, title, where, { total, latest });
    const journal = Object.values(((await db.raw('PRAGMA journal_mode')) as object[])[0]!)[0];
    if (journal !== 'wal')
      return fail(
        'database',
        title,
        `${where}: journal mode ${String(journal)}`,
        'Setup Desk turns WAL on when it opens the file: check the file system supports it (not a network share).',
      );
    const integrity = await integrityProblems(db);
    if (integrity.length)
      return fail(
        'database',
        title,
        `${where}: integrity check says ${integrity.slice(0, 3).join('; ')}`,
        'Restore the latest backup (see README, Operations).',
      );
    const notWritable = await writeProblem(db);
    if (notWritable)
      return fail(
        'database',
        title,
        `${where}: not writable (${notWritable.slice(0, 120)})`,
        'Check the file and its directory belong to the user running Setup Desk.',
      );
    return pass('database', title, `${where}: ${total} migrations (latest ${latest}), writable, WAL, integrity ok`);
  },

  async function staffRoutesGuarded({ selfUrl }) {
    const title = 'Staff pages refuse an anonymous request';
    if (!selfUrl)
      return warn(
        'staff_guard',
        title,
        'not checked: the app is not running here',
        'Run the doctor from the System status page, or build the app first (`npm run build`).',
      );
    const probes: { method: string; path: string }[] = [
      { method: 'GET', path: '/organizations' },
      { method: 'GET', path: '/audit' },
      { method: 'GET', path: '/system' },
      { method: 'POST', path: '/organizations/new' },
    ];
    const open: string[] = [];
    for (const probe of probes) {
      const response = await fetch(`${selfUrl}${probe.path}`, {
        method: probe.method,
        redirect: 'manual',
        // A same-origin form post without a session: only the role guard stands in its way.
        headers: probe.method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-origin' } : {},
        body: probe.method === 'POST' ? 'name=x' : undefined,
      });
      await response.arrayBuffer();
      const toLogin = response.status >= 300 && response.status < 400 && (response.headers.get('location') ?? '').startsWith('/login');
      if (!toLogin && response.status !== 401 && response.status !== 403) open.push(`${probe.method} ${probe.path} → ${response.status}`);
    }
    return open.length === 0
      ? pass('staff_guard', title, `${probes.map((probe) => `${probe.method} ${probe.path}`).join(', ')} → sign-in required`)
      : fail('staff_guard', title, open.join('; '), 'A staff route answered without a session: every staff loader and action must start with requireStaff.');
  },

  async function eventsArrive({ db, env, now }) {
    const title = 'Setup progress from WorkOS (webhooks or poller)';
    if (!(await db.schema.hasTable('workos_events')))
      return warn('events', title, 'unknown: the database is not migrated', 'Migrate the database (see the Database check).');
    const lastWebhookAt = await lastEventReceivedAt('webhook', { db });
    const poller = await getPollerState({ db });
    const ago = (iso: string) => `${Math.round((now.getTime() - Date.parse(iso)) / 60_000)} min ago`;
    const parts: string[] = [];
    if (env.WORKOS_WEBHOOK_SECRET) parts.push(`webhook secret set; last webhook ${lastWebhookAt ? ago(lastWebhookAt) : 'never received'}`);
    if (env.eventsPolling)
      parts.push(
        `poller on (every ${Math.round(env.WORKOS_EVENTS_POLL_INTERVAL_MS / 1000)} s); last successful run ${poller.lastSucceededAt ? ago(poller.lastSucceededAt) : 'never'}`,
      );
    if (!env.WORKOS_WEBHOOK_SECRET && !env.eventsPolling) {
      return fail(
        'events',
        title,
        'no webhook secret and the poller is off',
        'Set WORKOS_WEBHOOK_SECRET (and add the endpoint in WorkOS), or WORKOS_EVENTS_POLL=auto: otherwise setup progress never arrives.',
      );
    }
    if (poller.lastError)
      return warn(
        'events',
        title,
        `${parts.join('; ')}; the poller’s last run failed: ${poller.lastError}`,
        'See the WorkOS API check above; the poller resumes from its cursor.',
      );
    if (env.WORKOS_WEBHOOK_SECRET && !lastWebhookAt && !env.eventsPolling) {
      return warn(
        'events',
        title,
        parts.join('; '),
        'No webhook has arrived yet: check the endpoint https://<host>/webhooks/workos is registered in WorkOS with this secret (WorkOS dashboard → Webhooks → Send test event).',
      );
    }
    return pass('events', title, parts.join('; '));
  },

  async function proxy({ db, env, now }) {
    const title = 'Client addresses behind a proxy';
    if (env.TRUST_PROXY === true) {
      return warn(
        'proxy',
        title,
        'TRUST_PROXY=true trusts every X-Forwarded-For: a client can claim any address (another member’s, to lock them out of sign-in)',
        'Set TRUST_PROXY to the number of proxies in front (usually 1), so that only the address your own proxy adds is believed.',
      );
    }
    if (env.TRUST_PROXY !== false) return pass('proxy', title, `TRUST_PROXY=${String(env.TRUST_PROXY)}: client addresses are read from X-Forwarded-For`);
    if (!(await db.schema.hasTable('server_observations')))
      return warn('proxy', title, 'unknown: the database is not migrated', 'Migrate the database (see the Database check).');
    const seen = await lastObserved('forwarded_without_trust_proxy', { db });
    const recent = seen && now.getTime() - Date.parse(seen.at) < 7 * 86_400_000;
    if (!recent) return pass('proxy', title, 'TRUST_PROXY unset, and no request came through a proxy in the last 7 days');
    return warn(
      'proxy',
      title,
      `requests arrive through a proxy (${seen.detail}, last ${seen.at.slice(0, 16).replace('T', ' ')} UTC) but TRUST_PROXY is unset: every client looks like the proxy`,
      'Set TRUST_PROXY to the number of proxies in front (usually 1): until then sign-in and setup-page limits count all clients as one address.',
    );
  },

  function build(context) {
    return checkBuild(context);
  },
];

/** The production build is there and was built from this source (`npm run dev` needs neither: a warning there). */
export async function checkBuild({ root, production }: { root: string; production: boolean }): Promise<CheckResult> {
  const title = 'Production build';
  // `npm run dev` runs from the source: a missing or older production build matters only to `npm start`.
  const notNeededHere = (found: string) =>
    warn('build', title, `${found} — not needed by \`npm run dev\`, which runs from the source`, 'Run `npm run build` before `npm start` or deploying.');
  const entries = ['build/server/index.js', 'build/remix/index.js'].filter((file) => !fs.existsSync(path.join(root, file)));
  if (entries.length) return production ? fail('build', title, `missing: ${entries.join(', ')}`, 'Run `npm run build`.') : notNeededHere('not built');
  const infoFile = path.join(root, BUILD_INFO_FILE);
  if (!fs.existsSync(infoFile))
    return warn('build', title, 'built, but with no record of its source', 'Run `npm run build` again: it records what it was built from.');
  const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { sourceHash: string; builtAt: string };
  if (info.sourceHash === sourceHash(root)) return pass('build', title, `built ${info.builtAt} from the current source`);
  if (!production) return notNeededHere(`built ${info.builtAt} from an earlier source`);
  return fail(
    'build',
    title,
    `built ${info.builtAt} from a different source than the one here`,
    'Run `npm run build` (then restart): the running code is not the code in this folder.',
  );
}

/** The company name and support contact are fit for customers (production refuses setup emails until they are). */
export async function checkCustomerFacing({ env, db, production }: { env: Env; db: Knex; production: boolean }): Promise<CheckResult> {
  const title = 'What customers see (company name, support contact)';
  if (!(await db.schema.hasTable('settings'))) return warn('customer_facing', title, 'not checked: the database is not migrated', 'Run `npm run db:migrate`.');
  const settings = await getSettings({ env }, { db });
  const problems = customerFacingProblems(settings);
  const shown = `"${settings.companyName}", ${settings.supportEmail}`;
  if (problems.length === 0) return pass('customer_facing', title, `setup emails are signed ${shown}`);
  if (!production) {
    return pass('customer_facing', title, `${shown}: development defaults, fine here — in production setup emails are refused until both are set`);
  }
  return fail(
    'customer_facing',
    title,
    `setup emails are refused: ${problems.join('; ')}`,
    'Set the company name and support contact on the Configuration page (or COMPANY_NAME and SUPPORT_EMAIL, then restart).',
  );
}

/** Runs every check; one that throws is reported as failed with its message. */
export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  const { env, problems } = lenientEnv(options.rawEnv);
  const context: Context = {
    ...options,
    env,
    envProblems: problems,
    production: (options.rawEnv.NODE_ENV ?? 'development') === 'production',
    root: options.root ?? process.cwd(),
    now: options.now ?? new Date(),
  };
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      const outcome = await check(context);
      results.push(...(Array.isArray(outcome) ? outcome : [outcome]));
    } catch (error) {
      results.push(
        fail(
          check.name,
          check.name,
          `the check itself failed: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`,
          'Report this: the doctor could not run the check.',
        ),
      );
    }
  }
  return results;
}

/** Exit code for the command: 0 unless a check failed (warnings pass). */
export function doctorExitCode(results: CheckResult[]): number {
  return results.some((result) => result.status === 'fail') ? 1 : 0;
}

/** The database check on PostgreSQL: a primary (a replica takes no writes), the extensions present, writable. */
async function postgresCheck(db: Knex, title: string, where: string, { total, latest }: { total: number; latest: string }): Promise<CheckResult> {
  const { version, inRecovery, missingExtensions } = await postgresState(db);
  if (inRecovery)
    return fail('database', title, `${where}: a read-only standby (in recovery)`, 'Point DATABASE_URL at the primary: Setup Desk writes on every request.');
  if (missingExtensions.length)
    return fail(
      'database',
      title,
      `${where}: extension ${missingExtensions.join(', ')} missing`,
      "Install PostgreSQL's contrib package (Debian: postgresql-contrib) and run `npm run db:migrate` again as a user that may CREATE EXTENSION.",
    );
  const notWritable = await writeProblem(db);
  if (notWritable)
    return fail(
      'database',
      title,
      `${where}: not writable (${notWritable.slice(0, 120)})`,
      'Grant the DATABASE_URL user CREATE on its schema and write on its tables.',
    );
  return pass('database', title, `${where}: PostgreSQL ${version}, ${total} migrations (latest ${latest}), writable, pg_trgm present`);
}
