import type { ReactNode } from 'react';
import { DateTime, relativeTime } from './local-time';

export interface AuditEventItemData {
  id: number;
  at: string;
  actorLabel: string;
  actorType: string;
  summary: string;
  note: string | null;
  noteLabel: string;
  organizationId: number | null;
  organizationName: string | null;
  requestId: string | null;
}

const ACTOR_KINDS: Record<string, string> = { it_admin: 'customer', system: 'automatic', cli: 'command line' };

/**
 * One audit event: who, what in words, the note as written (escaped by React, line breaks kept),
 * and when — relative to the server's "now" (so server and browser render alike) and exact. The
 * audit log passes the organization (a link to it); an organization's own history does not.
 */
export function AuditEventItem({ event, now, organization }: { event: AuditEventItemData; now: string; organization?: ReactNode }) {
  return (
    <li className="rounded-md border border-slate-200 bg-white px-4 py-2 text-sm" data-testid="audit-event">
      <p>
        <span className="font-medium">{event.actorLabel}</span>
        {ACTOR_KINDS[event.actorType] ? <span className="text-slate-500"> ({ACTOR_KINDS[event.actorType]})</span> : null} {event.summary}
        {organization ? <> — {organization}</> : null}
      </p>
      {event.note ? (
        <p className="mt-1 whitespace-pre-wrap break-words text-slate-800">
          <span className="font-medium">{event.noteLabel}:</span> {event.note}
        </p>
      ) : null}
      <p className="mt-1 text-xs text-slate-500">
        {relativeTime(event.at, new Date(now).getTime())} · <DateTime iso={event.at} />
        {event.requestId ? <span className="ml-2 font-mono">{event.requestId.slice(0, 13)}</span> : null}
      </p>
    </li>
  );
}
