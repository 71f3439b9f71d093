import { useEffect, useRef, useState, type ButtonHTMLAttributes } from 'react';
import { buttonClass } from './field';

interface ConfirmButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type'> {
  /** What the button says once armed, e.g. "Click again to disable". */
  confirmLabel: string;
}

/**
 * A destructive button that asks twice: the first click arms it (and says so), the second
 * submits. Disarms itself on blur or after a few seconds, so a stray click cannot destroy.
 */
export function ConfirmButton({ confirmLabel, children, className, ...props }: ConfirmButtonProps) {
  const [armed, setArmed] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <button
      {...props}
      type={armed ? 'submit' : 'button'}
      aria-live="polite"
      className={className ?? buttonClass(armed ? 'danger' : 'secondary')}
      onBlur={() => setArmed(false)}
      onClick={(event) => {
        if (armed) return;
        event.preventDefault();
        setArmed(true);
        clearTimeout(timer.current);
        timer.current = setTimeout(() => setArmed(false), 5_000);
      }}
    >
      {armed ? confirmLabel : children}
    </button>
  );
}
