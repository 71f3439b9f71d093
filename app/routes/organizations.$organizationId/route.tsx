import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator, type ShouldRevalidateFunction } from '@remix-run/react';
import { useEffect, useRef } from 'react';
import { AuditEventItem } from '~/components/audit-event';
import { ConfirmButton } from '~/components/confirm-button';
import { DomainsField, OwnerSelect } from '~/components/domains-field';
import { buttonClass, Field, FormError, TextAreaField } from '~/components/field';
import { LinkStory } from '~/components/link-story';
import { LocalDateTime } from '~/components/local-time';
import { OneTimeSecret } from '~/components/one-time-secret';
import { SetupLinkCard } from '~/components/setup-link-card';
import { SetupProgressList } from '~/components/setup-progress';
import { StatusBadge } from '~/components/status-badge';
import { DEFAULT_DRAFT, type SetupLinkDraft } from '~/forms/setup-link';
import { useResetAfterSuccess } from '~/hooks/use-reset-after-success';
import { useShownOnce } from '~/hooks/use-shown-once';
import { decodeAuditCursor, encodeAuditCursor, listOrganizationTimeline } from '~/models/audit.server';
import { listAssignableOwners } from '~/models/organization.server';
import { getSettings } from '~/models/settings.server';
import { getSetupLinkOverview, latestFailedEmail, latestLaunchFailure } from '~/models/setup-link.server';
import { getOrganizationProgress } from '~/models/setup-progress.server';
import { requireStaff } from '~/services/auth.server';
import { organizationFromParams } from '~/services/route-params.server';
import { formatDateTime } from '~/utils/format';
import { fieldErrorsOf } from '~/utils/forms';
import { FEATURE_INFO } from '~/domain/features';
import { NOTE_MAX_LENGTH } from '~/domain/history';
import { roleAtLeast } from '~/domain/staff';
import type { action } from './actions.server';
import type { PageAnswer } from './page-action.server';

export const meta: MetaFunction<typeof loader> = ({ data: loaderData }) => [{ title: `${loaderData?.organization.name ?? 'Organization'} · Setup Desk` }];

export const handle = { access: { loader: 'viewer', action: 'support' } };

export async function loader({ request, params }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, 'viewer');
  const organization = await organizationFromParams(params);
  // ?history=<cursor>: an older page of the history (a malformed cursor is the first page).
  const historyBefore = decodeAuditCursor(new URL(request.url).searchParams.get('history'));
  // One "now" for every read: a link past its expiry reads as expired everywhere on the page.
  const now = new Date();
  const [owners, timeline, links, launchFailure, failedEmail, { linkLifetime }] = await Promise.all([
    listAssignableOwners(),
    listOrganizationTimeline(organization.id, { before: historyBefore }),
    getSetupLinkOverview(organization.id, { now }),
    latestLaunchFailure(organization.id),
    latestFailedEmail(organization.id, { now }),
    getSettings(),
  ]);
  const progress = await getOrganizationProgress(organization, links);
  return {
    organization,
    owners,
    timeline: { events: timeline.events, olderCursor: timeline.next ? encodeAuditCursor(timeline.next) : null, isFirstPage: !historyBefore },
    // Never the link's URL: it was shown once, when it was created.
    activeLink: links.active,
    sendingLink: links.sending,
    launchFailure,
    progress,
    linkLifetime,
    // The last email that could not be sent: the create form starts from it, so a retry is one click.
    failedEmail: links.active || links.sending ? null : failedEmail,
    now: now.toISOString(),
    canEdit: roleAtLeast(staff.role, 'support'),
    isAdmin: roleAtLeast(staff.role, 'admin'),
  };
}

// Loaders run again after every action here, refusals and failed sends included: a failed
// recreate has still revoked the old link, and the page must show it.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formMethod, defaultShouldRevalidate }) =>
  formMethod?.toUpperCase() === 'POST' ? true : defaultShouldRevalidate;

// The page's forms, what they say (app/forms/organization-page) and what each does live beside
// this file: actions.server.ts reads every form and hands it to the action of its group.
export { action } from './actions.server';

/** While a link is active, the page asks for fresh data every 5 s (when visible and idle): progress arrives by itself. */
const PROGRESS_REFRESH_MS = 5_000;
/**
 * …but only while someone is there: each refresh is a request that keeps the session alive, and a
 * tab left open must not defeat the idle sign-out. After this long without a key press or a click
 * the page stops refreshing until the next one.
 */
const PROGRESS_REFRESH_ATTENDED_MS = 15 * 60_000;

function useProgressRefresh(active: boolean) {
  const revalidator = useRevalidator();
  const navigation = useNavigation();
  const idle = navigation.state === 'idle' && revalidator.state === 'idle';
  const lastInteraction = useRef(Date.now());
  useEffect(() => {
    const touch = () => (lastInteraction.current = Date.now());
    window.addEventListener('pointerdown', touch);
    window.addEventListener('keydown', touch);
    return () => {
      window.removeEventListener('pointerdown', touch);
      window.removeEventListener('keydown', touch);
    };
  }, []);
  useEffect(() => {
    if (!active || !idle) return;
    const timer = window.setInterval(() => {
      const attended = Date.now() - lastInteraction.current < PROGRESS_REFRESH_ATTENDED_MS;
      if (attended && document.visibilityState === 'visible') revalidator.revalidate();
    }, PROGRESS_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [active, idle, revalidator]);
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

const DOMAIN_STATE_STYLES: Record<string, string> = {
  verified: 'bg-emerald-100 text-emerald-900',
  legacy_verified: 'bg-emerald-100 text-emerald-900',
  pending: 'bg-amber-100 text-amber-900',
  failed: 'bg-red-100 text-red-900',
  unverified: 'bg-slate-200 text-slate-700',
};

export default function OrganizationPage() {
  const { organization, owners, timeline, canEdit, isAdmin, activeLink, sendingLink, launchFailure, failedEmail, progress, linkLifetime, now } =
    useLoaderData<typeof loader>();
  const defaultDraft: SetupLinkDraft = { ...DEFAULT_DRAFT, lifetimeDays: String(linkLifetime.defaultDays) };
  useProgressRefresh(Boolean(activeLink || sendingLink));
  const actionData = useActionData<typeof action>() as PageAnswer | undefined;
  const shownOnce = useShownOnce(actionData?.issued, organization.id);
  const noteForm = useResetAfterSuccess('add_note', actionData?.intent === 'add_note');
  const currentLink = progress.link;
  const linkEnded = currentLink !== null && !['active', 'sending'].includes(currentLink.status);
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' && navigation.formMethod === 'POST';
  const pendingIntent = busy ? String(navigation.formData?.get('intent') ?? '') : null;
  const linkIntents = ['create_link', 'revoke_link', 'recreate_link', 'resend_link'];
  const draft: SetupLinkDraft =
    actionData?.values ??
    (failedEmail
      ? {
          ...defaultDraft,
          recipientEmail: failedEmail.recipientEmail,
          recipientName: failedEmail.recipientName ?? '',
          features: failedEmail.features,
          lifetimeDays: String(failedEmail.lifetimeDays),
        }
      : defaultDraft);
  const errorsFor = (intent: string) => fieldErrorsOf(actionData, intent);
  const editable = canEdit && organization.status === 'active';

  return (
    <div className="space-y-8">
      <div>
        <Link to="/organizations" className="text-sm text-indigo-700 hover:underline">
          ← Organizations
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <h1 className="text-2xl font-bold tracking-tight">{organization.name}</h1>
          <StatusBadge status={organization.status} />
        </div>
        <dl className="mt-4 grid max-w-2xl grid-cols-[10rem_1fr] gap-y-2 text-sm">
          <dt className="text-slate-600">WorkOS id</dt>
          <dd>{organization.workosId ? <code>{organization.workosId}</code> : 'Not yet created in WorkOS'}</dd>
          <dt className="text-slate-600">External id</dt>
          <dd>{organization.externalId ?? '—'}</dd>
          <dt className="text-slate-600">CS owner</dt>
          <dd>{organization.csOwner?.name ?? '—'}</dd>
          <dt className="text-slate-600">Created</dt>
          <dd>
            <time dateTime={organization.createdAt}>{formatDateTime(organization.createdAt)}</time>
          </dd>
        </dl>
      </div>

      {actionData?.formError ? <FormError message={actionData.formError} /> : null}

      {launchFailure ? (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          The IT admin could not open {launchFailure.feature.replace(/_/g, ' ')} setup on {formatDateTime(launchFailure.at)}: WorkOS answered “
          {launchFailure.kind.replace(/_/g, ' ')}”. They were told to try again; check WorkOS’s status and this organization in WorkOS.
        </p>
      ) : null}

      {actionData?.notice ? (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          {actionData.notice}
        </p>
      ) : null}

      {shownOnce.secret ? (
        <OneTimeSecret label={`Setup link for ${organization.name}`} value={shownOnce.secret.url} onDismiss={shownOnce.dismiss}>
          For {shownOnce.secret.features.map((feature) => FEATURE_INFO[feature].title).join(', ')}. Valid until{' '}
          <LocalDateTime iso={shownOnce.secret.expiresAt} />. Send it to the customer’s IT admin by a channel you trust.
        </OneTimeSecret>
      ) : null}

      {organization.status === 'active' && progress.features.length > 0 ? (
        <section aria-labelledby="progress-title" className="max-w-3xl rounded-lg border border-slate-200 bg-white p-6">
          <div className="flex flex-wrap items-baseline justify-between gap-3">
            <h2 id="progress-title" className="text-lg font-semibold">
              Setup progress
            </h2>
            <p className="text-sm text-slate-700" data-testid="progress-summary">
              {progress.link?.status === 'completed' && progress.link.completedAt ? (
                <>
                  <span className="font-semibold text-emerald-800">Completed</span> {formatDateTime(progress.link.completedAt)}
                </>
              ) : progress.total > 0 ? (
                `${progress.done} of ${progress.total} done`
              ) : (
                'Nothing WorkOS reports on'
              )}
            </p>
          </div>
          {progress.total > 0 ? (
            // A native progress bar: no inline style (the CSP forbids them), announced by screen readers.
            <progress
              value={progress.done}
              max={progress.total}
              aria-label={`${progress.done} of ${progress.total} done`}
              className="mt-2 h-2 w-full overflow-hidden rounded-full [&::-moz-progress-bar]:bg-emerald-500 [&::-webkit-progress-bar]:bg-slate-100 [&::-webkit-progress-value]:bg-emerald-500"
            />
          ) : null}
          {linkEnded && currentLink.status !== 'completed' ? <LinkStory link={currentLink} canEdit={canEdit} /> : null}
          <SetupProgressList features={progress.features} now={now} linkStatus={currentLink?.status ?? null} />
          {canEdit ? (
            <Form method="post" className="mt-3 flex flex-wrap items-center gap-3">
              <input type="hidden" name="intent" value="check_progress" />
              <button type="submit" className={buttonClass('secondary')} disabled={busy}>
                {pendingIntent === 'check_progress' ? 'Checking WorkOS…' : 'Check WorkOS now'}
              </button>
              <span className="text-xs text-slate-500">WorkOS’s webhooks update this on their own; this asks for its events now.</span>
            </Form>
          ) : null}
        </section>
      ) : null}

      {organization.status === 'active' ? (
        <section aria-labelledby="link-title" className="max-w-3xl rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="link-title" className="text-lg font-semibold">
            Setup link
          </h2>
          {sendingLink ? <LinkStory link={sendingLink} canEdit={canEdit} /> : null}
          {activeLink || sendingLink ? null : currentLink && currentLink.status !== 'failed' ? (
            <LinkStory link={currentLink} canEdit={canEdit} />
          ) : (
            <p className="mt-1 text-sm text-slate-600">No active link. {canEdit ? 'Create one for the IT admin:' : ''}</p>
          )}
          {failedEmail && !actionData?.formError ? (
            <p role="status" className="mt-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
              The last email, to {failedEmail.recipientEmail} on {formatDateTime(failedEmail.at)}, could not be sent: {failedEmail.reason} No link is active.
              {canEdit ? ' The form below starts from it: send again, or use Copy link.' : ''}
            </p>
          ) : null}
          {activeLink && !canEdit ? (
            <p className="mt-1 text-sm text-slate-700">
              Active: {activeLink.features.map((feature) => FEATURE_INFO[feature].title).join(', ')}; expires <LocalDateTime iso={activeLink.expiresAt} />.
            </p>
          ) : null}
          {canEdit && (activeLink || !sendingLink) ? (
            <FoldedWhenCompleted folded={!activeLink && currentLink?.status === 'completed' && actionData === undefined}>
              <SetupLinkCard
                // A new active link (or none) is a new form: its defaults must apply afresh.
                key={activeLink?.id ?? 'none'}
                active={activeLink}
                now={now}
                pendingIntent={pendingIntent !== null && linkIntents.includes(pendingIntent) ? pendingIntent : null}
                errors={actionData && linkIntents.includes(actionData.intent) ? actionData.fieldErrors : {}}
                errorIntent={actionData && linkIntents.includes(actionData.intent) ? actionData.intent : null}
                draft={draft}
                previewAction={`/organizations/${organization.id}/email-preview`}
                lifetimeMaxDays={linkLifetime.maxDays}
              />
            </FoldedWhenCompleted>
          ) : null}
        </section>
      ) : null}

      {organization.status === 'pending' ? (
        <section aria-labelledby="pending-title" className="rounded-lg border border-amber-300 bg-amber-50 p-4">
          <h2 id="pending-title" className="font-semibold text-amber-900">
            Not yet created in WorkOS
          </h2>
          <p className="mt-1 text-sm text-amber-900">{organization.lastError?.message ?? 'The WorkOS call has not finished. If this persists, retry.'}</p>
          {canEdit ? (
            <Form method="post" className="mt-3">
              <input type="hidden" name="intent" value="retry_create" />
              <button type="submit" className={buttonClass()} disabled={busy}>
                {busy ? 'Retrying…' : 'Retry in WorkOS'}
              </button>
            </Form>
          ) : null}
        </section>
      ) : null}

      <section aria-labelledby="domains-title">
        <h2 id="domains-title" className="text-lg font-semibold">
          Domains
        </h2>
        {organization.domains.length === 0 ? (
          <p className="mt-1 text-sm text-slate-600">No domains. The IT admin can add and verify them during setup.</p>
        ) : (
          <ul className="mt-2 flex flex-wrap gap-2">
            {organization.domains.map((domain) => (
              <li key={domain.domain} className="flex items-center gap-2 rounded-md border border-slate-200 bg-white px-3 py-1 text-sm">
                {domain.domain}{' '}
                <span className={`rounded-full px-2 py-0.5 text-xs font-semibold ${DOMAIN_STATE_STYLES[domain.state] ?? ''}`}>
                  {domain.state.replace('_', ' ')}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      {canEdit && organization.status !== 'archived' ? (
        <section aria-labelledby="owner-title" className="max-w-2xl rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="owner-title" className="text-lg font-semibold">
            CS owner
          </h2>
          <Form method="post" className="mt-3 flex flex-wrap items-end gap-3">
            <input type="hidden" name="intent" value="set_owner" />
            <div>
              <label htmlFor="csOwnerId" className="block text-sm font-medium">
                Owner
              </label>
              <OwnerSelect id="csOwnerId" owners={owners} defaultValue={String(organization.csOwner?.id ?? '')} />
            </div>
            <button type="submit" className={buttonClass('secondary')}>
              Change owner
            </button>
          </Form>
        </section>
      ) : null}

      {editable ? (
        <section aria-labelledby="edit-title" className="max-w-2xl rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="edit-title" className="text-lg font-semibold">
            Edit details
          </h2>
          <p className="mt-1 text-sm text-slate-600">Saved in WorkOS first, then here.</p>
          <Form method="post" className="mt-4 space-y-4" noValidate>
            <input type="hidden" name="intent" value="edit" />
            <Field label="Name" name="name" defaultValue={organization.name} required errors={errorsFor('edit').name} />
            {/* What this page shows now: the domains the rep removes are taken from these, not from a copy an event changed meanwhile. */}
            <input type="hidden" name="shownDomains" value={organization.domains.map((domain) => domain.domain).join('\n')} />
            <DomainsField
              label="Domains"
              defaultValue={organization.domains.map((domain) => domain.domain).join('\n')}
              errors={errorsFor('edit').domains}
              canVerify={isAdmin}
            />
            <Field label="External id" name="externalId" defaultValue={organization.externalId ?? ''} errors={errorsFor('edit').externalId} />
            <button type="submit" className={buttonClass()} disabled={busy}>
              Save in WorkOS
            </button>
          </Form>
        </section>
      ) : null}

      {editable ? (
        <section aria-labelledby="archive-title" className="max-w-2xl rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="archive-title" className="text-lg font-semibold">
            Archive
          </h2>
          <p className="mt-1 text-sm text-slate-600">Hides it from the default list here. WorkOS keeps the organization: Setup Desk never deletes there.</p>
          <Form method="post" className="mt-3 space-y-3">
            <input type="hidden" name="intent" value="archive" />
            <Field label="Reason" name="reason" required maxLength={NOTE_MAX_LENGTH} errors={errorsFor('archive').reason} />
            <ConfirmButton confirmLabel="Click again to archive">Archive organization</ConfirmButton>
          </Form>
        </section>
      ) : null}

      <section aria-labelledby="timeline-title">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="timeline-title" className="text-lg font-semibold">
            History
          </h2>
          <Link to={`/audit?organization=${organization.id}`} className="text-sm text-indigo-700 hover:underline">
            Open in the audit log
          </Link>
        </div>
        {canEdit ? (
          <Form ref={noteForm} method="post" className="mt-3 max-w-2xl space-y-2" aria-label="Add a note">
            <input type="hidden" name="intent" value="add_note" />
            <TextAreaField
              label="Add a note"
              name="note"
              required
              maxLength={NOTE_MAX_LENGTH}
              errors={errorsFor('add_note').note}
              hint="Kept in the history as written, and never edited: a correction is another note. Never paste a link or password."
            />
            <button type="submit" className={buttonClass('secondary')} disabled={busy}>
              {pendingIntent === 'add_note' ? 'Saving…' : 'Add note'}
            </button>
          </Form>
        ) : null}
        {timeline.events.length === 0 ? (
          <p className="mt-3 text-sm text-slate-600">Nothing yet.</p>
        ) : (
          <ol className="mt-3 space-y-3" aria-label="Events, newest first">
            {timeline.events.map((event) => (
              <AuditEventItem key={event.id} event={event} now={now} />
            ))}
          </ol>
        )}
        <nav aria-label="History pages" className="mt-3 flex gap-4 text-sm">
          {timeline.isFirstPage ? null : (
            <Link to={`/organizations/${organization.id}`} preventScrollReset className="text-indigo-700 hover:underline">
              ← Newest
            </Link>
          )}
          {timeline.olderCursor ? (
            <Link to={`?history=${timeline.olderCursor}`} preventScrollReset className="text-indigo-700 hover:underline">
              Older events →
            </Link>
          ) : null}
        </nav>
      </section>
    </div>
  );
}
