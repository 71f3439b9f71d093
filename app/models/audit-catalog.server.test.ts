import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertRecordableAuditEvent,
  AUDIT_ACTIONS,
  AUDIT_CATALOG,
  noteLabelOf,
  summarizeAuditEvent,
  type AuditAction,
  type AuditDetails,
} from './audit-catalog.server';
import { FEATURE_INFO, SETUP_FEATURES } from '~/domain/features';

const link = { fingerprint: '3fa2c1' };
const staffMember = { staffId: 4, email: 'grace@staff.example', name: 'Grace Hopper' };
const counts = { seen: 12, created: 3, updated: 2, archived: 1 };

/** Details as the app writes them, for every action: a new catalog entry without one does not compile. */
const EXAMPLES: { [A in AuditAction]: AuditDetails<A> } = {
  'organization.noted': {},
  'organization.create_requested': { name: 'Acme', domains: ['acme.example'], domainState: 'pending', externalId: null, csOwner: 'Ada Lovelace' },
  'organization.created': { workosId: 'org_01ACME' },
  'organization.create_failed': { name: 'Acme', kind: 'rate_limited', status: 429, workosRequestId: 'req_1' },
  'organization.create_refused': { name: 'Acme', kind: 'invalid_request', status: 422, workosRequestId: null },
  'organization.updated': { name: { from: 'Acme', to: 'Acme Corp' }, externalId: { from: null, to: 'crm-42' }, domains: { from: [], to: ['acme.example'] } },
  'organization.update_failed': { kind: 'unavailable', status: null },
  'organization.owner_changed': { from: null, to: 'Ada Lovelace' },
  'organization.archived': {},
  'organization.imported': { workosId: 'org_01ACME' },
  'organization.synced': { workosId: 'org_01ACME' },
  'organization.archived_deleted_in_workos': { workosId: 'org_01ACME' },
  'organization.sync_started': { syncId: 7 },
  'organization.sync_finished': { syncId: 7, ...counts },
  'organization.sync_failed': { syncId: 7, kind: 'unavailable', ...counts },
  'setup_link.created': { features: ['sso', 'dsync'], delivery: 'copy', expiresAt: '2026-11-09T10:00:00.000Z', ...link },
  'setup_link.recreated': {
    features: ['domain_verification'],
    delivery: 'email',
    recipient: 'it@acme.example',
    expiresAt: '2026-11-09T10:00:00.000Z',
    ...link,
    replacesFingerprint: '9b0d77',
  },
  'setup_link.emailed': { recipient: 'it@acme.example', messageId: '<1@mail>', ...link },
  'setup_link.email_failed': {
    recipient: 'it@acme.example',
    errorClass: 'ESOCKET',
    responseCode: null,
    reason: 'The mail server could not be reached.',
    ...link,
  },
  'setup_link.email_unconfirmed': { recipient: 'it@acme.example', ...link },
  'setup_link.revoked': link,
  'setup_link.expired': { unused: true, ...link },
  'setup_link.completed': { features: ['sso', 'dsync'], source: 'webhook', ...link },
  'setup_link.viewed': { first: true, ...link },
  'setup_link.invited': { recipient: 'it@acme.example', contactId: 'it_contact_01ACME', ...link },
  'setup_link.invite_failed': { recipient: 'it@acme.example', kind: 'conflict', status: 409, previousLinkActive: false, ...link },
  'setup_link.invitation_revoked': { contactId: 'it_contact_01ACME', confirmed: true, ...link },
  'setup_link.reminded': { recipient: 'it@acme.example', reminder: 1, messageId: '<2@mail>', expiresAt: '2026-11-09T10:00:00.000Z', ...link },
  'setup_link.reminder_failed': {
    recipient: 'it@acme.example',
    reminder: 2,
    errorClass: 'ETIMEDOUT',
    reason: 'The mail server did not answer in time.',
    ...link,
  },
  'setup_link.extended': { from: '2026-11-09T10:00:00.000Z', to: '2026-11-16T10:00:00.000Z', ...link },
  'organization.it_contact_registered': { email: 'it@acme.example', contactId: 'it_contact_01ACME', existed: false },
  'organization.it_contact_register_failed': { email: 'it@acme.example', kind: 'forbidden', status: 403 },
  'organization.preferences_changed': { remindItAdmin: false, registerItContacts: true },
  'setup_link.launched': { feature: 'domain_verification', ...link },
  'setup_link.launch_failed': { feature: 'dsync', kind: 'unavailable', ...link },
  'setup_link.launch_discarded': { feature: 'sso', linkStatus: 'revoked', ...link },
  'setup.progress': {
    feature: 'sso',
    event: 'connection.activated',
    eventId: 'event_1',
    label: 'OktaSAML',
    state: 'done',
    status: 'OktaSAML connection active',
    source: 'poller',
  },
  'staff.created': { ...staffMember, role: 'support' },
  'staff.role_changed': { ...staffMember, from: 'support', to: 'admin' },
  'staff.disabled': { ...staffMember, sessionsEnded: 2 },
  'staff.enabled': staffMember,
  'staff.password_reset': { ...staffMember, sessionsEnded: 1 },
  'staff.signed_out_everywhere': { ...staffMember, sessionsEnded: 3 },
  'staff.password_changed': { staffId: 4, sessionsEnded: 0 },
  'staff.digest_sent': { name: 'Ada Lovelace', notices: 1 },
  'staff.time_zone_changed': { staffId: 4, from: null, to: 'America/Los_Angeles', source: 'browser' },
  'staff.digest_changed': { enabled: false },
  'staff.signed_in': { ip: '203.0.113.9' },
  'staff.signed_out': {},
  'staff.sign_in_failed': { email: 'ada@staff.example', ip: '203.0.113.9', reason: 'wrong_password' },
  'staff.sign_in_locked': { email: 'ada@staff.example', ip: '203.0.113.9', scope: 'account', minutes: 15 },
  'staff.sign_in_throttled': { email: 'ada@staff.example', ip: '203.0.113.9', scope: 'ip' },
  'settings.changed': { changes: [{ field: 'Support email', from: '(environment)', to: 'help@desk.example' }] },
  'system.test_email': { recipient: 'ops@desk.example', sent: true },
  'audit.exported': { format: 'csv', filters: 'action setup_link.revoked' },
};

const inWords = (action: string) => action.replace('.', ' ').replace(/_/g, ' ');

describe('the audit catalog', () => {
  it('lists every action once, sorted, retired ones included (old rows hold them)', () => {
    expect(AUDIT_ACTIONS).toEqual(Object.keys(AUDIT_CATALOG).sort());
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
    expect(AUDIT_ACTIONS).toContain('setup_link.viewed');
    expect(AUDIT_ACTIONS).toContain('setup_link.launch_discarded');
    for (const action of AUDIT_ACTIONS) expect(action).toMatch(/^[a-z][a-z_]*\.[a-z][a-z_]*$/);
  });

  it.each(AUDIT_ACTIONS)('%s: its example matches its schema and reads as a sentence of its own', (action) => {
    const details = EXAMPLES[action];
    expect(AUDIT_CATALOG[action].details.safeParse(details).success).toBe(true);
    const summary = summarizeAuditEvent(action, details);
    expect(summary.trim()).not.toBe('');
    expect(summary).not.toBe(inWords(action)); // the fallback for details that do not match
    expect(summary).not.toMatch(/undefined|null|\[object|NaN/);
  });

  it('accepts every example for a new event, except the retired action', () => {
    for (const action of AUDIT_ACTIONS) {
      if (AUDIT_CATALOG[action].retired) expect(() => assertRecordableAuditEvent(action, EXAMPLES[action])).toThrow(/retired/);
      else expect(() => assertRecordableAuditEvent(action, EXAMPLES[action])).not.toThrow();
    }
  });

  it('labels the note of a revocation, an extension or an archive "Reason", every other "Note"', () => {
    const reasons = AUDIT_ACTIONS.filter((action) => noteLabelOf(action) === 'Reason');
    expect(reasons).toEqual(['organization.archived', 'setup_link.extended', 'setup_link.revoked']);
    expect(noteLabelOf('organization.noted')).toBe('Note');
    expect(noteLabelOf('no.such_action')).toBe('Note');
  });
});

describe('summaries', () => {
  it('name features by their titles, never by their ids', () => {
    expect(summarizeAuditEvent('setup_link.created', EXAMPLES['setup_link.created'])).toBe(
      'created a setup link for Single Sign-On, Directory Sync, to copy (3fa2c1)',
    );
    expect(summarizeAuditEvent('setup_link.recreated', EXAMPLES['setup_link.recreated'])).toBe(
      'recreated the setup link for Domain Verification, to email to it@acme.example (3fa2c1)',
    );
    expect(summarizeAuditEvent('setup_link.completed', EXAMPLES['setup_link.completed'])).toBe(
      'completed the setup link: Single Sign-On, Directory Sync done (3fa2c1)',
    );
    expect(summarizeAuditEvent('setup_link.launched', EXAMPLES['setup_link.launched'])).toBe('started Domain Verification setup in WorkOS');
    expect(summarizeAuditEvent('setup_link.launch_failed', EXAMPLES['setup_link.launch_failed'])).toBe('could not start Directory Sync setup (unavailable)');
    expect(summarizeAuditEvent('setup.progress', EXAMPLES['setup.progress'])).toBe('reported Single Sign-On done: OktaSAML connection active (by events poll)');
    for (const feature of SETUP_FEATURES) {
      const summary = summarizeAuditEvent('setup_link.created', { ...EXAMPLES['setup_link.created'], features: [feature] });
      expect(summary).toContain(FEATURE_INFO[feature].title);
      expect(summary).not.toContain(feature);
    }
  });

  it('say how a link was replaced, and that an earlier link still works after a failed email', () => {
    expect(summarizeAuditEvent('setup_link.revoked', link)).toBe('revoked the setup link (3fa2c1)');
    expect(summarizeAuditEvent('setup_link.revoked', { ...link, replacedBy: '9b0d77' })).toBe('replaced the setup link (3fa2c1) with (9b0d77)');
    expect(summarizeAuditEvent('setup_link.emailed', EXAMPLES['setup_link.emailed'])).toBe('emailed the setup link to it@acme.example (3fa2c1)');
    expect(summarizeAuditEvent('setup_link.emailed', { ...EXAMPLES['setup_link.emailed'], replacedFingerprint: '9b0d77' })).toBe(
      'emailed the setup link to it@acme.example (3fa2c1), replacing (9b0d77)',
    );
    const failed = { ...EXAMPLES['setup_link.email_failed'], responseCode: 421 };
    expect(summarizeAuditEvent('setup_link.email_failed', failed)).toBe(
      'could not email the setup link to it@acme.example (ESOCKET 421); it is not active (3fa2c1)',
    );
    expect(summarizeAuditEvent('setup_link.email_failed', { ...failed, previousLinkActive: true })).toBe(
      'could not email the setup link (3fa2c1) to it@acme.example (ESOCKET 421); the earlier link still works',
    );
    expect(summarizeAuditEvent('setup_link.email_unconfirmed', { ...link, recipient: null })).toBe(
      'failed the setup link: its email was never confirmed sent (3fa2c1)',
    );
  });

  it('say a discarded launch happened after the link had ended, in words for each status', () => {
    expect(summarizeAuditEvent('setup_link.launch_discarded', EXAMPLES['setup_link.launch_discarded'])).toBe(
      "opened Single Sign-On setup after the link was revoked: WorkOS's answer was discarded (3fa2c1)",
    );
    expect(summarizeAuditEvent('setup_link.launch_discarded', { ...link, feature: 'dsync', linkStatus: 'expired' })).toBe(
      "opened Directory Sync setup after the link had expired: WorkOS's answer was discarded (3fa2c1)",
    );
    expect(summarizeAuditEvent('setup_link.launch_discarded', { ...link, feature: 'dsync', linkStatus: 'completed' })).toBe(
      "opened Directory Sync setup after the link was completed: WorkOS's answer was discarded (3fa2c1)",
    );
  });

  it('still read old rows of the retired page-view event', () => {
    expect(summarizeAuditEvent('setup_link.viewed', { ...link, first: true })).toBe('opened the setup link for the first time (3fa2c1)');
    expect(summarizeAuditEvent('setup_link.viewed', { ...link, first: false })).toBe('opened the setup link (3fa2c1)');
  });

  it('show an unknown action as its name, and details that do not match as the action in words', () => {
    expect(summarizeAuditEvent('setup_link.teleported', link)).toBe('setup_link.teleported');
    expect(summarizeAuditEvent('constructor', {})).toBe('constructor');
    expect(summarizeAuditEvent('setup_link.revoked', { fingerprint: 42 })).toBe('setup link revoked');
    expect(summarizeAuditEvent('setup_link.launched', { feature: 'sso' })).toBe('setup link launched');
  });

  it('never throw, whatever an old row holds', () => {
    fc.assert(
      fc.property(fc.constantFrom(...AUDIT_ACTIONS), fc.anything(), (action, details) => {
        const summary = summarizeAuditEvent(action, details);
        expect(typeof summary).toBe('string');
        expect(summary).not.toBe('');
      }),
      { numRuns: 2000 },
    );
    // Junk close to the real shape: each example with one key's value replaced by anything.
    fc.assert(
      fc.property(fc.constantFrom(...AUDIT_ACTIONS), fc.anything(), fc.nat(), (action, junk, index) => {
        const example: Record<string, unknown> = { ...EXAMPLES[action] };
        const keys = Object.keys(example);
        if (keys.length > 0) example[keys[index % keys.length]!] = junk;
        expect(summarizeAuditEvent(action, example)).not.toBe('');
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.string(), fc.anything(), (action, details) => void summarizeAuditEvent(action, details)));
  });
});

describe('assertRecordableAuditEvent', () => {
  it('names the action and what is wrong', () => {
    expect(() => assertRecordableAuditEvent('setup_link.teleported', {})).toThrow('Audit action "setup_link.teleported" is not in the audit catalog');
    expect(() => assertRecordableAuditEvent('__proto__', {})).toThrow(/not in the audit catalog/);
    expect(() => assertRecordableAuditEvent('setup_link.viewed', EXAMPLES['setup_link.viewed'])).toThrow('Audit action "setup_link.viewed" is retired');
    expect(() => assertRecordableAuditEvent('setup_link.emailed', { ...link, recipient: 'it@acme.example' })).toThrow(
      /^Audit details for "setup_link\.emailed" do not match its schema: messageId: Invalid input: expected string, received undefined$/,
    );
    expect(() => assertRecordableAuditEvent('setup_link.completed', { ...EXAMPLES['setup_link.completed'], source: 'email' })).toThrow(
      /"setup_link\.completed" .*source: /,
    );
  });
});
