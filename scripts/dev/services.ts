import crypto from 'node:crypto';
import { DEFAULT_SANDBOX_API_KEY, startSandbox } from '../../sandbox/server';
import { startMailCatcher } from './maildev';

/**
 * What `npm run dev` starts beside the app. Each service starts, hands the app the environment
 * that points at it, prints how to reach it, and stops with the launcher. A new development
 * service plugs in by adding an entry to `developmentServices`; those started before it can hand
 * it what they offer (the local mail catcher's SMTP port, for the WorkOS sandbox's emails).
 */
export interface StartedService {
  /** Variables merged into the app's environment (a variable the developer set wins). */
  env: Record<string, string>;
  /** Lines for the start-up banner: where to look, how to sign in. */
  banner: string[];
  /** A mail catcher on this machine that other services may send to (never a real mail server). */
  localSmtp?: { host: string; port: number };
  stop(): Promise<void>;
}

/** What the services started so far offer the next one. */
export interface DevServiceContext {
  localSmtp?: { host: string; port: number };
}

export interface DevService {
  name: string;
  start(context: DevServiceContext): Promise<StartedService>;
}

export const SANDBOX_STATE_FILE = '.data/workos-sandbox.json';

/** The local WorkOS sandbox, unless the developer configured a real WorkOS key without a host. */
const workosSandbox: DevService = {
  name: 'WorkOS sandbox',
  async start(context): Promise<StartedService> {
    if (process.env.WORKOS_API_KEY && !process.env.WORKOS_API_HOSTNAME) {
      return {
        env: {},
        banner: ['WorkOS: the real API (WORKOS_API_KEY is set and WORKOS_API_HOSTNAME is not; no sandbox)'],
        stop: async () => undefined,
      };
    }
    const port = Number(process.env.WORKOS_SANDBOX_PORT ?? 4100);
    const sandbox = await startSandbox({
      port,
      apiKeys: [process.env.WORKOS_API_KEY ?? DEFAULT_SANDBOX_API_KEY],
      persistPath: SANDBOX_STATE_FILE,
      // Its IT-contact invitations land in the local catcher; with the developer's own SMTP_URL
      // (no catcher) none is sent: the sandbox must not mail made-up contacts through a real server.
      mail: context.localSmtp,
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        throw new Error(`Port ${port} is busy, so the WorkOS sandbox cannot start there. Set WORKOS_SANDBOX_PORT to a free port.`);
      }
      throw error;
    });
    // The sandbox delivers its events to the app's webhook, signed with a secret made for this run
    // (unless the developer set one); the poller runs too, to catch events sent while the app restarts.
    const webhookSecret = process.env.WORKOS_WEBHOOK_SECRET ?? `whsec_dev_${crypto.randomBytes(16).toString('hex')}`;
    const appUrl = (process.env.PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/+$/, '');
    sandbox.webhooks.add(`${appUrl}/webhooks/workos`, webhookSecret);
    return {
      env: {
        WORKOS_API_KEY: sandbox.apiKey,
        WORKOS_API_HOSTNAME: sandbox.host,
        WORKOS_API_PORT: String(sandbox.port),
        WORKOS_API_HTTPS: 'false',
        WORKOS_WEBHOOK_SECRET: webhookSecret,
        WORKOS_EVENTS_POLL: 'on',
      },
      banner: [
        `WorkOS sandbox → ${sandbox.url} (its organizations and test controls; state in ${SANDBOX_STATE_FILE})`,
        `WorkOS events → webhooks to ${appUrl}/webhooks/workos, and the events poller`,
        context.localSmtp
          ? `WorkOS IT-contact invitations → emailed to the mail catcher; links at ${sandbox.url}/__sandbox/it-invitations`
          : `WorkOS IT-contact invitations → not emailed (no local mail catcher); links at ${sandbox.url}/__sandbox/it-invitations`,
      ],
      stop: () => sandbox.stop(),
    };
  },
};

export const MAIL_DIRECTORY = '.data/mail';

/** MailDev, so that sending works with no configuration — unless the developer set SMTP_URL. */
const mailCatcher: DevService = {
  name: 'mail catcher',
  async start(): Promise<StartedService> {
    if (process.env.SMTP_URL) {
      return { env: {}, banner: ['Mail: sent through SMTP_URL (no local catcher)'], stop: async () => undefined };
    }
    const smtpPort = Number(process.env.MAILDEV_SMTP_PORT ?? 1025);
    const webPort = Number(process.env.MAILDEV_WEB_PORT ?? 1080);
    const catcher = await startMailCatcher({ smtpPort, webPort, mailDirectory: MAIL_DIRECTORY }).catch((error: Error) => {
      throw new Error(`${error.message}\nSet MAILDEV_SMTP_PORT and MAILDEV_WEB_PORT to free ports, or SMTP_URL to a mail server of your own.`);
    });
    return {
      env: { SMTP_URL: `smtp://127.0.0.1:${catcher.smtpPort}` },
      banner: [`Mail catcher → ${catcher.webUrl} (every email the app sends; none leaves this machine)`],
      localSmtp: { host: '127.0.0.1', port: catcher.smtpPort },
      stop: () => catcher.stop(),
    };
  },
};

/** The mail catcher first: the sandbox sends its invitation emails there. */
export const developmentServices: DevService[] = [mailCatcher, workosSandbox];
