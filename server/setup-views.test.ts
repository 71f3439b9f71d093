/**
 * Views of the IT admin's page are counted in memory and written in batches (decision 023): over
 * HTTP against the production build, a view costs no commit of its own, and a clean shutdown
 * writes what is still waiting.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { openDatabase } from '~/utils/db.server';
import { startBuiltServer, type RunningServer } from '../test/built-server';
import { createOrganization, issueSetupLink } from '../test/factories';

let db: Knex | undefined;
afterAll(async () => {
  await db?.destroy();
});

describe('views of the IT admin’s page', () => {
  it('are all in the database after a clean shutdown, even those of the last second', async () => {
    // Views wait a minute here: whatever this machine's speed, the shutdown is what writes them.
    const server: RunningServer = await startBuiltServer({ SETUP_VIEW_FLUSH_MS: '60000' });
    db = openDatabase(server.database);
    const { id } = await createOrganization({ name: 'Viewed Co', db });
    const { token, link } = await issueSetupLink(id, { db });
    for (let view = 0; view < 5; view += 1) expect((await fetch(`${server.url}/setup/${token}`)).status).toBe(200);
    const viewCount = async () => ((await db!('setup_links').where({ id: link.id }).first('view_count')) as { view_count: number }).view_count;
    expect(await viewCount()).toBe(0);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.logs().find((line) => line.msg === 'wrote the views of the setup page still waiting')).toMatchObject({ views: 5 });
    const row = (await db('setup_links').where({ id: link.id }).first('view_count', 'first_viewed_at')) as {
      view_count: number;
      first_viewed_at: string | null;
    };
    expect(row.view_count).toBe(5);
    expect(row.first_viewed_at).not.toBeNull();
  });
});
