import { resetEnvCache } from '~/utils/env.server';
import { resetWorkOS } from '~/utils/workos.server';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { workosSandboxEnv } from './built-server';

/** Points this test process's WorkOS client at the sandbox: the environment is read afresh, and the client made anew. */
export function pointWorkOSAt(sandbox: RunningSandbox): void {
  Object.assign(process.env, workosSandboxEnv(sandbox));
  resetEnvCache();
  resetWorkOS();
}

/** A sandbox that this test process's own model calls reach (a built server is given workosSandboxEnv instead). */
export async function startSandboxInProcess(): Promise<RunningSandbox> {
  const sandbox = await startSandbox();
  pointWorkOSAt(sandbox);
  return sandbox;
}
