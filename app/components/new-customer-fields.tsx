import { useState } from 'react';
import type { SetupLinkDraft } from '~/forms/setup-link-draft';
import type { FieldErrors } from '~/utils/forms';
import { FieldError } from './field';
import { FeaturePicker, LifetimeField, RecipientFields } from './setup-link-card';
import type { DeliveryMethod } from '~/domain/setup-links';
import type { OrganizationStatus } from '~/domain/organizations';

/**
 * The setup-link part of the "New customer" screen: features, delivery (email to the IT admin,
 * copy, or WorkOS's own invitation), recipient, message and lifetime — the same field names and meanings as the organization
 * page's link form (`app/forms/setup-link.ts`), laid out for a first link (no internal note).
 */
export function NewCustomerLinkFields({ draft, errors, lifetimeMaxDays }: { draft: SetupLinkDraft; errors: FieldErrors; lifetimeMaxDays: number }) {
  const [delivery, setDelivery] = useState<DeliveryMethod>(draft.delivery);
  return (
    <>
      <FeaturePicker selected={draft.features} errors={errors.features} />
      <fieldset aria-describedby={errors.delivery ? 'delivery-error' : undefined}>
        <legend className="text-sm font-medium text-slate-800">How does the link reach the IT admin?</legend>
        <div className="mt-2 flex flex-wrap gap-4 text-sm">
          {(
            [
              ['email', 'Email it to the IT admin'],
              ['copy', 'Copy link (shown once)'],
              ['workos', 'WorkOS sends it'],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="flex items-center gap-2">
              <input type="radio" name="delivery" value={value} defaultChecked={draft.delivery === value} onChange={() => setDelivery(value)} />
              {label}
            </label>
          ))}
        </div>
        <FieldError id="delivery-error" errors={errors.delivery} />
      </fieldset>
      <RecipientFields
        draft={draft}
        errors={errors}
        delivery={delivery}
        emailHint="The person at the customer who configures their identity provider. Nobody else sees the link, you included."
      />
      <LifetimeField errors={errors.lifetimeDays} defaultValue={draft.lifetimeDays} maxDays={lifetimeMaxDays} />
    </>
  );
}

export interface DuplicateSummary {
  id: number;
  name: string;
  status: OrganizationStatus;
  sameName: boolean;
  sameDomains: string[];
}

/**
 * Organizations that look like the one being made, each linked (in a new tab: nothing typed here
 * is lost), and the explicit choice to go on. The choice names the duplicates it was made for:
 * another one appearing later asks again.
 */
export function DuplicateWarning({ duplicates, acknowledged }: { duplicates: DuplicateSummary[]; acknowledged: boolean }) {
  if (duplicates.length === 0) return null;
  return (
    <section aria-label="Possible duplicates" role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
      <p className="font-semibold">This customer may already be here:</p>
      <ul className="mt-2 list-disc space-y-1 pl-5">
        {duplicates.map((duplicate) => (
          <li key={duplicate.id}>
            <a href={`/organizations/${duplicate.id}`} target="_blank" rel="noreferrer" className="font-medium text-indigo-700 hover:underline">
              {duplicate.name}
              <span className="sr-only"> (opens in a new tab)</span>
            </a>{' '}
            {duplicate.status === 'active' ? null : <span>({duplicate.status}) </span>}—{' '}
            {[duplicate.sameName ? 'same name' : null, duplicate.sameDomains.length ? `also has ${duplicate.sameDomains.join(', ')}` : null]
              .filter(Boolean)
              .join('; ')}
          </li>
        ))}
      </ul>
      <label className="mt-3 flex items-center gap-2">
        <input
          key={duplicates.map((duplicate) => duplicate.id).join(',')}
          type="checkbox"
          name="createAnyway"
          value={duplicates.map((duplicate) => duplicate.id).join(',')}
          defaultChecked={acknowledged}
        />
        It is a different customer: create a new organization anyway
      </label>
    </section>
  );
}
