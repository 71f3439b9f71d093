import { createCookie } from '@remix-run/node';
import { getEnv } from './env.server';
import { singleton } from './singleton.server';

function createSetupReturnCookie() {
  const env = getEnv();
  // The IT admin's own link, kept in their browser for an hour so WorkOS's "back" and "done"
  // URLs can carry no token: they point at /setup/return, and this cookie finds the page again.
  return createCookie(env.isProduction ? '__Secure-sd_setup' : 'sd_setup', {
    path: '/setup',
    httpOnly: true,
    sameSite: 'lax',
    secure: env.isProduction,
    maxAge: 3600,
    secrets: [env.SESSION_SECRET],
  });
}

/** The cookie that brings the IT admin back to their setup page from the Admin Portal. */
export function setupReturnCookie() {
  return singleton('setup-return-cookie', createSetupReturnCookie);
}
