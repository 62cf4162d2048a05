import { describe, expect, it } from 'vitest';
import type { Customer } from '../../../functions/domain/customer.js';
import { evaluateSend } from '../../../functions/domain/guardrails.js';
import type { SendStep } from '../../../functions/domain/journeys/definition.js';
import { aCustomer } from '../../helpers/customers.js';

const customer: Customer = aCustomer('cus_1', 'ada@example.com');
const marketing: SendStep = { id: 's', type: 'send', template: 'welcome-1', category: 'marketing' };
const transactional: SendStep = { ...marketing, category: 'transactional' };

describe('guardrails', () => {
  it('sends marketing to a subscribed customer', () => {
    expect(evaluateSend(customer, marketing)).toEqual({ outcome: 'send' });
  });

  it.each([
    ['unsubscribed', 'unsubscribed'],
    ['pending', 'consent_pending'],
    ['none', 'no_consent'],
  ] as const)('suppresses marketing when consent is %s', (state, reason) => {
    expect(evaluateSend({ ...customer, consent: { email: state } }, marketing)).toEqual({
      outcome: 'suppressed',
      reason,
    });
  });

  it('suppression wins over everything, transactional included', () => {
    const suppressed = { ...customer, suppressed: { reason: 'bounce', at: '2026-01-02T00:00:00Z' } };
    expect(evaluateSend(suppressed, marketing)).toEqual({ outcome: 'suppressed', reason: 'suppressed' });
    expect(evaluateSend(suppressed, transactional)).toEqual({ outcome: 'suppressed', reason: 'suppressed' });
  });

  it('transactional email does not need marketing consent', () => {
    expect(evaluateSend({ ...customer, consent: { email: 'pending' } }, transactional)).toEqual({ outcome: 'send' });
  });
});
