import type { TestProject } from 'vitest/node';
import { migrateToLatest, openDatabase } from '../app/utils/db.server';
import { getFreePort } from './built-server';
import { onMaintenanceDatabase, startPostgresCluster, TEMPLATE_DATABASE } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://…:port of the run's throwaway cluster (no database): the PostgreSQL project only. */
    postgresServer: string;
  }
}

/**
 * Once per `vitest run` of the PostgreSQL project: a throwaway cluster, and in it the migrated
 * template each test file's database is copied from (test/setup.ts). Stopped at the end, and on
 * an early exit too.
 */
export default async function setup(project: TestProject) {
  const cluster = startPostgresCluster(await getFreePort(), 'setup-desk-postgres-');
  const stop = () => cluster.stop();
  process.prependOnceListener('exit', stop);
  try {
    const serverUrl = cluster.url('').replace(/\/$/, '');
    await onMaintenanceDatabase(serverUrl, `CREATE DATABASE ${TEMPLATE_DATABASE}`);
    const template = openDatabase(cluster.url(TEMPLATE_DATABASE), { poolMax: 2 });
    try {
      await migrateToLatest(template);
    } finally {
      await template.destroy();
    }
    project.provide('postgresServer', serverUrl);
  } catch (error) {
    stop();
    throw error;
  }
  return () => {
    process.off('exit', stop);
    stop();
  };
}
