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

export const DELIVERY_METHODS = ['email', 'copy'] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];
