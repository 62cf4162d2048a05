import { describe, expect, it } from 'vitest';
import { campaignItem, campaignSegmentItem, campaignStateOf } from '../../../functions/adapters/dynamodb/items.js';
import type { CampaignState } from '../../../functions/domain/campaigns/campaign-state.js';

/** A campaign's state item and its segments' items, as the table holds them. */
describe("a campaign's state in the table", () => {
  const sending: CampaignState = {
    campaignId: 'winter-sale',
    status: 'sending',
    startsAt: '2026-12-01T09:00:00.000Z',
    scheduledAt: '2026-11-30T09:00:00.000Z',
    scheduledBy: 'marketer',
    startedAt: '2026-12-01T09:00:00.000Z',
    enrollment: [
      { targeted: 3, resumeAfter: 'cus_k', enqueuedUntil: '2026-12-01T09:02:00.000Z' },
      { targeted: 5, done: true, lastDueAt: '2026-12-01T10:00:00.000Z', enqueuedUntil: '2026-12-01T09:02:00.000Z' },
    ],
  };

  it('keeps only the number of segments on the state item, their progress on items of their own', () => {
    const item = campaignItem(sending, 3);
    expect(item.state).not.toHaveProperty('enrollment');
    expect(item.state).toMatchObject({ segments: 2 });
    const segment = campaignSegmentItem(
      'winter-sale',
      1,
      { targeted: 6, done: true, enqueuedUntil: 'x', version: 4 },
      5,
    );
    expect(segment).toMatchObject({ pk: item.pk, sk: 'SEGMENT#1', version: 5, progress: { targeted: 6 } });
    expect(campaignStateOf(item, (sk) => (sk === 'SEGMENT#1' ? segment : undefined)).enrollment).toEqual([
      { targeted: 0, enqueuedUntil: sending.startedAt },
      { targeted: 6, done: true, enqueuedUntil: 'x', version: 5 },
    ]);
  });

  it('reads a state written with its segments inside it where they stood, until their items are written', () => {
    const { version: _none, ...stored } = sending;
    const before = { pk: 'CAMPAIGN#winter-sale', sk: 'CAMPAIGN', entity: 'campaign', state: stored, version: 7 };
    expect(campaignStateOf(before)).toEqual({ ...sending, version: 7 });
    const moved = campaignSegmentItem('winter-sale', 0, { targeted: 4, done: true, enqueuedUntil: 'y' }, 1);
    expect(campaignStateOf(before, (sk) => (sk === 'SEGMENT#0' ? moved : undefined)).enrollment).toEqual([
      { targeted: 4, done: true, enqueuedUntil: 'y', version: 1 },
      sending.enrollment?.[1],
    ]);
  });
});
