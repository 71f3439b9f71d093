import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { monotonicFactory } from 'ulid';

/**
 * The WorkOS sandbox's state: organizations, Admin Portal sessions, what testers set up in the
 * simulated portal, and the events that resulted. Objects are kept in WorkOS's own wire shape
 * (snake_case), so responses are the stored objects themselves.
 */

export const PORTAL_INTENTS = ['sso', 'dsync', 'audit_logs', 'log_streams', 'domain_verification', 'certificate_renewal', 'bring_your_own_key'] as const;
export type PortalIntent = (typeof PORTAL_INTENTS)[number];

export type DomainState = 'pending' | 'verified' | 'failed' | 'legacy_verified' | 'unverified';

export interface OrganizationDomain {
  object: 'organization_domain';
  id: string;
  organization_id: string;
  domain: string;
  state: DomainState;
  verification_strategy: 'dns' | 'manual';
  verification_token: string;
  verification_prefix: string;
  created_at: string;
  updated_at: string;
}

export interface Organization {
  object: 'organization';
  id: string;
  name: string;
  domains: OrganizationDomain[];
  metadata: Record<string, string>;
  external_id: string | null;
  stripe_customer_id?: string;
  allow_profiles_outside_organization: boolean;
  created_at: string;
  updated_at: string;
}

export interface SandboxEvent {
  object: 'event';
  id: string;
  event: string;
  data: Record<string, unknown>;
  created_at: string;
  context: Record<string, unknown>;
  /** Not sent on the wire: lets GET /events filter by organization. */
  organization_id?: string;
}

export interface PortalSession {
  token: string;
  organization_id: string;
  intent: PortalIntent;
  return_url: string | null;
  success_url: string | null;
  created_at: string;
  expires_at: string;
  opened_at: string | null;
  external_user_id?: string | null;
  /** Set by `POST /portal/revoke_link`: the link and any session opened from it no longer work. */
  revoked_at?: string | null;
  /** The IT-contact invitation this session was opened from, if any: its completions count towards the invitation. */
  it_invitation_id?: string | null;
}

export interface Connection {
  object: 'connection';
  id: string;
  organization_id: string;
  connection_type: string;
  name: string;
  state: 'active' | 'inactive';
  status: 'linked' | 'unlinked';
  external_key: string;
  created_at: string;
  updated_at: string;
}

export interface Directory {
  object: 'directory';
  id: string;
  organization_id: string;
  type: string;
  name: string;
  state: 'active' | 'inactive';
  external_key: string;
  created_at: string;
  updated_at: string;
}

/** What a tester turned on in the portal for intents that emit no WorkOS event. */
export interface PortalSetting {
  id: string;
  organization_id: string;
  intent: 'audit_logs' | 'log_streams' | 'bring_your_own_key';
  detail: string;
  created_at: string;
}

/** What an IT contact can be invited to set up (the SDK's `ItContactIntent`; not the portal's own intent names). */
export const IT_CONTACT_INTENTS = ['sso', 'directory_sync', 'log_streams', 'domain_verification', 'bring_your_own_key'] as const;
export type ItContactIntent = (typeof IT_CONTACT_INTENTS)[number];

/** The Admin Portal intent a session opened from an invitation uses for each invited feature. */
export const PORTAL_INTENT_OF: Record<ItContactIntent, PortalIntent> = {
  sso: 'sso',
  directory_sync: 'dsync',
  log_streams: 'log_streams',
  domain_verification: 'domain_verification',
  bring_your_own_key: 'bring_your_own_key',
};

export interface ItContact {
  object: 'it_contact';
  id: string;
  email: string;
  created_at: string;
  updated_at: string;
  /** Not sent on the wire: whose contact it is. */
  organization_id: string;
}

/**
 * An Admin Portal invitation emailed to an IT contact. An organization has at most one active
 * invitation (not revoked, expired or completed) at a time.
 */
export interface ItInvitation {
  id: string;
  organization_id: string;
  contact_id: string;
  intents: ItContactIntent[];
  /** The secret in the invitation link. */
  token: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  /** Set once every invited feature that reports a completion has completed through it. */
  completed_at: string | null;
  /** The invited features completed so far through portal sessions opened from the invitation. */
  completed_intents: ItContactIntent[];
  /** When the email went out; null while unsent, or when the sandbox has no mail server configured. */
  email_sent_at: string | null;
  /** Why the email could not be sent (the invitation stands). */
  email_error: string | null;
}

export type ItInvitationStatus = 'active' | 'revoked' | 'expired' | 'completed';

export function invitationStatus(invitation: ItInvitation, now: Date): ItInvitationStatus {
  if (invitation.completed_at) return 'completed';
  if (invitation.revoked_at) return 'revoked';
  return now.getTime() < new Date(invitation.expires_at).getTime() ? 'active' : 'expired';
}

export interface SandboxState {
  organizations: Organization[];
  events: SandboxEvent[];
  portalSessions: PortalSession[];
  connections: Connection[];
  directories: Directory[];
  portalSettings: PortalSetting[];
  itContacts: ItContact[];
  itInvitations: ItInvitation[];
}

export function emptyState(): SandboxState {
  return { organizations: [], events: [], portalSessions: [], connections: [], directories: [], portalSettings: [], itContacts: [], itInvitations: [] };
}

const nextUlid = monotonicFactory();

/** A WorkOS-style id: a prefix and a ULID (time-ordered, so ids sort by creation). */
export function newId(prefix: string): string {
  return `${prefix}_${nextUlid()}`;
}

/** A clock that tests can move forward (to expire portal links) without waiting. */
export class SandboxClock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  iso(): string {
    return this.now().toISOString();
  }
}

/**
 * The state plus the operations the API and the portal page perform on it. With a `persistPath`,
 * every change is written to disk (development keeps its organizations across restarts).
 */
/**
 * Where the real API is silent or reported to differ from its spec, the sandbox can take either
 * reading, so that tests prove the app right under each (decision 007).
 */
export interface SandboxReadings {
  /**
   * `GET /events` order: `spec` — as the OpenAPI spec says (descending by default, `order`
   * honoured); `oldest_first` — ascending whatever `order` says (as WorkOS's live API is reported
   * to behave); `newest_first` — descending whatever `order` says (a reading to prove the poller
   * notices a cursor that cannot advance).
   */
  eventsOrder: 'spec' | 'oldest_first' | 'newest_first';
  /**
   * `PUT /organizations/:id` with `domain_data`: `replace` — the list becomes the one sent (what
   * WorkOS is understood to do); `merge` — domains not sent are kept (the spec does not say).
   */
  putDomainData: 'replace' | 'merge';
  /** `Idempotency-Key` on POST: `replayed` — the same key and body get the first answer; `ignored` — every request is new. */
  idempotencyKeys: 'replayed' | 'ignored';
  /**
   * A domain another organization has verified, sent on create or update: `conflict` — a 409 (as
   * the sandbox has always answered); `pending` — accepted, unverified here (the spec is silent).
   */
  domainVerifiedElsewhere: 'conflict' | 'pending';
  /**
   * `POST …/it_contacts/:contactId/revoke`: `contact` — ends that contact's active invitation,
   * 404 when they have none; `organization` — ends the organization's active invitation whoever
   * it went to (the SDK's words: "Revoke the Organization's active Admin Portal invitation").
   */
  itContactRevoke: 'contact' | 'organization';
}

export class SandboxStore {
  state: SandboxState;
  readings: SandboxReadings = {
    eventsOrder: 'spec',
    putDomainData: 'replace',
    idempotencyKeys: 'replayed',
    domainVerifiedElsewhere: 'conflict',
    itContactRevoke: 'contact',
  };
  private readonly listeners: ((event: SandboxEvent) => void)[] = [];

  constructor(
    readonly clock: SandboxClock,
    private readonly persistPath?: string,
  ) {
    this.state = persistPath && fs.existsSync(persistPath) ? loadState(persistPath) : emptyState();
  }

  /** Called with every event emitted (webhook delivery listens here). */
  onEvent(listener: (event: SandboxEvent) => void): void {
    this.listeners.push(listener);
  }

  reset(): void {
    this.state = emptyState();
    this.save();
  }

  save(): void {
    if (!this.persistPath) return;
    fs.mkdirSync(path.dirname(this.persistPath), { recursive: true });
    const temporary = `${this.persistPath}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(this.state));
    fs.renameSync(temporary, this.persistPath);
  }

  findOrganization(id: string): Organization | undefined {
    return this.state.organizations.find((organization) => organization.id === id);
  }

  findOrganizationByExternalId(externalId: string): Organization | undefined {
    return this.state.organizations.find((organization) => organization.external_id === externalId);
  }

  /** The organization (other than `exceptId`) that has verified `domain`, if any. */
  domainVerifiedElsewhere(domain: string, exceptId?: string): Organization | undefined {
    return this.state.organizations.find(
      (organization) => organization.id !== exceptId && organization.domains.some((existing) => existing.domain === domain && existing.state === 'verified'),
    );
  }

  makeDomain(organizationId: string, domain: string, state: DomainState): OrganizationDomain {
    const now = this.clock.iso();
    return {
      object: 'organization_domain',
      id: newId('org_domain'),
      organization_id: organizationId,
      domain,
      state,
      verification_strategy: state === 'verified' ? 'manual' : 'dns',
      verification_token: crypto.randomBytes(18).toString('base64url'),
      verification_prefix: 'workos-domain-verification',
      created_at: now,
      updated_at: now,
    };
  }

  /** Creates an organization directly (start-up seed data), with pending domains. */
  seedOrganization({ name, domains = [], externalId }: { name: string; domains?: string[]; externalId?: string }): Organization {
    const id = newId('org');
    const now = this.clock.iso();
    const organization: Organization = {
      object: 'organization',
      id,
      name,
      domains: domains.map((domain) => this.makeDomain(id, domain, 'pending')),
      metadata: {},
      external_id: externalId ?? null,
      allow_profiles_outside_organization: false,
      created_at: now,
      updated_at: now,
    };
    this.state.organizations.push(organization);
    this.save();
    return organization;
  }

  /** The organization's one active invitation, if it has one. */
  activeInvitation(organizationId: string): ItInvitation | undefined {
    const now = this.clock.now();
    return this.state.itInvitations.find((invitation) => invitation.organization_id === organizationId && invitationStatus(invitation, now) === 'active');
  }

  /** Revokes an invitation and ends the portal sessions opened from it (WorkOS revokes the contact's setup links). */
  revokeInvitation(invitation: ItInvitation): void {
    const now = this.clock.iso();
    invitation.revoked_at = now;
    for (const session of this.state.portalSessions) {
      if (session.it_invitation_id === invitation.id) session.revoked_at = now;
    }
    this.save();
  }

  /** Drops an organization's IT contacts and invitations (the organization was deleted). */
  dropItContacts(organizationId: string): void {
    this.state.itContacts = this.state.itContacts.filter((contact) => contact.organization_id !== organizationId);
    this.state.itInvitations = this.state.itInvitations.filter((invitation) => invitation.organization_id !== organizationId);
    this.save();
  }

  /** Appends an event, notifies listeners (webhooks) and returns it. */
  emit(event: string, data: Record<string, unknown>, organizationId?: string): SandboxEvent {
    const created: SandboxEvent = {
      object: 'event',
      id: newId('event'),
      event,
      data,
      created_at: this.clock.iso(),
      context: {},
      organization_id: organizationId,
    };
    this.state.events.push(created);
    this.save();
    for (const listener of this.listeners) listener(created);
    return created;
  }
}

function loadState(file: string): SandboxState {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<SandboxState>;
  return { ...emptyState(), ...parsed };
}

/** The wire form of an IT contact (`ItContactResponse`: without the sandbox's private fields). */
export function itContactForWire(contact: ItContact): Omit<ItContact, 'organization_id'> {
  const { organization_id: _organizationId, ...wire } = contact;
  return wire;
}

/** The wire form of an event (without the sandbox's private fields). */
export function eventForWire(event: SandboxEvent): Omit<SandboxEvent, 'organization_id'> {
  const { organization_id: _organizationId, ...wire } = event;
  return wire;
}
