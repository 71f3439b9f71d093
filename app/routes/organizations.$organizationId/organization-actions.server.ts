import type { ActionFunctionArgs } from '@remix-run/node';
import type { OrganizationPageFormOf } from '~/forms/organization-page';
import { archiveOrganization, finishOrganizationCreation, setCsOwner, updateOrganizationDetails, type OrganizationDetail } from '~/models/organization.server';
import { requireStaff } from '~/services/auth.server';
import { redirectWithToast } from '~/utils/toast.server';
import { withPersonDeadline } from '~/utils/workos.server';
import { pageAction, scrubNotice } from './page-action.server';

export type OrganizationForm = OrganizationPageFormOf<'retry_create' | 'set_owner' | 'edit' | 'archive'>;

/** The organization itself: finish its creation in WorkOS, change its CS owner, edit its details, archive it. */
export async function organizationAction({ request, context }: ActionFunctionArgs, organization: OrganizationDetail, form: OrganizationForm) {
  const staff = await requireStaff(request, 'support');
  const { actor, options, here, refuse } = pageAction(staff, organization, context, form.intent);
  switch (form.intent) {
    case 'retry_create': {
      const result = await withPersonDeadline(() => finishOrganizationCreation(organization.id, actor, options));
      if (result.ok) return redirectWithToast(here, { kind: 'success', message: `${organization.name} was created in WorkOS.` });
      if (result.discarded) {
        return redirectWithToast('/organizations/new', {
          kind: 'error',
          message: `WorkOS refused ${organization.name}: ${result.problem.message} Nothing was created; enter it again.`,
        });
      }
      return redirectWithToast(here, { kind: 'error', message: `Still not created in WorkOS: ${result.problem.message}` });
    }
    case 'set_owner':
      await setCsOwner(organization.id, form.csOwnerId, actor, options);
      return redirectWithToast(here, { kind: 'success', message: 'CS owner updated.' });
    case 'edit': {
      const result = await withPersonDeadline(() => updateOrganizationDetails(organization.id, form.details, actor, options));
      if (!result.ok) return refuse(result.problem.message, result.problem.field);
      if (result.keptByWorkOS.length > 0) {
        return redirectWithToast(here, {
          kind: 'info',
          message: `Saved in WorkOS, but WorkOS kept ${result.keptByWorkOS.join(', ')}: remove it in the WorkOS dashboard.`,
        });
      }
      return redirectWithToast(here, { kind: 'success', message: 'Saved in WorkOS.' });
    }
    case 'archive': {
      const { alreadyArchived } = await archiveOrganization(organization.id, { reason: form.reason }, actor, options);
      return redirectWithToast(here, {
        kind: 'info',
        message: alreadyArchived ? 'It was already archived.' : `${organization.name} is archived.${scrubNotice(form.reason)}`,
      });
    }
  }
}
