import type { z } from 'zod';
import type { ExperimentSchema } from '../../functions/domain/journeys/definition.js';

type ExperimentInput = z.input<typeof ExperimentSchema>;

/**
 * A two-variant experiment as a configuration writes it: the step's own email (`control`) against the
 * template welcome-2 (`story`), half the recipients in the test, chosen on opens after 4 hours. `overrides`
 * replace any setting.
 */
export function storyExperiment<const T extends Partial<ExperimentInput>>(overrides: T = {} as T) {
  const base = {
    variants: [{ id: 'control' }, { id: 'story', template: 'welcome-2' }],
    testShare: 0.5,
    decideAfter: 'PT4H',
    metric: 'opens' as const,
  };
  return { ...base, ...overrides };
}
