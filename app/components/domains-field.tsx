import { useId } from 'react';
import { DOMAINS_MAX } from '~/domain/organizations';
import { FieldError } from './field';

/**
 * The domains textarea of the organization forms, with its hint, error and — for admins only —
 * the "customer proved ownership" checkbox that makes them verified.
 */
export function DomainsField({ label, defaultValue, errors, canVerify }: { label: string; defaultValue?: string; errors?: string[]; canVerify: boolean }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <p id={`${id}-hint`} className="mt-0.5 text-xs text-slate-600">
        The customer’s email domains, one per line (acme.com, not https://acme.com). Up to {DOMAINS_MAX}. Optional.
      </p>
      <textarea
        id={id}
        name="domains"
        rows={3}
        defaultValue={defaultValue}
        aria-describedby={`${id}-hint${errors ? ` ${id}-error` : ''}`}
        aria-invalid={errors ? true : undefined}
        className={`mt-1 block w-full rounded-md border px-3 py-2 text-sm ${errors ? 'border-red-500' : 'border-slate-300'}`}
      />
      <FieldError id={`${id}-error`} errors={errors} />
      {canVerify ? (
        <label className="mt-2 flex items-center gap-2 text-sm">
          <input type="checkbox" name="domainsVerified" />
          The customer proved they own these domains: mark them verified
        </label>
      ) : (
        <p className="mt-1 text-xs text-slate-600">New domains start as pending; the customer verifies them in the setup.</p>
      )}
    </div>
  );
}

/** A select of the staff who can own customers. */
export function OwnerSelect({ id, owners, defaultValue }: { id: string; owners: { id: number; name: string }[]; defaultValue: string }) {
  return (
    <select id={id} name="csOwnerId" defaultValue={defaultValue} className="mt-1 block rounded-md border border-slate-300 px-3 py-2 text-sm">
      {owners.map((owner) => (
        <option key={owner.id} value={owner.id}>
          {owner.name}
        </option>
      ))}
    </select>
  );
}
