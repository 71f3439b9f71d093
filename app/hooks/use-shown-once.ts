import { useEffect, useRef, useState } from 'react';

/**
 * A secret from an action's answer (a copy-mode link), kept on screen for as long as the person
 * stays on the page: through every revalidation (the progress refresh, a note added, a fetcher),
 * which would otherwise drop the action's data and the secret with it. It lives in this
 * component's memory only: a reload, leaving the page, another `scope` (another organization on
 * the same route) or a page restored from the back/forward cache shows it no more.
 */
export function useShownOnce<Secret extends { url: string }>(fromAction: Secret | undefined, scope: string | number) {
  const [kept, setKept] = useState<{ secret: Secret; scope: string | number } | null>(null);
  const [dismissed, setDismissed] = useState<string | null>(null);
  useEffect(() => {
    if (fromAction) setKept({ secret: fromAction, scope });
  }, [fromAction, scope]);
  // Another organization on the same route: forget, so that coming back does not show it again.
  useEffect(() => () => setKept(null), [scope]);
  const shownUrl = useRef<string | null>(null);
  useEffect(() => {
    // Restored from the back/forward cache: hidden, even while the action's answer is still held.
    const forget = (event: PageTransitionEvent) => {
      if (!event.persisted) return;
      setKept(null);
      if (shownUrl.current) setDismissed(shownUrl.current);
    };
    window.addEventListener('pageshow', forget);
    return () => window.removeEventListener('pageshow', forget);
  }, []);
  // The first render (the action's own answer, with or without JavaScript) reads it directly.
  const candidate = fromAction ? { secret: fromAction, scope } : kept;
  const secret = candidate && candidate.scope === scope && candidate.secret.url !== dismissed ? candidate.secret : null;
  shownUrl.current = secret?.url ?? null;
  return {
    secret,
    dismiss() {
      if (secret) setDismissed(secret.url);
      setKept(null);
    },
  };
}
