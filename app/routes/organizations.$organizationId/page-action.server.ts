import type { AppLoadContext } from '@remix-run/node';
import { data } from '@remix-run/node';
import type { OrganizationPageIntent } from '~/forms/organization-page-intents';
import type { SetupLinkDraft } from '~/forms/setup-link-draft';
import type { OrganizationDetail } from '~/models/organization.server';
import { staffActor } from '~/models/staff.server';
import type { SignedInStaff } from '~/services/auth.server';
import { formErrors, type FormErrors } from '~/utils/forms';
import { describeScrubbed, SCRUBBED_LINK_MARKER, SCRUBBED_TOKEN_MARKER, scrubLinkValues } from '~/utils/link-secrets';
import type { SetupFeature } from '~/domain/features';

/** A copy-mode link, in the one answer that shows its URL. */
export interface IssuedLink {
  url: string;
  expiresAt: string;
  features: SetupFeature[];
}

/**
 * What the page's action answers when it stays on the page (every other answer redirects with a
 * toast): which form it was about, that form's errors (app/utils/forms), the link form's values
 * to refill it with, a copy-mode link shown once, and a notice about what was scrubbed.
 */
export type PageAnswer = FormErrors & { intent: OrganizationPageIntent; values?: SetupLinkDraft; issued?: IssuedLink; notice?: string };

/** What every intent of the page acts with: who, on what, with which request id, and how it refuses. */
export function pageAction(staff: SignedInStaff, organization: OrganizationDetail, context: AppLoadContext, intent: OrganizationPageIntent) {
  return {
    actor: { ...staffActor(staff), role: staff.role },
    options: { requestId: context.requestId },
    here: `/organizations/${organization.id}`,
    /** A refusal of this intent's form: on `field` when the message names one, else the form's. */
    refuse: (message: string, field?: string | null) => refusal(intent, formErrors(message, { field })),
  };
}

/** The page's one refusal: 400 unless told otherwise (a send the mail server refused is a 502). */
export function refusal(intent: OrganizationPageIntent, errors: FormErrors, extra: Pick<PageAnswer, 'values'> = {}, status = 400) {
  return data<PageAnswer>({ intent, ...errors, ...extra }, { status });
}

/**
 * Said to the rep when something they wrote held a setup link or token: the audit trail keeps a
 * marker in its place (the scrubber runs on every note), and the rep should know their words
 * changed — and what was taken out.
 */
export function scrubNotice(...written: (string | null | undefined)[]): string {
  const removed = { links: 0, tokens: 0 };
  for (const text of written) {
    if (typeof text !== 'string') continue;
    const result = scrubLinkValues(text).removed;
    removed.links += result.links;
    removed.tokens += result.tokens;
  }
  const what = describeScrubbed(removed);
  if (!what) return '';
  const markers = [removed.links ? `“${SCRUBBED_LINK_MARKER}”` : null, removed.tokens ? `“${SCRUBBED_TOKEN_MARKER}”` : null].filter(Boolean).join(' and ');
  return ` Your note held ${what}: it was saved with ${markers} in its place, as link values are never stored.`;
}
