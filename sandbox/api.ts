import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { paginate, type ListOrder } from './pagination';
import { eventForWire, newId, PORTAL_INTENTS, type Organization, type OrganizationDomain, type SandboxStore } from './store';

/** A WorkOS-shaped error response. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

/** 422 with WorkOS's `{ message, errors: [{ field, code }] }` body, from a zod failure. */
function validationError(error: z.ZodError): ApiError {
  return new ApiError(422, {
    message: 'Validation failed',
    code: 'invalid_request_parameters',
    errors: error.issues.map((issue) => ({
      field: issue.path.join('.') || 'body',
      code: issue.code === 'invalid_type' && issue.input === undefined ? 'required' : 'invalid',
    })),
  });
}

export function parse<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

const PORTAL_LINK_LIFETIME_MS = 5 * 60_000;
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

const hostnameSchema = z.string().trim().toLowerCase().regex(HOSTNAME);
const externalIdSchema = z
  .string()
  .max(128)
  .regex(/^[\x20-\x7e]*$/)
  .nullable();
const domainDataSchema = z.array(z.object({ domain: hostnameSchema, state: z.enum(['pending', 'verified']) }));

const createOrganizationSchema = z.object({
  name: z.string().trim().min(1),
  domain_data: domainDataSchema.optional(),
  domains: z.array(hostnameSchema).optional(),
  external_id: externalIdSchema.optional(),
  metadata: z.unknown().optional(),
  allow_profiles_outside_organization: z.boolean().optional(),
});

const updateOrganizationSchema = z.object({
  name: z.string().trim().min(1).optional(),
  domain_data: domainDataSchema.optional(),
  domains: z.array(hostnameSchema).optional(),
  external_id: externalIdSchema.optional(),
  metadata: z.unknown().optional(),
  stripe_customer_id: z.string().min(1).optional(),
  allow_profiles_outside_organization: z.boolean().optional(),
});

const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  order: z.enum(['asc', 'desc', 'normal']).optional(),
  before: z.string().min(1).optional(),
  after: z.string().min(1).optional(),
});

const generateLinkSchema = z.object({
  organization: z.string().min(1),
  intent: z.enum(PORTAL_INTENTS),
  return_url: z.url({ protocol: /^https?$/ }).optional(),
  success_url: z.url({ protocol: /^https?$/ }).optional(),
  // The public API calls it it_contact_emails; SDK 9–11 sends admin_emails.
  it_contact_emails: z.array(z.email()).max(20).optional(),
  admin_emails: z.array(z.email()).max(20).optional(),
  intent_options: z.object({ sso: z.object({ bookmark_slug: z.string().optional(), provider_type: z.string().optional() }).optional() }).optional(),
  // SDK 12: who the link is for, so that `POST /portal/revoke_link` can end it and its sessions.
  external_user_id: z.string().min(1).max(200).optional(),
});

const revokeLinkSchema = z.object({ organization: z.string().min(1), external_user_id: z.string().min(1).max(200) });

/** `a,b` or repeated `x=a&x=b`, as the SDK and hand-written clients send lists. */
function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? value : [value];
  return values
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}

export function notFound(id: string): ApiError {
  return new ApiError(404, { message: `Organization not found: '${id}'.` });
}

function validMetadata(value: unknown): Record<string, string> | null | undefined {
  if (value === undefined || value === null) return value as null | undefined;
  const invalid = () =>
    new ApiError(400, { code: 'invalid_metadata', message: 'Metadata must be at most 50 string values, keys up to 40 characters, values up to 600.' });
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid();
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 50) throw invalid();
  for (const [key, item] of entries) {
    if (key.length > 40 || typeof item !== 'string' || item.length > 600) throw invalid();
  }
  return value as Record<string, string>;
}

/** The organizations, Admin Portal and events API: the part of WorkOS the app uses. */
export function apiRouter(store: SandboxStore, { publicUrl }: { publicUrl: () => string }): Router {
  const router = express.Router();

  const requireUniqueExternalId = (externalId: string | null | undefined, exceptId?: string) => {
    if (!externalId) return;
    const holder = store.findOrganizationByExternalId(externalId);
    if (holder && holder.id !== exceptId) {
      throw new ApiError(400, { code: 'external_id_already_used', message: `The external ID '${externalId}' is already used by another organization.` });
    }
  };

  const buildDomains = (
    organizationId: string,
    requested: { domain: string; state: 'pending' | 'verified' | 'legacy_verified' }[],
    existing: OrganizationDomain[] = [],
  ): OrganizationDomain[] => {
    const seen = new Set<string>();
    const domains: OrganizationDomain[] = [];
    for (const { domain, state } of requested) {
      if (seen.has(domain)) continue;
      seen.add(domain);
      const holder = store.domainVerifiedElsewhere(domain, organizationId);
      if (holder && store.readings.domainVerifiedElsewhere === 'conflict') {
        throw new ApiError(409, { message: `The domain '${domain}' is already verified by another organization.` });
      }
      // The other reading: accepted here, but never verified for a second organization.
      const wanted = holder ? 'pending' : state;
      const kept = existing.find((candidate) => candidate.domain === domain);
      if (kept && kept.state === wanted) domains.push(kept);
      else domains.push(store.makeDomain(organizationId, domain, wanted));
    }
    return domains;
  };

  router.post('/organizations', (req, res) => {
    const body = parse(createOrganizationSchema, req.body);
    const metadata = validMetadata(body.metadata) ?? {};
    requireUniqueExternalId(body.external_id);
    const id = newId('org');
    const requested = [...(body.domain_data ?? []), ...(body.domains ?? []).map((domain) => ({ domain, state: 'legacy_verified' as const }))];
    const now = store.clock.iso();
    const organization: Organization = {
      object: 'organization',
      id,
      name: body.name,
      domains: buildDomains(id, requested),
      metadata,
      external_id: body.external_id ?? null,
      allow_profiles_outside_organization: body.allow_profiles_outside_organization ?? false,
      created_at: now,
      updated_at: now,
    };
    store.state.organizations.push(organization);
    store.emit('organization.created', { ...organization }, id);
    res.status(201).json(organization);
  });

  router.get('/organizations', (req, res) => {
    const query = parse(listQuerySchema, req.query);
    const domains = listParam(req.query.domains)?.map((domain) => domain.toLowerCase());
    const search = typeof req.query.search === 'string' ? req.query.search.toLowerCase() : undefined;
    const matching = store.state.organizations.filter(
      (organization) =>
        (!domains || organization.domains.some((domain) => domains.includes(domain.domain))) && (!search || organization.name.toLowerCase().includes(search)),
    );
    const page = paginate(matching, { ...query, order: (query.order ?? 'desc') as ListOrder });
    res.json({ object: 'list', data: page.data, list_metadata: { before: page.before, after: page.after } });
  });

  router.get('/organizations/external_id/:externalId', (req, res) => {
    const organization = store.findOrganizationByExternalId(req.params.externalId);
    if (!organization) throw new ApiError(404, { message: `Organization not found with external ID '${req.params.externalId}'.` });
    res.json(organization);
  });

  router.get('/organizations/:id', (req, res) => {
    const organization = store.findOrganization(req.params.id);
    if (!organization) throw notFound(req.params.id);
    res.json(organization);
  });

  router.put('/organizations/:id', (req, res) => {
    const organization = store.findOrganization(req.params.id);
    if (!organization) throw notFound(req.params.id);
    const body = parse(updateOrganizationSchema, req.body);
    const metadata = validMetadata(body.metadata);
    if (body.external_id !== undefined) requireUniqueExternalId(body.external_id, organization.id);
    const requested = body.domain_data ?? body.domains?.map((domain) => ({ domain, state: 'legacy_verified' as const }));
    let domains = requested ? buildDomains(organization.id, requested, organization.domains) : organization.domains;
    if (requested && store.readings.putDomainData === 'merge') {
      domains = [...domains, ...organization.domains.filter((existing) => !domains.some((domain) => domain.domain === existing.domain))];
    }
    if (body.name !== undefined) organization.name = body.name;
    if (body.external_id !== undefined) organization.external_id = body.external_id;
    if (metadata !== undefined) organization.metadata = metadata ?? {};
    if (body.stripe_customer_id !== undefined) organization.stripe_customer_id = body.stripe_customer_id;
    if (body.allow_profiles_outside_organization !== undefined) {
      organization.allow_profiles_outside_organization = body.allow_profiles_outside_organization;
    }
    organization.domains = domains;
    organization.updated_at = store.clock.iso();
    store.emit('organization.updated', { ...organization }, organization.id);
    res.json(organization);
  });

  router.delete('/organizations/:id', (req, res) => {
    const index = store.state.organizations.findIndex((organization) => organization.id === req.params.id);
    if (index === -1) throw notFound(req.params.id);
    const [deleted] = store.state.organizations.splice(index, 1);
    store.dropItContacts(deleted!.id);
    store.emit('organization.deleted', { ...deleted! }, deleted!.id);
    res.status(202).end();
  });

  router.post('/portal/generate_link', (req, res) => {
    const body = parse(generateLinkSchema, req.body);
    const organization = store.findOrganization(body.organization);
    if (!organization) throw notFound(body.organization);
    const now = store.clock.now();
    const token = crypto.randomBytes(32).toString('base64url');
    store.state.portalSessions.push({
      token,
      organization_id: organization.id,
      intent: body.intent,
      return_url: body.return_url ?? null,
      success_url: body.success_url ?? null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + PORTAL_LINK_LIFETIME_MS).toISOString(),
      opened_at: null,
      external_user_id: body.external_user_id ?? null,
    });
    store.save();
    res.status(201).json({ link: `${publicUrl()}/portal/launch?token=${token}` });
  });

  // Revokes every link generated for the organization with this external user id, and ends the
  // Admin Portal sessions opened from them (SDK 12's adminPortal.revokeLink).
  router.post('/portal/revoke_link', (req, res) => {
    const body = parse(revokeLinkSchema, req.body);
    if (!store.findOrganization(body.organization)) throw notFound(body.organization);
    const now = store.clock.iso();
    for (const session of store.state.portalSessions) {
      if (session.organization_id === body.organization && session.external_user_id === body.external_user_id) session.revoked_at = now;
    }
    store.save();
    res.status(204).end();
  });

  const eventsQuerySchema = listQuerySchema.extend({
    organization_id: z.string().min(1).optional(),
    range_start: z.iso.datetime({ offset: true }).optional(),
    range_end: z.iso.datetime({ offset: true }).optional(),
  });

  router.get('/events', (req, res) => {
    const query = parse(eventsQuerySchema, req.query);
    const types = listParam(req.query.events);
    if (!types || types.length === 0) {
      throw new ApiError(422, { message: 'Validation failed', errors: [{ field: 'events', code: 'required' }] });
    }
    const start = query.range_start ? new Date(query.range_start).toISOString() : undefined;
    const end = query.range_end ? new Date(query.range_end).toISOString() : undefined;
    const matching = store.state.events.filter(
      (event) =>
        types.includes(event.event) &&
        (!query.organization_id || event.organization_id === query.organization_id) &&
        (!start || event.created_at >= start) &&
        (!end || event.created_at <= end),
    );
    const reading = store.readings.eventsOrder;
    const order: ListOrder = reading === 'oldest_first' ? 'asc' : reading === 'newest_first' ? 'desc' : ((query.order ?? 'desc') as ListOrder);
    const page = paginate(matching, { ...query, order });
    res.json({ object: 'list', data: page.data.map(eventForWire), list_metadata: { after: page.data.at(-1)?.id ?? null } });
  });

  return router;
}

/** Turns thrown ApiErrors (and malformed JSON) into WorkOS-shaped responses. */
export function apiErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  if (error instanceof ApiError) {
    res.status(error.status).json(error.body);
    return;
  }
  if (error instanceof SyntaxError && 'body' in error) {
    res.status(400).json({ message: 'The request body is not valid JSON.' });
    return;
  }
  res.status(500).json({ message: 'Internal Server Error' });
}
