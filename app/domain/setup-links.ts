/** The setup link's vocabulary: its lifetime, statuses and deliveries. */
export const LINK_LIFETIME_DAYS = { min: 1, max: 30, default: 7 };

/**
 * A link's life (decision 014): an emailed link is `sending` until the mail server accepts it;
 * `active` is the one link per organization that opens; the rest are ends.
 */
export const SETUP_LINK_STATUSES = ['sending', 'active', 'revoked', 'expired', 'completed', 'failed'] as const;
export type SetupLinkStatus = (typeof SETUP_LINK_STATUSES)[number];

/** A link that expires within this many hours is "expiring soon" on every page and in every list. */
export const EXPIRING_SOON_HOURS = 48;

export function isExpiringSoon(expiresAt: string, now: string | Date): boolean {
  return new Date(expiresAt).getTime() - new Date(now).getTime() <= EXPIRING_SOON_HOURS * 3_600_000;
}

/** A link's lifetime in whole days (within the allowed range): what a resend or retry reuses. */
export function lifetimeDaysOf(link: { createdAt: string; expiresAt: string }): number {
  const days = Math.round((new Date(link.expiresAt).getTime() - new Date(link.createdAt).getTime()) / 86_400_000);
  return Math.min(LINK_LIFETIME_DAYS.max, Math.max(LINK_LIFETIME_DAYS.min, days));
}

/**
 * How a link reaches the IT admin (decision 025): the app's email, copied by the rep, or an
 * invitation WorkOS itself emails to an IT contact (the app never sees that link).
 */
export const DELIVERY_METHODS = ['email', 'copy', 'workos'] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];

/**
 * How long a WorkOS-sent invitation lasts: WorkOS sets it, not the rep, and the API does not
 * return it — 30 days, as WorkOS documents for its dashboard's invitations (decision 025).
 */
export const WORKOS_INVITATION_DAYS = 30;

/**
 * Reminders of an emailed link the IT admin has not started (decision 025): the first a number
 * of days after it was sent, the second a day before it expires; at most two, and never two
 * within a day of each other.
 */
export const LINK_REMINDERS = {
  maxPerLink: 2,
  defaultLimit: 2,
  firstAfterDays: { min: 1, max: 29, default: 3 },
  beforeExpiryHours: 24,
  minimumGapHours: 24,
} as const;
