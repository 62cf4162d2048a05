import { describe, expect, it } from 'vitest';
import { countersRow } from '../../../functions/domain/reporting/counters-row.js';
import { exitCounters } from '../../../functions/ports/customer-store.js';

describe('countersRow', () => {
  it('shows every figure the engine did not count as 0', () => {
    const row = countersRow();
    expect(row).toMatchObject({ entered: 0, sent: 0, delivered: 0, revenue: 0, offerRevenue: 0, unsubscribed: 0 });
    expect(row.exits).toEqual({});
    expect(countersRow({})).toEqual(row);
  });

  it('keeps the counted figures, and the exits by reason, sorted, without the counter prefix', () => {
    const row = countersRow({
      entered: 12,
      completed: 3,
      sent: 9,
      converted: 2,
      revenue: 4_500,
      ...exitCounters('holdout'),
      exited: 7,
      'exited:event:order.placed': 6,
    });
    expect(row).toMatchObject({ entered: 12, completed: 3, exited: 7, sent: 9, converted: 2, revenue: 4_500 });
    expect(Object.entries(row.exits)).toEqual([
      ['event:order.placed', 6],
      ['holdout', 1],
    ]);
  });
});
