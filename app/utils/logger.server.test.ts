import { describe, expect, it } from 'vitest';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { onPostgres } from '../../test/backend';
import { getDb } from './db.server';
import { errorForLog, scrubFields } from './logger.server';

const TOKEN = `sdl_${'Ab3'.repeat(14)}x`;

describe('errors as a log line shows them', () => {
  it('a database error: its code and the statement with placeholders, never a bound value nor the driver’s words', async () => {
    const failed = await getDb()('settings')
      .insert({ key: 'company_name', value: TOKEN.repeat(10), updated_at: new Date().toISOString() })
      .catch((error: unknown) => error);
    const logged = JSON.stringify(errorForLog(failed));
    if (onPostgres) {
      expect(logged).toContain('"code":"23514","constraint":"settings_value_check"');
      expect(logged).toMatch(/"statement":"insert into \\"settings\\" \(.+\) values \(\$1, \$2, \$3\)"/);
    } else {
      expect(logged).toContain('"code":"SQLITE_CONSTRAINT"');
      expect(logged).toMatch(/"statement":"insert into `settings` \(.+\) values \(\?, \?, \?\)"/);
    }
    expect(logged).not.toContain(TOKEN.slice(4, 20));
    // A query that fails may quote its input in the driver's message (an FTS5 syntax error; a
    // PostgreSQL cast or a unique key's detail): that text is not logged.
    const quoting = await (
      onPostgres
        ? getDb().raw('SELECT ?::integer', [TOKEN])
        : getDb().raw('SELECT rowid FROM organization_search WHERE organization_search MATCH ?', [`${TOKEN}:anything`])
    ).catch((error: unknown) => error);
    expect(String((quoting as Error).message)).toContain(TOKEN.slice(4, 20));
    expect(JSON.stringify(errorForLog(quoting))).not.toContain(TOKEN.slice(4, 20));
  });

  it.runIf(onPostgres)('a PostgreSQL unique violation: its constraint, not the key its detail quotes', async () => {
    await getDb()('staff').insert(staffRow(TOKEN));
    const duplicate = await getDb()('staff')
      .insert(staffRow(TOKEN))
      .catch((error: unknown) => error);
    expect(String((duplicate as { detail?: string }).detail)).toContain(TOKEN.slice(4, 20).toLowerCase());
    const logged = JSON.stringify(errorForLog(duplicate));
    expect(logged).toContain('"code":"23505","constraint":"staff_email"');
    expect(logged.toLowerCase()).not.toContain(TOKEN.slice(4, 20).toLowerCase());
  });

  it('any other error: message and stack pass through the link scrubber, encoded spellings included', () => {
    const logged = JSON.stringify(errorForLog(new TypeError(`Invalid URL: http://desk.example/%73etup/${encodeURIComponent(TOKEN)}?token=${TOKEN.slice(4)}`)));
    expect(logged).not.toContain(TOKEN.slice(4, 20));
    expect(logged).toContain('"type":"TypeError"');
    expect(JSON.stringify(errorForLog(`a string with ${TOKEN}`))).not.toContain(TOKEN.slice(4, 20));
  });
});

describe('fields of a log line', () => {
  it('a raw request or response, under any key and at any depth, is its id, method, redacted URL and status only', () => {
    const request = new IncomingMessage(new Socket());
    request.method = 'GET';
    request.url = `/setup/${TOKEN}?again=${TOKEN}`;
    request.headers = { cookie: `sd_setup=${TOKEN}`, referer: `https://desk.example/setup/${TOKEN}` };
    (request as IncomingMessage & { id?: string }).id = 'req-1';
    const response = new ServerResponse(request);
    response.statusCode = 404;
    const logged = JSON.stringify(scrubFields({ req: request, context: { request, nested: [response] }, res: response }));
    expect(logged).not.toContain(TOKEN.slice(4, 20));
    expect(JSON.parse(logged)).toMatchObject({
      req: { id: 'req-1', method: 'GET' },
      res: { statusCode: 404 },
      context: { request: { method: 'GET' }, nested: [{ statusCode: 404 }] },
    });
    expect(logged).not.toMatch(/cookie|referer|socket/i);
  });
});

function staffRow(token: string) {
  const now = new Date().toISOString();
  return { email: `${token.toLowerCase()}@staff.example`, name: 'Leak Test', role: 'viewer', password_hash: '$argon2id$x', created_at: now, updated_at: now };
}
