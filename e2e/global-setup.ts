import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox } from '../sandbox/server';
import { startMailCatcher } from '../scripts/dev/maildev';
import { assertBuildIsCurrent, getFreePort } from '../test/built-server';
import { resolveChromium } from './browser';
import { startSmtpSwitch } from './smtp-switch';

const SERVER_ENTRY = path.resolve('build/server/index.js');

/**
 * Starts `npm start`'s server (the production build) on a free port with a fresh SQLite file,
 * and shares its address with the tests through the environment. Returns the teardown.
 */
export default async function globalSetup() {
  // No test of stale code: the build must have been made from these sources.
  assertBuildIsCurrent();
  console.log(`e2e: using ${resolveChromium().source}`);

  const port = await getFreePort();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-desk-e2e-'));
  // The mail catcher, as in development, behind a switch that a test can turn off. Its mail
  // directory is the catcher's storage: outside the app, and not part of the no-leak scan.
  const mail = await startMailCatcher({ smtpPort: await getFreePort(), webPort: await getFreePort(), mailDirectory: path.join(workDir, 'catcher-mail') });
  const smtpSwitch = await startSmtpSwitch({ host: '127.0.0.1', port: mail.smtpPort });
  // The WorkOS sandbox runs here, in the runner's process; the app and the tests reach it over HTTP.
  // Its IT-contact invitations go to the catcher directly, not through the switch: turning the
  // app's mail off must not stop WorkOS's.
  const sandbox = await startSandbox({ mail: { host: '127.0.0.1', port: mail.smtpPort } });
  const baseURL = `http://localhost:${port}`;
  // The sandbox delivers its events to the app's webhook, as WorkOS would; a test can mute it for one organization.
  const webhookSecret = `whsec_e2e_${crypto.randomBytes(16).toString('hex')}`;
  sandbox.webhooks.add(`${baseURL}/webhooks/workos`, webhookSecret);
  const logPath = path.join(workDir, 'server.log');
  const log = fs.openSync(logPath, 'a');
  const server = spawn(process.execPath, [SERVER_ENTRY], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: baseURL,
      DATABASE_PATH: path.join(workDir, 'e2e.sqlite'),
      LOG_LEVEL: 'info',
      WORKOS_API_KEY: sandbox.apiKey,
      WORKOS_API_HOSTNAME: sandbox.host,
      WORKOS_API_PORT: String(sandbox.port),
      WORKOS_API_HTTPS: 'false',
      SMTP_URL: `smtp://127.0.0.1:${smtpSwitch.port}`,
      SMTP_TIMEOUT_MS: '5000',
      COMPANY_NAME: 'Acme Analytics',
      SUPPORT_EMAIL: 'support@acme.example',
      MAIL_FROM: 'Acme Onboarding <onboarding@acme.example>',
      WORKOS_WEBHOOK_SECRET: webhookSecret,
      // The poller is on too, but only runs at start and when a rep asks ("Check WorkOS now"), so
      // that a test knows which path brought an event (decision 012).
      WORKOS_EVENTS_POLL: 'on',
      WORKOS_EVENTS_POLL_INTERVAL_MS: '3600000',
    },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));

  const stopServices = async () => {
    // The sandbox first: it finishes any invitation email under way while the catcher still listens.
    await sandbox.stop();
    await smtpSwitch.stop();
    await mail.stop();
  };
  await waitForHealthy(baseURL, exited, logPath).catch(async (error: unknown) => {
    server.kill('SIGKILL');
    await exited;
    fs.closeSync(log);
    await stopServices();
    if (!process.env.KEEP_E2E_DATA) fs.rmSync(workDir, { recursive: true, force: true });
    throw error;
  });
  process.env.E2E_BASE_URL = baseURL;
  process.env.E2E_WORK_DIR = workDir;
  process.env.E2E_SERVER_LOG = logPath;
  process.env.E2E_SANDBOX_URL = sandbox.url;
  process.env.E2E_SANDBOX_API_KEY = sandbox.apiKey;
  process.env.E2E_SANDBOX_HOST = sandbox.host;
  process.env.E2E_SANDBOX_PORT = String(sandbox.port);
  process.env.E2E_MAIL_URL = mail.webUrl;
  process.env.E2E_SMTP_SWITCH_URL = smtpSwitch.controlUrl;

  return async () => {
    try {
      server.kill('SIGTERM');
      const code = await exited;
      fs.closeSync(log);
      await stopServices();
      if (code !== 0) throw new Error(`The e2e server exited with ${code} on SIGTERM; its log ends:\n${logTail(logPath)}`);
      assertNoLinkValueLeaked(workDir);
    } finally {
      // Removed whatever happened (KEEP_E2E_DATA=1 keeps the database and the log to look at).
      if (!process.env.KEEP_E2E_DATA) fs.rmSync(workDir, { recursive: true, force: true });
    }
  };
}

function logTail(logPath: string): string {
  return fs.readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
}

async function waitForHealthy(baseURL: string, exited: Promise<number | null>, logPath: string): Promise<void> {
  let stopped: number | null | undefined;
  void exited.then((code) => (stopped = code));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (stopped !== undefined) throw new Error(`The e2e server exited (${stopped}):\n${fs.readFileSync(logPath, 'utf8')}`);
    try {
      const response = await fetch(`${baseURL}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The e2e server did not become healthy in 20 s:\n${fs.readFileSync(logPath, 'utf8')}`);
}

function decodedUntilStable(text: string): string {
  let current = text;
  for (let round = 0; round < 5; round += 1) {
    const next = current.replace(/(?:%[0-9a-f]{2})+/gi, (run) =>
      run.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    );
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * After the whole run: the app's database files (WAL included; the sign-in attempts table among them) and the server's log must hold no
 * setup token — neither the prefix anywhere, nor the body of any token a test saw issued — nor the token of any
 * WorkOS invitation link a test saw in the mail catcher.
 */
function assertNoLinkValueLeaked(workDir: string): void {
  const issuedFile = path.join(workDir, 'issued-tokens.txt');
  const issued = fs.existsSync(issuedFile) ? fs.readFileSync(issuedFile, 'utf8').split('\n').filter(Boolean) : [];
  // WorkOS's own invitation links (the tests saw them in the mail catcher; the app never should).
  const invitationFile = path.join(workDir, 'invitation-tokens.txt');
  const invitations = fs.existsSync(invitationFile) ? fs.readFileSync(invitationFile, 'utf8').split('\n').filter(Boolean) : [];
  const scanned = fs.readdirSync(workDir).filter((file) => /^e2e\.sqlite(-wal|-shm)?$|^server\.log$/.test(file));
  const leaks: string[] = [];
  for (const file of scanned) {
    const raw = fs.readFileSync(path.join(workDir, file)).toString('latin1');
    // Read as written and percent-decoded until stable: an encoded spelling is a leak too.
    for (const content of [raw, decodedUntilStable(raw)]) {
      if (/sdl_/i.test(content)) leaks.push(`${file} contains the token prefix`);
      for (const token of issued) if (content.includes(token.slice(4))) leaks.push(`${file} contains an issued token`);
      for (const token of invitations) if (content.includes(token)) leaks.push(`${file} contains a WorkOS invitation token`);
    }
  }
  console.log(
    `e2e: no-leak scan of ${scanned.join(', ')} for the prefix, ${issued.length} issued token(s) and ${invitations.length} WorkOS invitation token(s): ${leaks.length ? 'LEAKS FOUND' : 'clean'}`,
  );
  if (leaks.length) throw new Error(`Setup-link values leaked:\n${leaks.join('\n')}`);
}
