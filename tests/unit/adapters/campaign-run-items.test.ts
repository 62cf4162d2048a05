import { describe, expect, it } from 'vitest';
import { enrollmentItem } from '../../../functions/adapters/dynamodb/items.js';
import type { Enrollment } from '../../../functions/domain/journeys/enrollment.js';

/** Loading a customer reads every journey run: a campaign's finished runs must not stay for good. */
describe("a campaign's run in the table", () => {
  const run = (journeyId: string, overrides: Partial<Enrollment> = {}): Enrollment => ({
    journeyId,
    runId: `${journeyId}.cus_1`,
    status: 'active',
    stepId: 'send',
    dueAt: '2026-12-24T09:00:00.000Z',
    enteredAt: '2026-12-23T20:00:00.000Z',
    entries: 1,
    ...overrides,
  });
  const ended = {
    status: 'completed' as const,
    stepId: undefined,
    dueAt: undefined,
    endedAt: '2026-12-24T09:00:01.000Z',
  };

  it('expires 30 days after it ended', () => {
    const item = enrollmentItem('cus_1', run('campaign-winter-sale', ended), 2, 8);
    expect(item.expiresAt).toBe(Math.floor(Date.parse('2026-12-24T09:00:01.000Z') / 1000) + 30 * 86_400);
    expect(item.dueAt).toBeUndefined();
  });

  it('does not expire while it is due, nor does any other journey run when it ends', () => {
    expect(enrollmentItem('cus_1', run('campaign-winter-sale'), 1, 8).expiresAt).toBeUndefined();
    expect(enrollmentItem('cus_1', run('win-back', ended), 2, 8).expiresAt).toBeUndefined();
  });
});
