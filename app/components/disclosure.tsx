import type { ReactNode } from 'react';

/**
 * A secondary section that opens on demand: a region named by its heading, the heading inside a
 * native `<details>` summary (keyboard and no-JS for free). `open` when its form has something to
 * say — a refused form comes back open, with what was typed.
 */
export function Disclosure({ id, title, hint, open, children }: { id: string; title: string; hint?: string; open: boolean; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="rounded-lg border border-slate-200 bg-white">
      <details open={open} className="group">
        <summary className="flex cursor-pointer list-none flex-wrap items-baseline gap-x-3 gap-y-1 rounded-lg px-4 py-3 hover:bg-slate-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 [&::-webkit-details-marker]:hidden">
          <span aria-hidden="true" className="text-slate-500 transition-transform group-open:rotate-90">
            ▸
          </span>
          <h2 id={id} className="text-base font-semibold">
            {title}
          </h2>
          {hint ? <span className="min-w-0 text-sm text-slate-600 [overflow-wrap:anywhere]">{hint}</span> : null}
        </summary>
        <div className="border-t border-slate-100 px-4 pb-4 pt-3 sm:px-6">{children}</div>
      </details>
    </section>
  );
}
