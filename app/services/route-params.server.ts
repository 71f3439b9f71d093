import type { Params } from '@remix-run/react';
import { z } from 'zod';
import { getOrganization, type OrganizationDetail } from '~/models/organization.server';

/** A positive whole-number id, as route parameters and hidden form fields carry them. */
export const idSchema = z.coerce.number().int().positive();

/** The organization named by `:organizationId`, or a 404 for a malformed or unknown id. */
export async function organizationFromParams(params: Params): Promise<OrganizationDetail> {
  const id = idSchema.safeParse(params.organizationId);
  const organization = id.success ? await getOrganization(id.data) : null;
  if (!organization) throw new Response('No such organization', { status: 404 });
  return organization;
}
