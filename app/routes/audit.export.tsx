import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { stringify } from 'csv-stringify/sync';
import { auditExportFileName, auditExportFormatSchema, readAuditFilters } from '~/forms/audit';
import { AUDIT_ACTIONS, auditEventBatches, recordAuditEvent, type AuditEventView } from '~/models/audit.server';
import { staffActor } from '~/models/staff.server';
import { resolveAuditFilters } from '~/services/audit-filters.server';
import { requireStaff } from '~/services/auth.server';
import { formErrors } from '~/utils/forms';
import { getLogger } from '~/utils/logger.server';

/**
 * The audit log as a file (admin): CSV or JSON lines of everything the filters match, streamed a
 * batch at a time — each batch its own short query, sent only when the client has taken the last
 * (the server writes with backpressure) — so memory stays flat at any size. The export is itself
 * audited, with its filters.
 */
export const handle = { access: { loader: 'admin', action: 'admin' } };

export const EXPORT_BATCH_SIZE = 1000;

const COLUMNS = [
  'id',
  'at',
  'request_id',
  'actor_type',
  'actor_id',
  'actor',
  'action',
  'summary',
  'organization_id',
  'organization',
  'setup_link_id',
  'note',
  'details',
];

// The export is a form post from the audit log; opened directly, it goes back there.
export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, 'admin');
  return redirect('/audit');
}

export async function action({ request, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, 'admin');
  const formData = await request.formData();
  const format = auditExportFormatSchema.safeParse(formData.get('format'));
  const { raw, result } = readAuditFilters(formData, AUDIT_ACTIONS);
  if (!format.success || !result.success) {
    const problems = [
      ...(format.success ? [] : ['format: choose CSV or JSON lines.']),
      ...(result.success ? [] : Object.entries(formErrors(result.error).fieldErrors).map(([field, messages]) => `${field}: ${messages?.[0]}`)),
    ];
    return new Response(`The export was not made:\n${problems.join('\n')}\n`, { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }
  const { filters } = await resolveAuditFilters(result.data);
  await recordAuditEvent({
    actor: staffActor(staff),
    action: 'audit.exported',
    requestId: context.requestId,
    details: {
      format: format.data,
      filters:
        Object.entries(raw)
          .map(([name, value]) => `${name} ${value}`)
          .join(', ') || 'none',
    },
  });

  const batches = auditEventBatches(filters, { batchSize: EXPORT_BATCH_SIZE });
  const encoder = new TextEncoder();
  let headerWritten = format.data !== 'csv';
  let rows = 0;
  const started = Date.now();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await batches.next();
      const events = next.done ? [] : next.value;
      rows += events.length;
      const text = format.data === 'csv' ? toCsv(events, !headerWritten) : events.map((event) => `${JSON.stringify(toRecord(event))}\n`).join('');
      headerWritten = true;
      if (text) controller.enqueue(encoder.encode(text));
      if (next.done) {
        controller.close();
        // When the last batch was read: with backpressure, about when the client got it.
        getLogger().info({ requestId: context.requestId, rows, ms: Date.now() - started }, 'audit export read to the end');
      }
    },
    async cancel() {
      getLogger().info({ requestId: context.requestId, rows, ms: Date.now() - started }, 'audit export cancelled by the client');
      await batches.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      'Content-Type': format.data === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="${auditExportFileName(result.data, format.data)}"`,
    },
  });
}

function toRecord(event: AuditEventView) {
  return {
    id: event.id,
    at: event.at,
    request_id: event.requestId,
    actor_type: event.actorType,
    actor_id: event.actorId,
    actor: event.actorLabel,
    action: event.action,
    summary: event.summary,
    organization_id: event.organizationId,
    organization: event.organizationName,
    setup_link_id: event.setupLinkId,
    note: event.note,
    details: event.details,
  };
}

/**
 * Rows as CSV. `escape_formulas` puts a quote before a cell starting with = + - @ (or a tab or
 * carriage return), so that a spreadsheet shows a name or note as text instead of running it.
 */
function toCsv(events: AuditEventView[], withHeader: boolean): string {
  const rows = events.map((event) => {
    const record = toRecord(event);
    return { ...record, details: JSON.stringify(record.details) };
  });
  return stringify(rows, { header: withHeader, columns: COLUMNS, escape_formulas: true });
}
