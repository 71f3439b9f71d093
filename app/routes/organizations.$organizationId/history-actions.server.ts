import type { ActionFunctionArgs } from '@remix-run/node';
import type { OrganizationPageFormOf } from '~/forms/organization-page';
import { recordAuditEvent } from '~/models/audit.server';
import { pollWorkOSEvents } from '~/models/event-poller.server';
import type { OrganizationDetail } from '~/models/organization.server';
import { requireStaff } from '~/services/auth.server';
import { redirectWithToast } from '~/utils/toast.server';
import { withPersonDeadline } from '~/utils/workos.server';
import { pageAction, scrubNotice } from './page-action.server';

export type HistoryForm = OrganizationPageFormOf<'add_note' | 'check_progress'>;

/** What the page records and reads about the setup: a note in the history, and WorkOS's setup events now. */
export async function historyAction({ request, context }: ActionFunctionArgs, organization: OrganizationDetail, form: HistoryForm) {
  const staff = await requireStaff(request, 'support');
  const { actor, options, here, refuse } = pageAction(staff, organization, context, form.intent);
  switch (form.intent) {
    case 'add_note':
      // Written once, never edited: a correction is another note.
      await recordAuditEvent({ actor, action: 'organization.noted', organizationId: organization.id, requestId: options.requestId, note: form.note });
      return redirectWithToast(here, { kind: 'success', message: `Note added.${scrubNotice(form.note)}` });
    case 'check_progress': {
      // One run of the events poller, now (it shares the lease and cursor with the scheduled one).
      const result = await withPersonDeadline(() => pollWorkOSEvents());
      if (!result.ran) return redirectWithToast(here, { kind: 'info', message: 'WorkOS is being checked right now; the page updates when it is done.' });
      if (!result.ok) return refuse(`Could not check WorkOS: ${result.error}`);
      const found = result.recorded === 0 ? 'no new setup events' : `${result.recorded} new setup event${result.recorded === 1 ? '' : 's'}`;
      return redirectWithToast(here, { kind: 'success', message: `Checked WorkOS: ${found}.` });
    }
  }
}
