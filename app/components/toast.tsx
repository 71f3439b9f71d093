import { useEffect, useState } from 'react';
import type { Toast } from '~/utils/toast.server';

const KIND_STYLES: Record<Toast['kind'], string> = {
  success: 'border-emerald-300 bg-emerald-50 text-emerald-900',
  error: 'border-red-300 bg-red-50 text-red-900',
  info: 'border-sky-300 bg-sky-50 text-sky-900',
};

/** The message left by the last redirect; announced to screen readers, dismissable. */
export function ToastMessage({ toast }: { toast: Toast | null }) {
  const [visible, setVisible] = useState(Boolean(toast));
  useEffect(() => setVisible(Boolean(toast)), [toast]);
  if (!toast || !visible) return null;
  return (
    <div
      role={toast.kind === 'error' ? 'alert' : 'status'}
      className={`mb-6 flex items-start justify-between gap-4 rounded-md border px-4 py-3 text-sm ${KIND_STYLES[toast.kind]}`}
    >
      <p>{toast.message}</p>
      <button type="button" className="font-medium underline" onClick={() => setVisible(false)}>
        Dismiss
      </button>
    </div>
  );
}
