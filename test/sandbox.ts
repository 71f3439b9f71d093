import { resetEnvCache } from '~/utils/env.server';
import { resetWorkOS } from '~/utils/workos.server';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../sandbox/server';
import { workosSandboxEnv } from './built-server';

/** Points this test process's WorkOS client at the sandbox: the environment is read afresh, and the client made anew. */
export function pointWorkOSAt(sandbox: RunningSandbox): void {
  Object.assign(process.env, workosSandboxEnv(sandbox));
  resetEnvCache();
  resetWorkOS();
}

/**
 * A sandbox that this test process's own model calls reach (a built server is given workosSandboxEnv
 * instead); `options` as startSandbox's (a test of IT-contact invitations passes its SMTP catcher as `mail`).
 */
export async function startSandboxInProcess(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = await startSandbox(options);
  pointWorkOSAt(sandbox);
  return sandbox;
}
