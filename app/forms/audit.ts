import { z } from 'zod';
import { MAX_ID } from './ids';
import { AUDIT_FILTER_NAMES } from './audit-filter-names';

/**
 * The audit log's filters, as a URL carries them (the log's page and its export read the same
 * ones). Every part is optional; a bad part is named, never silently dropped.
 */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date as YYYY-MM-DD.')
  // A day that exists: 2026-02-30 parses (as 2 March), so the date must come back unchanged.
  .refine((value) => {
    const time = Date.parse(`${value}T00:00:00Z`);
    return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
  }, 'Enter a real date.');

/**
 * The filters' schema. `actions` are the audit catalog's: it lives on the server, and this module
 * is also the browser's, so the caller passes them in.
 */
export function auditFilterSchema(actions: readonly string[]) {
  return z
    .object({
      organization: z.string().trim().max(200, 'Use at most 200 characters.').optional(),
      actor: z
        .string()
        .regex(/^(staff:\d{1,10}|system|it_admin|cli)$/, 'Choose who acted from the list.')
        .refine((actor) => !actor.startsWith('staff:') || Number(actor.slice(6)) <= MAX_ID, 'Choose who acted from the list.')
        .optional(),
      action: z
        .string()
        .refine((value) => actions.includes(value), 'Choose an action from the list.')
        .optional(),
      from: isoDate.optional(),
      to: isoDate.optional(),
    })
    .refine((filters) => !filters.from || !filters.to || filters.from <= filters.to, { path: ['to'], message: 'The end date is before the start date.' });
}

export type AuditFilterInput = z.output<ReturnType<typeof auditFilterSchema>>;

/** Reads the filters from a query string or a form; blank fields are unset. */
export function readAuditFilters(source: URLSearchParams | FormData, actions: readonly string[]) {
  const raw: Record<string, string> = {};
  for (const name of AUDIT_FILTER_NAMES) {
    const value = source.get(name);
    if (typeof value === 'string' && value.trim() !== '') raw[name] = value.trim();
  }
  return { raw, result: auditFilterSchema(actions).safeParse(raw) };
}

/** The filters as words for a file name: audit-log_org-12_action-setup_link.revoked_from-2026-11-01.csv */
export function auditExportFileName(filters: AuditFilterInput, extension: 'csv' | 'jsonl'): string {
  const parts = ['audit-log'];
  if (filters.organization) parts.push(`org-${filters.organization}`);
  if (filters.actor) parts.push(`actor-${filters.actor.replace(':', '-')}`);
  if (filters.action) parts.push(`action-${filters.action}`);
  if (filters.from) parts.push(`from-${filters.from}`);
  if (filters.to) parts.push(`to-${filters.to}`);
  // Only characters every file system and the Content-Disposition header take as they are.
  return `${parts
    .join('_')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 180)}.${extension}`;
}

/** The audit export's file format. */
export const auditExportFormatSchema = z.enum(['csv', 'jsonl']);
