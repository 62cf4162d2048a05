import type { LifecycleConfig } from '../config.js';
import { defineJourney, type JourneyDefinition } from './definition.js';

/**
 * Welcome series (pillar 2, "Connect"): a new subscriber gets a welcome at once and a second email
 * after a pause, introducing the store. Ends for anyone who places an order.
 */
export function welcomeSeries(settings: LifecycleConfig['journeys']['welcomeSeries']): JourneyDefinition {
  return defineJourney({
    id: 'welcome-series',
    name: 'Welcome series',
    trigger: { event: 'customer.signed_up' },
    reentry: { policy: 'once' },
    exitOn: [],
    steps: [
      { id: 'welcome-1', type: 'send', template: 'welcome-1', category: 'marketing' },
      { id: 'pause', type: 'wait', duration: settings.secondEmailAfter },
      { id: 'welcome-2', type: 'send', template: 'welcome-2', category: 'marketing' },
    ],
  });
}
