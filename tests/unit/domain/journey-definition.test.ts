import { describe, expect, it } from 'vitest';
import { JourneyDefinitionError } from '../../../functions/domain/errors.js';
import { defineJourney } from '../../../functions/domain/journeys/definition.js';
import { welcomeSeries } from '../../../functions/domain/journeys/welcome-series.js';

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

  it('refuses a trigger that is not a canonical event', () => {
    const error = failure({ ...base, trigger: { event: 'customer.signedup' } });
    expect(error.message).toContain('trigger.event');
    expect(error.stepId).toBeUndefined();
  });

  it('refuses duplicate step ids', () => {
    const error = failure({ ...base, steps: [base.steps[0], base.steps[0]] });
    expect(error.message).toContain('duplicate step id "hello"');
  });

  it('refuses a journey without steps', () => {
    expect(failure({ ...base, steps: [] }).message).toContain('at least one step');
  });

  it('the welcome series waits the configured time between its two emails', () => {
    const journey = welcomeSeries({ enabled: true, secondEmailAfter: 'P3D' });
    expect(journey.steps.map((step) => step.type)).toEqual(['send', 'wait', 'send']);
    expect(journey.steps[1]).toMatchObject({ type: 'wait', duration: 'P3D' });
  });
});
