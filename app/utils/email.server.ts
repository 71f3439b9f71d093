import nodemailer from 'nodemailer';
import { getEnv, type Env } from './env.server';
import { scrubLinkValues } from './link-secrets';
import { getLogger } from './logger.server';

// Mail goes out over SMTP (`SMTP_URL`) with nodemailer. Callers never hold a database transaction
// while a send runs: a slow mail server must not lock the database (decision 010).

export interface OutgoingEmail {
  to: { address: string; name?: string | null };
  subject: string;
  text: string;
  html: string;
}

/** Why a send failed, in terms safe to store: no server text, no message content. */
export interface EmailFailure {
  /** nodemailer's error class: ECONNECTION, ETIMEDOUT, EAUTH, EENVELOPE, EMESSAGE… or EUNKNOWN. */
  errorClass: string;
  /** The SMTP reply code when the server answered with one (550, 421…). */
  responseCode: number | null;
  /** Whether the same send may work later (a 4xx answer or a connection problem). */
  transient: boolean;
  /** What went wrong, for the rep, without the server's own words. */
  reason: string;
}

export type SendOutcome = { ok: true; messageId: string } | { ok: false; failure: EmailFailure };

const CONNECTION_CLASSES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ETIMEDOUT', 'EPROXY']);

/** Transport options from SMTP_URL: smtps:// is TLS from the start, smtp:// upgrades with STARTTLS. */
export function smtpTransportOptions(env: Env) {
  const url = new URL(env.SMTP_URL);
  const secure = url.protocol === 'smtps:';
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    // In production a plain smtp:// to another host must still upgrade to TLS, or the setup link
    // would cross the network in clear text. A local relay on loopback may be plain.
    requireTLS: env.isProduction && !secure && !loopback,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    // Each stage has its own limit, so a mail server that accepts the connection and then stalls
    // cannot hold the rep's request for ever.
    connectionTimeout: env.SMTP_TIMEOUT_MS,
    greetingTimeout: env.SMTP_TIMEOUT_MS,
    socketTimeout: env.SMTP_TIMEOUT_MS,
    dnsTimeout: env.SMTP_TIMEOUT_MS,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** Who an email is from: the Configuration page's settings have this shape. */
export interface MailSender {
  mailFrom: { name: string; address: string };
  mailReplyTo: string;
}

/** Sends one email. Never throws for a mail problem: the outcome says what happened. */
export async function sendEmail(email: OutgoingEmail, sender?: MailSender): Promise<SendOutcome> {
  const env = getEnv();
  // One connection per email: setup emails are rare, and a pool would hold sockets open for nothing.
  const transport = nodemailer.createTransport(smtpTransportOptions(env));
  try {
    const info = await transport.sendMail({
      // The Configuration page's sender when the caller passes it; else the environment's.
      from: sender?.mailFrom ?? env.MAIL_FROM,
      replyTo: sender?.mailReplyTo ?? env.MAIL_REPLY_TO,
      to: email.to.name ? { name: email.to.name, address: email.to.address } : email.to.address,
      subject: email.subject,
      text: email.text,
      html: email.html,
    });
    return { ok: true, messageId: info.messageId };
  } catch (error) {
    const failure = describeEmailFailure(error);
    const smtpError = error as { command?: unknown; response?: unknown };
    getLogger().warn(
      {
        errorClass: failure.errorClass,
        responseCode: failure.responseCode,
        command: typeof smtpError.command === 'string' ? smtpError.command : undefined,
        // The server's own words help an operator; scrubbed in case a server ever echoes content.
        response: typeof smtpError.response === 'string' ? scrubLinkValues(smtpError.response.slice(0, 300)).text : undefined,
      },
      'email could not be sent',
    );
    return { ok: false, failure };
  } finally {
    transport.close();
  }
}

/** Classifies a nodemailer error by its code and SMTP reply code, never by its message. */
export function describeEmailFailure(error: unknown): EmailFailure {
  const { code, responseCode: rawResponseCode, rejected } = (error ?? {}) as { code?: unknown; responseCode?: unknown; rejected?: unknown };
  const errorClass = typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : 'EUNKNOWN';
  const responseCode = typeof rawResponseCode === 'number' && rawResponseCode >= 200 && rawResponseCode < 600 ? rawResponseCode : null;
  const temporaryAnswer = responseCode !== null && responseCode >= 400 && responseCode < 500;
  const transient = temporaryAnswer || CONNECTION_CLASSES.has(errorClass);
  return { errorClass, responseCode, transient, reason: reasonFor(errorClass, responseCode, Array.isArray(rejected) && rejected.length > 0) };
}

function reasonFor(errorClass: string, responseCode: number | null, recipientRejected: boolean): string {
  switch (errorClass) {
    case 'ETIMEDOUT':
      return 'the mail server did not answer in time.';
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
    case 'EPROXY':
      return 'the mail server could not be reached.';
    case 'EAUTH':
    case 'ENOAUTH':
      return 'the mail server refused Setup Desk’s sign-in (an administrator should check SMTP_URL).';
    case 'ETLS':
    case 'EREQUIRETLS':
      return 'no secure connection to the mail server could be made (an administrator should check SMTP_URL).';
    case 'EENVELOPE':
      if (recipientRejected && responseCode !== null && responseCode >= 500) return 'the mail server refused the recipient’s address — check it.';
      if (responseCode !== null && responseCode < 500) return 'the mail server is busy and asked to try again later.';
      return 'the mail server refused the sender or the recipient.';
    default:
      if (responseCode !== null && responseCode < 500) return 'the mail server is busy and asked to try again later.';
      return 'the mail server refused the message.';
  }
}

/** The email that proves the mail server accepts the sender (the doctor's and System status's). */
export function sendTestEmail(recipient: string, sender: MailSender, sentFrom: string): Promise<SendOutcome> {
  return sendEmail(
    {
      to: { address: recipient },
      subject: 'Setup Desk: test email',
      text: `This test email was sent by ${sentFrom} to check the mail settings. Sender: ${sender.mailFrom.address}.\n`,
      html: `<p>This test email was sent by ${sentFrom} to check the mail settings. Sender: ${sender.mailFrom.address}.</p>`,
    },
    sender,
  );
}
