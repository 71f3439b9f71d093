import type { Knex } from 'knex';

/**
 * The newest event of given actions for one organization (the last launch or launch failure the
 * organization page shows) and for one setup link (why its email failed): without these, the
 * first read every event the organization has and sorted them — 5 ms a page view for an
 * organization with a thousand events — and the second scanned the whole trail (decision 023).
 */
const INDEXES = {
  audit_events_organization_action: 'audit_events (organization_id, action, id)',
  audit_events_setup_link: 'audit_events (setup_link_id, action, id) WHERE setup_link_id IS NOT NULL',
};

export async function up(db: Knex): Promise<void> {
  for (const [name, definition] of Object.entries(INDEXES)) await db.raw(`CREATE INDEX ${name} ON ${definition}`);
}

export async function down(db: Knex): Promise<void> {
  for (const name of Object.keys(INDEXES).reverse()) await db.raw(`DROP INDEX ${name}`);
}
