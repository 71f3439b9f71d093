/**
 * What `npm run dev` starts beside the app. Each service starts, hands the app the environment
 * that points at it, prints how to reach it, and stops with the launcher. Later services (the
 * WorkOS sandbox, the mail catcher) plug in by adding an entry to `developmentServices`.
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

export const developmentServices: DevService[] = [];
