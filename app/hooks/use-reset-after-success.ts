import { useNavigation } from '@remix-run/react';
import { useEffect, useRef } from 'react';

/**
 * Clears a form once its own submission succeeded, so that a second click cannot file the same
 * note twice. "Its own": the submission carried this `intent`; "succeeded": the action did not
 * answer with errors for it (`failed`). A refused form keeps what the person typed.
 */
export function useResetAfterSuccess(intent: string, failed: boolean) {
  const form = useRef<HTMLFormElement>(null);
  const navigation = useNavigation();
  const submitted = useRef(false);
  useEffect(() => {
    if (navigation.state === 'submitting' && navigation.formData?.get('intent') === intent) submitted.current = true;
    else if (navigation.state === 'idle' && submitted.current) {
      submitted.current = false;
      if (!failed) form.current?.reset();
    }
  }, [navigation.state, navigation.formData, intent, failed]);
  return form;
}
