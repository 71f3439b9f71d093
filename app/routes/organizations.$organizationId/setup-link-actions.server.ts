import type { ActionFunctionArgs } from '@remix-run/node';
import { data } from '@remix-run/node';
import type { OrganizationPageFormOf } from '~/forms/organization-page';
import { type LinkLifetime } from '~/forms/setup-link';
import { DEFAULT_DRAFT, type SetupLinkDraft } from '~/forms/setup-link-draft';
import type { AuditActor } from '~/models/audit.server';
import { registerItAdmin } from '~/models/it-contacts.server';
import { setLinkPreferences, type OrganizationDetail } from '~/models/organization.server';
import {
  createSetupLink,
  extendSetupLink,
  failureReasonOf,
  recreateSetupLink,
  resendSetupLink,
  revokeSetupLink,
  type IssuedSetupLink,
} from '~/models/setup-link.server';
import type { ModelContext } from '~/utils/db.server';
import { getLogger } from '~/utils/logger.server';
import { withPersonDeadline } from '~/utils/workos.server';
import { formatDateTime } from '~/utils/format';
import { requireStaff } from '~/services/auth.server';
import { formErrors } from '~/utils/forms';
import { redirectWithToast } from '~/utils/toast.server';
import { pageAction, refusal, scrubNotice, type PageAnswer } from './page-action.server';

export type SetupLinkForm = OrganizationPageFormOf<'create_link' | 'recreate_link' | 'resend_link' | 'revoke_link' | 'extend_link' | 'set_link_preferences'>;

/**
 * The setup link: issue one, issue one in place of the active one (recreate, resend), end it
 * (revoke), give it more time (extend), and how links are followed up (preferences). `lifetime`
 * is what the Configuration page allows; `typed` is the link form as the rep typed it, to refill
 * it with when the link cannot be delivered.
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
      const registered = registerIfOptedIn(issued, organization, actor, options);
      return answerIssued(issued, form.intent, here, typed, scrubNotice(form.link.note) + registered);
    }
    case 'recreate_link': {
      // The link the rep saw as active, when the form named one: a recreate that raced another is refused.
      const replacing = { reason: form.reason, ...(form.linkId === undefined ? {} : { expectedActiveLinkId: form.linkId }) };
      const issued = await recreateSetupLink(organization.id, { ...form.link, ...replacing }, actor, options);
      const registered = registerIfOptedIn(issued, organization, actor, options);
      return answerIssued(issued, form.intent, here, typed, scrubNotice(form.link.note, form.reason) + registered);
    }
    case 'resend_link': {
      // The model's rule: the link the rep saw, as it was (a refusal is a SetupLinkRuleError).
      const { issued, request } = await resendSetupLink(organization.id, { ...form, maxDays: lifetime.maxDays }, actor, options);
      const recipient = request.email ?? request.invitation;
      const resent: SetupLinkDraft = {
        ...DEFAULT_DRAFT,
        delivery: request.invitation ? 'workos' : 'email',
        recipientEmail: recipient.address,
        recipientName: recipient.name ?? '',
        message: form.message,
        features: request.features,
        lifetimeDays: String(request.lifetimeDays),
      };
      const registered = registerIfOptedIn(issued, organization, actor, options);
      return answerIssued(issued, form.intent, here, resent, scrubNotice(form.reason) + registered);
    }
    case 'revoke_link': {
      if (form.linkId === undefined) throw new Response('Which link?', { status: 400 });
      const { revoked, link } = await revokeSetupLink(form.linkId, { reason: form.reason, organizationId: organization.id }, actor, options);
      if (!revoked) return redirectWithToast(here, { kind: 'info', message: 'That link was already no longer active.' });
      // A WorkOS-sent link is ended at WorkOS after the commit: say whether WorkOS confirmed it.
      if (link?.invitationEndPending) {
        return redirectWithToast(here, {
          kind: 'error',
          message: `The link is revoked here, but WorkOS has not yet confirmed ending its invitation: Setup Desk keeps asking (every few minutes) and the link card says so until WorkOS does.${scrubNotice(form.reason)}`,
        });
      }
      const where = link?.delivery === 'workos' ? ' WorkOS ended its invitation: its link shows WorkOS’s expired page.' : ' It no longer opens.';
      return redirectWithToast(here, { kind: 'success', message: `The setup link is revoked.${where}${scrubNotice(form.reason)}` });
    }
    case 'extend_link': {
      if (form.linkId === undefined) throw new Response('Which link?', { status: 400 });
      const link = await extendSetupLink(
        form.linkId,
        { days: form.days, reason: form.reason, organizationId: organization.id, maxDays: lifetime.maxDays },
        actor,
        options,
      );
      return redirectWithToast(here, {
        kind: 'success',
        message: `The setup link now expires ${formatDateTime(link.expiresAt, staff.timeZone)}; the same link keeps working.${scrubNotice(form.reason)}`,
      });
    }
    case 'set_link_preferences': {
      const { changed } = await setLinkPreferences(organization.id, form.preferences, actor, options);
      return redirectWithToast(
        here,
        changed ? { kind: 'success', message: 'Saved how this organization’s links are followed up.' } : { kind: 'info', message: 'Nothing changed.' },
      );
    }
  }
}

/**
 * The organization opted in: the IT admin an email reached becomes a WorkOS IT contact (a
 * WorkOS-sent link made them one already). After the answer, not before it: the rep has waited on
 * the mail server already, and the registration is audited either way, never the link's concern.
 */
function registerIfOptedIn(issued: IssuedSetupLink, organization: OrganizationDetail, actor: AuditActor, options: ModelContext): string {
  if (!organization.registerItContacts || issued.delivery !== 'email' || !issued.sent || issued.link.status !== 'active') return '';
  void withPersonDeadline(() => registerItAdmin(organization, issued.recipient, actor, options)).catch((error: unknown) =>
    getLogger().warn({ err: error, organizationId: organization.id }, 'could not record the IT contact registration'),
  );
  return ` ${issued.recipient} is being registered as a WorkOS IT contact (the history says when it is done).`;
}

/**
 * The answer to a new link. Copy mode: this response is the one that shows the URL (no redirect,
 * no cookie, no cache). Email sent: back to the page with a toast. Email failed: the plain
 * message, with the form refilled for another try.
 */
function answerIssued(issued: IssuedSetupLink, intent: SetupLinkForm['intent'], here: string, draft: SetupLinkDraft, notice = '') {
  if (issued.delivery === 'workos') return answerInvited(issued, intent, here, draft, notice);
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
    const formError = `The email could not be sent: ${failureReasonOf(issued)} The earlier link still works — nothing changed for the IT admin (should this email arrive after all, its link will not open). Try again, or recreate it to copy.`;
    return refusal(intent, formErrors(formError), { values }, 502);
  }
  // A failed send leaves no active link: the create form is the one to refill.
  return refusal(
    'create_link',
    formErrors(`The email could not be sent: ${failureReasonOf(issued)} No link is active. Try again or use Copy link.`),
    { values },
    502,
  );
}

/** The answer to a WorkOS-sent link, as an email's: WorkOS sent it, or nothing changed, or no link is active. */
function answerInvited(
  issued: Extract<IssuedSetupLink, { delivery: 'workos' }>,
  intent: SetupLinkForm['intent'],
  here: string,
  draft: SetupLinkDraft,
  notice = '',
) {
  if (issued.sent && issued.link.status !== 'active') {
    return redirectWithToast(here, {
      kind: 'error',
      message: `WorkOS sent its invitation to ${issued.recipient}, but the link was ${issued.link.status} meanwhile: Setup Desk is ending the invitation at WorkOS. Recreate it if the customer still needs one.`,
    });
  }
  if (issued.sent) {
    const replaced = issued.link.replacesLinkId ? ' The earlier link no longer opens.' : '';
    return redirectWithToast(here, {
      kind: 'success',
      message: `WorkOS is emailing its invitation to ${issued.recipient} (from WorkOS, not from us).${replaced}${notice}`,
    });
  }
  const values = { ...draft, delivery: 'workos' as const };
  const reason = failureReasonOf(issued);
  if (issued.previousLinkActive) {
    return refusal(
      intent,
      formErrors(`WorkOS did not send the invitation: ${reason} The earlier link still works — nothing changed for the IT admin.`),
      { values },
      502,
    );
  }
  return refusal('create_link', formErrors(invitationFailure(issued)), { values }, 502);
}

/** What a WorkOS-sent link that was not delivered left behind, in the rep's words: never "nothing is lost" when something was. */
function invitationFailure(issued: Extract<IssuedSetupLink, { delivery: 'workos'; sent: false }>): string {
  const sent = issued.mayHaveBeenSent
    ? 'WorkOS did not answer in time, and may have sent its invitation all the same: Setup Desk is ending it at WorkOS.'
    : `WorkOS did not send the invitation: ${issued.unanswered ? 'WorkOS did not answer in time.' : failureReasonOf(issued)}`;
  const earlier =
    issued.earlierInvitation === 'ended'
      ? ' The earlier link’s invitation was ended at WorkOS to make room (WorkOS keeps one at a time).'
      : issued.earlierInvitation === 'asked'
        ? ' WorkOS was asked to end the earlier link’s invitation and did not answer: it may still open until WorkOS confirms (Setup Desk keeps asking).'
        : '';
  const retry = issued.unanswered ? ' Try again in a minute or two (WorkOS may still be acting on the last call),' : ' Try again,';
  return `${sent}${earlier} No link is active.${retry} or send it by email.`;
}
