import type { Params } from '@remix-run/react';
import { idSchema } from '~/forms/ids';
import { getOrganization, type OrganizationDetail } from '~/models/organization.server';

/** The organization named by `:organizationId`, or a 404 for a malformed or unknown id. */
export async function organizationFromParams(params: Params): Promise<OrganizationDetail> {
  const id = idSchema.safeParse(params.organizationId);
  const organization = id.success ? await getOrganization(id.data) : null;
  if (!organization) throw new Response('No such organization', { status: 404 });
  return organization;
}
