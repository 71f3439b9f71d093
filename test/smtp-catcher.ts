import net from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server in the test process (smtp-server), keeping what it receives parsed
 * (mailparser). Tests read the mail back, and can make the server refuse in the ways real mail
 * servers do.
 */
export interface CaughtEmail {
  envelope: { from: string; to: string[] };
  mail: ParsedMail;
  raw: string;
}

export type CatcherBehaviour =
  | { kind: 'accept' }
  /** RCPT TO answered with this code (550: no such user; 451: try later). */
  | { kind: 'reject_recipient'; code: number }
  /** The message itself (after DATA) answered with this code. */
  | { kind: 'reject_message'; code: number }
  /**
   * The message is received (and kept: the recipient may well get it) but never answered — a
   * mail server that hangs at the worst moment. The sender gives up on its own socket timeout.
   */
  | { kind: 'stall_after_data' }
  /** The message is received and accepted, but only once `release()` is called: a slow answer, as long as a test needs. */
  | { kind: 'accept_when_released' };

export interface SmtpCatcher {
  url: string;
  port: number;
  emails: CaughtEmail[];
  behave(behaviour: CatcherBehaviour): void;
  /** Answers every message held by `accept_when_released`. */
  release(): void;
  stop(): Promise<void>;
}

export async function startSmtpCatcher(options: { user?: string; password?: string } = {}): Promise<SmtpCatcher> {
  const emails: CaughtEmail[] = [];
  let behaviour: CatcherBehaviour = { kind: 'accept' };
  const waiting: (() => void)[] = [];
  const requireAuth = options.user !== undefined;
  const server = new SMTPServer({
    // Plain SMTP on loopback: what a local relay or catcher offers.
    disabledCommands: requireAuth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !requireAuth,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, callback) {
      if (behaviour.kind === 'reject_recipient') {
        return callback(Object.assign(new Error('Recipient address rejected'), { responseCode: behaviour.code }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (behaviour.kind === 'reject_message') {
          callback(Object.assign(new Error('Message refused'), { responseCode: behaviour.code }));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const stalled = behaviour.kind === 'stall_after_data';
        const held = behaviour.kind === 'accept_when_released';
        simpleParser(raw)
          .then((mail) => {
            emails.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((recipient) => recipient.address),
              },
              mail,
              raw,
            });
            if (held) waiting.push(() => callback());
            else if (!stalled) callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.server.address() as net.AddressInfo).port));
  });
  const credentials = requireAuth ? `${encodeURIComponent(options.user!)}:${encodeURIComponent(options.password ?? '')}@` : '';
  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    emails,
    behave(next) {
      behaviour = next;
    },
    release() {
      for (const answer of waiting.splice(0)) answer();
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A TCP server that accepts connections and never says a word: a mail server that hangs. */
export async function startSilentServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return {
    url: `smtp://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: a mail server that is down. */
export async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `smtp://127.0.0.1:${port}`;
}
