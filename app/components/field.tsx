import { useId, type InputHTMLAttributes, type ReactNode, type TextareaHTMLAttributes } from 'react';

interface LabelledProps {
  label: string;
  name: string;
  /** Server-side errors for this field (the first is shown). */
  errors?: string[];
  hint?: ReactNode;
}

/** What a control needs to be tied to its label, hint and error. */
interface ControlWiring {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
  className: string;
}

/** The label, hint and error around one control, wired up for assistive technology. */
function Labelled({
  label,
  errors,
  hint,
  className,
  children,
}: Omit<LabelledProps, 'name'> & { className?: string; children: (wiring: ControlWiring) => ReactNode }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {hint ? (
        <p id={hintId} className="mt-0.5 text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      {children({
        id,
        'aria-invalid': errorId ? true : undefined,
        'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined,
        className: `mt-1 block w-full rounded-md border px-3 py-2 text-sm shadow-sm focus:border-indigo-500 ${errorId ? 'border-red-500' : 'border-slate-300'}`,
      })}
      <FieldError id={errorId} errors={errors} />
    </div>
  );
}

/**
 * A field's error (the first of the action's `fieldErrors` for it), as `Field` shows it: for the
 * controls a form lays out itself — a radio group, a select, a textarea with extras.
 */
export function FieldError({ id, errors }: { id?: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <p id={id} className="mt-1 text-sm text-red-700">
      {errors[0]}
    </p>
  );
}

/** A labelled input with its hint and error. */
export function Field({ label, name, errors, hint, className, ...inputProps }: LabelledProps & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Labelled label={label} errors={errors} hint={hint} className={className}>
      {(wiring) => <input name={name} {...wiring} {...inputProps} />}
    </Labelled>
  );
}

/** A labelled textarea, wired up like `Field`. */
export function TextAreaField({
  label,
  name,
  errors,
  hint,
  className,
  rows = 3,
  ...textareaProps
}: LabelledProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <Labelled label={label} errors={errors} hint={hint} className={className}>
      {(wiring) => <textarea name={name} rows={rows} {...wiring} {...textareaProps} />}
    </Labelled>
  );
}

/** A form-level error (not tied to one field), announced when it appears. */
export function FormError({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
      {message}
    </p>
  );
}

const BUTTON_STYLES = {
  primary: 'bg-indigo-600 text-white hover:bg-indigo-700 disabled:bg-indigo-300',
  secondary: 'border border-slate-300 bg-white text-slate-800 hover:bg-slate-50',
  danger: 'bg-red-600 text-white hover:bg-red-500',
} as const;

/** Tailwind classes for the app's buttons. */
export function buttonClass(kind: keyof typeof BUTTON_STYLES = 'primary'): string {
  return `inline-flex items-center justify-center rounded-md px-4 py-2 text-sm font-semibold shadow-sm ${BUTTON_STYLES[kind]}`;
}
