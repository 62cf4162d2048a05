import type { LifecycleConfig } from '../config.js';
import type { JourneyDefinition } from './definition.js';
import { welcomeSeries } from './welcome-series.js';

/** The journeys a configuration enables, keyed by id. The one list used by Lambda, local and tests. */
export function enabledJourneys(config: LifecycleConfig): ReadonlyMap<string, JourneyDefinition> {
  const journeys: JourneyDefinition[] = [];
  if (config.journeys.welcomeSeries.enabled) journeys.push(welcomeSeries(config.journeys.welcomeSeries));
  return new Map(journeys.map((journey) => [journey.id, journey]));
}
