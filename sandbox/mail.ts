import nodemailer from 'nodemailer';
import type { ItContact, ItContactIntent, ItInvitation, Organization, SandboxStore } from './store';

/**
 * The email WorkOS sends an IT contact when they are invited to set up the Admin Portal. Sent over
 * SMTP to the mail server the sandbox was given (a local catcher: never a real inbox), after the
 * API has answered; a failure is recorded on the invitation and never reaches the API caller.
 */

export interface SandboxMailOptions {
  host: string;
  port: number;
  /** The sender; WorkOS's own when absent. */
  from?: string;
}

export const WORKOS_MAIL_FROM = 'WorkOS <no-reply@workos.com>';
/** A catcher on loopback answers at once; a stalled one must not keep a send (and `stop()`) waiting long. */
const SMTP_TIMEOUT_MS = 10_000;

export const IT_INTENT_TITLES: Record<ItContactIntent, string> = {
  sso: 'Single Sign-On',
  directory_sync: 'Directory Sync',
  log_streams: 'Log Streams',
  domain_verification: 'Domain Verification',
  bring_your_own_key: 'Bring Your Own Key',
};

/** "A", "A and B", "A, B and C". */
export function featureList(intents: readonly ItContactIntent[]): string {
  const titles = intents.map((intent) => IT_INTENT_TITLES[intent]);
  return titles.length <= 1 ? (titles[0] ?? '') : `${titles.slice(0, -1).join(', ')} and ${titles.at(-1)}`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function invitationEmail(organization: Organization, invitation: ItInvitation, url: string) {
  const features = featureList(invitation.intents);
  const expires = new Date(invitation.expires_at).toUTCString();
  const subject = `Set up ${features} for ${organization.name}`;
  const text = [
    `You have been invited to set up ${features} for ${organization.name}.`,
    '',
    `Open the Admin Portal: ${url}`,
    '',
    `The link works until ${expires}. If you did not expect this email, you can ignore it.`,
    '',
    '— WorkOS',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1e293b">
<p>You have been invited to set up <strong>${escapeHtml(features)}</strong> for <strong>${escapeHtml(organization.name)}</strong>.</p>
<p><a href="${escapeHtml(url)}">Open the Admin Portal</a></p>
<p>The link works until ${escapeHtml(expires)}. If you did not expect this email, you can ignore it.</p>
<p>— WorkOS</p></body></html>`;
  return { subject, text, html };
}

/** Sends invitation emails in the background; `settle()` waits for the ones under way. */
export class InvitationMailer {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly store: SandboxStore,
    private readonly options: SandboxMailOptions | undefined,
  ) {}

  /** Sends the invitation's email (nothing without a mail server: the invitation is kept all the same). */
  send(invitation: ItInvitation, contact: ItContact, organization: Organization, url: string): void {
    if (!this.options) return;
    const { host, port, from = WORKOS_MAIL_FROM } = this.options;
    const email = invitationEmail(organization, invitation, url);
    const sending = (async () => {
      const transport = nodemailer.createTransport({
        host,
        port,
        secure: false,
        connectionTimeout: SMTP_TIMEOUT_MS,
        greetingTimeout: SMTP_TIMEOUT_MS,
        socketTimeout: SMTP_TIMEOUT_MS,
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      try {
        await transport.sendMail({ from, to: contact.email, ...email });
        invitation.email_sent_at = this.store.clock.iso();
        invitation.email_error = null;
      } catch (error) {
        // Its class and code only: the server's words could quote the message, link and all.
        const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
        invitation.email_error = [code, responseCode].filter((part) => part !== undefined).join(' ') || 'send failed';
      } finally {
        transport.close();
        this.store.save();
      }
    })();
    this.pending.add(sending);
    void sending.finally(() => this.pending.delete(sending));
  }

  async settle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}
