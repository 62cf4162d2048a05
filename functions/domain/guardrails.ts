import type { Customer } from './customer.js';
import type { SendStep } from './journeys/definition.js';

/** The outcome of the guardrails for one send. Every outcome lands on the customer's timeline. */
export type SendDecision =
  | { readonly outcome: 'send' }
  | { readonly outcome: 'suppressed'; readonly reason: SuppressionReason };

export type SuppressionReason = 'suppressed' | 'unsubscribed' | 'no_consent' | 'consent_pending';

/**
 * The guardrails every send passes, in one place. Transactional sends only stop for suppression (a hard
 * bounce or complaint makes an address unusable for anything); marketing also needs consent.
 */
export function evaluateSend(customer: Customer, step: SendStep): SendDecision {
  if (customer.suppressed) return { outcome: 'suppressed', reason: 'suppressed' };
  if (step.category === 'transactional') return { outcome: 'send' };
  switch (customer.consent.email) {
    case 'subscribed':
      return { outcome: 'send' };
    case 'unsubscribed':
      return { outcome: 'suppressed', reason: 'unsubscribed' };
    case 'pending':
      return { outcome: 'suppressed', reason: 'consent_pending' };
    case 'none':
      return { outcome: 'suppressed', reason: 'no_consent' };
  }
}
