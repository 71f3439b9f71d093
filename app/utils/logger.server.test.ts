import { describe, expect, it } from 'vitest';
import { getDb } from './db.server';
import { errorForLog } from './logger.server';

const TOKEN = `sdl_${'Ab3'.repeat(14)}x`;

describe('errors as a log line shows them', () => {
  it('a database error: its code and the statement with placeholders, never a bound value nor the driver’s words', async () => {
    const failed = await getDb()('settings')
      .insert({ key: 'company_name', value: TOKEN.repeat(10), updated_at: new Date().toISOString() })
      .catch((error: unknown) => error);
    const logged = JSON.stringify(errorForLog(failed));
    expect(logged).toContain('"code":"SQLITE_CONSTRAINT"');
    expect(logged).toMatch(/"statement":"insert into `settings` \(.+\) values \(\?, \?, \?\)"/);
    expect(logged).not.toContain(TOKEN.slice(4, 20));
    // A full-text query that fails quotes its input in the driver's message: that text is not logged.
    const fts = await getDb()
      .raw('SELECT rowid FROM organization_search WHERE organization_search MATCH ?', [`${TOKEN}:anything`])
      .catch((error: unknown) => error);
    expect(String((fts as Error).message)).toContain(TOKEN.slice(4, 20));
    expect(JSON.stringify(errorForLog(fts))).not.toContain(TOKEN.slice(4, 20));
  });

  it('any other error: message and stack pass through the link scrubber, encoded spellings included', () => {
    const logged = JSON.stringify(errorForLog(new TypeError(`Invalid URL: http://desk.example/%73etup/${encodeURIComponent(TOKEN)}?token=${TOKEN.slice(4)}`)));
    expect(logged).not.toContain(TOKEN.slice(4, 20));
    expect(logged).toContain('"type":"TypeError"');
    expect(JSON.stringify(errorForLog(`a string with ${TOKEN}`))).not.toContain(TOKEN.slice(4, 20));
  });
});
