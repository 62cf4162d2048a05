import { describe, expect, it } from 'vitest';
import { ConditionSchema, type ConditionSubject, evaluate } from '../../../functions/domain/conditions.js';

const subject: ConditionSubject = {
  facts: {
    orderCount: 3,
    revenue: 12_000,
    stage: 'repeat_customer',
    rfmSegment: 'loyal',
    consent: 'subscribed',
    timezone: 'Europe/Paris',
  } as ConditionSubject['facts'],
  segments: ['repeat', 'engaged'],
  recentEvents: [
    { type: 'product.viewed', at: '2026-05-30T00:00:00Z', ref: 'p1' },
    { type: 'product.viewed', at: '2026-05-10T00:00:00Z', ref: 'p2' },
  ],
  now: new Date('2026-06-01T00:00:00Z'),
};

describe('the condition language', () => {
  it.each([
    [{ fact: 'orderCount', op: 'gte', value: 3 }, true],
    [{ fact: 'orderCount', op: 'gt', value: 3 }, false],
    [{ fact: 'revenue', op: 'lt', value: 20_000 }, true],
    [{ fact: 'timezone', op: 'eq', value: 'Europe/Paris' }, true],
    [{ fact: 'consent', op: 'in', value: ['subscribed', 'pending'] }, true],
    [{ fact: 'npsScore', op: 'missing' }, true],
    [{ fact: 'npsScore', op: 'gte', value: 0 }, false],
    [{ segment: 'engaged' }, true],
    [{ stage: ['loyal', 'vip'] }, false],
    [{ rfmSegment: 'loyal' }, true],
    [{ event: 'product.viewed', within: 'P7D' }, true],
    [{ event: 'product.viewed', within: 'P30D', atLeast: 2 }, true],
    [{ event: 'product.viewed', within: 'P7D', ref: 'p2' }, false],
    [{ all: [{ segment: 'repeat' }, { not: { stage: 'lapsed' } }] }, true],
    [{ any: [{ segment: 'vip' }, { fact: 'orderCount', op: 'eq', value: 1 }] }, false],
  ])('%j is %s', (condition, expected) => {
    const parsed = ConditionSchema.parse(condition);
    expect(evaluate(parsed, subject)).toBe(expected);
  });

  it.each([
    [{ fact: 'orderCount', op: 'gte' }],
    [{ fact: 'shoeSize', op: 'eq', value: 42 }],
    [{ stage: 'royalty' }],
    [{ event: 'product.viewed', within: 'a week' }],
    [{ all: [] }],
    [{ segment: 'x', extra: true }],
  ])('refuses %j at load', (condition) => {
    expect(ConditionSchema.safeParse(condition).success).toBe(false);
  });
});
