/**
 * The audit log and its export over HTTP, against the production build: who may see and export,
 * the file's name and content, hostile text (the Big List of Naughty Strings) in notes and
 * organization names, and no formula a spreadsheet would run.
 */
import naughtyStrings from 'big-list-of-naughty-strings';
import { parse } from 'csv-parse/sync';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAuditEvent } from '~/models/audit.server';
import { openDatabase } from '~/utils/db.server';
import { startBuiltServer, type RunningServer } from '../test/built-server';
import { createOrganization, signedInStaff } from '../test/factories';

let server: RunningServer;
let db: Knex;
const cookies: Record<string, string> = {};
let organizationId = 0;
const HOSTILE_NAME = '=HYPERLINK("https://evil.example","Click") <img src=x onerror=alert(1)>';
const notes = (naughtyStrings as string[]).filter((text) => text.trim() !== '');

beforeAll(async () => {
  server = await startBuiltServer();
  db = openDatabase(server.database);
  for (const role of ['viewer', 'support', 'admin'] as const) {
    cookies[role] = (await signedInStaff(role, { email: `${role}-export@staff.example`, name: `Export ${role}`, db })).cookie;
  }
  organizationId = (await createOrganization({ name: HOSTILE_NAME, db })).id;
  const actor = { type: 'staff' as const, id: 1, label: '@SUM(A1:A9) Rep' };
  for (const note of notes) await recordAuditEvent({ actor, action: 'organization.noted', organizationId, note }, { db });
});

afterAll(async () => {
  await db.destroy();
  await server.stop();
});

function exportLog(fields: [string, string][], role: string = 'admin') {
  return fetch(`${server.url}/audit/export`, {
    method: 'POST',
    headers: { Cookie: cookies[role]!, Origin: server.url, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** What a cell must hold: the text, behind a quote when a spreadsheet would read it as a formula. */
function asCell(text: string): string {
  return /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(text) ? `'${text}` : text;
}

describe('the audit export', () => {
  it('CSV of the filtered events: named after its filters, every note and name as text, no formula', async () => {
    const response = await exportLog([
      ['format', 'csv'],
      ['organization', String(organizationId)],
      ['action', 'organization.noted'],
    ]);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="audit-log_org-${organizationId}_action-organization.noted.csv"`);
    const rows = parse(await response.text(), { columns: true, relax_quotes: false }) as Record<string, string>[];
    const stored = (await db('audit_events')
      .where({ organization_id: organizationId, action: 'organization.noted' })
      .orderBy('id', 'desc')
      .pluck('note')) as string[];
    expect(rows).toHaveLength(notes.length);
    expect(rows.map((row) => row.note)).toEqual(stored.map(asCell));
    for (const row of rows) {
      expect(row.organization).toBe(asCell(HOSTILE_NAME));
      expect(row.actor).toBe("'@SUM(A1:A9) Rep");
      expect(row.action).toBe('organization.noted');
    }
    // No cell of the file starts a formula.
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+@\t\r]/);
  });

  it('JSON lines: one event per line, the text exactly as stored', async () => {
    const response = await exportLog([
      ['format', 'jsonl'],
      ['organization', String(organizationId)],
    ]);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = (await response.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { note: string | null; organization: string });
    const stored = (await db('audit_events')
      .where({ organization_id: organizationId })
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .pluck('note')) as (string | null)[];
    expect(lines.map((line) => line.note)).toEqual(stored);
    expect(lines[0]!.organization).toBe(HOSTILE_NAME);
  });

  it('is audited, with its filters', async () => {
    await exportLog([
      ['format', 'csv'],
      ['from', '2026-01-01'],
    ]);
    const event = await db('audit_events').where({ action: 'audit.exported' }).orderBy('id', 'desc').first();
    expect(event.actor_label).toBe('Export admin');
    expect(JSON.parse(event.details)).toEqual({ format: 'csv', filters: 'from 2026-01-01' });
    expect(event.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses bad filters by name, and anyone below admin', async () => {
    const bad = await exportLog([
      ['format', 'xlsx'],
      ['from', '2026-13-01'],
      ['to', 'yesterday'],
    ]);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('The export was not made:\nformat: choose CSV or JSON lines.\nfrom: Enter a real date.\nto: Enter a date as YYYY-MM-DD.\n');
    expect((await exportLog([['format', 'csv']], 'support')).status).toBe(403);
    expect((await exportLog([['format', 'csv']], 'viewer')).status).toBe(403);
  });
});

describe('the audit log page', () => {
  it('shows hostile names and notes as text, and says which organizations a name matched', async () => {
    const response = await fetch(`${server.url}/audit?organization=HYPERLINK`, { headers: { Cookie: cookies.viewer! } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toContain('<img src=x onerror=alert(1)>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('Organizations matching');
    expect(html).not.toContain('Export CSV'); // a viewer sees no export
  });

  it('names a bad filter instead of ignoring it', async () => {
    const html = await (await fetch(`${server.url}/audit?from=2026-02-30&to=2026-01-01`, { headers: { Cookie: cookies.viewer! } })).text();
    expect(html).toContain('Enter a real date.');
  });
});
