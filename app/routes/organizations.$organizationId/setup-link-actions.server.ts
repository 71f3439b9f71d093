import type { ActionFunctionArgs } from '@remix-run/node';
import { data } from '@remix-run/node';
import type { OrganizationPageFormOf } from '~/forms/organization-page';
import { type LinkLifetime } from '~/forms/setup-link';
import { DEFAULT_DRAFT, type SetupLinkDraft } from '~/forms/setup-link-draft';
import type { OrganizationDetail } from '~/models/organization.server';
import { createSetupLink, recreateSetupLink, resendSetupLink, revokeSetupLink, type IssuedSetupLink } from '~/models/setup-link.server';
import { requireStaff } from '~/services/auth.server';
import { formErrors } from '~/utils/forms';
import { redirectWithToast } from '~/utils/toast.server';
import { pageAction, refusal, scrubNotice, type PageAnswer } from './page-action.server';

export type SetupLinkForm = OrganizationPageFormOf<'create_link' | 'recreate_link' | 'resend_link' | 'revoke_link'>;

/**
 * The setup link: issue one, issue one in place of the active one (recreate, resend), end it
 * (revoke). `lifetime` is what the Configuration page allows; `typed` is the link form as the rep
 * typed it, to refill it with when the email cannot be sent.
 */
export async function setupLinkAction(
  { request, context }: ActionFunctionArgs,
  organization: OrganizationDetail,
  form: SetupLinkForm,
  { lifetime, typed }: { lifetime: LinkLifetime; typed: SetupLinkDraft },
) {
  const staff = await requireStaff(request, 'support');
  const { actor, options, here } = pageAction(staff, organization, context, form.intent);
  switch (form.intent) {
    case 'create_link': {
      const issued = await createSetupLink(organization.id, form.link, actor, options);
      return answerIssued(issued, form.intent, here, typed, scrubNotice(form.link.note));
    }
    case 'recreate_link': {
      // The link the rep saw as active, when the form named one: a recreate that raced another is refused.
      const replacing = { reason: form.reason, ...(form.linkId === undefined ? {} : { expectedActiveLinkId: form.linkId }) };
      const issued = await recreateSetupLink(organization.id, { ...form.link, ...replacing }, actor, options);
      return answerIssued(issued, form.intent, here, typed, scrubNotice(form.link.note, form.reason));
    }
    case 'resend_link': {
      // The model's rule: the link the rep saw, as it was (a refusal is a SetupLinkRuleError).
      const { issued, request } = await resendSetupLink(organization.id, { ...form, maxDays: lifetime.maxDays }, actor, options);
      const { email, features, lifetimeDays } = request;
      const resent = {
        ...DEFAULT_DRAFT,
        recipientEmail: email.address,
        recipientName: email.name ?? '',
        message: form.message,
        features,
        lifetimeDays: String(lifetimeDays),
      };
      return answerIssued(issued, form.intent, here, resent, scrubNotice(form.reason));
    }
    case 'revoke_link': {
      if (form.linkId === undefined) throw new Response('Which link?', { status: 400 });
      const { revoked } = await revokeSetupLink(form.linkId, { reason: form.reason, organizationId: organization.id }, actor, options);
      return redirectWithToast(
        here,
        revoked
          ? { kind: 'success', message: `The setup link is revoked: it no longer opens.${scrubNotice(form.reason)}` }
          : { kind: 'info', message: 'That link was already no longer active.' },
      );
    }
  }
}

/**
 * The answer to a new link. Copy mode: this response is the one that shows the URL (no redirect,
 * no cookie, no cache). Email sent: back to the page with a toast. Email failed: the plain
 * message, with the form refilled for another try.
 */
function answerIssued(issued: IssuedSetupLink, intent: SetupLinkForm['intent'], here: string, draft: SetupLinkDraft, notice = '') {
  if (issued.delivery === 'copy') {
    return data<PageAnswer>({
      intent,
      ...formErrors(null),
      issued: { url: issued.url, expiresAt: issued.link.expiresAt, features: issued.link.features },
      notice: notice.trim() || undefined,
    });
  }
  if (issued.sent && issued.link.status !== 'active') {
    // Accepted by the mail server, but the link was ended while it was out (archived, or the link
    // it was to replace was revoked or completed meanwhile): the email's link does not open.
    return redirectWithToast(here, {
      kind: 'error',
      message: `The email went to ${issued.recipient}, but its link was ${issued.link.status} while it was being sent: it does not open. Recreate it if the customer still needs one.`,
    });
  }
  if (issued.sent) {
    const replaced = issued.link.replacesLinkId ? ' The earlier link no longer opens.' : '';
    return redirectWithToast(here, { kind: 'success', message: `The setup link was emailed to ${issued.recipient}.${replaced}${notice}` });
  }
  const values = { ...draft, delivery: 'email' as const };
  if (issued.previousLinkActive) {
    // A resend or recreate that could not be sent changed nothing for the IT admin.
    const formError = `The email could not be sent: ${issued.failure.reason} The earlier link still works — nothing changed for the IT admin (should this email arrive after all, its link will not open). Try again, or recreate it to copy.`;
    return refusal(intent, formErrors(formError), { values }, 502);
  }
  // A failed send leaves no active link: the create form is the one to refill.
  return refusal(
    'create_link',
    formErrors(`The email could not be sent: ${issued.failure.reason} No link is active. Try again or use Copy link.`),
    { values },
    502,
  );
}
