/**
 * Runs before any module script: zod 4 probes whether `new Function` is allowed (to compile fast
 * parsers) when a schema is built, and under our CSP (no 'unsafe-eval') that probe is a reported
 * violation on every page load. Told it is "jitless" — through the global it reads its settings
 * from, since the forms' schemas are built as their modules load — zod never tries.
 */
export const BROWSER_CONFIG_SCRIPT = 'globalThis.__zod_globalConfig=Object.assign(globalThis.__zod_globalConfig||{},{jitless:true});';

export function BrowserConfig({ nonce }: { nonce: string | undefined }) {
  // The browser hides a nonce from the DOM once applied: the attribute never matches on hydration.
  return <script nonce={nonce} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: BROWSER_CONFIG_SCRIPT }} />;
}
