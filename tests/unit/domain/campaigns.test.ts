import { describe, expect, it } from 'vitest';
import {
  audienceStages,
  type CampaignInput,
  campaignJourney,
  campaignStartsAt,
  defineCampaign,
  inAudience,
  sendTimeFor,
} from '../../../functions/domain/campaigns/campaign.js';
import type { ConditionSubject } from '../../../functions/domain/conditions.js';
import { enabledJourneys } from '../../../functions/domain/journeys/catalogue.js';
import { journeysForChange } from '../../../functions/domain/journeys/enrollment.js';
import { testConfig } from '../../helpers/config.js';
import { aCustomer } from '../../helpers/customers.js';

const base: CampaignInput = {
  id: 'winter-sale',
  template: 'welcome-1',
  audience: { segment: 'vip' },
  topic: 'offers',
  send: { at: 'now' },
};

describe('a campaign definition', () => {
  it('fills its defaults: marketing, normal priority, a five-day conversion window', () => {
    const campaign = defineCampaign(base);
    expect(campaign).toMatchObject({ category: 'marketing', priority: 'normal', conversion: 'P5D', seedList: [] });
  });

  it.each([
    [{ ...base, category: 'transactional' as never }, 'category: a campaign is marketing'],
    [{ ...base, audience: {} }, 'audience: an audience needs at least one of where, segment or list'],
    [{ ...base, id: 'Winter Sale' }, 'id: expected lower-case letters'],
    [{ ...base, send: { localHour: 24, on: '2026-12-24' } }, 'send.localHour'],
    [{ ...base, send: { at: 'tomorrow' } }, 'send.at'],
    [{ ...base, seedList: ['not an address'] }, 'seedList.0'],
    [{ ...base, variants: [] } as CampaignInput, 'variants'],
  ])('refuses %j, naming the field', (input, message) => {
    expect(() => defineCampaign(input)).toThrow(message);
  });

  it('is refused by the configuration when its topic is unknown or its id is taken', () => {
    expect(() => testConfig({ campaigns: [{ ...base, topic: 'nope' }] })).toThrow('campaigns.0.topic');
    expect(() => testConfig({ campaigns: [base, base] })).toThrow('campaigns.1.id');
    expect(() =>
      testConfig({
        customJourneys: [
          {
            id: 'campaign-x',
            name: 'x',
            trigger: { event: 'customer.signed_up' },
            reentry: { policy: 'once' },
            steps: [{ id: 's', type: 'send', template: 'welcome-1', category: 'marketing' }],
          },
        ],
      }),
    ).toThrow('customJourneys.0.id');
  });
});

describe("a campaign's journey", () => {
  const config = testConfig({ campaigns: [base] });
  const journey = enabledJourneys(config).get('campaign-winter-sale');

  it('is resolvable among the enabled journeys: one marketing send, goal an order within the window', () => {
    expect(journey).toEqual(campaignJourney(defineCampaign(base)));
    expect(journey?.steps).toEqual([
      expect.objectContaining({ type: 'send', template: 'welcome-1', category: 'marketing' }),
    ]);
    expect(journey?.goal).toEqual({ event: 'order.placed', within: 'P5D' });
    expect(journey?.topic).toBe('offers');
  });

  it("tests the campaign's variants on its one send step, the rest waiting for the winner unless told", () => {
    const experiment = {
      variants: [{ id: 'control' }, { id: 'short', subject: 'Winter sale: 20% off' }],
      testShare: 0.2,
      decideAfter: 'PT4H',
      metric: 'clicks' as const,
    };
    const step = (input: CampaignInput) => campaignJourney(defineCampaign(input)).steps[0];
    expect(step({ ...base, experiment })).toMatchObject({
      type: 'send',
      experiment: { ...experiment, confidence: 0.95, holdRest: true },
    });
    expect(step({ ...base, experiment: { ...experiment, holdRest: false } })).toMatchObject({
      experiment: { holdRest: false },
    });
    expect(step(base)).not.toHaveProperty('experiment');
    // The experiment is typed as a campaign's: a misspelt setting is an error in the editor, not only at start.
    // @ts-expect-error holdrest is not a setting of an experiment
    expect(() => defineCampaign({ ...base, experiment: { ...experiment, holdrest: false } })).toThrow('holdrest');
    expect(() => defineCampaign({ ...base, experiment: { ...experiment, variants: [{ id: 'control' }] } })).toThrow(
      'experiment.variants',
    );
  });

  it('is never entered by an event, a stage or a segment', () => {
    const customer = { ...aCustomer('cus_1', 'ada@example.com'), consent: { email: 'subscribed' as const } };
    const changes = journeysForChange(
      [journey!],
      customer,
      new Map(),
      {
        event: { id: 'e', type: 'customer.signed_up', context: {} },
        stageEntered: 'vip',
        segmentsEntered: ['vip'],
        segmentsLeft: [],
      },
      {
        now: new Date('2026-05-01T10:00:00Z'),
        newRunId: () => 'run',
        subject: { facts: {} as ConditionSubject['facts'], segments: ['vip'], recentEvents: [], now: new Date() },
        timeZone: 'UTC',
      },
    );
    expect(changes.enrollments).toEqual([]);
  });
});

describe('when a campaign is sent', () => {
  it('at a local hour: each recipient at that hour in their own zone; one whose hour has passed, the next day', () => {
    const campaign = defineCampaign({ ...base, send: { localHour: 10, on: '2026-12-24' } });
    const start = campaignStartsAt(campaign, new Date('2026-12-01T00:00:00Z'));
    expect(start.toISOString()).toBe('2026-12-23T20:00:00.000Z');
    expect(sendTimeFor(campaign, 'Europe/Paris', start).toISOString()).toBe('2026-12-24T09:00:00.000Z');
    expect(sendTimeFor(campaign, 'America/New_York', start).toISOString()).toBe('2026-12-24T15:00:00.000Z');
    // Scheduled late, when 10:00 has passed in Paris: 10:00 the next day there, New York still that day.
    const late = new Date('2026-12-24T12:00:00Z');
    expect(sendTimeFor(campaign, 'Europe/Paris', late).toISOString()).toBe('2026-12-25T09:00:00.000Z');
    expect(sendTimeFor(campaign, 'America/New_York', late).toISOString()).toBe('2026-12-24T15:00:00.000Z');
  });

  it('now, or at a moment', () => {
    const scheduled = new Date('2026-12-01T08:00:00Z');
    expect(campaignStartsAt(defineCampaign(base), scheduled)).toEqual(scheduled);
    const at = defineCampaign({ ...base, send: { at: '2026-12-24T09:00:00+01:00' } });
    expect(campaignStartsAt(at, scheduled).toISOString()).toBe('2026-12-24T08:00:00.000Z');
  });
});

describe("a campaign's audience", () => {
  const subject = (segments: string[], orderCount = 0): ConditionSubject => ({
    facts: { orderCount } as ConditionSubject['facts'],
    segments,
    recentEvents: [],
    now: new Date(),
  });
  const customer = aCustomer('cus_1', 'ada@example.com');

  it('is the segment, the list and the condition together', () => {
    const campaign = defineCampaign({
      ...base,
      audience: { segment: 'vip', list: 'fair', where: { fact: 'orderCount', op: 'gte', value: 2 } },
    });
    const listed = (id: string) => id === 'cus_1';
    expect(inAudience(campaign, customer, subject(['vip'], 2), listed)).toBe(true);
    expect(inAudience(campaign, customer, subject([], 2), listed)).toBe(false);
    expect(inAudience(campaign, customer, subject(['vip'], 1), listed)).toBe(false);
    expect(inAudience(campaign, customer, subject(['vip'], 2), () => false)).toBe(false);
  });

  it('leaves out a customer without an address', () => {
    expect(inAudience(defineCampaign(base), { ...customer, email: '' }, subject(['vip']), () => true)).toBe(false);
  });
});

describe('the stages of the audience index an audience is read from', () => {
  const segments = [
    {
      id: 'win-back',
      condition: { all: [{ stage: ['at_risk', 'lapsed'] }, { fact: 'locale', op: 'eq', value: 'fr' }] },
    },
    { id: 'french', condition: { fact: 'locale', op: 'eq', value: 'fr' } },
    { id: 'loop', condition: { segment: 'loop' } },
  ] as const;
  const stages = (audience: CampaignInput['audience']) =>
    audienceStages(defineCampaign({ ...base, audience }).audience, segments as never);

  it('only the stages it names: a stage, the stage fact, a segment a stage defines, and all/any of them', () => {
    expect(stages({ where: { stage: 'lapsed' } })).toEqual(['lapsed']);
    expect(stages({ where: { fact: 'stage', op: 'in', value: ['vip', 'loyal'] } })).toEqual(['loyal', 'vip']);
    expect(stages({ segment: 'at_risk' })).toEqual(['at_risk']);
    expect(stages({ segment: 'win-back' })).toEqual(['at_risk', 'lapsed']);
    expect(stages({ segment: 'win-back', where: { stage: 'lapsed' } })).toEqual(['lapsed']);
    expect(stages({ where: { any: [{ stage: 'vip' }, { segment: 'lapsed' }] } })).toEqual(['vip', 'lapsed']);
    expect(stages({ segment: 'active' })).toEqual([
      'first_time_customer',
      'repeat_customer',
      'loyal',
      'vip',
      'advocate',
    ]);
  });

  it('every stage when it narrows none: a fact, a list, a not, an any with an open part, a segment of anyone', () => {
    expect(stages({ segment: 'french' })).toBeUndefined();
    expect(stages({ segment: 'vip' })).toBeUndefined();
    expect(stages({ list: 'fair' })).toBeUndefined();
    expect(stages({ where: { not: { stage: 'lapsed' } } })).toBeUndefined();
    expect(stages({ where: { any: [{ stage: 'vip' }, { segment: 'french' }] } })).toBeUndefined();
    expect(stages({ segment: 'loop' })).toBeUndefined();
  });
});
