import type { SetupFeature } from './features';

/** Where WorkOS's word on a setup came from: a webhook, or the events poller. */
export type EventSource = 'webhook' | 'poller';

/** A reported feature's state: WorkOS says it is set up, or reported a problem, or nothing yet. */
export type FeatureState = 'done' | 'attention' | 'pending';

/**
 * One line of an organization's setup checklist: a feature WorkOS reports on, with its state; or
 * one it does not (Audit Logs, Log Streams), with the link's launches of it.
 */
export type FeatureProgress =
  | {
      feature: SetupFeature;
      title: string;
      signal: true;
      state: FeatureState;
      detail: string;
      changedAt: string | null;
      source: EventSource | null;
      inLink: boolean;
    }
  | { feature: SetupFeature; title: string; signal: false; launches: number; lastLaunchedAt: string | null; inLink: boolean };
