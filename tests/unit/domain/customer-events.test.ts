import { describe, expect, it } from 'vitest';
import { type Customer, newCustomer } from '../../../functions/domain/customer.js';
import { applyToCustomer, type CustomerStateEvent } from '../../../functions/domain/customer-events.js';
import type { OrderRecord } from '../../../functions/domain/orders.js';
import {
  checkoutStarted,
  orderCancelled,
  orderPlaced,
  orderRefunded,
  shuffled,
  signedUp,
} from '../../helpers/events.js';

const context = { now: new Date('2026-06-01T00:00:00Z'), reportingCurrency: 'USD', rates: { EUR: 1.1 } };

/** Applies events one after the other, keeping orders as the store would. */
function replay(events: readonly CustomerStateEvent[]): { customer: Customer; orders: Map<string, OrderRecord> } {
  let customer = newCustomer('cus_1', 'ada@example.com', '2026-05-01T00:00:00Z', 'USD');
  const orders = new Map<string, OrderRecord>();
  for (const event of events) {
    const applied = applyToCustomer({ customer, orders }, event, context);
    customer = applied.customer;
    for (const order of applied.orders) orders.set(order.key, order);
  }
  return { customer, orders };
}

describe('orders on a customer', () => {
  it('counts an order once however many times and topics deliver it', () => {
    const { customer } = replay([
      orderPlaced('1001', 5000),
      orderPlaced('1001', 5000, { occurredAt: '2026-05-02T10:05:00Z' }),
    ]);
    expect(customer.metrics).toMatchObject({ orderCount: 1, revenue: { amount: 5000, currency: 'USD' } });
  });

  it('refunds and cancellations reduce the metrics exactly', () => {
    const { customer } = replay([
      orderPlaced('A', 10_000, { placedAt: '2026-05-02T10:00:00Z' }),
      orderPlaced('B', 4_000, { placedAt: '2026-05-10T10:00:00Z' }),
      orderPlaced('C', 2_500, { placedAt: '2026-05-12T10:00:00Z' }),
      orderRefunded('A', 'r1', 1_500),
      orderRefunded('A', 'r1', 1_500),
      orderRefunded('A', 'r2', 500),
      orderCancelled('C'),
    ]);
    expect(customer.metrics).toEqual({
      orderCount: 2,
      revenue: { amount: 12_000, currency: 'USD' },
      averageOrderValue: { amount: 6_000, currency: 'USD' },
      firstOrderAt: '2026-05-02T10:00:00Z',
      lastOrderAt: '2026-05-10T10:00:00Z',
      unconvertedOrders: undefined,
      latency: { meanDays: 8, medianDays: 8, stdDevDays: 0, variation: 0, intervals: 1 },
      repeatAverageValue: { amount: 4_000, currency: 'USD' },
      purchaseDays: 2,
      lastPurchaseDayAt: '2026-05-10T10:00:00Z',
      repeatDayAverageValue: { amount: 4_000, currency: 'USD' },
    });
  });

  it('gives the same result whatever order the deliveries come in', () => {
    const events: CustomerStateEvent[] = [
      signedUp('ada@example.com'),
      orderPlaced('A', 10_000, { placedAt: '2026-05-02T10:00:00Z' }),
      orderPlaced('B', 4_000, { placedAt: '2026-05-10T10:00:00Z' }),
      orderRefunded('A', 'r1', 1_500),
      orderCancelled('B'),
      orderPlaced('C', 900, { placedAt: '2026-05-20T10:00:00Z', currency: 'EUR' }),
    ];
    const reference = replay(events).customer.metrics;
    for (let seed = 1; seed <= 25; seed++) expect(replay(shuffled(events, seed)).customer.metrics).toEqual(reference);
    expect(reference).toMatchObject({ orderCount: 2, revenue: { amount: 8_500 + 990 } });
  });

  it('an order in a currency without a rate is counted but kept out of revenue, and reported', () => {
    let customer = newCustomer('cus_1', 'ada@example.com', '2026-05-01T00:00:00Z', 'USD');
    const applied = applyToCustomer(
      { customer, orders: new Map() },
      orderPlaced('J1', 4500, { currency: 'JPY' }),
      context,
    );
    customer = applied.customer;
    expect(applied.unconvertedCurrencies).toEqual(['JPY']);
    expect(customer.metrics).toMatchObject({
      orderCount: 1,
      revenue: { amount: 0, currency: 'USD' },
      unconvertedOrders: 1,
    });
    expect(applied.orders[0]?.total).toEqual({ amount: 4500, currency: 'JPY' });
  });

  it('an order placed after a checkout started completes it', () => {
    const { customer } = replay([
      checkoutStarted('ada@example.com', 'chk1', '2026-05-02T09:00:00Z'),
      orderPlaced('A', 5000),
    ]);
    expect(customer.checkout).toMatchObject({ key: 'generic:chk1', status: 'completed' });
  });

  it('a checkout update never reopens a completed checkout', () => {
    const { customer } = replay([
      checkoutStarted('ada@example.com', 'chk1', '2026-05-02T09:00:00Z'),
      orderPlaced('A', 5000),
      { ...checkoutStarted('ada@example.com', 'chk1', '2026-05-02T11:00:00Z'), type: 'checkout.updated' },
    ]);
    expect(customer.checkout?.status).toBe('completed');
  });
});
