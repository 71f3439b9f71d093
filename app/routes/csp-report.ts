import type { ActionFunctionArgs } from '@remix-run/node';
import { cspReportSchema } from '~/forms/csp-report';
import { redactUrlForLog } from '~/utils/link-secrets';
import { getLogger } from '~/utils/logger.server';
import { readBodyText } from '~/utils/request-body.server';

// Browsers post reports without credentials, so it cannot require sign-in.
export const handle = { access: { action: 'public' } };

const MAX_REPORT_BYTES = 16 * 1024;

/**
 * Receives Content-Security-Policy violation reports so that a blocked script shows up in the
 * logs. Public by nature (browsers post here without credentials), so it logs only the
 * directive, the blocked origin and the redacted page path: the page may be an IT admin's setup
 * page whose URL is a secret.
 */
export async function action({ request }: ActionFunctionArgs) {
  const text = await readBodyText(request, MAX_REPORT_BYTES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return new Response('Expected a JSON CSP report', { status: 400 });
  }
  const result = cspReportSchema.safeParse(parsed);
  if (!result.success) return new Response('Expected a JSON CSP report', { status: 400 });
  const report = result.data['csp-report'];
  getLogger().warn(
    {
      directive: report['effective-directive'] ?? report['violated-directive'],
      blocked: originOnly(report['blocked-uri']),
      page: pathOnly(report['document-uri']),
    },
    'content security policy violation',
  );
  return new Response(null, { status: 204 });
}

function originOnly(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  try {
    return new URL(uri).origin;
  } catch {
    return uri.slice(0, 40).replace(/[^a-z-]/gi, ''); // keywords such as "inline" or "eval"
  }
}

function pathOnly(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  try {
    return redactUrlForLog(new URL(uri).pathname);
  } catch {
    return undefined;
  }
}
