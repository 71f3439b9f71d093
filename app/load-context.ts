declare module '@remix-run/node' {
  /** What the Express server hands every loader and action (server/app.ts). */
  interface AppLoadContext {
    cspNonce: string;
    requestId: string;
    /** The client's address as Express resolved it (TRUST_PROXY decides whether to believe proxies). */
    clientIp: string;
  }
  interface Future {
    v3_singleFetch: true;
  }
}

export {};
