import { z } from 'zod';
import { FEATURE_INFO, SETUP_FEATURES, type SetupFeature } from '~/domain/features';
import { STAFF_ROLES } from '~/domain/staff';

/**
 * Every action the audit trail records: the shape of its details, and the sentence the history
 * shows for it (after the actor's name). The writer refuses what is not here, so that a typo or a
 * renamed key fails where the event is written rather than as a blank line in someone's history.
 */

interface AuditCatalogEntry<Schema extends z.ZodType = z.ZodType> {
  details: Schema;
  // Method syntax: every entry, whatever its schema, can then be read as an entry over unknown.
  summary(details: z.output<Schema>): string;
  /** What the note is to this action, when it is more than a note. */
  noteLabel?: 'Reason';
  /** No longer recorded; kept so that old rows still read as sentences. */
  retired?: true;
}

// Typing the summary by its own schema needs the schema inferred first: hence a helper per entry.
function entry<Schema extends z.ZodType, Retired extends true | undefined = undefined>(definition: {
  details: Schema;
  summary: (details: z.output<Schema>) => string;
  noteLabel?: 'Reason';
  retired?: Retired;
}): AuditCatalogEntry<Schema> & { retired?: Retired } {
  return definition;
}

const feature = z.enum(SETUP_FEATURES);
const fingerprint = z.string();
const count = z.number().int().nonnegative();
const syncCounts = { seen: count, created: count, updated: count, archived: count };
const workosProblem = { kind: z.string(), status: z.number().int().nullable() };
const staffSubject = { staffId: z.number().int(), email: z.string(), name: z.string() };

const linkIssued = z.object({
  features: z.array(feature).min(1),
  delivery: z.enum(['email', 'copy', 'workos']),
  recipient: z.string().optional(),
  expiresAt: z.string(),
  fingerprint,
});

const LINK_ENDED: Record<'revoked' | 'expired' | 'completed' | 'failed' | 'sending' | 'active', string> = {
  revoked: 'after the link was revoked',
  expired: 'after the link had expired',
  completed: 'after the link was completed',
  failed: 'after the link had failed',
  sending: 'while the link was still being sent',
  active: 'while the link was still active',
};

export const AUDIT_CATALOG = {
  'organization.noted': entry({ details: z.object({}), summary: () => 'added a note' }),
  'organization.create_requested': entry({
    details: z.object({
      name: z.string(),
      domains: z.array(z.string()),
      domainState: z.enum(['verified', 'pending']),
      externalId: z.string().nullable(),
      csOwner: z.string(),
    }),
    summary: (d) => `asked to create the organization${d.csOwner ? ` (CS owner ${d.csOwner})` : ''}`,
  }),
  'organization.created': entry({ details: z.object({ workosId: z.string() }), summary: (d) => `created it in WorkOS (${d.workosId})` }),
  'organization.create_failed': entry({
    details: z.object({ name: z.string(), ...workosProblem, workosRequestId: z.string().nullable() }),
    summary: (d) => `could not create it in WorkOS yet (${words(d.kind)})`,
  }),
  'organization.create_refused': entry({
    details: z.object({ name: z.string(), ...workosProblem, workosRequestId: z.string().nullable() }),
    summary: (d) => `had it refused by WorkOS (${words(d.kind)})`,
  }),
  'organization.updated': entry({
    details: z.object({
      name: z.object({ from: z.string(), to: z.string() }),
      externalId: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
      domains: z.object({ from: z.array(z.string()), to: z.array(z.string()) }),
    }),
    summary: () => 'edited its details in WorkOS',
  }),
  'organization.update_failed': entry({ details: z.object(workosProblem), summary: (d) => `could not save an edit in WorkOS (${words(d.kind)})` }),
  'organization.owner_changed': entry({
    details: z.object({ from: z.string().nullable(), to: z.string() }),
    summary: (d) => `changed the CS owner from ${d.from ?? 'nobody'} to ${d.to}`,
  }),
  'organization.archived': entry({ details: z.object({}), summary: () => 'archived it', noteLabel: 'Reason' }),
  'organization.imported': entry({ details: z.object({ workosId: z.string() }), summary: () => 'imported it from WorkOS' }),
  'organization.synced': entry({ details: z.object({ workosId: z.string() }), summary: () => 'updated it from WorkOS' }),
  'organization.archived_deleted_in_workos': entry({ details: z.object({ workosId: z.string() }), summary: () => 'archived it: it was deleted in WorkOS' }),
  'organization.sync_started': entry({ details: z.object({ syncId: z.number().int() }), summary: () => 'started a sync from WorkOS' }),
  'organization.sync_finished': entry({
    details: z.object({ syncId: z.number().int(), ...syncCounts }),
    summary: (d) => `finished a sync from WorkOS (${d.created} imported, ${d.updated} updated, ${d.archived} archived)`,
  }),
  'organization.sync_failed': entry({
    details: z.object({ syncId: z.number().int(), kind: z.string(), ...syncCounts }),
    summary: (d) => `could not finish a sync from WorkOS (${words(d.kind)})`,
  }),

  'setup_link.created': entry({
    details: linkIssued,
    summary: (d) => `created a setup link for ${featureTitles(d.features)}, ${delivery(d)} (${d.fingerprint})`,
  }),
  'setup_link.recreated': entry({
    details: linkIssued.extend({ replacesFingerprint: fingerprint.optional() }),
    summary: (d) => `recreated the setup link for ${featureTitles(d.features)}, ${delivery(d)} (${d.fingerprint})`,
  }),
  'setup_link.emailed': entry({
    details: z.object({ recipient: z.string(), fingerprint, messageId: z.string(), replacedFingerprint: fingerprint.optional() }),
    summary: (d) => `emailed the setup link to ${d.recipient} (${d.fingerprint})${d.replacedFingerprint ? `, replacing (${d.replacedFingerprint})` : ''}`,
  }),
  'setup_link.email_failed': entry({
    details: z.object({
      recipient: z.string(),
      fingerprint,
      errorClass: z.string(),
      responseCode: z.number().int().nullable().optional(),
      reason: z.string(),
      previousLinkActive: z.boolean().optional(),
    }),
    summary: (d) => {
      const failure = `${d.errorClass}${d.responseCode ? ` ${d.responseCode}` : ''}`;
      // The fingerprint moves forward so that it cannot be read as the earlier link's.
      return d.previousLinkActive
        ? `could not email the setup link (${d.fingerprint}) to ${d.recipient} (${failure}); the earlier link still works`
        : `could not email the setup link to ${d.recipient} (${failure}); it is not active (${d.fingerprint})`;
    },
  }),
  'setup_link.email_unconfirmed': entry({
    details: z.object({ fingerprint, recipient: z.string().nullable(), delivery: z.literal('workos').optional() }),
    summary: (d) =>
      d.delivery === 'workos'
        ? `failed the setup link: WorkOS's invitation${d.recipient === null ? '' : ` to ${d.recipient}`} was never confirmed sent (${d.fingerprint})`
        : `failed the setup link: its email${d.recipient === null ? '' : ` to ${d.recipient}`} was never confirmed sent (${d.fingerprint})`,
  }),
  'setup_link.revoked': entry({
    details: z.object({ fingerprint, replacedBy: fingerprint.optional() }),
    summary: (d) => (d.replacedBy ? `replaced the setup link (${d.fingerprint}) with (${d.replacedBy})` : `revoked the setup link (${d.fingerprint})`),
    noteLabel: 'Reason',
  }),
  'setup_link.expired': entry({
    details: z.object({ fingerprint, unused: z.boolean() }),
    summary: (d) => `saw the setup link expire${d.unused ? ' unused' : ''} (${d.fingerprint})`,
  }),
  'setup_link.completed': entry({
    details: z.object({ features: z.array(feature), fingerprint, source: z.enum(['webhook', 'poller']) }),
    summary: (d) => `completed the setup link: ${featureTitles(d.features)} done (${d.fingerprint})`,
  }),
  'setup_link.viewed': entry({
    details: z.object({ fingerprint, first: z.boolean().optional() }),
    summary: (d) => `opened the setup link${d.first ? ' for the first time' : ''} (${d.fingerprint})`,
    // Page views are no longer audit events (the link keeps its view counts); old rows still read.
    retired: true,
  }),
  'setup_link.invited': entry({
    details: z.object({ recipient: z.string(), fingerprint, contactId: z.string(), replacedFingerprint: fingerprint.optional() }),
    summary: (d) =>
      `had WorkOS email its invitation to ${d.recipient} (${d.fingerprint})${d.replacedFingerprint ? `, replacing (${d.replacedFingerprint})` : ''}`,
  }),
  'setup_link.invite_failed': entry({
    details: z.object({ recipient: z.string(), fingerprint, ...workosProblem, previousLinkActive: z.boolean() }),
    summary: (d) =>
      d.previousLinkActive
        ? `could not have WorkOS send its invitation to ${d.recipient} (${words(d.kind)}); the earlier link still works (${d.fingerprint})`
        : `could not have WorkOS send its invitation to ${d.recipient} (${words(d.kind)}); it is not active (${d.fingerprint})`,
  }),
  'setup_link.invitation_revoked': entry({
    details: z.object({ fingerprint, contactId: z.string(), confirmed: z.literal(true), superseded: z.literal(true).optional() }),
    summary: (d) =>
      d.superseded ? `saw WorkOS's invitation (${d.fingerprint}) ended: WorkOS accepted a newer one since` : `had WorkOS end its invitation (${d.fingerprint})`,
  }),
  'setup_link.reminded': entry({
    details: z.object({ recipient: z.string(), fingerprint, reminder: z.number().int().min(1).max(2), messageId: z.string(), expiresAt: z.string() }),
    summary: (d) => `sent reminder ${d.reminder} of the setup link to ${d.recipient} (${d.fingerprint})`,
  }),
  'setup_link.reminder_failed': entry({
    details: z.object({ recipient: z.string(), fingerprint, reminder: z.number().int().min(1).max(2), errorClass: z.string(), reason: z.string() }),
    summary: (d) => `could not send reminder ${d.reminder} of the setup link to ${d.recipient} (${d.errorClass}) (${d.fingerprint})`,
  }),
  'setup_link.extended': entry({
    details: z.object({ fingerprint, from: z.string(), to: z.string() }),
    summary: (d) => `extended the setup link (${d.fingerprint}) to ${d.to.slice(0, 16).replace('T', ' ')} UTC`,
    noteLabel: 'Reason',
  }),
  'organization.it_contact_registered': entry({
    details: z.object({ email: z.string(), contactId: z.string(), existed: z.boolean() }),
    summary: (d) => `registered ${d.email} as an IT contact in WorkOS${d.existed ? ' (already known there)' : ''}`,
  }),
  'organization.it_contact_register_failed': entry({
    details: z.object({ email: z.string(), ...workosProblem }),
    summary: (d) => `could not register ${d.email} as an IT contact in WorkOS (${words(d.kind)})`,
  }),
  'organization.preferences_changed': entry({
    details: z.object({ remindItAdmin: z.boolean(), registerItContacts: z.boolean() }),
    summary: (d) => `set reminders ${d.remindItAdmin ? 'on' : 'off'} and IT contact registration ${d.registerItContacts ? 'on' : 'off'}`,
  }),
  'setup_link.launched': entry({
    details: z.object({ feature, fingerprint }),
    summary: (d) => `started ${FEATURE_INFO[d.feature].title} setup in WorkOS`,
  }),
  'setup_link.launch_failed': entry({
    details: z.object({ feature, fingerprint, kind: z.string() }),
    summary: (d) => `could not start ${FEATURE_INFO[d.feature].title} setup (${words(d.kind)})`,
  }),
  'setup_link.launch_discarded': entry({
    details: z.object({ feature, fingerprint, linkStatus: z.enum(['revoked', 'expired', 'completed', 'failed', 'sending', 'active']) }),
    summary: (d) => `opened ${FEATURE_INFO[d.feature].title} setup ${LINK_ENDED[d.linkStatus]}: WorkOS's answer was discarded (${d.fingerprint})`,
  }),
  'setup.progress': entry({
    details: z.object({
      feature,
      event: z.string(),
      eventId: z.string(),
      label: z.string().nullable(),
      state: z.enum(['done', 'attention', 'pending']),
      status: z.string(),
      source: z.enum(['webhook', 'poller']),
      reason: z.string().optional(),
    }),
    summary: (d) =>
      `reported ${FEATURE_INFO[d.feature].title} ${d.state === 'done' ? 'done' : d.state === 'attention' ? 'needing attention' : 'not done'}: ${d.status} (by ${d.source === 'webhook' ? 'webhook' : 'events poll'})`,
  }),

  'staff.created': entry({
    details: z.object({ ...staffSubject, role: z.enum(STAFF_ROLES) }),
    summary: (d) => `added ${d.name} (${d.email}) as ${d.role}`,
  }),
  'staff.role_changed': entry({
    details: z.object({ ...staffSubject, from: z.enum(STAFF_ROLES), to: z.enum(STAFF_ROLES) }),
    summary: (d) => `changed ${d.name}’s role from ${d.from} to ${d.to}`,
  }),
  'staff.disabled': entry({ details: z.object({ ...staffSubject, sessionsEnded: count }), summary: (d) => `disabled ${d.name}` }),
  'staff.enabled': entry({ details: z.object(staffSubject), summary: (d) => `enabled ${d.name} again` }),
  'staff.password_reset': entry({ details: z.object({ ...staffSubject, sessionsEnded: count }), summary: (d) => `reset ${d.name}’s password` }),
  'staff.signed_out_everywhere': entry({ details: z.object({ ...staffSubject, sessionsEnded: count }), summary: (d) => `signed ${d.name} out everywhere` }),
  'staff.password_changed': entry({ details: z.object({ staffId: z.number().int(), sessionsEnded: count }), summary: () => 'changed their password' }),
  'staff.digest_sent': entry({
    details: z.object({ name: z.string(), notices: count }),
    summary: (d) => `emailed ${d.name} their digest (${d.notices} update${d.notices === 1 ? '' : 's'})`,
  }),
  'staff.time_zone_changed': entry({
    // source: 'account' (chosen on the account page), 'browser' or 'default' (set at the first sign-in; 'default' is UTC).
    details: z.object({ staffId: z.number().int(), from: z.string().nullable(), to: z.string(), source: z.enum(['account', 'browser', 'default']) }),
    summary: (d) =>
      d.source === 'account'
        ? `set their time zone to ${d.to}`
        : `was given the time zone ${d.to} at their first sign-in${d.source === 'browser' ? ' (from their browser)' : ''}`,
  }),
  'staff.digest_changed': entry({ details: z.object({ enabled: z.boolean() }), summary: (d) => `turned ${d.enabled ? 'on' : 'off'} the daily digest email` }),
  'staff.signed_in': entry({ details: z.object({ ip: z.string() }), summary: () => 'signed in' }),
  'staff.signed_out': entry({ details: z.object({}), summary: () => 'signed out' }),
  'staff.sign_in_failed': entry({
    details: z.object({ email: z.string(), ip: z.string(), reason: z.enum(['unknown_email', 'wrong_password', 'account_disabled']) }),
    summary: (d) => `refused a sign-in as ${d.email} (${words(d.reason)})`,
  }),
  'staff.sign_in_locked': entry({
    // 'pair': this account from this address; 'account' and 'ip' are rows from before decision 015.
    details: z.object({ email: z.string(), ip: z.string(), scope: z.enum(['pair', 'account', 'ip']), minutes: count }),
    summary: (d) => `locked sign-in as ${d.email}${d.scope === 'pair' ? ` from ${d.ip}` : ''} for ${d.minutes} minutes`,
  }),
  'staff.sign_in_throttled': entry({
    details: z.object({ email: z.string(), ip: z.string(), scope: z.enum(['pair', 'account', 'ip']) }),
    summary: (d) => (d.scope === 'ip' ? `slowed down sign-in attempts from ${d.ip}` : `slowed down sign-in attempts as ${d.email}`),
  }),

  'settings.changed': entry({
    details: z.object({ changes: z.array(z.object({ field: z.string(), from: z.string(), to: z.string() })) }),
    summary: (d) => `changed the configuration: ${d.changes.map((change) => `${change.field} from “${change.from}” to “${change.to}”`).join('; ')}`,
  }),
  'system.test_email': entry({
    details: z.object({ recipient: z.string(), sent: z.boolean(), errorClass: z.string().optional() }),
    summary: (d) => `${d.sent ? 'sent' : 'could not send'} a test email to ${d.recipient}`,
  }),
  'audit.exported': entry({
    details: z.object({ format: z.enum(['csv', 'jsonl']), filters: z.string() }),
    summary: (d) => `exported ${d.format.toUpperCase()} of the audit log (${d.filters})`,
  }),
};

type AuditCatalog = typeof AUDIT_CATALOG;

export type AuditAction = keyof AuditCatalog;

/** The actions new events may have: the catalog without its retired entries. */
export type RecordableAuditAction = { [A in AuditAction]: true extends AuditCatalog[A]['retired'] ? never : A }[AuditAction];

/** What a call site passes as an action's details. */
export type AuditDetails<A extends AuditAction> = z.input<AuditCatalog[A]['details']>;

/** Every action, retired ones too (old rows hold them), for the audit log's filter and the export. */
export const AUDIT_ACTIONS: AuditAction[] = (Object.keys(AUDIT_CATALOG) as AuditAction[]).sort();

function entryOf(action: string): AuditCatalogEntry | undefined {
  // Own keys only: "constructor" or "__proto__" in an old row must not reach Object's prototype.
  return Object.hasOwn(AUDIT_CATALOG, action) ? (AUDIT_CATALOG as Record<string, AuditCatalogEntry>)[action] : undefined;
}

/**
 * What happened, in words, after the actor's name. Rows are history: one written before a schema
 * changed, or by hand, still reads as something — the action in words — and never throws.
 */
export function summarizeAuditEvent(action: string, details: unknown): string {
  const definition = entryOf(action);
  if (!definition) return action;
  const parsed = definition.details.safeParse(details);
  return parsed.success ? definition.summary(parsed.data) : actionInWords(action);
}

/** What the note is to this action: "Reason" for a revocation or an archive, else "Note". */
export function noteLabelOf(action: string): string {
  return entryOf(action)?.noteLabel ?? 'Note';
}

/** Throws, naming the action and what is wrong, unless a new event may be written with these details. */
export function assertRecordableAuditEvent(action: string, details: unknown): void {
  const definition = entryOf(action);
  if (!definition) throw new Error(`Audit action "${action}" is not in the audit catalog (app/models/audit-catalog.server.ts)`);
  if (definition.retired) throw new Error(`Audit action "${action}" is retired: old events keep it, new ones may not record it`);
  const parsed = definition.details.safeParse(details);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'details'}: ${issue.message}`);
    throw new Error(`Audit details for "${action}" do not match its schema: ${issues.join('; ')}`);
  }
}

function words(value: string): string {
  return value.replace(/_/g, ' ');
}

function actionInWords(action: string): string {
  return words(action.replace('.', ' '));
}

function featureTitles(features: readonly SetupFeature[]): string {
  return features.map((item) => FEATURE_INFO[item].title).join(', ');
}

function delivery(details: { delivery: 'email' | 'copy' | 'workos'; recipient?: string }): string {
  if (details.delivery === 'copy') return 'to copy';
  if (details.delivery === 'workos') return `for WorkOS to send to ${details.recipient ?? 'the IT contact'}`;
  return details.recipient ? `to email to ${details.recipient}` : 'to email';
}
