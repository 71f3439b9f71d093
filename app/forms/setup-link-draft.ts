import { SETUP_FEATURES, type SetupFeature } from '~/domain/features';
import { DELIVERY_METHODS, LINK_LIFETIME_DAYS, type DeliveryMethod } from '~/domain/setup-links';

// The browser imports this module (the link card refills its form from a draft): it builds no
// schema, so that no zod reaches the staff pages' scripts.

/** What a create/recreate form starts from: a previous attempt's values, or the defaults. */
export interface SetupLinkDraft {
  delivery: DeliveryMethod;
  recipientEmail: string;
  recipientName: string;
  message: string;
  features: SetupFeature[];
  lifetimeDays: string;
  note: string;
}

export const DEFAULT_DRAFT: SetupLinkDraft = {
  // Most reps send by email: it is the choice that never shows anyone the link.
  delivery: 'email',
  recipientEmail: '',
  recipientName: '',
  message: '',
  features: ['sso'],
  lifetimeDays: String(LINK_LIFETIME_DAYS.default),
  note: '',
};

/** The submitted create/recreate values as typed, to refill the form after a refusal or a failed send. */
export function setupLinkDraftFrom(formData: FormData): SetupLinkDraft {
  const text = (name: string) => {
    const value = formData.get(name);
    return typeof value === 'string' ? value : '';
  };
  const delivery = DELIVERY_METHODS.find((method) => method === formData.get('delivery')) ?? DEFAULT_DRAFT.delivery;
  const features = SETUP_FEATURES.filter((feature) => formData.getAll('features').includes(feature));
  return {
    delivery,
    recipientEmail: text('recipientEmail'),
    recipientName: text('recipientName'),
    message: text('message'),
    features,
    lifetimeDays: text('lifetimeDays') || DEFAULT_DRAFT.lifetimeDays,
    note: text('note'),
  };
}
