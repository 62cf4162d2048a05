import { describe, expect, it } from 'vitest';
import { JourneyDefinitionError } from '../../../functions/domain/errors.js';
import { enabledJourneys, isKnownTemplate, missingTemplates } from '../../../functions/domain/journeys/catalogue.js';
import { defineJourney } from '../../../functions/domain/journeys/definition.js';
import { testConfig } from '../../helpers/config.js';

const base = {
  id: 'test-journey',
  name: 'Test',
  trigger: { event: 'customer.signed_up' },
  reentry: { policy: 'once' as const },
  steps: [{ id: 'hello', type: 'send' as const, template: 'welcome-1', category: 'marketing' as const }],
};

function failure(input: unknown): JourneyDefinitionError {
  try {
    defineJourney(input as Parameters<typeof defineJourney>[0]);
  } catch (error) {
    if (error instanceof JourneyDefinitionError) return error;
    throw error;
  }
  throw new Error('expected the journey to be refused');
}

describe('journey definitions', () => {
  it('accepts a valid journey', () => {
    expect(defineJourney(base).steps).toHaveLength(1);
  });

  it('names the journey and the step of a bad wait', () => {
    const error = failure({ ...base, steps: [...base.steps, { id: 'pause', type: 'wait', duration: 'two days' }] });
    expect(error.journeyId).toBe('test-journey');
    expect(error.stepId).toBe('pause');
    expect(error.message).toMatch(/journey "test-journey", step "pause": steps\.1\.duration/);
  });

  it('counts waits, date triggers and cool-downs in months and years; refuses them elsewhere, naming the field', () => {
    const yearly = defineJourney({
      ...base,
      trigger: { after: { field: 'signedUpAt', delay: 'P1Y', every: 'P1Y' } },
      reentry: { policy: 'after', coolDown: 'P11M' },
      steps: [...base.steps, { id: 'later', type: 'wait', duration: 'P1M' }],
    });
    expect(yearly.trigger).toEqual({ after: { field: 'signedUpAt', delay: 'P1Y', every: 'P1Y' } });
    const stale = failure({ ...base, steps: [{ ...base.steps[0], staleAfter: 'P1M' }] });
    expect(stale.message).toMatch(/steps\.0\.staleAfter: months and years are not allowed here/);
    const goal = failure({ ...base, goal: { event: 'order.placed', within: 'P1M' } });
    expect(goal.message).toMatch(/goal\.within: months and years are not allowed here/);
    const window = failure({
      ...base,
      steps: [{ id: 'w', type: 'wait', until: { localTime: '09:00', window: 'P1M' } }],
    });
    expect(window.message).toMatch(/steps\.0\.until\.window: months and years/);
  });

  it('refuses a recurrence of zero, and a recurring trigger that may run only once', () => {
    const after = { field: 'signedUpAt', delay: 'P0D' };
    expect(
      failure({ ...base, reentry: { policy: 'restart' }, trigger: { after: { ...after, every: 'P0D' } } }).message,
    ).toMatch(/trigger\.after\.every: a recurrence must be longer than zero/);
    expect(failure({ ...base, trigger: { after: { ...after, every: 'P1Y' } } }).message).toMatch(
      /reentry\.policy: a trigger that recurs \(every\) needs a reentry policy of after or restart/,
    );
  });

  it('refuses a cool-down per product on a trigger that is about no product', () => {
    expect(failure({ ...base, reentry: { policy: 'after', coolDown: 'P30D', per: 'product' } }).message).toMatch(
      /reentry\.per: a cool-down per product needs a trigger on an event about a product: product\.viewed/,
    );
  });

  it('refuses a trigger that is not a canonical event', () => {
    const error = failure({ ...base, trigger: { event: 'customer.signedup' } });
    expect(error.message).toContain('trigger.event');
    expect(error.stepId).toBeUndefined();
  });

  it('refuses a trigger on a catalogue event, which is about no customer and would never start a run', () => {
    for (const event of ['product.upserted', 'product.deleted']) {
      expect(failure({ ...base, trigger: { event } }).message).toContain('trigger.event');
    }
  });

  it('refuses duplicate step ids', () => {
    const error = failure({ ...base, steps: [base.steps[0], base.steps[0]] });
    expect(error.message).toContain('duplicate step id "hello"');
  });

  it('refuses a journey without steps', () => {
    expect(failure({ ...base, steps: [] }).message).toContain('at least one step');
  });

  it('refuses a jump to a step that does not exist, and a loop without a wait', () => {
    expect(
      failure({
        ...base,
        steps: [{ id: 'b', type: 'branch', condition: { segment: 'vip' }, then: 'nowhere', else: 'end' }],
      }).message,
    ).toContain('no step "nowhere"');
    const loop = failure({
      ...base,
      steps: [
        { id: 'a', type: 'branch', condition: { segment: 'vip' }, then: 'b', else: 'end' },
        { id: 'b', type: 'send', template: 'welcome-1', category: 'marketing', next: 'a' },
      ],
    });
    expect(loop.message).toContain('loop without a wait');
  });

  it('refuses a template name that cannot be a folder of templates/, naming the step', () => {
    const error = failure({
      ...base,
      steps: [{ id: 'hello', type: 'send', template: 'Welcome 9', category: 'marketing' }],
    });
    expect(error.stepId).toBe('hello');
    expect(error.message).toContain('expected a template name');
  });

  it('finds every send whose template is not among those there are', () => {
    const journey = defineJourney({
      ...base,
      steps: [...base.steps, { id: 'later', type: 'send', template: 'welcome-9', category: 'marketing' }],
    });
    expect(missingTemplates([journey], new Set(['welcome-1']))).toEqual([
      { journeyId: 'test-journey', stepId: 'later', template: 'welcome-9' },
    ]);
    expect(missingTemplates([journey], new Set(['welcome-1', 'welcome-9']))).toEqual([]);
  });

  it('gives every built-in journey only built-in templates, each with its data contract', () => {
    const config = testConfig({ deliverability: { doubleOptIn: ['generic'] } });
    const templates = [...enabledJourneys(config).values()].flatMap((journey) =>
      journey.steps.flatMap((step) => (step.type === 'send' ? [step.template] : [])),
    );
    expect(templates.filter((template) => !isKnownTemplate(template))).toEqual([]);
  });

  it('adds the journeys of your own to the built-in ones, validated the same way', () => {
    const own = { ...base, id: 'name-day', trigger: { event: 'customer.updated' } };
    const config = testConfig({ customJourneys: [own] });
    expect([...enabledJourneys(config).keys()].at(-1)).toBe('name-day');
    expect(() => testConfig({ customJourneys: [{ ...own, id: 'welcome-series' }] })).toThrow(
      'customJourneys.0.id: the id "welcome-series" is taken by a built-in journey',
    );
    expect(() => testConfig({ customJourneys: [own, own] })).toThrow(
      'customJourneys.1.id: the id "name-day" is taken by another journey of yours',
    );
    expect(() =>
      testConfig({ customJourneys: [{ ...own, steps: [{ id: 'pause', type: 'wait', duration: 'two days' }] }] }),
    ).toThrow(/customJourneys\.0\.steps\.0\.duration/);
    expect(() => testConfig({ customJourneys: [{ ...own, topic: 'name-days' }] })).toThrow(
      'journey "name-day" has the topic "name-days", which is not in topics',
    );
  });

  it('the fifteen built-in journeys on by default are valid, and each can be switched off', () => {
    expect([...enabledJourneys(testConfig()).keys()]).toEqual([
      'welcome-series',
      'post-purchase',
      'repeat-incentive',
      'review-request',
      'nps-survey',
      'replenishment',
      'cross-sell',
      'vip-recognition',
      'win-back',
      're-engagement',
      'abandoned-checkout',
      'browse-abandonment',
      'anniversary',
      'back-in-stock',
      'price-drop',
    ]);
    const fewer = enabledJourneys(testConfig({ journeys: { winBack: { enabled: false }, vip: { enabled: false } } }));
    expect(fewer.has('win-back')).toBe(false);
    expect(fewer.size).toBe(13);
  });

  it('the birthday journey is off until switched on; on, it recurs yearly and waits for the morning', () => {
    expect(enabledJourneys(testConfig()).has('birthday')).toBe(false);
    const on = enabledJourneys(testConfig({ journeys: { birthday: { enabled: true, sendAt: '10:30' } } }));
    expect(on.get('birthday')).toMatchObject({
      trigger: { after: { field: 'birthday', delay: 'P0D', every: 'P1Y' } },
      steps: [
        { type: 'wait', until: { localTime: '10:30' } },
        { type: 'send', template: 'birthday', category: 'marketing' },
      ],
    });
    expect(() => testConfig({ journeys: { birthday: { sendAt: '9am' } } })).toThrow(/journeys\.birthday\.sendAt/);
  });

  it('browse abandonment waits and cools down as configured, per product; the anniversary can be switched off', () => {
    const browse = enabledJourneys(
      testConfig({ journeys: { browseAbandonment: { after: 'PT2H', coolDown: 'P14D' } } }),
    );
    expect(browse.get('browse-abandonment')).toMatchObject({
      trigger: { event: 'product.viewed' },
      reentry: { policy: 'after', coolDown: 'P14D', per: 'product' },
      steps: [
        { type: 'wait', duration: 'PT2H' },
        { type: 'send', template: 'browse-abandonment' },
      ],
    });
    expect(enabledJourneys(testConfig()).get('browse-abandonment')).toMatchObject({
      reentry: { coolDown: 'P30D' },
      steps: [{ duration: 'PT4H' }, {}],
    });
    expect(() => testConfig({ journeys: { browseAbandonment: { after: '4 hours' } } })).toThrow(
      /journeys\.browseAbandonment\.after/,
    );
    expect(enabledJourneys(testConfig()).get('anniversary')).toMatchObject({
      trigger: { after: { field: 'firstOrderAt', delay: 'P1Y', every: 'P1Y' } },
    });
    expect(enabledJourneys(testConfig({ journeys: { anniversary: { enabled: false } } })).has('anniversary')).toBe(
      false,
    );
  });

  it('the welcome series waits the configured times between its three emails', () => {
    const journey = enabledJourneys(testConfig({ journeys: { welcomeSeries: { secondAfter: 'P3D' } } })).get(
      'welcome-series',
    );
    expect(journey?.steps.map((step) => step.type)).toEqual(['send', 'wait', 'send', 'wait', 'send']);
    expect(journey?.steps[1]).toMatchObject({ type: 'wait', duration: 'P3D' });
  });
});
