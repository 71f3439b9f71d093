import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { renderToStaticMarkup } from 'react-dom/server';
import { renderSetupLinkEmail } from '~/emails/setup-link';
import { readSetupLinkForm } from '~/forms/setup-link';
import { getSettings } from '~/models/settings.server';
import { getActiveSetupLink } from '~/models/setup-link.server';
import { requireStaff } from '~/services/auth.server';
import { organizationFromParams } from '~/services/route-params.server';
import { getEnv } from '~/utils/env.server';
import { formErrors } from '~/utils/forms';

/**
 * The setup email as the IT admin would get it, for a draft that is not sent: the create, recreate
 * and resend forms post here into a new tab. The link in it is a placeholder that opens nothing —
 * a preview never makes a token. The server gives this path its own CSP (inline styles, which an
 * email needs; no scripts, nothing loaded, sandboxed).
 */
export const handle = { access: { loader: 'support', action: 'support' } };

/** Where the preview's button points: a path no token can match (tokens start with `sdl_`). */
export const PREVIEW_PLACEHOLDER_PATH = '/setup/preview-placeholder';

// A preview is the answer to a form; opened directly, it goes back to the organization.
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireStaff(request, 'support');
  const organization = await organizationFromParams(params);
  return redirect(`/organizations/${organization.id}`);
}

export async function action({ request, params }: ActionFunctionArgs) {
  const staff = await requireStaff(request, 'support');
  const organization = await organizationFromParams(params);
  const settings = await getSettings();
  const form = readSetupLinkForm(await request.formData(), settings.linkLifetime);
  if (!form.success || !form.data.email) {
    const problems = form.success
      ? ['Choose “Send by email” to preview an email.']
      : Object.entries(formErrors(form.error).fieldErrors).map(([field, messages]) => `${FIELD_LABELS[field] ?? field}: ${messages?.[0]}`);
    return html(previewProblems(problems), 400);
  }
  const env = getEnv();
  const { email, features, lifetimeDays } = form.data;
  const rendered = renderSetupLinkEmail({
    organizationName: organization.name,
    recipientName: email.name ?? null,
    senderName: staff.name,
    companyName: settings.companyName,
    supportEmail: settings.supportEmail,
    features,
    url: `${env.PUBLIC_URL}${PREVIEW_PLACEHOLDER_PATH}`,
    expiresAt: new Date(Date.now() + lifetimeDays * 86_400_000).toISOString(),
    message: email.message ?? null,
    // An email sent while a link is active replaces it (a resend, or a recreate by email): the preview says so as the email will.
    replacesEarlierLink: (await getActiveSetupLink(organization.id)) !== null,
  });
  const from = settings.mailFrom.name ? `${settings.mailFrom.name} <${settings.mailFrom.address}>` : settings.mailFrom.address;
  const banner = renderToStaticMarkup(
    <div
      style={{
        fontFamily: 'system-ui, sans-serif',
        fontSize: '14px',
        background: '#fef3c7',
        borderBottom: '1px solid #f59e0b',
        padding: '12px 16px',
        color: '#78350f',
      }}
    >
      <p style={{ margin: '0 0 8px', fontWeight: 700 }}>
        Preview — not sent. The button’s link is a placeholder; the real email carries the IT admin’s own link.
      </p>
      <table style={{ borderCollapse: 'collapse' }}>
        <tbody>
          {[
            ['From', from],
            ['Reply-To', settings.mailReplyTo],
            ['To', email.name ? `${email.name} <${email.address}>` : email.address],
            ['Subject', rendered.subject],
          ].map(([label, value]) => (
            <tr key={label}>
              <th scope="row" style={{ textAlign: 'left', padding: '2px 12px 2px 0', fontWeight: 600 }}>
                {label}
              </th>
              <td data-preview-header={label}>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>,
  );
  const plainText = renderToStaticMarkup(
    <section style={{ maxWidth: '600px', margin: '0 auto', padding: '24px 12px', fontFamily: 'system-ui, sans-serif' }} aria-label="Plain-text version">
      <h2 style={{ fontSize: '16px' }}>Plain-text version (for mail clients that do not show HTML)</h2>
      <pre style={{ whiteSpace: 'pre-wrap', background: '#ffffff', border: '1px solid #e2e8f0', padding: '16px', fontSize: '13px' }}>{rendered.text}</pre>
    </section>,
  );
  // The email is a whole document: the banner goes in at the top of its body, the text at the end.
  // Inserted by function, never as a replacement string: the rep's words may hold `$&` or `` $` ``,
  // which String.replace would expand (a thousand `` $` `` made a 6.5 MB page).
  const page = rendered.html
    .replace(/<body([^>]*)>/, (_, attributes: string) => `<body${attributes}>${banner}`)
    .replace('</body>', () => `${plainText}</body>`);
  return html(page, 200);
}

const FIELD_LABELS: Record<string, string> = {
  delivery: 'Delivery',
  recipientEmail: 'IT admin’s email',
  recipientName: 'IT admin’s name',
  message: 'Personal message',
  features: 'Features',
  lifetimeDays: 'Valid for (days)',
  note: 'Internal note',
};

function previewProblems(problems: string[]): string {
  return `<!DOCTYPE html>${renderToStaticMarkup(
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>Email preview: fix the form first</title>
      </head>
      <body style={{ fontFamily: 'system-ui, sans-serif', padding: '24px' }}>
        <h1 style={{ fontSize: '20px' }}>The email cannot be previewed yet</h1>
        <p>Fix these in the form, then preview again:</p>
        <ul>
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      </body>
    </html>,
  )}`;
}

function html(body: string, status: number): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
}
