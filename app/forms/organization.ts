import { z } from 'zod';
import { optionalHistoryText } from './history-text';
import { idSchema } from './ids';
import { ORGANIZATION_NAME_MAX, EXTERNAL_ID_MAX, DOMAINS_MAX } from '~/domain/organizations';

const HOSTNAME = /^(?=.{3,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

/**
 * Domains typed one per line (or separated by commas or spaces): lower-cased, de-duplicated, and
 * each a bare host name — "https://acme.com/login" is refused with a message saying what to type.
 */
export const domainListSchema = z
  .string()
  .max(20_000, 'That is too much text for a list of domains.')
  .optional()
  .transform((value, ctx) => {
    const entries = (value ?? '')
      .split(/[\s,;]+/)
      .map((entry) => entry.trim().toLowerCase().replace(/\.$/, ''))
      .filter(Boolean);
    const domains: string[] = [];
    for (const entry of entries) {
      if (/^[a-z][a-z0-9+.-]*:\/\//.test(entry) || entry.includes('/') || entry.includes('@')) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not a bare domain: type only the host name, like acme.com.` });
        return z.NEVER;
      }
      if (!HOSTNAME.test(entry)) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not a valid domain name.` });
        return z.NEVER;
      }
      if (!domains.includes(entry)) domains.push(entry);
    }
    if (domains.length > DOMAINS_MAX) {
      ctx.addIssue({ code: 'custom', message: `Add at most ${DOMAINS_MAX} domains.` });
      return z.NEVER;
    }
    return domains;
  });

export const organizationNameSchema = z
  .string({ error: 'Enter the organization’s name.' })
  .trim()
  .min(1, 'Enter the organization’s name.')
  .max(ORGANIZATION_NAME_MAX, `Use at most ${ORGANIZATION_NAME_MAX} characters.`);

export const externalIdSchema = z
  .string()
  .trim()
  .max(EXTERNAL_ID_MAX, `Use at most ${EXTERNAL_ID_MAX} characters.`)
  .regex(/^[\x20-\x7e]*$/, 'Use plain ASCII letters, digits and punctuation only.')
  .optional()
  .transform((value) => (value ? value : null));

const checkbox = z
  .string()
  .optional()
  .transform((value) => value === 'on' || value === 'true');

export const newOrganizationSchema = z.object({
  /** Generated when the form is shown: a double submit or a resubmit finds the same row. */
  submissionId: z.uuid({ error: 'The form is out of date: reload the page and try again.' }),
  name: organizationNameSchema,
  domains: domainListSchema,
  domainsVerified: checkbox,
  externalId: externalIdSchema,
  csOwnerId: z.coerce.number({ error: 'Choose a CS owner.' }).int().positive('Choose a CS owner.'),
  note: optionalHistoryText,
});
export type NewOrganizationInput = z.output<typeof newOrganizationSchema>;

export const editOrganizationSchema = z.object({
  name: organizationNameSchema,
  domains: domainListSchema,
  /** The domains the page showed when the form was loaded: what the rep removed is taken from these. */
  shownDomains: z.union([z.undefined(), domainListSchema]).catch(undefined),
  domainsVerified: checkbox,
  externalId: externalIdSchema,
});
export type EditOrganizationInput = Omit<z.output<typeof editOrganizationSchema>, 'shownDomains'> & { shownDomains?: string[] };
export const organizationListQuerySchema = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  owner: z
    .union([z.literal('mine'), idSchema])
    .optional()
    .catch(undefined),
  status: z.enum(['current', 'pending', 'active', 'archived']).default('current').catch('current'),
  sort: z.enum(['name', 'newest']).default('name').catch('name'),
  link: z.enum(['any', 'none', 'active', 'expiring', 'expired', 'completed']).default('any').catch('any'),
  setup: z.enum(['any', 'not_started', 'waiting', 'in_progress', 'attention', 'completed']).default('any').catch('any'),
  after: z.string().max(500).optional().catch(undefined),
  before: z.string().max(500).optional().catch(undefined),
});
export type OrganizationListQuery = z.output<typeof organizationListQuerySchema>;

/** The home page's ?owner=: mine (a rep's default), everyone, or a staff id. Anything else is the default. */
export const homeOwnerSchema = z
  .union([z.enum(['mine', 'everyone']), idSchema])
  .optional()
  .catch(undefined);
