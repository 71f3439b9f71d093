import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';
import { forgetSingleton, singleton } from './singleton.server';

/**
 * Every environment variable the app reads, validated once at boot.
 * Development and test work with no `.env` at all: each variable has a safe local default.
 * Production has no defaults for secrets and refuses weak values (see `productionRules`).
 */

const DEV_SESSION_SECRET = 'dev-only-session-secret-not-for-production-use';
const DEV_WORKOS_API_KEY = 'sk_test_sandbox_local_development_key';
/** What development and tests show customers when nothing is set: never acceptable in a production email. */
export const DEV_SUPPORT_EMAIL = 'support@setup-desk.local';
export const DEV_COMPANY_NAME = 'Setup Desk';
// Where `npm run dev` starts its mail catcher; tests point SMTP_URL at their own.
const DEV_SMTP_URL = 'smtp://127.0.0.1:1025';

/** "Acme Onboarding <onboarding@acme.com>" or a bare address → one mailbox, or null. */
export function parseMailbox(value: string): { name: string; address: string } | null {
  const parsed = addressparser(value, { flatten: true });
  if (parsed.length !== 1) return null;
  const [mailbox] = parsed;
  if (!mailbox?.address || !z.email().safeParse(mailbox.address).success) return null;
  return { name: mailbox.name, address: mailbox.address };
}

const booleanFromString = z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).transform((value) => value === 'true' || value === '1');

const envSchema = z
  .object({
    NODE_ENV: z
      .enum(['development', 'production', 'test'], {
        error: 'must be development, production or test',
      })
      .default('development'),
    HOST: z.string().min(1, 'must not be empty').optional(),
    PORT: z.coerce
      .number({ error: 'must be a port number' })
      .int('must be a whole number')
      .min(0, 'must be between 0 and 65535')
      .max(65535, 'must be between 0 and 65535')
      .default(3000),
    PUBLIC_URL: z.url({ error: 'must be an absolute URL such as https://setup-desk.example.com' }).optional(),
    DATABASE_PATH: z.string().min(1, 'must not be empty').default('db/setup-desk.sqlite'),
    // Set, it selects PostgreSQL and DATABASE_PATH is not used (docs/decisions/024-postgresql-scale-out.md).
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a PostgreSQL URL such as postgres://user:password@db.internal:5432/setup_desk')
      .optional(),
    DATABASE_POOL_MAX: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(2, 'must be at least 2')
      .max(100, 'must be at most 100')
      .default(10),
    SESSION_SECRET: z.string().optional(),
    WORKOS_API_KEY: z.string().optional(),
    WORKOS_CLIENT_ID: z.string().optional(),
    WORKOS_API_HOSTNAME: z
      .string()
      .regex(/^[a-z0-9.-]+$/i, 'must be a host name such as api.workos.com or 127.0.0.1 (no scheme, no path)')
      .optional(),
    WORKOS_API_PORT: z.coerce
      .number({ error: 'must be a port number' })
      .int('must be a whole number')
      .min(1, 'must be between 1 and 65535')
      .max(65535, 'must be between 1 and 65535')
      .optional(),
    WORKOS_API_HTTPS: booleanFromString.optional(),
    WORKOS_PERSON_DEADLINE_MS: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number')
      .min(1_000, 'must be at least 1000 (1 second)')
      .max(60_000, 'must be at most 60000 (a minute): people do not wait longer')
      .default(10_000),
    WORKOS_WEBHOOK_SECRET: z
      .string()
      .trim()
      .min(16, 'must be the webhook secret from the WorkOS dashboard (Webhooks → the endpoint → Signing secret)')
      .optional(),
    WORKOS_EVENTS_POLL: z.enum(['auto', 'on', 'off'], { error: 'must be auto (poll only without WORKOS_WEBHOOK_SECRET), on or off' }).default('auto'),
    WORKOS_EVENTS_POLL_INTERVAL_MS: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number')
      .min(1_000, 'must be at least 1000 (1 second)')
      .max(3_600_000, 'must be at most 3600000 (an hour)')
      .default(60_000),
    MAINTENANCE_INTERVAL_MS: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number')
      .min(1_000, 'must be at least 1000 (1 second)')
      .max(3_600_000, 'must be at most 3600000 (an hour)')
      .default(60_000),
    WORKOS_PORTAL_ORIGIN: z.url({ error: 'must be an origin such as https://setup.workos.com' }).optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
    TRUST_PROXY: z
      .string()
      .regex(/^(false|true|\d{1,2})$/, 'must be false, true, or the number of proxies in front of the app')
      .default('false'),
    SHUTDOWN_TIMEOUT_MS: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number')
      .min(0, 'must not be negative')
      .default(10_000),
    // After SIGTERM, how long the server keeps accepting (answering /readyz 503) before it closes
    // its listener: the time a load balancer takes to see it unready and stop sending.
    SHUTDOWN_DRAIN_MS: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number')
      .min(0, 'must not be negative')
      .max(60_000, 'must be at most 60000 (a minute)')
      .default(0),
    SETUP_VIEW_FLUSH_MS: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number')
      .min(100, 'must be at least 100')
      .max(60_000, 'must be at most 60000')
      .default(1_000),
    HSTS: booleanFromString.optional(),
    COMPANY_NAME: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
    SUPPORT_EMAIL: z.email({ error: 'must be an email address such as support@company.com' }).optional(),
    SMTP_URL: z
      .url({ protocol: /^smtps?$/, error: 'must be an SMTP URL such as smtps://user:password@smtp.example.com:465 or smtp://127.0.0.1:1025' })
      .optional(),
    MAIL_FROM: z
      .string()
      .refine((value) => parseMailbox(value) !== null, 'must be one sender such as "Acme Onboarding <onboarding@acme.com>" or onboarding@acme.com')
      .optional(),
    MAIL_REPLY_TO: z.email({ error: 'must be an email address such as onboarding@company.com' }).optional(),
    SMTP_TIMEOUT_MS: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number')
      .min(1_000, 'must be at least 1000 (1 second)')
      .max(120_000, 'must be at most 120000 (2 minutes)')
      .default(10_000),
    SETUP_RATE_LIMIT_PER_MINUTE: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').default(60),
    SETUP_LAUNCHES_PER_LINK: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').default(30),
    SESSION_IDLE_MINUTES: z.coerce
      .number({ error: 'must be a number of minutes' })
      .int('must be a whole number')
      .min(5, 'must be at least 5')
      .max(24 * 60, 'must be at most 1440 (a day)')
      .default(120),
    SESSION_ABSOLUTE_HOURS: z.coerce
      .number({ error: 'must be a number of hours' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(24 * 7, 'must be at most 168 (a week)')
      .default(12),
  })
  .superRefine((env, ctx) => {
    if (env.SHUTDOWN_DRAIN_MS >= env.SHUTDOWN_TIMEOUT_MS && env.SHUTDOWN_DRAIN_MS > 0) {
      ctx.addIssue({ code: 'custom', path: ['SHUTDOWN_DRAIN_MS'], message: 'must be less than SHUTDOWN_TIMEOUT_MS (the drain is part of the shutdown)' });
    }
    if (env.NODE_ENV !== 'production') return;
    for (const issue of productionRules(env)) ctx.addIssue({ code: 'custom', ...issue });
  })
  .transform((env) => {
    const isProduction = env.NODE_ENV === 'production';
    const port = env.PORT;
    return {
      ...env,
      isProduction,
      /** Where the database is: DATABASE_URL's PostgreSQL when set, else the SQLite file at DATABASE_PATH. */
      database: env.DATABASE_URL ?? env.DATABASE_PATH,
      HOST: env.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1'),
      PUBLIC_URL: stripTrailingSlash(env.PUBLIC_URL ?? `http://localhost:${port}`),
      SESSION_SECRET: env.SESSION_SECRET ?? DEV_SESSION_SECRET,
      WORKOS_API_KEY: env.WORKOS_API_KEY ?? DEV_WORKOS_API_KEY,
      HSTS: env.HSTS ?? isProduction,
      WORKOS_API_HTTPS: env.WORKOS_API_HTTPS ?? true,
      COMPANY_NAME: env.COMPANY_NAME ?? DEV_COMPANY_NAME,
      SUPPORT_EMAIL: env.SUPPORT_EMAIL ?? DEV_SUPPORT_EMAIL,
      SMTP_URL: env.SMTP_URL ?? DEV_SMTP_URL,
      // The sender and replies default to the company's name and support address (development).
      MAIL_FROM: parseMailbox(env.MAIL_FROM ?? `"${(env.COMPANY_NAME ?? DEV_COMPANY_NAME).replace(/["\\]/g, '')}" <no-reply@setup-desk.local>`)!,
      MAIL_REPLY_TO: env.MAIL_REPLY_TO ?? env.SUPPORT_EMAIL ?? DEV_SUPPORT_EMAIL,
      SETUP_RATE_LIMITS: { perIpPerMinute: env.SETUP_RATE_LIMIT_PER_MINUTE, launchesPerLinkPer10Minutes: env.SETUP_LAUNCHES_PER_LINK },
      TRUST_PROXY: parseTrustProxy(env.TRUST_PROXY),
      // The poller is the fallback where WorkOS's webhooks cannot reach the app.
      eventsPolling: env.WORKOS_EVENTS_POLL === 'on' || (env.WORKOS_EVENTS_POLL === 'auto' && !env.WORKOS_WEBHOOK_SECRET),
    };
  });

type RawEnv = z.input<typeof envSchema>;
export type Env = z.output<typeof envSchema>;

/** The checks that only production enforces; each names the variable and the fix. */
function productionRules(env: {
  WORKOS_API_HTTPS?: boolean;
  PUBLIC_URL?: string;
  SESSION_SECRET?: string;
  WORKOS_API_KEY?: string;
  WORKOS_CLIENT_ID?: string;
  COMPANY_NAME?: string;
  SUPPORT_EMAIL?: string;
  SMTP_URL?: string;
  MAIL_FROM?: string;
}): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  if (!env.PUBLIC_URL) {
    issues.push({ path: ['PUBLIC_URL'], message: 'is required in production (the https:// address staff and IT admins open)' });
  } else if (URL.canParse(env.PUBLIC_URL) && !env.PUBLIC_URL.startsWith('https://')) {
    issues.push({ path: ['PUBLIC_URL'], message: 'must start with https:// in production (setup links travel by email)' });
  }
  if (!env.SESSION_SECRET) {
    issues.push({ path: ['SESSION_SECRET'], message: 'is required in production; generate one with `openssl rand -hex 32`' });
  } else if (env.SESSION_SECRET.length < 32) {
    issues.push({ path: ['SESSION_SECRET'], message: 'must be at least 32 characters; generate one with `openssl rand -hex 32`' });
  } else if (env.SESSION_SECRET === DEV_SESSION_SECRET) {
    issues.push({ path: ['SESSION_SECRET'], message: 'is the development default; generate one with `openssl rand -hex 32`' });
  }
  if (!env.WORKOS_API_KEY) {
    issues.push({ path: ['WORKOS_API_KEY'], message: 'is required in production (WorkOS dashboard → API Keys)' });
  } else if (!env.WORKOS_API_KEY.startsWith('sk_')) {
    issues.push({ path: ['WORKOS_API_KEY'], message: 'must start with sk_ (a WorkOS secret key, not a client id)' });
  }
  if (env.WORKOS_API_HTTPS === false) {
    issues.push({ path: ['WORKOS_API_HTTPS'], message: 'must not be false in production (plain HTTP is for the local WorkOS sandbox)' });
  }
  if (env.WORKOS_CLIENT_ID !== undefined && !env.WORKOS_CLIENT_ID.startsWith('client_')) {
    issues.push({ path: ['WORKOS_CLIENT_ID'], message: 'must start with client_ when set' });
  }
  // The IT admin reads these in the setup email and on their page: no placeholder may reach them.
  if (!env.COMPANY_NAME) {
    issues.push({ path: ['COMPANY_NAME'], message: 'is required in production (your company, as customers know it: it signs the setup email)' });
  }
  if (!env.SUPPORT_EMAIL) {
    issues.push({ path: ['SUPPORT_EMAIL'], message: 'is required in production (where IT admins write for help)' });
  }
  if (!env.SMTP_URL) {
    issues.push({
      path: ['SMTP_URL'],
      message: 'is required in production (the mail server that sends setup links), e.g. smtps://user:password@smtp.example.com:465',
    });
  }
  if (!env.MAIL_FROM) {
    issues.push({ path: ['MAIL_FROM'], message: 'is required in production (the sender of setup emails), e.g. "Acme Onboarding <onboarding@acme.com>"' });
  }
  return issues;
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Express's `trust proxy`: false, true, or a hop count. */
function parseTrustProxy(value: string): boolean | number {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return Number(value);
}

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/** Validates a raw environment; throws an EnvError listing every problem by variable name. */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  // An empty string in a .env file means "not set", as most tools treat it.
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = envSchema.safeParse(cleaned as RawEnv);
  if (result.success) return result.data;
  throw new EnvError(result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'} ${issue.message}`));
}

/**
 * Loads `.env` from the working directory into `process.env` when it exists, without overriding
 * variables already set. Tests never read it: they set their environment explicitly.
 */
export function loadDotEnv(file = '.env'): void {
  if (process.env.NODE_ENV === 'test') return;
  try {
    process.loadEnvFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** The validated environment of this process (parsed on first use). */
export function getEnv(): Env {
  return singleton('env', () => parseEnv(process.env));
}

/** Forgets the parsed environment so that the next `getEnv` reads `process.env` again (tests, CLI). */
export function resetEnvCache(): void {
  forgetSingleton('env');
}
