import type { AuditFilterInput } from '~/forms/audit';
import type { AuditActorType, AuditFilters } from '~/models/audit.server';
import { findOrganizationsByName, getOrganization } from '~/models/organization.server';

/** How many organizations a name in the organization filter may stand for. */
export const ORGANIZATION_MATCH_LIMIT = 20;

/**
 * The form's filters as the model's: an organization id, or a name that stands for the
 * organizations it matches; whole UTC days for the dates (the end day included).
 */
export async function resolveAuditFilters(input: AuditFilterInput): Promise<{ filters: AuditFilters; organizations: { id: number; name: string }[] | null }> {
  const filters: AuditFilters = {};
  let organizations: { id: number; name: string }[] | null = null;
  if (input.organization) {
    if (/^\d{1,12}$/.test(input.organization)) {
      const organization = await getOrganization(Number(input.organization));
      organizations = organization ? [{ id: organization.id, name: organization.name }] : [];
      filters.organizationIds = [Number(input.organization)];
    } else {
      organizations = await findOrganizationsByName(input.organization, { limit: ORGANIZATION_MATCH_LIMIT });
      filters.organizationIds = organizations.map((organization) => organization.id);
    }
  }
  if (input.actor) {
    const [type, id] = input.actor.split(':') as [AuditActorType, string | undefined];
    filters.actor = id === undefined ? { type } : { type, id: Number(id) };
  }
  if (input.action) filters.action = input.action;
  if (input.from) filters.from = `${input.from}T00:00:00.000Z`;
  if (input.to) filters.to = new Date(Date.parse(`${input.to}T00:00:00.000Z`) + 86_400_000).toISOString();
  return { filters, organizations };
}
