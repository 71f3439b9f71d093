import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readOrganizationPageForm } from './organization-page';

const lifetime = { defaultDays: 5, maxDays: 10 };

function read(entries: [string, string][]) {
  const formData = new FormData();
  for (const [name, value] of entries) formData.append(name, value);
  return readOrganizationPageForm(formData, lifetime);
}

function parsed(entries: [string, string][]) {
  const answer = read(entries);
  if (answer.intent === null || !answer.result.success) throw new Error('expected the form to be read');
  return answer.result.data;
}

function errorsOf(entries: [string, string][]) {
  const answer = read(entries);
  if (answer.intent === null || answer.result.success) throw new Error('expected a refusal');
  return z.flattenError(answer.result.error).fieldErrors;
}

describe('the organization page’s forms', () => {
  it('a submission that is none of the page’s forms has no intent', () => {
    expect(read([]).intent).toBeNull();
    expect(read([['intent', 'delete_everything']]).intent).toBeNull();
  });

  it('the link forms keep the configured default and maximum lifetime', () => {
    expect(
      parsed([
        ['intent', 'create_link'],
        ['delivery', 'copy'],
        ['features', 'sso'],
      ]),
    ).toEqual({
      intent: 'create_link',
      link: { features: ['sso'], lifetimeDays: 5 },
    });
    expect(
      errorsOf([
        ['intent', 'create_link'],
        ['delivery', 'copy'],
        ['features', 'sso'],
        ['lifetimeDays', '11'],
      ]),
    ).toEqual({
      lifetimeDays: ['A link lasts at most 10 days here (set on the Configuration page).'],
    });
  });

  it('a recreate names every wrong field at once, its reason among them; a malformed link id names no link', () => {
    expect(
      errorsOf([
        ['intent', 'recreate_link'],
        ['delivery', 'email'],
        ['linkId', '3'],
      ]),
    ).toEqual({
      features: ['Choose at least one feature.'],
      recipientEmail: ['Enter the IT admin’s email address, or choose Copy link.'],
      recreateReason: ['Say why the link is recreated.'],
    });
    expect(
      parsed([
        ['intent', 'recreate_link'],
        ['delivery', 'copy'],
        ['features', 'dsync'],
        ['linkId', 'x'],
        ['recreateReason', ' New scope '],
      ]),
    ).toEqual({
      intent: 'recreate_link',
      link: { features: ['dsync'], lifetimeDays: 5 },
      reason: 'New scope',
      linkId: undefined,
    });
  });

  it('a resend says only why and what to add: the link’s own fields it carries for the preview are not read', () => {
    expect(
      parsed([
        ['intent', 'resend_link'],
        ['linkId', '7'],
        ['resendReason', 'Lost it'],
        ['recipientEmail', 'attacker@evil.example'],
        ['features', 'dsync'],
      ]),
    ).toEqual({
      intent: 'resend_link',
      linkId: 7,
      reason: 'Lost it',
      message: '',
    });
    expect(
      errorsOf([
        ['intent', 'resend_link'],
        ['linkId', '7'],
        ['resendReason', ''],
        ['message', 'x'.repeat(2001)],
      ]),
    ).toEqual({
      resendReason: ['Say why the email is sent again.'],
      message: ['Use at most 2,000 characters.'],
    });
  });

  it('the other forms say what the page always said', () => {
    expect(
      errorsOf([
        ['intent', 'set_owner'],
        ['csOwnerId', ''],
      ]),
    ).toEqual({ csOwnerId: ['Choose a CS owner.'] });
    expect(
      errorsOf([
        ['intent', 'revoke_link'],
        ['linkId', '7'],
      ]),
    ).toEqual({ reason: ['Say why the link is revoked.'] });
    expect(
      errorsOf([
        ['intent', 'archive'],
        ['reason', '  '],
      ]),
    ).toEqual({ reason: ['Say why it is archived.'] });
    expect(
      errorsOf([
        ['intent', 'add_note'],
        ['note', 'x'.repeat(2001)],
      ]),
    ).toEqual({ note: ['Use at most 2,000 characters.'] });
    expect(
      errorsOf([
        ['intent', 'edit'],
        ['name', ''],
      ]),
    ).toEqual({ name: ['Enter the organization’s name.'] });
    expect(
      parsed([
        ['intent', 'edit'],
        ['name', 'Acme'],
        ['domains', 'acme.com'],
        ['shownDomains', ''],
      ]),
    ).toEqual({
      intent: 'edit',
      details: { name: 'Acme', domains: ['acme.com'], shownDomains: [], domainsVerified: false, externalId: null },
    });
    expect(parsed([['intent', 'check_progress']])).toEqual({ intent: 'check_progress' });
  });

  it('extend: how many days (within the configured maximum) and why, for the link the rep saw', () => {
    expect(
      parsed([
        ['intent', 'extend_link'],
        ['linkId', '7'],
        ['extendDays', '3'],
        ['extendReason', 'Away until Monday'],
      ]),
    ).toEqual({ intent: 'extend_link', linkId: 7, days: 3, reason: 'Away until Monday' });
    expect(
      errorsOf([
        ['intent', 'extend_link'],
        ['linkId', '7'],
        ['extendDays', '11'],
        ['extendReason', ''],
      ]),
    ).toEqual({ extendDays: ['A link lasts at most 10 days here (set on the Configuration page).'], extendReason: ['Say why the link is extended.'] });
    expect(
      errorsOf([
        ['intent', 'extend_link'],
        ['extendDays', '1.5'],
        ['extendReason', 'x'],
      ]),
    ).toEqual({ extendDays: ['Enter a whole number of days from 1 to 10.'] });
    expect(
      errorsOf([
        ['intent', 'extend_link'],
        ['extendDays', '0'],
        ['extendReason', 'x'],
      ]),
    ).toEqual({ extendDays: ['Extend by at least 1 day.'] });
    for (const spelling of ['0x7', '1e1', '7.0', '-1', '+7', '', '7 days']) {
      expect(
        errorsOf([
          ['intent', 'extend_link'],
          ['extendDays', spelling],
          ['extendReason', 'x'],
        ]),
        spelling,
      ).toEqual({ extendDays: ['Enter a whole number of days from 1 to 10.'] });
    }
    expect(
      parsed([
        ['intent', 'extend_link'],
        ['extendDays', ' 7 '],
        ['extendReason', 'x'],
      ]),
    ).toMatchObject({ days: 7 });
  });

  it('link preferences: a ticked box is on, a missing one off, anything else refused', () => {
    expect(parsed([['intent', 'set_link_preferences']])).toEqual({
      intent: 'set_link_preferences',
      preferences: { remindItAdmin: false, registerItContacts: false },
    });
    expect(
      parsed([
        ['intent', 'set_link_preferences'],
        ['remindItAdmin', 'on'],
        ['registerItContacts', 'on'],
      ]),
    ).toEqual({ intent: 'set_link_preferences', preferences: { remindItAdmin: true, registerItContacts: true } });
    expect(
      errorsOf([
        ['intent', 'set_link_preferences'],
        ['remindItAdmin', 'yes please'],
      ]),
    ).toEqual({ remindItAdmin: ['Tick the box, or leave it empty.'] });
  });
});
