declare module '@remix-run/node' {
  /** What the Express server hands every loader and action (server/app.ts). */
  interface AppLoadContext {
    cspNonce: string;
    requestId: string;
  }
  interface Future {
    v3_singleFetch: true;
  }
}

export {};
