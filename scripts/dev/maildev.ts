import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';

/**
 * MailDev, the SMTP catcher of development and the e2e suite: SMTP on one port, a web inbox and a
 * REST API (`GET /email`) on another. It runs as a child process: its module is a per-process
 * singleton that also installs its own exit-on-signal handlers, which have no place inside our
 * launcher or test runner.
 */
export interface MailCatcher {
  smtpPort: number;
  /** The web inbox and REST API, e.g. http://127.0.0.1:1080 */
  webUrl: string;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

export async function startMailCatcher({
  smtpPort,
  webPort,
  mailDirectory,
}: {
  smtpPort: number;
  webPort: number;
  mailDirectory: string;
}): Promise<MailCatcher> {
  fs.mkdirSync(mailDirectory, { recursive: true });
  const bin = require.resolve('maildev/bin/maildev');
  const child = spawn(process.execPath, [bin, '--smtp', String(smtpPort), '--web', String(webPort), '--ip', '127.0.0.1', '--mail-directory', mailDirectory], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own MAILDEV_* variables (ours have the same names) must not compete with the arguments.
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MAILDEV_'))) as NodeJS.ProcessEnv,
  });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const webUrl = `http://127.0.0.1:${webPort}`;

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`The mail catcher stopped at start (exit ${exitCode}); are ports ${smtpPort} and ${webPort} free?\n${output.join('').slice(-1000)}`);
    }
    if ((await webAnswers(webUrl)) && (await portAccepts(smtpPort))) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The mail catcher did not start in 15 s:\n${output.join('').slice(-1000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    smtpPort,
    webUrl,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function webAnswers(webUrl: string): Promise<boolean> {
  try {
    return (await fetch(`${webUrl}/email`)).ok;
  } catch {
    return false;
  }
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
