import { EXPIRING_SOON_HOURS } from './setup-links';

/** The "Needs attention" groups and their thresholds, shared by the home page and its queries. */
export const ATTENTION_KINDS = ['workos_problem', 'delivery_failed', 'expiring', 'unopened', 'stalled', 'completed'] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

export const ATTENTION_LIMITS = { unopenedDays: 3, stalledDays: 7, expiringHours: EXPIRING_SOON_HOURS, completedDays: 7 } as const;
