import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import url from 'node:url';
import { broadcastDevReady, installGlobals, type ServerBuild } from '@remix-run/node';
import { flushSetupLinkViews } from '../app/models/setup-link.server';
import { closeDb, getDb, migrateToLatest } from '../app/utils/db.server';
import { EnvError, getEnv, loadDotEnv, type Env } from '../app/utils/env.server';
import { getLogger } from '../app/utils/logger.server';
import { createApp } from './app';
import { startBackgroundJobs } from './background';

installGlobals({ nativeFetch: true });

const BUILD_PATH = path.resolve('build/remix/index.js');

async function main(): Promise<void> {
  let env: Env;
  try {
    loadDotEnv();
    env = getEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      // Printed plainly (not as JSON) because a person reads it at the moment of deploying.
      process.stderr.write(`Setup Desk cannot start.\n${error.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = getLogger();

  const db = getDb();
  const applied = await migrateToLatest(db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  let build = await importBuild();
  // Under `remix dev` the compiler rebuilds on change and waits for this server to say it is ready.
  const underRemixDev = env.NODE_ENV === 'development' && Boolean(process.env.REMIX_DEV_ORIGIN);
  if (underRemixDev) watchBuild((next) => (build = next));

  let shuttingDown = false;
  const app = createApp({ env, logger, db, getBuild: async () => build, isShuttingDown: () => shuttingDown });

  const server: Server = app.listen(env.PORT, env.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : env.PORT;
    logger.info({ port, host: env.HOST, publicUrl: env.PUBLIC_URL, mode: env.NODE_ENV }, `Setup Desk listening on http://${env.HOST}:${port}`);
    if (underRemixDev) void broadcastDevReady(build);
  });
  const background = startBackgroundJobs({ env, logger, db });

  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const force = setTimeout(() => {
      logger.error({ timeoutMs: env.SHUTDOWN_TIMEOUT_MS }, 'requests still running at the shutdown deadline; exiting');
      // Even so, the views counted in memory are written (for at most a second more).
      const giveUp = new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      void Promise.race([flushSetupLinkViews(), giveUp]).finally(() => process.exit(1));
    }, env.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    // Draining first: still accepting, /readyz 503 and every response saying Connection: close,
    // so a balancer sees the instance unready and sends elsewhere before the listener closes.
    if (env.SHUTDOWN_DRAIN_MS > 0)
      logger.info({ signal, drainMs: env.SHUTDOWN_DRAIN_MS }, 'shutting down: unready, still accepting while the balancer notices');
    setTimeout(() => closeListener(signal), env.SHUTDOWN_DRAIN_MS).unref();
  };
  const closeListener = (signal: string) => {
    logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    // close() stops accepting and calls back once every connection has ended; idle keep-alive
    // connections would otherwise hold it open.
    // Keep-alive connections that go idle after this point (a response that was still streaming)
    // would otherwise hold the server open until the client's keep-alive timeout.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.close(async (error) => {
      clearInterval(sweep);
      await background.stop();
      // The last second's views of the IT admin's page, counted in memory (decision 023).
      const views = await flushSetupLinkViews();
      if (views > 0) logger.info({ views }, 'wrote the views of the setup page still waiting');
      await closeDb();
      logger.info('shutdown complete');
      process.exit(error ? 1 : 0);
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

async function importBuild(): Promise<ServerBuild> {
  if (!fs.existsSync(BUILD_PATH)) {
    throw new Error(`No Remix build at ${BUILD_PATH}: run \`npm run build\` (or \`npm run dev\`).`);
  }
  // The query string makes Node import a fresh copy after each rebuild.
  const href = `${url.pathToFileURL(BUILD_PATH).href}?t=${fs.statSync(BUILD_PATH).mtimeMs}`;
  return (await import(href)) as ServerBuild;
}

function watchBuild(onChange: (build: ServerBuild) => void): void {
  const versionFile = path.join(path.dirname(BUILD_PATH), 'version.txt');
  void import('chokidar').then(({ default: chokidar }) => {
    const reload = async () => {
      const next = await importBuild();
      onChange(next);
      await broadcastDevReady(next);
    };
    chokidar.watch(versionFile, { ignoreInitial: true }).on('add', reload).on('change', reload);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`Setup Desk failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
