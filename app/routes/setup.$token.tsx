import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { setupLaunchSchema } from '~/forms/setup-link';
import { DateTime } from '~/components/local-time';
import { confirmSetupLinkLaunch, findRedeemableLink, recordSetupLinkLaunchFailure, recordSetupLinkView, type RedeemableLink } from '~/models/setup-link.server';
import { companyNameForCustomers, getSettings, supportEmailForCustomers } from '~/models/settings.server';
import { doneFeatures, hasCompletionSignal } from '~/models/setup-progress.server';
import { getEnv } from '~/utils/env.server';
import { getLogger } from '~/utils/logger.server';
import { setupReturnCookie } from '~/utils/setup-return.server';
import { getWorkOS, portalUserIdOf, withPersonDeadline } from '~/utils/workos.server';
import { describeWorkOSError } from '~/utils/workos-errors.server';
import { FEATURE_INFO, SETUP_FEATURES, type SetupFeature } from '~/domain/features';

export const meta: MetaFunction = () => [{ title: 'Set up your company’s sign-in' }, { name: 'robots', content: 'noindex, nofollow' }];

// The IT admin's page: reached by the secret link, no staff account. Unknown, revoked and expired
// links all get the same neutral answer.
export const handle = { access: { loader: 'public', action: 'public' }, layout: 'public' };

type PageData =
  | { valid: false; supportEmail: string | null; companyName: string | null }
  | {
      valid: true;
      supportEmail: string | null;
      /** Null in production while it is still the placeholder: the page then names no company. */
      companyName: string | null;
      organizationName: string;
      /** True once WorkOS reported every feature done: the page says so and offers no launches. */
      allSet: boolean;
      features: { feature: SetupFeature; title: string; description: string; launches: number; done: boolean; reported: boolean }[];
      expiresAt: string;
      problem: string | null;
      done: string | null;
    };

async function neutral() {
  const settings = await getSettings();
  return data<PageData>(
    {
      valid: false,
      supportEmail: supportEmailForCustomers(settings, { production: getEnv().isProduction }),
      companyName: companyNameForCustomers(settings, { production: getEnv().isProduction }),
    },
    { status: 404 },
  );
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const token = params.token ?? '';
  const redeemable = await findRedeemableLink(token);
  if (!redeemable) return neutral();
  // A GET only counts a view: mail scanners open links before people do.
  recordSetupLinkView(redeemable.link);
  const done = SETUP_FEATURES.find((feature) => feature === new URL(request.url).searchParams.get('done')) ?? null;
  return data<PageData>(await pageData(redeemable, { problem: null, done: done ? FEATURE_INFO[done].title : null }), {
    headers: { 'Set-Cookie': await setupReturnCookie().serialize(token) },
  });
}

/** The page for a valid link: each feature with its launches and whether WorkOS reports it done. */
async function pageData(redeemable: RedeemableLink, { problem, done }: { problem: string | null; done: string | null }): Promise<PageData> {
  const settings = await getSettings();
  const { link, organization } = redeemable;
  const finished = await doneFeatures(organization.workosId, link.features);
  return {
    valid: true,
    supportEmail: supportEmailForCustomers(settings, { production: getEnv().isProduction }),
    companyName: companyNameForCustomers(settings, { production: getEnv().isProduction }),
    organizationName: organization.name,
    allSet: link.status === 'completed',
    features: link.features.map((feature) => ({
      feature,
      ...FEATURE_INFO[feature],
      launches: link.launches[feature]?.count ?? 0,
      done: finished.has(feature),
      reported: hasCompletionSignal(feature),
    })),
    expiresAt: link.expiresAt,
    problem,
    done,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const token = params.token ?? '';
  const redeemable = await findRedeemableLink(token);
  if (!redeemable) return neutral();
  const launch = setupLaunchSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!launch.success || !redeemable.link.features.includes(launch.data.feature)) {
    throw new Response('That setup is not part of this link.', { status: 400 });
  }
  const feature = launch.data.feature;
  // A completed setup has nothing left to launch: the page says so again.
  if (redeemable.link.status === 'completed') return data<PageData>(await pageData(redeemable, { problem: null, done: null }), { status: 409 });
  const env = getEnv();
  let portalLink: string;
  try {
    // A fresh 5-minute Admin Portal link, made for this request and never stored or logged.
    // The IT admin waits on this page: WorkOS gets the person's deadline, retries included.
    ({ link: portalLink } = await withPersonDeadline(() =>
      getWorkOS().adminPortal.generateLink({
        organization: redeemable.organization.workosId,
        intent: feature as never,
        // Ties the portal link to this setup link, so that ending the setup link ends it (revokeLink).
        externalUserId: portalUserIdOf(redeemable.link.id),
        returnUrl: `${env.PUBLIC_URL}/setup/return`,
        successUrl: `${env.PUBLIC_URL}/setup/return?done=${feature}`,
      }),
    ));
  } catch (error) {
    const problem = describeWorkOSError(error, { organizationId: redeemable.organization.workosId });
    getLogger().warn(
      { kind: problem.kind, status: problem.status, workosRequestId: problem.requestId, organizationId: redeemable.organization.id },
      'setup launch failed',
    );
    await recordSetupLinkLaunchFailure(redeemable.link, feature, problem.kind, { requestId: context.requestId });
    // A link that ended while WorkOS was failing shows what it is now, not the valid page.
    const current = await findRedeemableLink(token);
    if (!current) return neutral();
    if (current.link.status === 'completed') return data<PageData>(await pageData(current, { problem: null, done: null }), { status: 409 });
    return data<PageData>(
      await pageData(current, {
        problem: 'The setup could not be opened just now. Nothing is lost: please try again in a few minutes. If it keeps happening, contact us.',
        done: null,
      }),
      { status: 503 },
    );
  }
  // WorkOS took its time: the link may have been revoked, completed or may have expired since.
  // Only a link that still opens now sends the IT admin on (a revoke always wins).
  const confirmed = await confirmSetupLinkLaunch(redeemable.link, feature, { requestId: context.requestId });
  if (confirmed.ok) return redirect(portalLink, 303);
  const afterwards = await findRedeemableLink(token);
  if (afterwards?.link.status === 'completed') return data<PageData>(await pageData(afterwards, { problem: null, done: null }), { status: 409 });
  return neutral();
}

export default function SetupPage() {
  // A launch that could not go on answers with the page itself (its problem, or "all set"): the
  // action's answer, when there is one, is what the IT admin must see — not the loader's page.
  const answered = useActionData<typeof action>() as PageData | undefined;
  const loaded = useLoaderData<typeof loader>() as PageData;
  const page = answered ?? loaded;
  if (!page.valid) {
    return (
      <section aria-labelledby="setup-title" className="mx-auto max-w-xl py-8">
        <h1 id="setup-title" className="text-2xl font-bold tracking-tight">
          This setup link is not valid
        </h1>
        <p className="mt-3 text-slate-700">
          It may have expired or been replaced by a newer link. Ask your contact{page.companyName ? ` at ${page.companyName}` : ''} for a new one.
        </p>
        {page.supportEmail ? <SupportContact email={page.supportEmail} className="mt-3 text-slate-700" /> : null}
      </section>
    );
  }
  return (
    <section aria-labelledby="setup-title" className="mx-auto max-w-2xl py-8">
      {page.companyName ? <p className="text-sm font-semibold text-indigo-700">{page.companyName}</p> : null}
      <h1 id="setup-title" className="mt-1 text-2xl font-bold tracking-tight">
        Set up {page.organizationName}
      </h1>
      {page.allSet ? (
        <div role="status" className="mt-4 rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-emerald-900">
          <p className="text-lg font-semibold">All set — thank you!</p>
          <p className="mt-1 text-sm">
            Everything this link was for is set up: {page.features.map((item) => item.title).join(', ')}. There is nothing more to do here, and{' '}
            {page.companyName ?? 'your contact'} has been told.
          </p>
        </div>
      ) : (
        // The expiry in UTC, as the email names it: the page runs no script, so nothing here knows the browser's zone.
        <p className="mt-2 text-slate-700">
          Choose what to set up. Each opens WorkOS’s secure Admin Portal; come back here for the next one. This link is personal: please do not forward it. It
          expires on <DateTime iso={page.expiresAt} timeZone="UTC" />.
        </p>
      )}
      {page.done && !page.allSet ? (
        <p role="status" className="mt-4 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
          Thank you — {page.done} is set up.
        </p>
      ) : null}
      {page.problem ? (
        <p role="alert" className="mt-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {page.problem}
        </p>
      ) : null}
      {page.allSet ? null : (
        <>
          {page.features.some((item) => item.reported) ? (
            <h2 className="mt-6 text-sm font-semibold uppercase tracking-wide text-slate-600">
              {`${page.features.filter((item) => item.done).length} of ${page.features.filter((item) => item.reported).length} done`}
            </h2>
          ) : null}
          <ul className="mt-2 space-y-3" aria-label="Setup steps">
            {page.features.map((item) => (
              <li
                key={item.feature}
                className="flex flex-wrap items-center justify-between gap-4 rounded-lg border border-slate-200 bg-white p-4"
                data-feature={item.feature}
              >
                <div>
                  <h3 className="font-semibold">
                    {item.title}{' '}
                    {item.done ? (
                      <span className="ml-1 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900">Done</span>
                    ) : item.reported ? (
                      <span className="ml-1 rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900">To do</span>
                    ) : null}
                  </h3>
                  <p className="text-sm text-slate-600">{item.description}</p>
                </div>
                {/* A plain form: the 303 to WorkOS must be a real navigation, and the page needs no script. */}
                <form method="post">
                  <input type="hidden" name="feature" value={item.feature} />
                  <button
                    type="submit"
                    className={
                      item.done
                        ? 'rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-800 hover:bg-slate-50'
                        : 'rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700'
                    }
                  >
                    {item.done ? `Review ${item.title}` : item.launches > 0 ? `Continue ${item.title}` : `Set up ${item.title}`}
                  </button>
                </form>
              </li>
            ))}
          </ul>
        </>
      )}
      {page.supportEmail ? <SupportContact email={page.supportEmail} className="mt-6 text-sm text-slate-600" /> : null}
    </section>
  );
}

/** Whom the IT admin writes to with a question: the support contact the Configuration page sets. */
function SupportContact({ email, className }: { email: string; className: string }) {
  return (
    <p className={className}>
      Questions? Write to{' '}
      <a href={`mailto:${email}`} className="text-indigo-700 underline">
        {email}
      </a>
      .
    </p>
  );
}
