declare module '@remix-run/node' {
  /** What the Express server hands every loader and action (server/app.ts). */
  interface AppLoadContext {
    cspNonce: string;
    requestId: string;
    /** The client's address as Express resolved it (TRUST_PROXY decides whether to believe proxies). */
    clientIp: string;
    /** Where this server answers on loopback (the System status page asks the app itself). */
    selfUrl: string | null;
  }
  interface Future {
    v3_singleFetch: true;
  }
}

export {};
