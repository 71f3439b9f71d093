import { linkStory } from '~/components/link-story';
import type { OrganizationPageData } from './route';

type Page = Pick<OrganizationPageData, 'organization' | 'activeLink' | 'sendingLink' | 'progress' | 'canEdit'>;

/** What the person on this page does next, in one sentence: the first thing read after the name. */
export function nextAction({ organization, activeLink, sendingLink, progress, canEdit }: Page): string {
  if (organization.status === 'archived') return 'Archived: nothing to do. It is hidden from the default list; WorkOS keeps it.';
  if (organization.status === 'pending') return canEdit ? 'Retry the creation in WorkOS (below).' : 'Waiting for the creation in WorkOS to be retried.';
  if (sendingLink) {
    return sendingLink.delivery === 'workos'
      ? 'Wait: WorkOS is being asked to send its invitation. This page updates when WorkOS answers.'
      : 'Wait: the setup link is being emailed. This page updates when the mail server answers.';
  }
  if (activeLink) {
    const done = progress.total > 0 ? ` ${progress.done} of ${progress.total} done.` : '';
    // WorkOS does not say when its invitation is opened: no word about it rather than a wrong one.
    const opened = activeLink.delivery !== 'workos' && activeLink.viewCount === 0 ? ' They have not opened the link yet.' : '';
    const help = !canEdit
      ? ''
      : activeLink.delivery === 'email'
        ? ' If they cannot find the email, resend it below.'
        : activeLink.delivery === 'workos'
          ? ' If they cannot find WorkOS’s email, have WorkOS send it again below.'
          : ' If they lost the link, recreate it below.';
    return `Waiting for the IT admin.${done}${opened}${help}`;
  }
  const story = linkStory(progress.link, { canEdit });
  if (story?.next) return story.next;
  if (progress.link?.status === 'completed') return 'Setup completed: nothing more to do.';
  return canEdit ? 'Create a setup link for the customer’s IT admin (below).' : 'No setup link yet: a support rep creates one.';
}

export function NextAction({ page }: { page: Page }) {
  return (
    <p className="rounded-md border border-indigo-200 bg-indigo-50 px-4 py-2 text-sm text-indigo-950" data-testid="next-action">
      <span className="font-semibold">Next: </span>
      {nextAction(page)}
    </p>
  );
}
