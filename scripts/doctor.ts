/**
 * `npm run doctor`: the integration checklist (decision 013). A line per check — pass / warn /
 * fail, what was found, and the fix — and exit code 0 only when no check failed.
 *
 *   --organization org_…          try the Admin Portal link on this organization (default: the first)
 *   --send-test-email you@x.com   also send a real test email (nothing is sent otherwise)
 *   --json                        print the results as JSON
 *
 * It never migrates or changes anything; to ask the app itself whether staff pages refuse an
 * anonymous request, it starts the production build in this process on a loopback port.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import url from 'node:url';
import { parseArgs } from 'node:util';
import { installGlobals, type ServerBuild } from '@remix-run/node';
import { pino } from 'pino';
import { loadDotEnv } from '../app/utils/env.server';
import { singleton } from '../app/utils/singleton.server';
import type { CheckResult } from '../app/services/doctor.server';

installGlobals({ nativeFetch: true });
// The app's logger reads the environment as it loads, and would stop the doctor on the very
// problems it is here to report: a silent one takes its place before any app module loads.
singleton('logger', () => pino({ level: 'silent' }));
const { openDatabase } = await import('../app/utils/db.server');
const { doctorExitCode, lenientEnv, runDoctor } = await import('../app/services/doctor.server');
const { createWorkOS } = await import('../app/utils/workos.server');
const { createApp } = await import('../server/app');

const { values } = parseArgs({
  options: { organization: { type: 'string' }, 'send-test-email': { type: 'string' }, json: { type: 'boolean', default: false } },
});

loadDotEnv();
const { env } = lenientEnv(process.env);
const db = openDatabase(env.database, { poolMax: 2 });
const workos = createWorkOS(env, { maxRetries: 1 });

/** The production build, served on 127.0.0.1 for the anonymous-request check; null without a build. */
async function startSelf(): Promise<{ url: string; close(): Promise<void> } | null> {
  const buildPath = path.resolve('build/remix/index.js');
  if (!fs.existsSync(buildPath)) return null;
  const build = (await import(url.pathToFileURL(buildPath).href)) as ServerBuild;
  const app = createApp({ env, logger: pino({ level: 'silent' }), db, getBuild: async () => build, isShuttingDown: () => false });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const MARKS: Record<CheckResult['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

const self = await startSelf().catch(() => null);
let results: CheckResult[];
try {
  results = await runDoctor({
    rawEnv: process.env,
    db,
    workos,
    selfUrl: self?.url ?? null,
    organization: values.organization,
    testEmailTo: values['send-test-email'],
  });
} finally {
  await self?.close();
  await db.destroy();
}
if (values.json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  for (const result of results) {
    console.log(`${MARKS[result.status]}  ${result.title}: ${result.found}`);
    if (result.fix) console.log(`      → ${result.fix}`);
  }
  const counts = (status: CheckResult['status']) => results.filter((result) => result.status === status).length;
  console.log(`\n${counts('pass')} passed, ${counts('warn')} warning(s), ${counts('fail')} failed.`);
}
process.exit(doctorExitCode(results));
