import { describe, expect, it } from 'vitest';
import { resendRequest, type SetupLink } from './setup-link.server';

const emailed = {
  id: 7,
  delivery: 'email',
  recipientEmail: 'it@customer.example',
  recipientName: 'Pat Admin',
  features: ['sso', 'dsync'],
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-15T00:00:00.000Z',
} as SetupLink;

describe('the resend rule', () => {
  it('resends the link the rep saw, as it was: same features, recipient and lifetime; only the reason and message are theirs', () => {
    expect(resendRequest(emailed, { linkId: 7, reason: 'Lost it', message: 'Here it is again', maxDays: 30 })).toEqual({
      features: ['sso', 'dsync'],
      lifetimeDays: 14,
      note: 'Resent: Lost it',
      email: { address: 'it@customer.example', name: 'Pat Admin', message: 'Here it is again' },
      reason: 'Resent by email: Lost it',
      expectedActiveLinkId: 7,
    });
  });

  it('a maximum lowered since the link was issued applies to its replacement; no message is no message', () => {
    expect(resendRequest({ ...emailed, recipientName: null }, { linkId: 7, reason: 'Lost it', message: '', maxDays: 10 })).toMatchObject({
      lifetimeDays: 10,
      email: { address: 'it@customer.example', name: undefined, message: undefined },
    });
  });

  it('refuses a link that is no longer the active one, or that was not emailed', () => {
    const stale = 'That link is no longer the active one: reload the page to see the current link.';
    expect(() => resendRequest(emailed, { linkId: 6, reason: 'x', maxDays: 30 })).toThrow(stale);
    expect(() => resendRequest(emailed, { reason: 'x', maxDays: 30 })).toThrow(stale);
    expect(() => resendRequest(null, { linkId: 7, reason: 'x', maxDays: 30 })).toThrow(stale);
    expect(() => resendRequest({ ...emailed, delivery: 'copy', recipientEmail: null }, { linkId: 7, reason: 'x', maxDays: 30 })).toThrow(
      'That link was copied, not sent: recreate it to send it by email.',
    );
  });

  it('a WorkOS-sent link is sent again by WorkOS: same recipient and features, no message (WorkOS carries none)', () => {
    expect(resendRequest({ ...emailed, delivery: 'workos' }, { linkId: 7, reason: 'Lost it', message: 'ignored', maxDays: 30 })).toEqual({
      features: ['sso', 'dsync'],
      lifetimeDays: 14,
      note: 'Resent: Lost it',
      invitation: { address: 'it@customer.example', name: 'Pat Admin' },
      reason: 'Sent again by WorkOS: Lost it',
      expectedActiveLinkId: 7,
    });
  });
});
