import { Form, Link } from '@remix-run/react';
import { AuditEventItem } from '~/components/audit-event';
import { buttonClass, TextAreaField } from '~/components/field';
import { useResetAfterSuccess } from '~/hooks/use-reset-after-success';
import type { FieldErrors } from '~/utils/forms';
import { NOTE_MAX_LENGTH } from '~/domain/history';
import type { OrganizationPageData } from './route';

/** How many events the first page shows before "more": the rest of the page waits behind a disclosure. */
export const HISTORY_GLANCE = 5;

/**
 * The organization's history, newest first, a page at a time — and, for reps, the form that adds a
 * note to it. The first page shows its newest few events; the rest of the page opens on demand,
 * and older pages are keyset links (`?history=`), each shown in full.
 */
export function HistorySection({
  organizationId,
  timeline,
  now,
  canEdit,
  refused,
  errors,
  busy,
  pendingIntent,
}: {
  organizationId: number;
  timeline: OrganizationPageData['timeline'];
  now: string;
  canEdit: boolean;
  /** The last answer refused a note (success redirects): the form keeps what was typed. */
  refused: boolean;
  errors: FieldErrors;
  busy: boolean;
  pendingIntent: string | null;
}) {
  // Cleared once its note is saved; a refused note keeps what was typed.
  const noteForm = useResetAfterSuccess('add_note', refused);
  // An older page was asked for: it is shown whole.
  const glance = timeline.isFirstPage ? timeline.events.slice(0, HISTORY_GLANCE) : timeline.events;
  const rest = timeline.isFirstPage ? timeline.events.slice(HISTORY_GLANCE) : [];
  return (
    <section aria-labelledby="timeline-title">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="timeline-title" className="text-lg font-semibold">
          History
        </h2>
        <Link to={`/audit?organization=${organizationId}`} className="text-sm text-indigo-700 hover:underline">
          Open in the audit log
        </Link>
      </div>
      {canEdit ? (
        <Form ref={noteForm} method="post" className="mt-3 max-w-3xl space-y-2" aria-label="Add a note">
          <input type="hidden" name="intent" value="add_note" />
          <TextAreaField
            label="Add a note"
            name="note"
            required
            rows={2}
            maxLength={NOTE_MAX_LENGTH}
            errors={errors.note}
            hint="Kept in the history as written, and never edited: a correction is another note. Never paste a link or password."
          />
          <button type="submit" className={buttonClass('secondary')} disabled={busy}>
            {pendingIntent === 'add_note' ? 'Saving…' : 'Add note'}
          </button>
        </Form>
      ) : null}
      {timeline.events.length === 0 ? (
        <p className="mt-3 text-sm text-slate-600">Nothing yet.</p>
      ) : (
        <ol className="mt-3 space-y-3" aria-label="Events, newest first">
          {glance.map((event) => (
            <AuditEventItem key={event.id} event={event} now={now} />
          ))}
        </ol>
      )}
      {rest.length > 0 ? (
        <details className="mt-3" data-testid="more-history">
          <summary className="cursor-pointer text-sm font-medium text-indigo-700 hover:underline">
            {rest.length} more event{rest.length === 1 ? '' : 's'}
          </summary>
          <ol className="mt-3 space-y-3" aria-label="More events, newest first">
            {rest.map((event) => (
              <AuditEventItem key={event.id} event={event} now={now} />
            ))}
          </ol>
        </details>
      ) : null}
      <nav aria-label="History pages" className="mt-3 flex gap-4 text-sm">
        {timeline.isFirstPage ? null : (
          <Link to={`/organizations/${organizationId}`} preventScrollReset className="text-indigo-700 hover:underline">
            ← Newest
          </Link>
        )}
        {timeline.olderCursor ? (
          <Link to={`?history=${timeline.olderCursor}`} preventScrollReset className="text-indigo-700 hover:underline">
            Older events →
          </Link>
        ) : null}
      </nav>
    </section>
  );
}
