import { DEFAULT_SANDBOX_API_KEY, startSandbox } from '../../sandbox/server';

/**
 * What `npm run dev` starts beside the app. Each service starts, hands the app the environment
 * that points at it, prints how to reach it, and stops with the launcher. A new development
 * service (the mail catcher, say) plugs in by adding an entry to `developmentServices`.
 */
export interface StartedService {
  /** Variables merged into the app's environment (a variable the developer set wins). */
  env: Record<string, string>;
  /** Lines for the start-up banner: where to look, how to sign in. */
  banner: string[];
  stop(): Promise<void>;
}

export interface DevService {
  name: string;
  start(): Promise<StartedService>;
}

export const SANDBOX_STATE_FILE = '.data/workos-sandbox.json';

/** The local WorkOS sandbox, unless the developer configured a real WorkOS key without a host. */
const workosSandbox: DevService = {
  name: 'WorkOS sandbox',
  async start(): Promise<StartedService> {
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
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        throw new Error(`Port ${port} is busy, so the WorkOS sandbox cannot start there. Set WORKOS_SANDBOX_PORT to a free port.`);
      }
      throw error;
    });
    return {
      env: {
        WORKOS_API_KEY: sandbox.apiKey,
        WORKOS_API_HOSTNAME: sandbox.host,
        WORKOS_API_PORT: String(sandbox.port),
        WORKOS_API_HTTPS: 'false',
      },
      banner: [`WorkOS sandbox → ${sandbox.url} (state kept in ${SANDBOX_STATE_FILE}; test controls at /__sandbox)`],
      stop: () => sandbox.stop(),
    };
  },
};

export const developmentServices: DevService[] = [workosSandbox];
