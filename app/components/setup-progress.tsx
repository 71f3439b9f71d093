import { DateTime, relativeTime } from './local-time';
import { type SetupLinkStatus } from '~/domain/setup-links';
import type { FeatureProgress, FeatureState } from '~/domain/progress';

const STATE_BADGES: Record<FeatureState | 'launched' | 'not_opened', { label: string; className: string }> = {
  done: { label: 'Done', className: 'bg-emerald-100 text-emerald-900' },
  attention: { label: 'Needs attention', className: 'bg-red-100 text-red-900' },
  pending: { label: 'Waiting', className: 'bg-amber-100 text-amber-900' },
  launched: { label: 'Launched', className: 'bg-sky-100 text-sky-900' },
  not_opened: { label: 'Not opened', className: 'bg-slate-200 text-slate-800' },
};

const SOURCE_WORDS = { webhook: 'by webhook', poller: 'by events poll' } as const;

/**
 * The organization's setup checklist: what WorkOS reported for each feature (state, detail, when
 * and how it arrived) and, for features WorkOS reports nothing about, the IT admin's launches —
 * "launched", never "done", since nobody knows more.
 */
export function SetupProgressList({
  features,
  now,
  linkStatus,
  sentByWorkOS = false,
}: {
  features: FeatureProgress[];
  now: string;
  linkStatus: SetupLinkStatus | null;
  /** WorkOS's own invitation: its launches are WorkOS's portal's, unknown here. */
  sentByWorkOS?: boolean;
}) {
  const nowMs = new Date(now).getTime();
  // Once the link no longer opens, "not opened yet" would promise a visit that cannot come.
  const ended = linkStatus === 'revoked' || linkStatus === 'expired' || linkStatus === 'failed';
  return (
    <ul className="mt-3 divide-y divide-slate-100 rounded-md border border-slate-200" aria-label="Setup checklist">
      {features.map((item) => {
        const badge = item.signal ? STATE_BADGES[item.state] : STATE_BADGES[item.launches > 0 ? 'launched' : 'not_opened'];
        return (
          <li key={item.feature} className="flex flex-wrap items-start justify-between gap-3 px-4 py-3 text-sm" data-feature={item.feature}>
            <div>
              <p className="font-medium">
                {item.title}
                {item.inLink ? null : <span className="ml-2 text-xs font-normal text-slate-500">(not in the current link)</span>}
              </p>
              {item.signal ? (
                <p className="text-slate-700">
                  {item.detail}
                  {item.changedAt && item.source ? (
                    <span className="text-slate-500">
                      {' '}
                      · {relativeTime(item.changedAt, nowMs)} (<DateTime iso={item.changedAt} />
                      ), {SOURCE_WORDS[item.source]}
                    </span>
                  ) : null}
                </p>
              ) : (
                <p className="text-slate-700">
                  {item.launches > 0
                    ? `Launched ${item.launches === 1 ? 'once' : `${item.launches} times`}${item.lastLaunchedAt ? `, last ${relativeTime(item.lastLaunchedAt, nowMs)}` : ''}.`
                    : ended
                      ? `Not opened before the link ${linkStatus === 'failed' ? 'failed to send' : `was ${linkStatus}`}.`
                      : sentByWorkOS
                        ? 'Set up through WorkOS’s invitation: WorkOS does not say when it is opened.'
                        : 'The IT admin has not opened it yet.'}{' '}
                  <span className="text-slate-500">WorkOS reports no completion for it.</span>
                </p>
              )}
            </div>
            <span className={`shrink-0 rounded-full px-2 py-0.5 text-xs font-semibold ${badge.className}`}>{badge.label}</span>
          </li>
        );
      })}
    </ul>
  );
}
