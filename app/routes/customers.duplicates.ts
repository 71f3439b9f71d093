import type { LoaderFunctionArgs } from '@remix-run/node';
import { duplicateQueryFrom } from '~/forms/customer';
import { findPossibleDuplicates } from '~/models/organization.server';
import { requireStaff } from '~/services/auth.server';

export const handle = { access: { loader: 'support' } };

/**
 * The "New customer" screen's check while the rep types (decision 018): organizations with the
 * same name (letter case aside) or any of the same domains, as JSON. Reads only.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireStaff(request, 'support');
  const query = duplicateQueryFrom(new URL(request.url).searchParams);
  return { duplicates: await findPossibleDuplicates(query) };
}
