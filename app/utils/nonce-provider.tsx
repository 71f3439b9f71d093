import { createContext, useContext, type ReactNode } from 'react';

const NonceContext = createContext<string>('');

/** Hands the request's CSP nonce to the components that render inline scripts. */
export function NonceProvider({ value, children }: { value: string; children: ReactNode }) {
  return <NonceContext.Provider value={value}>{children}</NonceContext.Provider>;
}

/** The CSP nonce on the server; empty in the browser, which hides nonce attributes anyway. */
export function useNonce(): string {
  return useContext(NonceContext);
}
