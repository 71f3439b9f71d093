import type { ActionFunctionArgs } from '@remix-run/node';
import { SignatureVerificationException } from '@workos-inc/node';
import { recordWorkOSEvent } from '~/models/setup-progress.server';
import { getDb, transaction } from '~/utils/db.server';
import { getEnv } from '~/utils/env.server';
import { getLogger } from '~/utils/logger.server';
import { readBodyText } from '~/utils/request-body.server';
import { getWorkOS } from '~/utils/workos.server';

// WorkOS posts here without a session: the signature (HMAC of the raw body with
// WORKOS_WEBHOOK_SECRET) is the credential. No Origin header either, so the origin check lets it by.
export const handle = { access: { loader: 'public', action: 'public' } };

/** Only WorkOS's POSTs belong here; a GET (someone checking the URL) is told so. */
export function loader() {
  return new Response('Method not allowed: WorkOS posts webhooks here.', { status: 405, headers: { Allow: 'POST', 'Content-Type': 'text/plain' } });
}

const MAX_WEBHOOK_BYTES = 256 * 1024;
/** The SDK's tolerance for old timestamps (3 minutes); the same bound is applied to future ones. */
const TOLERANCE_MS = 180_000;

function refuse(status: number, reason: string, extra: Record<string, unknown> = {}) {
  // The reason, never the body: a payload that failed verification is not to be trusted or kept.
  getLogger().warn({ reason, ...extra }, 'webhook refused');
  return new Response(`Webhook refused: ${reason}.`, { status, headers: { 'Content-Type': 'text/plain' } });
}

/**
 * `POST /webhooks/workos`: verifies the signature on the raw body, then records the event and
 * applies it in one transaction before answering — the work takes milliseconds, and an event is
 * never acknowledged before it is safely stored. A replay (same event id) changes nothing.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== 'POST') return loader();
  const secret = getEnv().WORKOS_WEBHOOK_SECRET;
  if (!secret) return refuse(503, 'webhooks are not configured here (set WORKOS_WEBHOOK_SECRET)');
  const signature = request.headers.get('workos-signature');
  if (!signature) return refuse(400, 'no WorkOS-Signature header');
  const timestamp = Number(/(?:^|,)\s*t=(\d+)/.exec(signature)?.[1]);
  if (Number.isFinite(timestamp) && timestamp > Date.now() + TOLERANCE_MS) return refuse(400, 'signature timestamp in the future');

  const payload = await readBodyText(request, MAX_WEBHOOK_BYTES);
  const options = { payload, sigHeader: signature, secret, tolerance: TOLERANCE_MS };
  try {
    await getWorkOS().webhooks.verifyHeader(options);
  } catch (error) {
    if (error instanceof SignatureVerificationException) return refuse(400, error.message.replace(/\.$/, ''));
    throw error;
  }
  // Signed is not the same as well formed: `null`, an array or a bare string verify just as well.
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return refuse(400, 'the signed body is not JSON');
  }
  if (!isEventEnvelope(body)) return refuse(400, 'the body is not a WorkOS event');
  let event: unknown;
  try {
    event = await getWorkOS().webhooks.constructEvent(options);
  } catch (error) {
    if (error instanceof TypeError) return refuse(400, 'the body is not a WorkOS event');
    throw error;
  }

  let outcome;
  try {
    outcome = await transaction(getDb(), (trx) => recordWorkOSEvent(event, 'webhook', { db: trx }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ZodError') return refuse(400, 'the body is not a WorkOS event');
    throw error;
  }
  const { id, event: type } = event as { id: string; event: string };
  getLogger().info(
    { eventId: id, event: type, recorded: outcome.recorded, applied: outcome.applied, completedLinkId: outcome.completedLinkId, requestId: context.requestId },
    outcome.setupEvent ? (outcome.recorded ? 'webhook event recorded' : 'webhook event already recorded') : 'webhook event ignored (not a setup event)',
  );
  return Response.json({ received: true, duplicate: outcome.setupEvent && !outcome.recorded });
}

/** What every WorkOS event is before the SDK reads it: an object with an id, a type and data. */
function isEventEnvelope(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { id, event, data } = body as Record<string, unknown>;
  return typeof id === 'string' && typeof event === 'string' && typeof data === 'object' && data !== null && !Array.isArray(data);
}
