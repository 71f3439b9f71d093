import { useNavigation, useRevalidator } from '@remix-run/react';
import { useEffect, useRef } from 'react';

/** While a link is active, the page asks for fresh data every 5 s (when visible and idle): progress arrives by itself. */
const PROGRESS_REFRESH_MS = 5_000;
/**
 * …but only while someone is there: each refresh is a request that keeps the session alive, and a
 * tab left open must not defeat the idle sign-out. After this long without a key press or a click
 * the page stops refreshing until the next one.
 */
const PROGRESS_REFRESH_ATTENDED_MS = 15 * 60_000;

export function useProgressRefresh(active: boolean) {
  const revalidator = useRevalidator();
  const navigation = useNavigation();
  const idle = navigation.state === 'idle' && revalidator.state === 'idle';
  const lastInteraction = useRef(Date.now());
  useEffect(() => {
    const touch = () => (lastInteraction.current = Date.now());
    window.addEventListener('pointerdown', touch);
    window.addEventListener('keydown', touch);
    return () => {
      window.removeEventListener('pointerdown', touch);
      window.removeEventListener('keydown', touch);
    };
  }, []);
  useEffect(() => {
    if (!active || !idle) return;
    const timer = window.setInterval(() => {
      const attended = Date.now() - lastInteraction.current < PROGRESS_REFRESH_ATTENDED_MS;
      if (attended && document.visibilityState === 'visible') revalidator.revalidate();
    }, PROGRESS_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [active, idle, revalidator]);
}
