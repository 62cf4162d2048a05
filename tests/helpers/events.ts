import type { CanonicalEvent, EventOfType, LineItem } from '../../functions/domain/events.js';

let counter = 0;
const envelope = (source: 'generic' | 'shopify', occurredAt: string) => ({
  schemaVersion: 1 as const,
  id: `${source}:test-${++counter}`,
  source,
  occurredAt,
});

export const item = (productId: string, amount: number, currency = 'USD', quantity = 1): LineItem => ({
  productId,
  name: `Product ${productId}`,
  quantity,
  unitPrice: { amount, currency },
});

export function signedUp(
  email: string,
  occurredAt = '2026-05-01T10:00:00Z',
  extra: Partial<EventOfType<'customer.signed_up'>['data']['customer']> = {},
): EventOfType<'customer.signed_up'> {
  return {
    ...envelope('generic', occurredAt),
    type: 'customer.signed_up',
    data: { customer: { email, consent: { email: 'subscribed' }, ...extra } },
  };
}

export function orderPlaced(
  orderId: string,
  amount: number,
  options: {
    email?: string;
    currency?: string;
    placedAt?: string;
    occurredAt?: string;
    source?: 'generic' | 'shopify';
    externalId?: string;
  } = {},
): EventOfType<'order.placed'> {
  const currency = options.currency ?? 'USD';
  const placedAt = options.placedAt ?? '2026-05-02T10:00:00Z';
  return {
    ...envelope(options.source ?? 'generic', options.occurredAt ?? placedAt),
    type: 'order.placed',
    data: {
      ...(options.email || options.externalId
        ? { customer: { email: options.email, externalId: options.externalId } }
        : {}),
      order: { id: orderId, placedAt, total: { amount, currency }, lineItems: [item('p1', amount, currency)] },
    },
  };
}

export function orderRefunded(
  orderId: string,
  refundId: string,
  amount: number,
  options: { email?: string; currency?: string; occurredAt?: string } = {},
): EventOfType<'order.refunded'> {
  const occurredAt = options.occurredAt ?? '2026-05-05T10:00:00Z';
  return {
    ...envelope('generic', occurredAt),
    type: 'order.refunded',
    data: {
      ...(options.email ? { customer: { email: options.email } } : {}),
      order: { id: orderId },
      refund: { id: refundId, amount: { amount, currency: options.currency ?? 'USD' }, refundedAt: occurredAt },
    },
  };
}

export function orderCancelled(
  orderId: string,
  options: { email?: string; occurredAt?: string } = {},
): EventOfType<'order.cancelled'> {
  const occurredAt = options.occurredAt ?? '2026-05-03T10:00:00Z';
  return {
    ...envelope('generic', occurredAt),
    type: 'order.cancelled',
    data: {
      ...(options.email ? { customer: { email: options.email } } : {}),
      order: { id: orderId, cancelledAt: occurredAt },
    },
  };
}

export function checkoutStarted(
  email: string,
  checkoutId: string,
  occurredAt = '2026-05-01T12:00:00Z',
): EventOfType<'checkout.started'> {
  return {
    ...envelope('generic', occurredAt),
    type: 'checkout.started',
    data: {
      customer: { email },
      checkout: {
        id: checkoutId,
        url: 'https://shop.example.com/checkout/1',
        total: { amount: 5000, currency: 'USD' },
        lineItems: [item('p1', 5000)],
      },
    },
  };
}

/** The same events in another order. */
export function shuffled<T extends CanonicalEvent>(events: readonly T[], seed: number): T[] {
  const copy = [...events];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
