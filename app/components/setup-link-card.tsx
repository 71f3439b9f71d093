import { Form } from '@remix-run/react';
import { FEATURE_INFO, LINK_LIFETIME_DAYS, SETUP_FEATURES, type SetupFeature } from '~/forms/setup-link';
import type { FieldErrors } from '~/utils/forms';
import { formatDateTime } from '~/utils/format';
import { ConfirmButton } from './confirm-button';
import { buttonClass, Field } from './field';
import { LocalDateTime, relativeTime } from './local-time';

export interface SetupLinkSummary {
  id: number;
  features: SetupFeature[];
  delivery: 'email' | 'copy';
  createdBy: string | null;
  createdAt: string;
  expiresAt: string;
  status: string;
  firstViewedAt: string | null;
  lastViewedAt: string | null;
  viewCount: number;
  launchCount: number;
  launchesByFeature: Partial<Record<SetupFeature, number>>;
  fingerprint: string;
}

/** Feature checkboxes with what each lets the IT admin do. */
export function FeaturePicker({ selected, errors }: { selected: SetupFeature[]; errors?: string[] }) {
  return (
    <fieldset aria-describedby={errors ? 'features-error' : undefined}>
      <legend className="text-sm font-medium text-slate-800">What may the IT admin set up?</legend>
      <div className="mt-2 grid gap-2 sm:grid-cols-2">
        {SETUP_FEATURES.map((feature) => (
          <label key={feature} className="flex items-start gap-2 rounded-md border border-slate-200 p-2 text-sm">
            <input type="checkbox" name="features" value={feature} defaultChecked={selected.includes(feature)} className="mt-1" />
            <span>
              <span className="font-medium">{FEATURE_INFO[feature].title}</span>
              <span className="block text-xs text-slate-600">{FEATURE_INFO[feature].description}</span>
            </span>
          </label>
        ))}
      </div>
      {errors ? (
        <p id="features-error" className="mt-1 text-sm text-red-700">
          {errors[0]}
        </p>
      ) : null}
    </fieldset>
  );
}

function LifetimeField({ errors }: { errors?: string[] }) {
  return (
    <Field
      label="Valid for (days)"
      name="lifetimeDays"
      type="number"
      inputMode="numeric"
      min={LINK_LIFETIME_DAYS.min}
      max={LINK_LIFETIME_DAYS.max}
      defaultValue={LINK_LIFETIME_DAYS.default}
      hint={`${LINK_LIFETIME_DAYS.min} to ${LINK_LIFETIME_DAYS.max} days.`}
      errors={errors}
      className="max-w-xs"
    />
  );
}

/** The active link (never its URL), with revoke and recreate; or the form to create one. */
export function SetupLinkCard({
  active,
  errors,
  busy,
  now,
}: {
  active: SetupLinkSummary | null;
  errors: FieldErrors;
  busy: boolean;
  /** The server's "now", so that relative times render the same on server and browser. */
  now: string;
}) {
  if (!active) {
    return (
      <Form method="post" className="mt-4 space-y-4" noValidate>
        <input type="hidden" name="intent" value="create_link" />
        <FeaturePicker selected={['sso']} errors={errors.features} />
        <LifetimeField errors={errors.lifetimeDays} />
        <Field label="Note (optional)" name="note" maxLength={2000} errors={errors.note} />
        <button type="submit" className={buttonClass()} disabled={busy}>
          {busy ? 'Creating…' : 'Create link to copy'}
        </button>
      </Form>
    );
  }
  const expiresSoon = new Date(active.expiresAt).getTime() - new Date(now).getTime() < 48 * 3_600_000;
  return (
    <div className="mt-4 space-y-4">
      <dl className="grid grid-cols-[10rem_1fr] gap-y-1 text-sm" data-testid="active-link">
        <dt className="text-slate-600">Status</dt>
        <dd>Active</dd>
        <dt className="text-slate-600">Features</dt>
        <dd>{active.features.map((feature) => FEATURE_INFO[feature].title).join(', ')}</dd>
        <dt className="text-slate-600">Delivery</dt>
        <dd>{active.delivery === 'copy' ? 'Copied and shared by hand' : 'Email'}</dd>
        <dt className="text-slate-600">Created</dt>
        <dd>
          {formatDateTime(active.createdAt)} by {active.createdBy ?? '—'}
        </dd>
        <dt className="text-slate-600">Expires</dt>
        <dd className={expiresSoon ? 'font-semibold text-amber-800' : undefined}>
          <LocalDateTime iso={active.expiresAt} /> ({relativeTime(active.expiresAt, new Date(now).getTime())})
        </dd>
        <dt className="text-slate-600">Opened</dt>
        <dd>
          {active.viewCount === 0
            ? 'Not yet'
            : `${active.viewCount} time${active.viewCount === 1 ? '' : 's'}, first ${formatDateTime(active.firstViewedAt!)}, last ${formatDateTime(active.lastViewedAt!)}`}
        </dd>
        <dt className="text-slate-600">Launches</dt>
        <dd>
          {active.launchCount === 0
            ? 'None yet'
            : active.features
                .filter((feature) => active.launchesByFeature[feature])
                .map((feature) => `${FEATURE_INFO[feature].title} ×${active.launchesByFeature[feature]}`)
                .join(', ')}
        </dd>
        <dt className="text-slate-600">Fingerprint</dt>
        <dd>
          <code>{active.fingerprint}</code>
        </dd>
      </dl>
      <div className="grid gap-4 md:grid-cols-2">
        <Form method="post" className="space-y-3 rounded-md border border-slate-200 p-4" aria-labelledby="revoke-link-title">
          <input type="hidden" name="intent" value="revoke_link" />
          <input type="hidden" name="linkId" value={active.id} />
          <h3 id="revoke-link-title" className="font-semibold">
            Revoke the link
          </h3>
          <Field label="Reason" name="reason" required maxLength={2000} errors={errors.reason} />
          <ConfirmButton confirmLabel="Click again to revoke">Revoke link</ConfirmButton>
        </Form>
        <Form method="post" className="space-y-3 rounded-md border border-slate-200 p-4" noValidate aria-labelledby="recreate-link-title">
          <input type="hidden" name="intent" value="recreate_link" />
          <h3 id="recreate-link-title" className="font-semibold">
            Recreate the link
          </h3>
          <p className="text-xs text-slate-600">Revokes this link and creates a new one to copy.</p>
          <FeaturePicker selected={active.features} errors={errors.features} />
          <LifetimeField errors={errors.lifetimeDays} />
          <Field label="Reason" name="recreateReason" required maxLength={2000} errors={errors.recreateReason} />
          <ConfirmButton confirmLabel="Click again to recreate">Recreate link</ConfirmButton>
        </Form>
      </div>
    </div>
  );
}
