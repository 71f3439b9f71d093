import { type OrganizationStatus } from '~/domain/organizations';

const STYLES: Record<OrganizationStatus, string> = {
  active: 'bg-emerald-100 text-emerald-900',
  pending: 'bg-amber-100 text-amber-900',
  archived: 'bg-slate-200 text-slate-700',
};
const LABELS: Record<OrganizationStatus, string> = {
  active: 'Active',
  pending: 'Pending',
  archived: 'Archived',
};

/** An organization's status as a small labelled badge. */
export function StatusBadge({ status }: { status: OrganizationStatus }) {
  return <span className={`rounded-full px-2 py-0.5 text-xs font-semibold ${STYLES[status]}`}>{LABELS[status]}</span>;
}
