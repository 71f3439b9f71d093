import { Form } from '@remix-run/react';
import { buttonClass } from '~/components/field';
import { LinkStory } from '~/components/link-story';
import { SetupProgressList } from '~/components/setup-progress';
import type { OrganizationPageData } from './route';
import { DateTime } from '~/components/local-time';

/** How far the IT admin got with each feature of the current link, and the button that asks WorkOS now. */
export function ProgressSection({
  progress,
  now,
  canEdit,
  busy,
  pendingIntent,
}: {
  progress: OrganizationPageData['progress'];
  now: string;
  canEdit: boolean;
  busy: boolean;
  pendingIntent: string | null;
}) {
  const currentLink = progress.link;
  const linkEnded = currentLink !== null && !['active', 'sending'].includes(currentLink.status);
  return (
    <section aria-labelledby="progress-title" className="min-w-0 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">
      <div className="flex flex-wrap items-baseline justify-between gap-3">
        <h2 id="progress-title" className="text-lg font-semibold">
          Setup progress
        </h2>
        <p className="text-sm text-slate-700" data-testid="progress-summary">
          {currentLink?.status === 'completed' && currentLink.completedAt ? (
            <>
              <span className="font-semibold text-emerald-800">Completed</span> <DateTime iso={currentLink.completedAt} />
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
      <SetupProgressList features={progress.features} now={now} linkStatus={currentLink?.status ?? null} sentByWorkOS={currentLink?.delivery === 'workos'} />
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
  );
}
