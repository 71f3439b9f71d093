/** The organization vocabulary: limits and states, shared by forms, models and pages. */
export const ORGANIZATION_NAME_MAX = 200;

export const EXTERNAL_ID_MAX = 128;

export const DOMAINS_MAX = 50;

export const ORGANIZATION_STATUSES = ['pending', 'active', 'archived'] as const;
export type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];

/**
 * Where an organization's setup stands, as the list shows and filters it. "attention" wins over
 * everything (WorkOS reported a problem); then a completed latest link; then an active link that
 * the IT admin has started (launched, or a feature done) or not yet; "not_started" has no link at
 * all; "stopped" had links that all ended without completing.
 */
export const SETUP_STATES = ['not_started', 'waiting', 'in_progress', 'attention', 'completed', 'stopped'] as const;
export type SetupState = (typeof SETUP_STATES)[number];
