import { Form } from '@remix-run/react';
import { useState, type FormEvent } from 'react';
import { DEFAULT_DRAFT, type SetupLinkDraft } from '~/forms/setup-link-draft';
import type { FieldErrors } from '~/utils/forms';
import { formatDateTime } from '~/utils/format';
import { ConfirmButton } from './confirm-button';
import { buttonClass, Field, FieldError, TextAreaField } from './field';
import { DateTime, relativeTime, useTimeZone } from './local-time';
import { FEATURE_INFO, INVITATION_FEATURES, SETUP_FEATURES, type SetupFeature } from '~/domain/features';
import { NOTE_MAX_LENGTH } from '~/domain/history';
import { isExpiringSoon, lifetimeDaysOf, LINK_LIFETIME_DAYS, WORKOS_INVITATION_DAYS, type DeliveryMethod, type SetupLinkStatus } from '~/domain/setup-links';

export interface SetupLinkSummary {
  id: number;
  features: SetupFeature[];
  delivery: DeliveryMethod;
  recipientEmail: string | null;
  recipientName: string | null;
  emailSentAt: string | null;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string;
  status: SetupLinkStatus;
  firstViewedAt: string | null;
  lastViewedAt: string | null;
  viewCount: number;
  launchCount: number;
  launches: Partial<Record<SetupFeature, { count: number }>>;
  fingerprint: string;
  remindersSent: number;
  lastRemindedAt: string | null;
  extendedAt: string | null;
}

/**
 * Remix's Form sends every submission with fetch; a button aimed at a new tab (the email preview)
 * is handed back to the browser, which posts the same fields there natively.
 */
function submitToNewTab(event: FormEvent<HTMLFormElement>) {
  const submitter = (event.nativeEvent as SubmitEvent).submitter;
  if (!(submitter instanceof HTMLButtonElement) || submitter.getAttribute('formtarget') !== '_blank') return;
  event.preventDefault();
  const form = event.currentTarget;
  const previous = { action: form.getAttribute('action'), target: form.getAttribute('target') };
  form.setAttribute('action', submitter.formAction);
  form.setAttribute('target', '_blank');
  HTMLFormElement.prototype.submit.call(form);
  for (const [name, value] of Object.entries(previous)) {
    if (value === null) form.removeAttribute(name);
    else form.setAttribute(name, value);
  }
}

function PreviewEmailButton({ previewAction }: { previewAction: string }) {
  return (
    <button type="submit" formAction={previewAction} formMethod="post" formTarget="_blank" formNoValidate className={buttonClass('secondary')}>
      Preview email <span className="sr-only">(opens in a new tab)</span>
    </button>
  );
}

/** A fieldset of checkboxes or radios laid out as cards, each with a title and what it means. */
function ChoiceGrid<Value extends string>({
  type,
  name,
  legend,
  choices,
  isChecked,
  onChange,
  errors,
}: {
  type: 'checkbox' | 'radio';
  name: string;
  legend: string;
  choices: { value: Value; title: string; description: string }[];
  isChecked: (value: Value) => boolean;
  onChange?: (value: Value) => void;
  errors?: string[];
}) {
  const errorId = `${name}-error`;
  return (
    <fieldset aria-describedby={errors ? errorId : undefined}>
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      <div className="mt-2 grid gap-2 sm:grid-cols-2">
        {choices.map((choice) => (
          <label key={choice.value} className="flex items-start gap-2 rounded-md border border-slate-200 p-2 text-sm">
            <input
              type={type}
              name={name}
              value={choice.value}
              defaultChecked={isChecked(choice.value)}
              className="mt-1"
              onChange={onChange ? () => onChange(choice.value) : undefined}
            />
            <span>
              <span className="font-medium">{choice.title}</span>
              <span className="block text-xs text-slate-600">{choice.description}</span>
            </span>
          </label>
        ))}
      </div>
      <FieldError id={errorId} errors={errors} />
    </fieldset>
  );
}

/** Feature checkboxes with what each lets the IT admin do. */
export function FeaturePicker({ selected, errors }: { selected: SetupFeature[]; errors?: string[] }) {
  return (
    <ChoiceGrid
      type="checkbox"
      name="features"
      legend="What may the IT admin set up?"
      choices={SETUP_FEATURES.map((feature) => ({ value: feature, ...FEATURE_INFO[feature] }))}
      isChecked={(feature) => selected.includes(feature)}
      errors={errors}
    />
  );
}

/**
 * Who a sent link goes to, and — for the app's own email — the rep's words for them. Kept in the
 * page when hidden (copy chosen, or WorkOS sending: no message), so a switch back loses nothing typed.
 */
export function RecipientFields({
  draft,
  errors,
  delivery,
  emailHint = 'The person at the customer who configures their identity provider.',
}: {
  draft: Pick<SetupLinkDraft, 'recipientEmail' | 'recipientName' | 'message'>;
  errors: FieldErrors;
  delivery: DeliveryMethod;
  emailHint?: string;
}) {
  return (
    <div className="space-y-4 rounded-md bg-slate-50 p-4" hidden={delivery === 'copy'}>
      {delivery === 'workos' ? (
        <p className="text-sm text-slate-700" role="note">
          WorkOS emails its own invitation from workos.com and registers this person as the organization’s IT contact. An invitation can carry{' '}
          {INVITATION_FEATURES.map((feature) => FEATURE_INFO[feature].title).join(', ')} — not Audit Logs or certificate renewal — and no personal message.
          Setup Desk never sees the link.
        </p>
      ) : null}
      <Field
        label="IT admin’s email"
        name="recipientEmail"
        type="email"
        autoComplete="off"
        defaultValue={draft.recipientEmail}
        errors={errors.recipientEmail}
        hint={emailHint}
      />
      <Field
        label="IT admin’s name (optional)"
        name="recipientName"
        autoComplete="off"
        maxLength={100}
        defaultValue={draft.recipientName}
        errors={errors.recipientName}
      />
      <div hidden={delivery !== 'email'}>
        <TextAreaField
          label="Personal message (optional)"
          name="message"
          maxLength={NOTE_MAX_LENGTH}
          defaultValue={draft.message}
          errors={errors.message}
          hint="Quoted in the email under your name. Never paste a link or password here."
        />
      </div>
    </div>
  );
}

/** How many days the link opens (the link card's forms and the New customer screen). */
export function LifetimeField({ errors, defaultValue, maxDays }: { errors?: string[]; defaultValue: string; maxDays: number }) {
  return (
    <Field
      label="Valid for (days)"
      name="lifetimeDays"
      type="number"
      inputMode="numeric"
      min={LINK_LIFETIME_DAYS.min}
      max={maxDays}
      defaultValue={defaultValue}
      hint={`${LINK_LIFETIME_DAYS.min} to ${maxDays} days.`}
      errors={errors}
      className="max-w-xs"
    />
  );
}

const DELIVERY_CHOICES: { value: DeliveryMethod; title: string; description: string }[] = [
  {
    value: 'email',
    title: 'Send by email',
    description: 'Setup Desk emails the link to the IT admin now. Nobody else ever sees it, you included.',
  },
  {
    value: 'copy',
    title: 'Copy link',
    description: 'You see the link once, to pass on by a channel you trust (a shared ticket, a chat). It is never shown again.',
  },
  {
    value: 'workos',
    title: 'WorkOS sends it',
    description: 'WorkOS emails its own invitation, for mail filters that distrust unknown senders. SSO, Directory Sync, Log Streams, Domains and BYOK only.',
  },
];

/** The create button's words for each delivery: at rest, and while it works. */
const SUBMIT_LABELS: Record<DeliveryMethod, [string, string]> = {
  email: ['Send link by email', 'Sending…'],
  copy: ['Create link to copy', 'Creating…'],
  workos: ['Have WorkOS send it', 'Asking WorkOS…'],
};

/** How the link reaches the IT admin, and — for email — to whom and with what message. */
function DeliveryFields({
  draft,
  errors,
  delivery,
  onChange,
}: {
  draft: SetupLinkDraft;
  errors: FieldErrors;
  delivery: DeliveryMethod;
  onChange: (delivery: DeliveryMethod) => void;
}) {
  return (
    <>
      <ChoiceGrid
        type="radio"
        name="delivery"
        legend="How does the link reach the IT admin?"
        choices={DELIVERY_CHOICES}
        isChecked={(value) => value === draft.delivery}
        onChange={onChange}
        errors={errors.delivery}
      />
      <RecipientFields draft={draft} errors={errors} delivery={delivery} />
    </>
  );
}

/** The create and recreate forms: delivery, features, lifetime, and the button that sends. */
function IssueFields({
  draft,
  errors,
  pending,
  previewAction,
  submit,
  lifetimeMaxDays,
}: {
  draft: SetupLinkDraft;
  errors: FieldErrors;
  pending: boolean;
  previewAction: string;
  submit: (delivery: DeliveryMethod, pending: boolean) => React.ReactNode;
  lifetimeMaxDays: number;
}) {
  const [delivery, setDelivery] = useState(draft.delivery);
  return (
    <>
      <DeliveryFields draft={draft} errors={errors} delivery={delivery} onChange={setDelivery} />
      <FeaturePicker selected={draft.features} errors={errors.features} />
      <LifetimeField errors={errors.lifetimeDays} defaultValue={draft.lifetimeDays} maxDays={lifetimeMaxDays} />
      <Field
        label="Internal note (optional)"
        name="note"
        maxLength={NOTE_MAX_LENGTH}
        defaultValue={draft.note}
        errors={errors.note}
        hint="For the history here; not in the email."
      />
      <div className="flex flex-wrap gap-3">
        {submit(delivery, pending)}
        {delivery === 'email' ? <PreviewEmailButton previewAction={previewAction} /> : null}
      </div>
    </>
  );
}

function recipientLabel(link: Pick<SetupLinkSummary, 'recipientEmail' | 'recipientName'>): string {
  return link.recipientName ? `${link.recipientName} <${link.recipientEmail}>` : (link.recipientEmail ?? '');
}

/** The active link (never its URL), with revoke, resend and recreate; or the form to create one. */
export function SetupLinkCard({
  active,
  errors,
  errorIntent,
  pendingIntent,
  now,
  draft,
  previewAction,
  lifetimeMaxDays = LINK_LIFETIME_DAYS.max,
  remindItAdmin = true,
}: {
  active: SetupLinkSummary | null;
  errors: FieldErrors;
  /** The form whose submission produced `errors`. */
  errorIntent: string | null;
  /** The form being submitted right now, if any. */
  pendingIntent: string | null;
  /** The server's "now", so that relative times render the same on server and browser. */
  now: string;
  draft: SetupLinkDraft;
  previewAction: string;
  /** The longest lifetime the Configuration page allows. */
  lifetimeMaxDays?: number;
  /** Whether this organization's emailed links get reminders (on for it, and on the Configuration page). */
  remindItAdmin?: boolean;
}) {
  const errorsOf = (intent: string): FieldErrors => (errorIntent === intent ? errors : {});
  const busy = pendingIntent !== null;
  const timeZone = useTimeZone();
  if (!active) {
    return (
      <Form method="post" className="mt-4 space-y-4" noValidate onSubmit={submitToNewTab} aria-label="Create a setup link">
        <input type="hidden" name="intent" value="create_link" />
        <IssueFields
          draft={draft}
          errors={errorsOf('create_link')}
          pending={pendingIntent === 'create_link'}
          previewAction={previewAction}
          lifetimeMaxDays={lifetimeMaxDays}
          submit={(delivery, pending) => (
            <button type="submit" className={buttonClass()} disabled={busy}>
              {SUBMIT_LABELS[delivery][pending ? 1 : 0]}
            </button>
          )}
        />
      </Form>
    );
  }
  const expiresSoon = isExpiringSoon(active.expiresAt, now);
  // WorkOS's own invitation lasts no longer than WorkOS lets it, whatever the Configuration page allows.
  const extendLimitDays = active.delivery === 'workos' ? Math.min(lifetimeMaxDays, WORKOS_INVITATION_DAYS) : lifetimeMaxDays;
  const lifetimeDays = String(lifetimeDaysOf(active));
  const activeDraft: SetupLinkDraft = {
    ...DEFAULT_DRAFT,
    delivery: active.delivery,
    recipientEmail: active.recipientEmail ?? '',
    recipientName: active.recipientName ?? '',
    features: active.features,
    lifetimeDays,
  };
  return (
    <div className="mt-4 space-y-4">
      <dl className="grid grid-cols-[minmax(0,7rem)_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm [overflow-wrap:anywhere]" data-testid="active-link">
        <dt className="text-slate-600">Status</dt>
        <dd>Active</dd>
        <dt className="text-slate-600">Features</dt>
        <dd>{active.features.map((feature) => FEATURE_INFO[feature].title).join(', ')}</dd>
        <dt className="text-slate-600">Delivery</dt>
        <dd>
          {active.delivery === 'copy' ? (
            'Copied and shared by hand'
          ) : active.delivery === 'workos' ? (
            <>
              Sent by WorkOS to {recipientLabel(active)}, in WorkOS’s own invitation email
              {active.emailSentAt ? (
                <>
                  {' '}
                  (<DateTime iso={active.emailSentAt} />)
                </>
              ) : null}
              . Setup Desk never sees that link. WorkOS may end its invitation sooner than the expiry here: it does not report its own.
            </>
          ) : (
            <>
              Emailed to {recipientLabel(active)}
              {active.emailSentAt ? (
                <>
                  , accepted by the mail server <DateTime iso={active.emailSentAt} />
                </>
              ) : (
                ' — sending, not yet confirmed'
              )}
            </>
          )}
        </dd>
        <dt className="text-slate-600">Created</dt>
        <dd>
          <DateTime iso={active.createdAt} /> by {active.createdBy ?? '—'}
        </dd>
        <dt className="text-slate-600">Expires</dt>
        <dd className={expiresSoon ? 'font-semibold text-amber-800' : undefined}>
          <DateTime iso={active.expiresAt} /> ({relativeTime(active.expiresAt, new Date(now).getTime())})
          {active.extendedAt ? (
            <span className="font-normal text-slate-600">
              {' '}
              — extended <DateTime iso={active.extendedAt} />
            </span>
          ) : null}
        </dd>
        {active.delivery === 'workos' ? (
          <>
            <dt className="text-slate-600">Opened</dt>
            <dd>WorkOS does not say when its invitation is opened: the progress below shows what is set up.</dd>
          </>
        ) : (
          <>
            <dt className="text-slate-600">Opened</dt>
            <dd>
              {active.viewCount === 0
                ? 'Not yet'
                : `${active.viewCount} time${active.viewCount === 1 ? '' : 's'}, first ${formatDateTime(active.firstViewedAt!, timeZone)}, last ${formatDateTime(active.lastViewedAt!, timeZone)}`}
            </dd>
            <dt className="text-slate-600">Launches</dt>
            <dd>
              {active.launchCount === 0
                ? 'None yet'
                : active.features
                    .filter((feature) => active.launches[feature])
                    .map((feature) => `${FEATURE_INFO[feature].title} ×${active.launches[feature]!.count}`)
                    .join(', ')}
            </dd>
          </>
        )}
        {active.delivery === 'email' ? (
          <>
            <dt className="text-slate-600">Reminders</dt>
            <dd data-testid="link-reminders">
              {active.remindersSent > 0 ? (
                <>
                  {active.remindersSent} sent (or tried: the history says), the last <DateTime iso={active.lastRemindedAt!} />
                  {remindItAdmin ? '' : ' — reminders are now off'}
                </>
              ) : remindItAdmin ? (
                'None yet: one goes out if the IT admin has not started after a few days, and a day before it expires'
              ) : (
                'Off (for this organization, or on the Configuration page)'
              )}
            </dd>
          </>
        ) : null}
        <dt className="text-slate-600">Fingerprint</dt>
        <dd>
          <code>{active.fingerprint}</code>
        </dd>
      </dl>
      <div className="grid items-start gap-4 md:grid-cols-2">
        <Form method="post" className="space-y-3 rounded-md border border-slate-200 p-4" aria-labelledby="revoke-link-title">
          <input type="hidden" name="intent" value="revoke_link" />
          <input type="hidden" name="linkId" value={active.id} />
          <h3 id="revoke-link-title" className="font-semibold">
            Revoke the link
          </h3>
          <Field label="Reason" name="reason" required maxLength={NOTE_MAX_LENGTH} errors={errorsOf('revoke_link').reason} />
          <ConfirmButton confirmLabel="Click again to revoke">Revoke link</ConfirmButton>
        </Form>
        {active.delivery === 'workos' && active.recipientEmail ? (
          <Form method="post" className="space-y-3 rounded-md border border-slate-200 p-4" aria-labelledby="resend-link-title">
            <input type="hidden" name="intent" value="resend_link" />
            <input type="hidden" name="linkId" value={active.id} />
            <h3 id="resend-link-title" className="font-semibold">
              Have WorkOS send it again
            </h3>
            <p className="text-xs text-slate-600">
              WorkOS ends its current invitation (it keeps one at a time) and emails a new one to {recipientLabel(active)}, for the same features. If WorkOS
              then does not send it, no link is active, and this page says so.
            </p>
            <Field
              label="Reason"
              name="resendReason"
              required
              maxLength={NOTE_MAX_LENGTH}
              errors={errorsOf('resend_link').resendReason}
              hint="For the history, e.g. “They cannot find the email”."
            />
            <ConfirmButton confirmLabel="Click again to have WorkOS send it again" disabled={busy}>
              {pendingIntent === 'resend_link' ? 'Asking WorkOS…' : 'Send again'}
            </ConfirmButton>
          </Form>
        ) : null}
        {active.delivery === 'email' && active.recipientEmail ? (
          <Form
            method="post"
            className="space-y-3 rounded-md border border-slate-200 p-4"
            noValidate
            onSubmit={submitToNewTab}
            aria-labelledby="resend-link-title"
          >
            <input type="hidden" name="intent" value="resend_link" />
            <input type="hidden" name="linkId" value={active.id} />
            {/* What the preview needs; the server resends from the active link itself. */}
            <input type="hidden" name="delivery" value="email" />
            <input type="hidden" name="recipientEmail" value={active.recipientEmail} />
            <input type="hidden" name="recipientName" value={active.recipientName ?? ''} />
            <input type="hidden" name="lifetimeDays" value={lifetimeDays} />
            {active.features.map((feature) => (
              <input key={feature} type="hidden" name="features" value={feature} />
            ))}
            <h3 id="resend-link-title" className="font-semibold">
              Resend the email
            </h3>
            <p className="text-xs text-slate-600">
              Emails a new link to {recipientLabel(active)}, for the same features, valid {lifetimeDays} days from now. This link keeps working until the mail
              server accepts the new email; then it stops. If the email cannot be sent, nothing changes.
            </p>
            <TextAreaField label="Personal message (optional)" name="message" rows={2} maxLength={NOTE_MAX_LENGTH} errors={errorsOf('resend_link').message} />
            <Field
              label="Reason"
              name="resendReason"
              required
              maxLength={NOTE_MAX_LENGTH}
              errors={errorsOf('resend_link').resendReason}
              hint="For the history, e.g. “They cannot find the email”."
            />
            <div className="flex flex-wrap gap-3">
              <ConfirmButton confirmLabel="Click again to resend" disabled={busy}>
                {pendingIntent === 'resend_link' ? 'Sending…' : 'Resend email'}
              </ConfirmButton>
              <PreviewEmailButton previewAction={previewAction} />
            </div>
          </Form>
        ) : null}
        {/* Folded like recreate: an extension is the exception; open when it has errors. */}
        <details className="rounded-md border border-slate-200 p-4 md:col-span-2" open={errorIntent === 'extend_link'}>
          <summary className="cursor-pointer font-semibold">Extend the link — more time, the same link</summary>
          <Form method="post" className="mt-3 space-y-3" noValidate aria-label="Extend the link">
            <input type="hidden" name="intent" value="extend_link" />
            <input type="hidden" name="linkId" value={active.id} />
            <p className="text-xs text-slate-600">
              The same link keeps working, longer: nothing new is sent. At most {extendLimitDays} days from its creation (
              <DateTime iso={new Date(new Date(active.createdAt).getTime() + extendLimitDays * 86_400_000).toISOString()} />
              ).
            </p>
            <Field
              label="Extend by (days)"
              name="extendDays"
              type="number"
              inputMode="numeric"
              min={1}
              max={extendLimitDays}
              defaultValue="7"
              errors={errorsOf('extend_link').extendDays}
              className="max-w-xs"
            />
            <Field
              label="Reason"
              name="extendReason"
              required
              maxLength={NOTE_MAX_LENGTH}
              errors={errorsOf('extend_link').extendReason}
              hint="For the history, e.g. “IT admin is away until Monday”."
            />
            <button type="submit" className={buttonClass('secondary')} disabled={busy}>
              {pendingIntent === 'extend_link' ? 'Extending…' : 'Extend link'}
            </button>
          </Form>
        </details>
        {/* Folded away until wanted: most days the rep revokes or resends; open when it has errors. */}
        <details className="rounded-md border border-slate-200 p-4 md:col-span-2" open={errorIntent === 'recreate_link'}>
          <summary className="cursor-pointer font-semibold">Recreate the link — other features, another recipient, or to copy</summary>
          <Form method="post" className="mt-3 space-y-3" noValidate onSubmit={submitToNewTab} aria-label="Recreate the link">
            <input type="hidden" name="intent" value="recreate_link" />
            <input type="hidden" name="linkId" value={active.id} />
            <p className="text-xs text-slate-600">
              Issues a new link in place of this one. To copy: this link stops at once. By email: it keeps working until the new email is accepted. Sent by
              WorkOS: WorkOS ends its earlier invitation first.
            </p>
            <IssueFields
              draft={errorIntent === 'recreate_link' ? draft : activeDraft}
              errors={errorsOf('recreate_link')}
              pending={pendingIntent === 'recreate_link'}
              previewAction={previewAction}
              lifetimeMaxDays={lifetimeMaxDays}
              submit={(_delivery, pending) => (
                <>
                  <Field
                    label="Reason"
                    name="recreateReason"
                    required
                    maxLength={NOTE_MAX_LENGTH}
                    errors={errorsOf('recreate_link').recreateReason}
                    className="min-w-[16rem] flex-1"
                  />
                  <div className="self-end">
                    <ConfirmButton confirmLabel="Click again to recreate" disabled={busy}>
                      {pending ? 'Recreating…' : 'Recreate link'}
                    </ConfirmButton>
                  </div>
                </>
              )}
            />
          </Form>
        </details>
      </div>
    </div>
  );
}
