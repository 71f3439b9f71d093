import crypto from 'node:crypto';
import express, { type Router } from 'express';
import { z } from 'zod';
import { ApiError, notFound, parse } from './api';
import type { InvitationMailer } from './mail';
import { IT_CONTACT_INTENTS, itContactForWire, newId, type ItContact, type ItInvitation, type SandboxStore } from './store';

/**
 * IT contacts (SDK 12's `organizations.*ItContact*`): the people at a customer who set up its
 * Admin Portal features, and the invitations WorkOS emails them. The public OpenAPI spec does not
 * describe these routes; their shapes follow the SDK's own types (see it-contacts.contract.test.ts).
 */

/** WorkOS keeps an invitation link working for 30 days. */
export const INVITATION_LIFETIME_MS = 30 * 24 * 3_600_000;

const createContactSchema = z.object({ email: z.email() });
const inviteSchema = z.object({
  intents: z
    .array(z.enum(IT_CONTACT_INTENTS))
    .min(1)
    .refine((intents) => new Set(intents).size === intents.length),
});

export function itContactsRouter(
  store: SandboxStore,
  { mailer, invitationUrl }: { mailer: InvitationMailer; invitationUrl: (token: string) => string },
): Router {
  const router = express.Router();

  // A key that authenticates but was not given the IT-contacts permission: refused before anything is looked up.
  router.use('/organizations/:id/it_contacts', (_req, res, next) => {
    if (res.locals.limitedApiKey) {
      throw new ApiError(403, { message: 'This API key lacks the permission to manage IT contacts. Use a key with the IT contacts permission.' });
    }
    next();
  });

  const organizationOf = (id: string) => {
    const organization = store.findOrganization(id);
    if (!organization) throw notFound(id);
    return organization;
  };
  const contactOf = (organizationId: string, contactId: string): ItContact => {
    organizationOf(organizationId);
    const contact = store.state.itContacts.find((candidate) => candidate.id === contactId && candidate.organization_id === organizationId);
    if (!contact) throw new ApiError(404, { message: `IT contact not found: '${contactId}'.` });
    return contact;
  };
  const activeInvitationOf = (contact: ItContact): ItInvitation | undefined => {
    const active = store.activeInvitation(contact.organization_id);
    return active?.contact_id === contact.id ? active : undefined;
  };

  router.get('/organizations/:id/it_contacts', (req, res) => {
    organizationOf(req.params.id);
    const contacts = store.state.itContacts.filter((contact) => contact.organization_id === req.params.id);
    res.json({ object: 'list', data: contacts.map(itContactForWire), list_metadata: { before: null, after: null } });
  });

  router.post('/organizations/:id/it_contacts', (req, res) => {
    const organization = organizationOf(req.params.id);
    const { email } = parse(createContactSchema, req.body);
    const taken = store.state.itContacts.some((contact) => contact.organization_id === organization.id && contact.email.toLowerCase() === email.toLowerCase());
    if (taken) throw new ApiError(409, { message: `The organization already has an IT contact with the email '${email}'.` });
    const now = store.clock.iso();
    const contact: ItContact = { object: 'it_contact', id: newId('it_contact'), email, created_at: now, updated_at: now, organization_id: organization.id };
    store.state.itContacts.push(contact);
    store.save();
    res.status(201).json(itContactForWire(contact));
  });

  // Removes the contact and revokes their active invitation (the SDK: "revoke the contact's active setup links").
  router.delete('/organizations/:id/it_contacts/:contactId', (req, res) => {
    const contact = contactOf(req.params.id, req.params.contactId);
    const active = activeInvitationOf(contact);
    if (active) store.revokeInvitation(active);
    store.state.itContacts = store.state.itContacts.filter((candidate) => candidate !== contact);
    store.save();
    res.status(204).end();
  });

  router.post('/organizations/:id/it_contacts/:contactId/invite', (req, res) => {
    const contact = contactOf(req.params.id, req.params.contactId);
    const organization = organizationOf(req.params.id);
    const body = inviteSchema.safeParse(req.body);
    if (!body.success) {
      const missing = (req.body as { intents?: unknown } | undefined)?.intents === undefined;
      throw new ApiError(422, {
        message: `Validation failed: intents must be a non-empty list of distinct values among ${IT_CONTACT_INTENTS.join(', ')}.`,
        code: 'invalid_request_parameters',
        errors: [{ field: 'intents', code: missing ? 'required' : 'invalid' }],
      });
    }
    // At most one active invitation per organization, whoever it was sent to.
    if (store.activeInvitation(organization.id)) {
      throw new ApiError(409, { message: 'The organization already has an active Admin Portal invitation. Revoke it before sending another.' });
    }
    const now = store.clock.now();
    const invitation: ItInvitation = {
      id: newId('it_invitation'),
      organization_id: organization.id,
      contact_id: contact.id,
      intents: body.data.intents,
      token: crypto.randomBytes(32).toString('base64url'),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + INVITATION_LIFETIME_MS).toISOString(),
      revoked_at: null,
      completed_at: null,
      completed_intents: [],
      email_sent_at: null,
      email_error: null,
    };
    store.state.itInvitations.push(invitation);
    store.save();
    res.status(204).end();
    // After the answer: the email is WorkOS's business, not the caller's.
    mailer.send(invitation, contact, organization, invitationUrl(invitation.token));
  });

  router.post('/organizations/:id/it_contacts/:contactId/revoke', (req, res) => {
    const contact = contactOf(req.params.id, req.params.contactId);
    const active = store.readings.itContactRevoke === 'organization' ? store.activeInvitation(contact.organization_id) : activeInvitationOf(contact);
    if (!active) throw new ApiError(404, { message: `The IT contact '${contact.id}' has no active invitation.` });
    store.revokeInvitation(active);
    res.status(200).json({});
  });

  return router;
}
