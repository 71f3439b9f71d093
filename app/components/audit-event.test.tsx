import naughtyStrings from 'big-list-of-naughty-strings';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AuditEventItem, type AuditEventItemData } from './audit-event';

const BASE: AuditEventItemData = {
  id: 1,
  at: '2026-11-02T10:00:00.000Z',
  actorLabel: 'Ada',
  actorType: 'staff',
  summary: 'added a note',
  note: 'plain',
  noteLabel: 'Note',
  organizationId: 12,
  organizationName: 'Acme',
  requestId: 'req-1',
};

/** The item's markup, rendered as on the server, with the organization shown as the log shows it. */
function render(event: AuditEventItemData): string {
  return renderToStaticMarkup(
    <AuditEventItem
      event={event}
      now="2026-11-02T12:00:00.000Z"
      organization={<a href={`/organizations/${event.organizationId}`}>{event.organizationName}</a>}
    />,
  );
}

/** The tags and attribute names, without any text: what an injection would have to change. */
function skeleton(html: string): string[] {
  return (html.match(/<\/?[a-zA-Z][^>]*>/g) ?? []).map((tag) => tag.replace(/="[^"]*"/g, '=""'));
}

describe('an audit event with hostile text (the Big List of Naughty Strings)', () => {
  const baseline = skeleton(render(BASE));

  it(`renders each of ${naughtyStrings.length} strings as text in the actor, summary, note and organization name`, () => {
    const broken: string[] = [];
    for (const text of (naughtyStrings as string[]).filter((value) => value.trim() !== '')) {
      const html = render({ ...BASE, actorLabel: text, summary: text, note: text, organizationName: text });
      if (JSON.stringify(skeleton(html)) !== JSON.stringify(baseline)) broken.push(text);
    }
    expect(broken).toEqual([]);
  });

  it('keeps a note’s line breaks as text (pre-wrap), not as markup', () => {
    const html = render({ ...BASE, note: 'line one\nline two <b>bold?</b>' });
    expect(html).toContain('line one\nline two &lt;b&gt;bold?&lt;/b&gt;');
    expect(html).toContain('whitespace-pre-wrap');
  });
});
