import type { LoaderFunctionArgs } from '@remix-run/node';
import { data } from '@remix-run/node';
import { describeItContactError, listItContacts, type ItContact } from '~/models/it-contacts.server';
import { requireStaff } from '~/services/auth.server';
import { organizationFromParams } from '~/services/route-params.server';
import { withPersonDeadline } from '~/utils/workos.server';

/**
 * The IT contacts WorkOS knows for the organization (decision 025), read live from WorkOS when a
 * rep opens that part of the organization's page — not on every load of the page, which costs
 * nothing of WorkOS (decision 023). Within a person's deadline; a WorkOS problem is the answer's
 * `problem`, in words, never a 500.
 */
export const handle = { access: { loader: 'viewer' } };

export type ItContactsAnswer = { contacts: ItContact[]; problem: null } | { contacts: null; problem: string };

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireStaff(request, 'viewer');
  const organization = await organizationFromParams(params);
  const headers = { 'Cache-Control': 'no-store' };
  if (!organization.workosId) {
    return data<ItContactsAnswer>({ contacts: null, problem: 'The organization is not in WorkOS yet.' }, { headers });
  }
  try {
    const contacts = await withPersonDeadline(() => listItContacts(organization.workosId!));
    return data<ItContactsAnswer>({ contacts, problem: null }, { headers });
  } catch (error) {
    return data<ItContactsAnswer>({ contacts: null, problem: describeItContactError(error).message }, { status: 502, headers });
  }
}
