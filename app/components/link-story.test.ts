import { describe, expect, it } from 'vitest';
import { linkStory, type LinkStoryLink } from './link-story';

const base: LinkStoryLink = {
  status: 'active',
  features: ['sso', 'audit_logs', 'dsync'],
  fingerprint: 'a1b2c3',
  expiresAt: '2026-12-08T10:00:00.000Z',
  revokedAt: null,
  revokedBy: null,
  revokeReason: null,
  completedAt: null,
  recipientEmail: 'it@customer.example',
  createdBy: 'Rita Rep',
  delivery: 'email',
  invitationEndPending: false,
};

describe('the story of the current link', () => {
  it('says nothing for an active link (its card does)', () => {
    expect(linkStory(base, { canEdit: true })).toBeNull();
    expect(linkStory(null, { canEdit: true })).toBeNull();
  });

  it('completed: when, and only the features WorkOS reports on; another link is optional', () => {
    const story = linkStory({ ...base, status: 'completed', completedAt: '2026-12-03T09:30:00.000Z' }, { canEdit: true })!;
    expect(story.text).toBe('Setup completed on 3 Dec 2026, 09:30 UTC: WorkOS reported Single Sign-On, Directory Sync done, and the link (a1b2c3) closed.');
    expect(story.next).toBe('Nothing more to do. Send another link only if the customer needs more.');
    expect(story.tone).toBe('done');
  });

  it('revoked: when, by whom, why, and what to do next', () => {
    const story = linkStory(
      { ...base, status: 'revoked', revokedAt: '2026-12-02T08:00:00.000Z', revokedBy: 'Sam Support', revokeReason: 'Wrong contact' },
      { canEdit: true },
    )!;
    expect(story.text).toBe(
      'The link (a1b2c3) was revoked on 2 Dec 2026, 08:00 UTC by Sam Support: “Wrong contact”. It no longer opens, and its setup stopped.',
    );
    expect(story.next).toBe('Create a new link below when the customer is ready.');
  });

  it('expired and failed say so with the next action; a viewer is told no action', () => {
    expect(linkStory({ ...base, status: 'expired' }, { canEdit: true })).toMatchObject({
      text: 'The link (a1b2c3) expired on 8 Dec 2026, 10:00 UTC before the setup was finished.',
      next: 'Send a new link below.',
    });
    expect(linkStory({ ...base, status: 'failed' }, { canEdit: true })).toMatchObject({
      text: 'The link (a1b2c3) never reached it@customer.example: its email could not be sent.',
      next: 'Send it again below, or use Copy link.',
    });
    expect(linkStory({ ...base, status: 'expired' }, { canEdit: false })?.next).toBeNull();
  });

  it('sending: who started it, and that the page will update', () => {
    expect(linkStory({ ...base, status: 'sending' }, { canEdit: true })).toEqual({
      tone: 'busy',
      text: 'A link is being emailed to it@customer.example (started by Rita Rep).',
      next: 'This page updates when the mail server answers.',
    });
  });

  it('a WorkOS-sent link: WorkOS is the sender, and an invitation WorkOS has not confirmed ending is said', () => {
    const invited = { ...base, delivery: 'workos' as const };
    expect(linkStory({ ...invited, status: 'sending' }, { canEdit: true })).toMatchObject({
      text: 'WorkOS is being asked to send its invitation to it@customer.example (started by Rita Rep).',
      next: 'This page updates when WorkOS answers.',
    });
    expect(linkStory({ ...invited, status: 'failed' }, { canEdit: true })?.text).toBe(
      'The link (a1b2c3) never reached it@customer.example: WorkOS did not send its invitation.',
    );
    const revoked = { ...invited, status: 'revoked' as const, revokedAt: '2026-12-05T10:00:00.000Z', revokedBy: 'Rita Rep' };
    expect(linkStory(revoked, { canEdit: true })?.tone).toBe('ended');
    expect(linkStory({ ...revoked, invitationEndPending: true }, { canEdit: true })).toMatchObject({
      tone: 'busy',
      next: 'WorkOS has not yet confirmed ending its invitation: Setup Desk keeps asking. Create a new link below when the customer is ready.',
    });
  });
});
