import { Form, useFetcher } from '@remix-run/react';
import { buttonClass } from '~/components/field';
import { LinkStory } from '~/components/link-story';
import { DateTime } from '~/components/local-time';
import { OneTimeSecret } from '~/components/one-time-secret';
import { SetupLinkCard } from '~/components/setup-link-card';
import { SETUP_LINK_INTENTS, type OrganizationPageIntent } from '~/forms/organization-page-intents';
import { DEFAULT_DRAFT, type SetupLinkDraft } from '~/forms/setup-link-draft';
import { useShownOnce } from '~/hooks/use-shown-once';
import { fieldErrorsOf } from '~/utils/forms';
import { FEATURE_INFO } from '~/domain/features';
import type { ItContactsAnswer } from '../organizations.$organizationId.it-contacts';
import type { PageAnswer } from './page-action.server';
import type { OrganizationPageData } from './route';

const isLinkIntent = (intent: string | null | undefined): intent is OrganizationPageIntent =>
  intent != null && (SETUP_LINK_INTENTS as readonly string[]).includes(intent);

/** A copy-mode link, shown once: for as long as the rep stays on this organization's page. */
export function IssuedLinkSecret({ issued, organization }: { issued: PageAnswer['issued']; organization: OrganizationPageData['organization'] }) {
  const shownOnce = useShownOnce(issued, organization.id);
  if (!shownOnce.secret) return null;
  return (
    <OneTimeSecret label={`Setup link for ${organization.name}`} value={shownOnce.secret.url} onDismiss={shownOnce.dismiss}>
      For {shownOnce.secret.features.map((feature) => FEATURE_INFO[feature].title).join(', ')}. Valid until <DateTime iso={shownOnce.secret.expiresAt} />. Send
      it to the customer’s IT admin by a channel you trust.
    </OneTimeSecret>
  );
}

/** The setup link: how the current one stands, and — for reps — the card that issues, resends, recreates or revokes it. */
export function SetupLinkSection({
  page,
  answer,
  pendingIntent,
}: {
  page: Pick<
    OrganizationPageData,
    'organization' | 'activeLink' | 'sendingLink' | 'endingAtWorkOS' | 'failedEmail' | 'progress' | 'linkLifetime' | 'reminderLimit' | 'canEdit' | 'now'
  >;
  answer: PageAnswer | undefined;
  pendingIntent: string | null;
}) {
  const { organization, activeLink, sendingLink, failedEmail, linkLifetime, canEdit, now } = page;
  const currentLink = page.progress.link;
  const defaultDraft: SetupLinkDraft = { ...DEFAULT_DRAFT, lifetimeDays: String(linkLifetime.defaultDays) };
  // A refused or unsent form comes back as typed; else the last email that could not be sent, so a retry is one click.
  const draft: SetupLinkDraft =
    answer?.values ??
    (failedEmail
      ? {
          ...defaultDraft,
          recipientEmail: failedEmail.recipientEmail,
          recipientName: failedEmail.recipientName ?? '',
          features: failedEmail.features,
          lifetimeDays: String(failedEmail.lifetimeDays),
        }
      : defaultDraft);
  const answered = answer && isLinkIntent(answer.intent) ? answer : null;
  return (
    <section aria-labelledby="link-title" className="min-w-0 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">
      <h2 id="link-title" className="text-lg font-semibold">
        Setup link
      </h2>
      {sendingLink ? <LinkStory link={sendingLink} canEdit={canEdit} /> : null}
      {activeLink || sendingLink ? null : currentLink && currentLink.status !== 'failed' ? (
        <LinkStory link={currentLink} canEdit={canEdit} />
      ) : (
        <p className="mt-1 text-sm text-slate-600">No active link. {canEdit ? 'Create one for the IT admin:' : ''}</p>
      )}
      {page.endingAtWorkOS && !currentLink?.invitationEndPending ? (
        <p role="status" className="mt-2 rounded-md border border-sky-300 bg-sky-50 px-3 py-2 text-sm text-sky-900" data-testid="ending-at-workos">
          An earlier WorkOS-sent link has ended here, and WorkOS has not yet confirmed ending its invitation: it may still open. Setup Desk keeps asking.
        </p>
      ) : null}
      {failedEmail && !answer?.formError ? (
        <p role="status" className="mt-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          The last email, to {failedEmail.recipientEmail} on <DateTime iso={failedEmail.at} />, could not be sent: {failedEmail.reason} No link is active.
          {canEdit ? ' The form below starts from it: send again, or use Copy link.' : ''}
        </p>
      ) : null}
      {activeLink && !canEdit ? (
        <p className="mt-1 text-sm text-slate-700">
          Active: {activeLink.features.map((feature) => FEATURE_INFO[feature].title).join(', ')}; expires <DateTime iso={activeLink.expiresAt} />.
        </p>
      ) : null}
      {canEdit && (activeLink || !sendingLink) ? (
        <FoldedWhenCompleted folded={!activeLink && currentLink?.status === 'completed' && answer === undefined}>
          <SetupLinkCard
            // A new active link (or none) is a new form: its defaults must apply afresh.
            key={activeLink?.id ?? 'none'}
            active={activeLink}
            now={now}
            pendingIntent={isLinkIntent(pendingIntent) ? pendingIntent : null}
            errors={fieldErrorsOf(answered ?? undefined)}
            errorIntent={answered?.intent ?? null}
            draft={draft}
            previewAction={`/organizations/${organization.id}/email-preview`}
            lifetimeMaxDays={linkLifetime.maxDays}
            remindItAdmin={organization.remindItAdmin && page.reminderLimit > 0}
          />
        </FoldedWhenCompleted>
      ) : null}
      <LinkFollowUp organization={organization} canEdit={canEdit} busy={pendingIntent !== null} />
    </section>
  );
}

/**
 * How this organization's links are followed up (reminders, IT contact registration), and the IT
 * contacts WorkOS knows — read from WorkOS only when the rep opens it.
 */
function LinkFollowUp({ organization, canEdit, busy }: { organization: OrganizationPageData['organization']; canEdit: boolean; busy: boolean }) {
  const contacts = useFetcher<ItContactsAnswer>();
  const contactsUrl = `/organizations/${organization.id}/it-contacts`;
  const loadContacts = (event: React.SyntheticEvent<HTMLDetailsElement>) => {
    if (event.currentTarget.open && contacts.state === 'idle' && !contacts.data) contacts.load(contactsUrl);
  };
  return (
    <details className="mt-4 rounded-md border border-slate-200 p-4" onToggle={loadContacts}>
      <summary className="cursor-pointer font-semibold">Reminders and IT contacts</summary>
      {canEdit ? (
        <Form method="post" className="mt-3 space-y-2 text-sm" aria-label="How links are followed up">
          <input type="hidden" name="intent" value="set_link_preferences" />
          <label className="flex items-start gap-2">
            <input type="checkbox" name="remindItAdmin" defaultChecked={organization.remindItAdmin} className="mt-1 h-4 w-4" />
            <span>
              Remind the IT admin of an emailed link they have not started
              <span className="block text-xs text-slate-600">Setup Desk emails them (no new link) after a few days and a day before it expires.</span>
            </span>
          </label>
          <label className="flex items-start gap-2">
            <input type="checkbox" name="registerItContacts" defaultChecked={organization.registerItContacts} className="mt-1 h-4 w-4" />
            <span>
              Register the IT admin as a WorkOS IT contact
              <span className="block text-xs text-slate-600">
                So that WorkOS’s own alerts (an expiring certificate) reach them. A WorkOS-sent link always does.
              </span>
            </span>
          </label>
          <button type="submit" className={buttonClass('secondary')} disabled={busy}>
            Save
          </button>
        </Form>
      ) : (
        <p className="mt-3 text-sm text-slate-700">
          Reminders are {organization.remindItAdmin ? 'on' : 'off'}; IT contact registration is {organization.registerItContacts ? 'on' : 'off'}.
        </p>
      )}
      <h3 className="mt-4 text-sm font-semibold">IT contacts in WorkOS</h3>
      <div aria-live="polite" className="mt-1 text-sm" data-testid="it-contacts">
        {contacts.state !== 'idle' ? (
          <p className="text-slate-600">Asking WorkOS…</p>
        ) : !contacts.data ? null : contacts.data.problem !== null ? (
          <p className="text-amber-900">{contacts.data.problem}</p>
        ) : contacts.data.contacts.length === 0 ? (
          <p className="text-slate-600">WorkOS knows no IT contact for this organization.</p>
        ) : (
          <ul className="list-disc pl-5">
            {contacts.data.contacts.map((contact) => (
              <li key={contact.id}>
                {contact.email}
                {contact.createdAt ? (
                  <span className="text-slate-600">
                    {' '}
                    — since <DateTime iso={contact.createdAt} />
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {contacts.data ? (
          <button type="button" className="mt-2 text-xs text-indigo-700 underline" onClick={() => contacts.load(contactsUrl)}>
            Ask WorkOS again
          </button>
        ) : null}
      </div>
    </details>
  );
}

/** After a completed setup, another link is the exception: its form waits behind a disclosure. */
function FoldedWhenCompleted({ folded, children }: { folded: boolean; children: React.ReactNode }) {
  if (!folded) return <>{children}</>;
  return (
    <details className="mt-3 rounded-md border border-slate-200 p-4">
      <summary className="cursor-pointer font-semibold">Send another link</summary>
      {children}
    </details>
  );
}
