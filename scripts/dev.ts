/**
 * `npm run dev`: prepares the database, starts the development services, then runs the app under
 * `remix dev` (live reload) on http://localhost:3000 and, once it answers, prints where everything is.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { runSeed } from '../db/seed';
import { closeDb, databaseLabel, getDb, migrateToLatest } from '../app/utils/db.server';
import { EnvError, loadDotEnv, parseEnv } from '../app/utils/env.server';
import { formatBanner, untilAnswering } from './dev/banner';
import { developmentServices, type DevServiceContext, type StartedService } from './dev/services';

async function main(): Promise<void> {
  loadDotEnv();
  process.env.NODE_ENV ??= 'development';
  const started: { name: string; service: StartedService }[] = [];
  const stopAll = async () => {
    for (const { service } of started.reverse()) await service.stop().catch(() => undefined);
  };

  let banner: string[] = [];
  let env: ReturnType<typeof parseEnv>;
  try {
    const context: DevServiceContext = {};
    for (const definition of developmentServices) {
      const service = await definition.start(context);
      started.push({ name: definition.name, service });
      if (service.localSmtp) context.localSmtp = service.localSmtp;
    }
    // A variable the developer set explicitly wins over what a service suggests.
    for (const { service } of started) {
      for (const [key, value] of Object.entries(service.env)) process.env[key] ??= value;
    }
    env = parseEnv(process.env);

    const db = getDb();
    const applied = await migrateToLatest(db);
    const seedLines = await runSeed(db);
    await closeDb();

    banner = [
      `Setup Desk (development) → ${env.PUBLIC_URL}`,
      `Database: ${databaseLabel(env.database)}${applied.length ? ` (${applied.length} migration${applied.length === 1 ? '' : 's'} applied)` : ''}`,
      ...seedLines,
      ...started.flatMap(({ service }) => service.banner),
      `System status → ${env.PUBLIC_URL}/system (admin) · Stop: Ctrl+C`,
    ];
  } catch (error) {
    await stopAll();
    if (error instanceof EnvError) {
      console.error(`Setup Desk cannot start.\n${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  const remix = spawn(process.execPath, [path.resolve('node_modules/@remix-run/dev/dist/cli.js'), 'dev', '--manual', '-c', 'tsx server/index.ts'], {
    stdio: 'inherit',
    env: { ...process.env, VITE_CJS_IGNORE_WARNING: 'true' },
  });
  const forward = (signal: NodeJS.Signals) => remix.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  let exited = false;
  remix.on('exit', async (code) => {
    exited = true;
    await stopAll();
    process.exit(code ?? 0);
  });
  // After the server listens (its own lines and the compiler's come first), on the app's own port.
  untilAnswering(`http://127.0.0.1:${env.PORT}/healthz`, { stopped: () => exited }).then(
    () => console.log(`\n${formatBanner(banner)}\n`),
    (error: Error) => console.error(`Setup Desk did not come up: ${error.message}. See the lines above.`),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
