import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readSetupLinkForm } from './setup-link';

function form(entries: [string, string][]): FormData {
  const data = new FormData();
  for (const [name, value] of entries) data.append(name, value);
  return data;
}

function errorsOf(entries: [string, string][]) {
  const result = readSetupLinkForm(form(entries));
  if (result.success) throw new Error('expected a refusal');
  return z.flattenError(result.error).fieldErrors;
}

describe('the setup-link form', () => {
  it('email delivery: reads the recipient, name and message into the email request', () => {
    const result = readSetupLinkForm(
      form([
        ['delivery', 'email'],
        ['recipientEmail', '  it-admin@customer.example '],
        ['recipientName', 'Pat Admin'],
        ['message', 'Hello'],
        ['features', 'sso'],
        ['features', 'domain_verification'],
        ['lifetimeDays', '14'],
        ['note', ''],
      ]),
    );
    expect(result.success && result.data).toEqual({
      features: ['sso', 'domain_verification'],
      lifetimeDays: 14,
      email: { address: 'it-admin@customer.example', name: 'Pat Admin', message: 'Hello' },
    });
  });

  it('sent by WorkOS: the recipient is the IT contact WorkOS invites; no personal message travels', () => {
    const result = readSetupLinkForm(
      form([
        ['delivery', 'workos'],
        ['recipientEmail', 'it-admin@customer.example'],
        ['recipientName', 'Pat Admin'],
        ['message', 'Not carried by WorkOS'],
        ['features', 'sso'],
        ['features', 'dsync'],
        ['lifetimeDays', '14'],
      ]),
    );
    expect(result.success && result.data).toEqual({
      features: ['sso', 'dsync'],
      lifetimeDays: 14,
      invitation: { address: 'it-admin@customer.example', name: 'Pat Admin' },
    });
  });

  it('sent by WorkOS: features an invitation cannot carry are refused on the features field, naming them; a recipient is required', () => {
    expect(
      errorsOf([
        ['delivery', 'workos'],
        ['recipientEmail', 'it-admin@customer.example'],
        ['features', 'sso'],
        ['features', 'audit_logs'],
        ['features', 'certificate_renewal'],
        ['lifetimeDays', '7'],
      ]),
    ).toEqual({
      features: [
        'WorkOS can send an invitation for Single Sign-On, Directory Sync, Domain Verification, Log Streams and Bring Your Own Key only: untick Audit Logs and Certificate renewal, or send the link by email.',
      ],
    });
    expect(
      errorsOf([
        ['delivery', 'workos'],
        ['features', 'sso'],
        ['lifetimeDays', '7'],
      ]),
    ).toEqual({ recipientEmail: ['Enter the IT admin’s email address, or choose Copy link.'] });
  });

  it('copy delivery: recipient fields are ignored, and no email is asked for', () => {
    const result = readSetupLinkForm(
      form([
        ['delivery', 'copy'],
        ['recipientEmail', 'not an address'],
        ['features', 'sso'],
      ]),
    );
    expect(result.success && result.data).toEqual({ features: ['sso'], lifetimeDays: 7 });
  });

  it('names every field that is wrong, at once', () => {
    expect(errorsOf([['delivery', 'email']])).toEqual({
      features: ['Choose at least one feature.'],
      recipientEmail: ['Enter the IT admin’s email address, or choose Copy link.'],
    });
    expect(
      errorsOf([
        ['delivery', 'email'],
        ['recipientEmail', 'pat@'],
        ['features', 'sso'],
      ]),
    ).toEqual({
      recipientEmail: ['Enter the IT admin’s email address, such as it-admin@customer.com.'],
    });
    expect(errorsOf([['features', 'sso']])).toEqual({ delivery: ['Choose how the link reaches the IT admin: by email, copied, or sent by WorkOS.'] });
    expect(
      errorsOf([
        ['delivery', 'email'],
        ['recipientEmail', 'a@b.example'],
        ['recipientName', 'Pat\r\nBcc: x@evil.example'],
        ['features', 'sso'],
      ]),
    ).toEqual({
      recipientName: ['Use letters, spaces and punctuation only (no line breaks).'],
    });
    expect(
      errorsOf([
        ['delivery', 'email'],
        ['recipientEmail', 'a@b.example'],
        ['message', 'x'.repeat(2001)],
        ['features', 'sso'],
      ]),
    ).toEqual({
      message: ['Use at most 2,000 characters.'],
    });
  });
});
