import type { ActionFunctionArgs } from '@remix-run/node';
import { readOrganizationPageForm } from '~/forms/organization-page';
import { setupLinkDraftFrom } from '~/forms/setup-link-draft';
import { OrganizationRuleError } from '~/models/organization.server';
import { getSettings } from '~/models/settings.server';
import { SetupLinkRuleError } from '~/models/setup-link.server';
import { requireStaff } from '~/services/auth.server';
import { organizationFromParams } from '~/services/route-params.server';
import { formErrors } from '~/utils/forms';
import { historyAction } from './history-actions.server';
import { organizationAction } from './organization-actions.server';
import { refusal } from './page-action.server';
import { setupLinkAction } from './setup-link-actions.server';

/**
 * The organization page's one action: the guard, the organization, which of the page's forms was
 * sent and what it says (app/forms/organization-page) — then the action of that form's group,
 * which starts with its own guard. A form that says something wrong is answered here, each wrong
 * field named; a rule a model refuses is answered here too, whichever group met it.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, 'support');
  const organization = await organizationFromParams(params);
  const formData = await request.formData();
  const { linkLifetime } = await getSettings();
  const read = readOrganizationPageForm(formData, linkLifetime);
  if (read.intent === null) throw new Response('Unknown action', { status: 400 });
  const { intent, result } = read;
  // The link forms come back as typed (the other forms keep what was typed in the page).
  const typed = setupLinkDraftFrom(formData);
  const refilled = intent === 'create_link' || intent === 'recreate_link' ? { values: typed } : {};
  if (!result.success) return refusal(intent, formErrors(result.error), refilled);
  const form = result.data;
  const args = { request, params, context };
  try {
    switch (form.intent) {
      case 'retry_create':
      case 'set_owner':
      case 'edit':
      case 'archive':
        return await organizationAction(args, organization, form);
      case 'create_link':
      case 'recreate_link':
      case 'resend_link':
      case 'revoke_link':
      case 'extend_link':
      case 'set_link_preferences':
        return await setupLinkAction(args, organization, form, { lifetime: linkLifetime, typed });
      case 'add_note':
      case 'check_progress':
        return await historyAction(args, organization, form);
    }
  } catch (error) {
    if (error instanceof OrganizationRuleError) return refusal(intent, formErrors(error.message, { field: error.field }));
    if (error instanceof SetupLinkRuleError) return refusal(intent, formErrors(error.messageIn(staff.timeZone), { field: error.field }));
    throw error;
  }
}
