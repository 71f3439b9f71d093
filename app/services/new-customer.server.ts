import type { NewCustomerInput } from '~/forms/customer';
import type { AuditActor } from '~/models/audit.server';
import {
  findOrganizationBySubmission,
  findPossibleDuplicates,
  finishOrganizationCreation,
  startOrganizationCreation,
  type PossibleDuplicate,
} from '~/models/organization.server';
import {
  ActiveLinkExistsError,
  createSetupLink,
  getSetupLinkOverview,
  LinkBeingSentError,
  refuseUnconfiguredEmail,
  SetupLinkRuleError,
  type IssuedSetupLink,
} from '~/models/setup-link.server';
import type { StaffRow } from '~/models/staff.server';
import type { ModelContext } from '~/utils/db.server';
import { withPersonDeadline } from '~/utils/workos.server';
import type { WorkOSProblem } from '~/utils/workos-errors.server';

/**
 * What one "New customer" submission came to (decision 018). Nothing is made before the
 * duplicates are seen; the organization is made before the link; each later step's failure
 * leaves what the earlier ones made, and says so.
 */
export type NewCustomerOutcome =
  /** Organizations here look like this customer: nothing was made; the rep decides. */
  | { kind: 'duplicates'; duplicates: PossibleDuplicate[] }
  /** WorkOS refused the organization's data: nothing exists anywhere; the rep corrects the form. */
  | { kind: 'refused'; problem: WorkOSProblem }
  /** This form was already submitted (a double submit): nothing more was made. */
  | { kind: 'already_submitted'; organizationId: number }
  /** Saved here, not yet in WorkOS: no link was issued; a retry of the same form finishes both. */
  | { kind: 'pending'; organizationId: number; problem: WorkOSProblem }
  /** Created in WorkOS; the link's rules refused the link (nothing was sent). */
  | { kind: 'link_refused'; organizationId: number; message: string }
  /** The link could not be emailed as configured (production placeholders): nothing was made. */
  | { kind: 'not_deliverable'; message: string }
  /** Created in WorkOS, and the link issued: copied (its URL, once), emailed, or its email refused. */
  | { kind: 'issued'; organizationId: number; issued: IssuedSetupLink };

/**
 * Creates the customer's organization in WorkOS, then issues its setup link — one submission,
 * idempotent by its submission id: a double submit finds the first one's organization and makes
 * nothing more; a retry (`input.retry`) of a creation WorkOS did not finish finishes it and then
 * issues the link, unless that organization already has one (one submission, at most one link).
 * An organization rule the form broke throws the model's `OrganizationRuleError`.
 */
export async function createCustomer(
  input: NewCustomerInput,
  actor: AuditActor & { role: StaffRow['role'] },
  ctx: ModelContext & { /** The rep's zone, for times in a refusal. */ timeZone?: string } = {},
): Promise<NewCustomerOutcome> {
  const timeZone = ctx.timeZone ?? 'UTC';
  const { organization, link } = input;
  // Only a submission that already made its organization is a retry, whatever the form says.
  const retry = input.retry && (await findOrganizationBySubmission(organization.submissionId, { db: ctx.db })) !== null;
  if (!retry) {
    const duplicates = await findPossibleDuplicates(
      { name: organization.name, domains: organization.domains, exceptSubmissionId: organization.submissionId },
      {},
      { db: ctx.db },
    );
    const unseen = duplicates.filter((duplicate) => !input.createAnyway.includes(duplicate.id));
    if (unseen.length > 0) return { kind: 'duplicates', duplicates };
  }

  // An email this deployment must not send is refused before the organization is made.
  try {
    await refuseUnconfiguredEmail(link, { db: ctx.db });
  } catch (error) {
    if (error instanceof SetupLinkRuleError) return { kind: 'not_deliverable', message: error.messageIn(timeZone) };
    throw error;
  }
  const started = await startOrganizationCreation(organization, actor, ctx);
  // A double submit of the form (not its Retry): the first request is making it, or made it.
  if (started.existing && !retry) return { kind: 'already_submitted', organizationId: started.id };

  const created = await withPersonDeadline(() => finishOrganizationCreation(started.id, actor, ctx));
  if (!created.ok && created.discarded) return { kind: 'refused', problem: created.problem };
  if (!created.ok) return { kind: 'pending', organizationId: started.id, problem: created.problem };

  // A retry of a submission whose link was already issued (a double click on Retry, or a retry
  // after it all went through) issues none: only a link whose email was refused is sent again.
  if (started.existing) {
    const { latest } = await getSetupLinkOverview(started.id, { db: ctx.db });
    if (latest && latest.status !== 'failed') return { kind: 'already_submitted', organizationId: started.id };
  }
  try {
    const issued = await createSetupLink(started.id, link, actor, ctx);
    return { kind: 'issued', organizationId: started.id, issued };
  } catch (error) {
    if (!(error instanceof SetupLinkRuleError)) throw error;
    // Two retries at once: the other one is issuing (or issued) this submission's link. Any other
    // refusal (an organization archived meanwhile) is said as it is.
    if (started.existing && (error instanceof ActiveLinkExistsError || error instanceof LinkBeingSentError)) {
      return { kind: 'already_submitted', organizationId: started.id };
    }
    return { kind: 'link_refused', organizationId: started.id, message: error.messageIn(timeZone) };
  }
}
