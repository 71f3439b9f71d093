import { useState } from 'react';
import { buttonClass } from './field';

/**
 * Shows a secret exactly once (this page visit only), with a copy button and what to do with it.
 * It stays until the person dismisses it or leaves the page.
 */
export function OneTimeSecret({ label, value, children, onDismiss }: { label: string; value: string; children?: React.ReactNode; onDismiss?: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section aria-label={label} className="rounded-lg border border-emerald-300 bg-emerald-50 p-4">
      <p className="text-sm font-semibold text-emerald-900">{label}</p>
      <div className="mt-2 flex flex-wrap items-center gap-3">
        <code className="select-all break-all rounded bg-white px-3 py-2 font-mono text-base text-slate-900" data-testid="one-time-secret">
          {value}
        </code>
        <button
          type="button"
          className={buttonClass('secondary')}
          onClick={async () => {
            await navigator.clipboard.writeText(value);
            setCopied(true);
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        {onDismiss ? (
          <button type="button" className={buttonClass('secondary')} onClick={onDismiss}>
            Done, hide it
          </button>
        ) : null}
      </div>
      <div className="mt-2 text-sm text-emerald-900">{children}</div>
      <p className="mt-1 text-xs text-emerald-800">
        {onDismiss
          ? 'It stays here until you hide it or leave this page; a reload will not bring it back.'
          : 'It will not be shown again: a reload or another page will not bring it back.'}
      </p>
    </section>
  );
}
