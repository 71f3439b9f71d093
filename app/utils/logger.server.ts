import { pino, type Logger } from 'pino';
import { getEnv } from './env.server';
import { singleton } from './singleton.server';

/** The app's JSON logger (pino). Access-log lines come from the server; this is for everything else. */
export const logger: Logger = singleton('logger', () =>
  pino({
    level: getEnv().LOG_LEVEL,
    base: { service: 'setup-desk' },
    // Belt and braces: these fields must never reach a log even if someone passes them in.
    redact: {
      paths: ['token', '*.token', 'link', '*.link', 'password', '*.password', 'req.headers.cookie', 'req.headers.authorization', 'req.headers.referer', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  }),
);
