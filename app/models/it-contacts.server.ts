import { ConflictException, GenericServerException, NotFoundException, UnprocessableEntityException } from '@workos-inc/node';
import { z } from 'zod';
import { INVITATION_INTENTS, type InvitationFeature } from '~/domain/features';
import { getDb, type ModelContext } from '~/utils/db.server';
import { describeWorkOSError, workosWords, type WorkOSProblem } from '~/utils/workos-errors.server';
import { getWorkOS, getWorkOSWithoutRetries, isoTimestamp, rootWorkOSError } from '~/utils/workos.server';
import { recordAuditEvent, type AuditActor } from './audit.server';

/**
 * WorkOS's IT contacts (decision 025): the people WorkOS itself emails — an Admin Portal
 * invitation (`inviteItContact`, at most one active per organization), or its own alerts of an
 * expiring certificate. The one place the app calls these endpoints; every answer is checked
 * before it is believed. The caller sets the deadline (`withPersonDeadline`, or maintenance's own).
 */

export interface ItContact {
  id: string;
  email: string;
  createdAt: string | null;
}

const contactShape = z.object({ id: z.string().min(1).max(100), email: z.string().min(3).max(320), createdAt: z.unknown().optional() });

/** WorkOS answered with something that is not an IT contact: believed nowhere. */
export class UnexpectedWorkOSAnswerError extends Error {
  constructor(what: string) {
    super(`WorkOS answered ${what} with something that is not an IT contact`);
    this.name = 'UnexpectedWorkOSAnswerError';
  }
}

function toContact(value: unknown, what: string): ItContact {
  const parsed = contactShape.safeParse(value);
  if (!parsed.success) throw new UnexpectedWorkOSAnswerError(what);
  return { id: parsed.data.id, email: parsed.data.email, createdAt: isoTimestamp(parsed.data.createdAt) };
}

const sameAddress = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The organization's IT contacts, as WorkOS knows them. */
export async function listItContacts(organizationWorkosId: string): Promise<ItContact[]> {
  const list = await getWorkOS().organizations.listItContacts({ organizationId: organizationWorkosId });
  const data = (list as { data?: unknown }).data;
  if (!Array.isArray(data)) throw new UnexpectedWorkOSAnswerError('the list of IT contacts');
  return data.map((item) => toContact(item, 'the list of IT contacts'));
}

/**
 * The IT contact with this address: made, or — WorkOS answering 409, it exists — found in the
 * list. `existed` says which.
 */
export async function ensureItContact(organizationWorkosId: string, email: string): Promise<ItContact & { existed: boolean }> {
  try {
    const created = await getWorkOS().organizations.createItContact({ organizationId: organizationWorkosId, email });
    return { ...toContact(created, 'the new IT contact'), existed: false };
  } catch (error) {
    if (!(rootWorkOSError(error) instanceof ConflictException)) throw error;
    const existing = (await listItContacts(organizationWorkosId)).find((contact) => sameAddress(contact.email, email));
    if (!existing) throw new ContactNotListedError();
    return { ...existing, existed: true };
  }
}

/**
 * WorkOS refused the contact as existing, and its list (SDK 12 reads its first page only) does
 * not have it.
 */
export class ContactNotListedError extends Error {
  constructor() {
    super('WorkOS says the IT contact exists but does not list it');
    this.name = 'ContactNotListedError';
  }
}

/** WorkOS refused a second invitation: the organization has an active one already. */
export class InvitationExistsError extends Error {
  constructor() {
    super('WorkOS already has an active Admin Portal invitation for this organization');
    this.name = 'InvitationExistsError';
  }
}

/**
 * Has WorkOS create a setup link for `features` and email it to the contact — one attempt: a
 * retry of a POST whose answer was lost would be refused as a second invitation (WorkOS keeps one
 * per organization), and the caller treats no answer as "may have been sent". A 409 is
 * InvitationExistsError: Setup Desk revokes only the invitations of its own links, never one it
 * cannot tell apart (WorkOS's dashboard may have sent it).
 */
export async function inviteItContact(organizationWorkosId: string, contactId: string, features: InvitationFeature[]): Promise<void> {
  const intents = features.map((feature) => INVITATION_INTENTS[feature]);
  try {
    await getWorkOSWithoutRetries().organizations.inviteItContact({ organizationId: organizationWorkosId, contactId, intents });
  } catch (error) {
    if (rootWorkOSError(error) instanceof ConflictException) throw new InvitationExistsError();
    throw error;
  }
}

/**
 * Ends the contact's active invitation. WorkOS answering 404 — no such invitation (revoked,
 * completed, expired) or contact — is success: what was to end has ended.
 */
export async function revokeInvitation(organizationWorkosId: string, contactId: string): Promise<void> {
  try {
    await getWorkOS().organizations.revokeItContact({ organizationId: organizationWorkosId, contactId });
  } catch (error) {
    if (rootWorkOSError(error) instanceof NotFoundException) return;
    throw error;
  }
}

/** What went wrong with an IT-contacts call, in words a rep can act on (the organizations' wording does not fit). */
export function describeItContactError(thrown: unknown): WorkOSProblem {
  const error = rootWorkOSError(thrown);
  if (thrown instanceof InvitationExistsError) {
    return {
      kind: 'invitation_exists',
      message:
        'WorkOS already has an active invitation for this organization: one sent from the WorkOS dashboard, or an earlier WorkOS-sent link’s that WorkOS keeps open after its setup completed. Revoke it in the WorkOS dashboard, or send the link by email or copy it.',
      refused: true,
      status: 409,
    };
  }
  if (thrown instanceof ContactNotListedError) {
    return {
      kind: 'invalid_request',
      message: 'WorkOS says this IT contact exists but did not list it: try again in a minute, or send the link by email.',
      refused: true,
      status: 409,
    };
  }
  if (error instanceof ConflictException) {
    return {
      kind: 'invalid_request',
      message: `WorkOS refused the request as conflicting with what it holds (${workosWords(error)}). Try again in a minute, or send the link by email.`,
      refused: true,
      status: 409,
    };
  }
  if (thrown instanceof UnexpectedWorkOSAnswerError) {
    return { kind: 'unavailable', message: 'WorkOS answered with something unexpected. Try again in a minute.', refused: false };
  }
  if (error instanceof GenericServerException && error.status === 403) {
    return {
      kind: 'forbidden',
      message:
        'WorkOS refused: this API key may not manage IT contacts. An admin can give the key that permission in the WorkOS dashboard, or send the link by email.',
      refused: true,
      status: 403,
    };
  }
  if (error instanceof NotFoundException) {
    return {
      kind: 'not_found',
      message: 'WorkOS does not know this organization (or its IT contact) any more: run “Sync from WorkOS”, then try again.',
      refused: true,
      status: 404,
    };
  }
  if (error instanceof UnprocessableEntityException) {
    return {
      kind: 'invalid_request',
      message: `WorkOS refused the invitation as invalid (${workosWords(error)}).`,
      refused: true,
      status: 422,
    };
  }
  return describeWorkOSError(thrown);
}

/**
 * Registers the IT admin a link was emailed to as the organization's IT contact (the
 * organization opted in), so that WorkOS's own alerts — an expiring certificate — reach them.
 * Best effort within the caller's deadline: audited either way, never raised.
 */
export async function registerItAdmin(
  organization: { id: number; workosId: string | null },
  email: string,
  actor: AuditActor,
  { db = getDb(), requestId }: ModelContext = {},
): Promise<boolean> {
  if (!organization.workosId) return false;
  try {
    const contact = await ensureItContact(organization.workosId, email);
    await recordAuditEvent(
      {
        actor,
        action: 'organization.it_contact_registered',
        organizationId: organization.id,
        requestId,
        details: { email, contactId: contact.id, existed: contact.existed },
      },
      { db },
    );
    return true;
  } catch (error) {
    const problem = describeItContactError(error);
    await recordAuditEvent(
      {
        actor,
        action: 'organization.it_contact_register_failed',
        organizationId: organization.id,
        requestId,
        details: { email, kind: problem.kind, status: problem.status ?? null },
      },
      { db },
    );
    return false;
  }
}
