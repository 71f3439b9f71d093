import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData, useNavigation, type ShouldRevalidateFunction } from '@remix-run/react';
import { FormError } from '~/components/field';
import { useProgressRefresh } from '~/hooks/use-progress-refresh';
import { decodeAuditCursor, encodeAuditCursor, listOrganizationTimeline } from '~/models/audit.server';
import { listAssignableOwners } from '~/models/organization.server';
import { getSettings } from '~/models/settings.server';
import { getSetupLinkOverview, invitationMayStillOpen, latestFailedEmail, latestLaunchFailure } from '~/models/setup-link.server';
import { getOrganizationProgress } from '~/models/setup-progress.server';
import { requireStaff } from '~/services/auth.server';
import { organizationFromParams } from '~/services/route-params.server';
import { fieldErrorsOf } from '~/utils/forms';
import { roleAtLeast } from '~/domain/staff';
import type { action } from './actions.server';
import { ArchiveSection } from './archive';
import { DomainsSection, EditDetailsSection, OrganizationHeader, PendingCreationSection } from './details';
import { HistorySection } from './history';
import { OwnerSection } from './owner';
import type { PageAnswer } from './page-action.server';
import { ProgressSection } from './progress';
import { NextAction } from './next-action';
import { IssuedLinkSecret, SetupLinkSection } from './setup-link';
import { DateTime } from '~/components/local-time';

// The page's forms, what they say (app/forms/organization-page) and what each does live beside
// this file: actions.server.ts reads every form and hands it to the action of its group.
export { action } from './actions.server';

export const meta: MetaFunction<typeof loader> = ({ data: loaderData }) => [{ title: `${loaderData?.organization.name ?? 'Organization'} · Setup Desk` }];

export const handle = { access: { loader: 'viewer', action: 'support' } };

export async function loader({ request, params }: LoaderFunctionArgs) {
  const staff = await requireStaff(request, 'viewer');
  const organization = await organizationFromParams(params);
  // ?history=<cursor>: an older page of the history (a malformed cursor is the first page).
  const historyBefore = decodeAuditCursor(new URL(request.url).searchParams.get('history'));
  // One "now" for every read: a link past its expiry reads as expired everywhere on the page.
  const now = new Date();
  const [owners, timeline, links, launchFailure, failedEmail, endingAtWorkOS, { linkLifetime, reminders }] = await Promise.all([
    listAssignableOwners(),
    listOrganizationTimeline(organization.id, { before: historyBefore }),
    getSetupLinkOverview(organization.id, { now }),
    latestLaunchFailure(organization.id),
    latestFailedEmail(organization.id, { now }),
    invitationMayStillOpen(organization.id, { now }),
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
    endingAtWorkOS,
    launchFailure,
    progress,
    linkLifetime,
    reminderLimit: reminders.limit,
    // The last email that could not be sent: the create form starts from it, so a retry is one click.
    failedEmail: links.active || links.sending ? null : failedEmail,
    now: now.toISOString(),
    canEdit: roleAtLeast(staff.role, 'support'),
    isAdmin: roleAtLeast(staff.role, 'admin'),
  };
}

export type OrganizationPageData = ReturnType<typeof useLoaderData<typeof loader>>;

// Loaders run again after every action here, refusals and failed sends included: a failed
// recreate has still revoked the old link, and the page must show it.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formMethod, defaultShouldRevalidate }) =>
  formMethod?.toUpperCase() === 'POST' ? true : defaultShouldRevalidate;

export default function OrganizationPage() {
  const page = useLoaderData<typeof loader>();
  const { organization, owners, timeline, canEdit, isAdmin, activeLink, sendingLink, launchFailure, progress, now } = page;
  useProgressRefresh(Boolean(activeLink || sendingLink));
  const answer = useActionData<typeof action>() as PageAnswer | undefined;
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' && navigation.formMethod === 'POST';
  const pendingIntent = busy ? String(navigation.formData?.get('intent') ?? '') : null;
  const editable = canEdit && organization.status === 'active';
  const showProgress = organization.status === 'active' && progress.features.length > 0;

  return (
    <div className="space-y-6">
      <OrganizationHeader organization={organization} />

      <NextAction page={page} />

      <FormError message={answer?.formError} />

      {launchFailure ? (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          The IT admin could not open {launchFailure.feature.replace(/_/g, ' ')} setup on <DateTime iso={launchFailure.at} />: WorkOS answered “
          {launchFailure.kind.replace(/_/g, ' ')}”. They were told to try again; check WorkOS’s status and this organization in WorkOS.
        </p>
      ) : null}

      {answer?.notice ? (
        <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          {answer.notice}
        </p>
      ) : null}

      <IssuedLinkSecret issued={answer?.issued} organization={organization} />

      {organization.status === 'pending' ? <PendingCreationSection organization={organization} canEdit={canEdit} busy={busy} /> : null}

      {/*
        Above the fold: how far the setup got, beside the link that carries it. On a wide screen
        the history fills the column under the progress; on a phone it is one column in reading
        order: progress, link (with the secondary sections under it), domains, history.
      */}
      <div className="grid items-start gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
        {showProgress ? (
          <div className="min-w-0 lg:col-start-1 lg:row-start-1">
            <ProgressSection progress={progress} now={now} canEdit={canEdit} busy={busy} pendingIntent={pendingIntent} />
          </div>
        ) : null}
        <div className={`min-w-0 space-y-6 ${organization.status === 'active' ? 'lg:col-start-2 lg:row-span-2 lg:row-start-1' : 'lg:col-span-2'}`}>
          {organization.status === 'active' ? <SetupLinkSection page={page} answer={answer} pendingIntent={pendingIntent} /> : null}
          {/* Secondary: each opens on demand, and by itself when its form was refused. */}
          {canEdit && organization.status !== 'archived' ? (
            <div className="space-y-3">
              {editable ? (
                <EditDetailsSection
                  organization={organization}
                  errors={fieldErrorsOf(answer, 'edit')}
                  open={answer?.intent === 'edit'}
                  canVerify={isAdmin}
                  busy={busy}
                />
              ) : null}
              <OwnerSection
                owners={owners}
                csOwnerId={organization.csOwner?.id ?? null}
                csOwnerName={organization.csOwner?.name ?? null}
                errors={fieldErrorsOf(answer, 'set_owner')}
                open={answer?.intent === 'set_owner'}
              />
              {editable ? <ArchiveSection errors={fieldErrorsOf(answer, 'archive')} open={answer?.intent === 'archive'} /> : null}
            </div>
          ) : null}
        </div>
        <div className={`min-w-0 space-y-6 ${organization.status === 'active' ? 'lg:col-start-1' : 'lg:col-span-2'}`}>
          <DomainsSection domains={organization.domains} />
          <HistorySection
            organizationId={organization.id}
            timeline={timeline}
            now={now}
            canEdit={canEdit}
            refused={answer?.intent === 'add_note'}
            errors={fieldErrorsOf(answer, 'add_note')}
            busy={busy}
            pendingIntent={pendingIntent}
          />
        </div>
      </div>
    </div>
  );
}
