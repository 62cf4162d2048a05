import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_JOURNEYS,
  enabledJourneys,
  JourneySettingsSchema,
} from '../../../functions/domain/journeys/catalogue.js';
import { TEAM_TEMPLATE_CONTRACTS } from '../../../functions/domain/template-lint.js';
import { testConfig } from '../../helpers/config.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const folders = (path: string) =>
  readdirSync(`${ROOT}${path}`, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

/** Each template a module names, with the id of that module. */
const named = BUILT_IN_JOURNEYS.flatMap((module) =>
  Object.keys(module.templates).map((name) => ({ name, by: module.id })),
);

describe('the journey modules', () => {
  it('name every folder of templates/, and only folders that templates/ has', () => {
    // templates/ is what SES holds and what the package ships: a folder no module names would get no data
    // contract, and a template a module names but templates/ lacks would fail every send.
    // The team's own emails (the weekly report) have a contract of their own, in template-lint.ts.
    const team = Object.keys(TEAM_TEMPLATE_CONTRACTS);
    expect([...new Set([...named.map(({ name }) => name), ...team])].sort()).toEqual(folders('templates'));
  });

  it('each own their templates alone', () => {
    const owners = new Map<string, string[]>();
    for (const { name, by } of named) owners.set(name, [...(owners.get(name) ?? []), by]);
    const shared = [...owners].filter(([, by]) => by.length > 1).map(([name, by]) => `${name}: ${by.join(', ')}`);
    expect(shared).toEqual([]);
  });

  it('are each in the folder named by their journey id, and build that journey', () => {
    expect(BUILT_IN_JOURNEYS.map((module) => module.id).sort()).toEqual(folders('functions/domain/journeys'));
    const everyOn = testConfig({
      deliverability: { doubleOptIn: ['generic'] },
      journeys: { birthday: { enabled: true } },
    });
    expect([...enabledJourneys(everyOn).keys()]).toEqual(BUILT_IN_JOURNEYS.map((module) => module.id));
  });

  it('give the configuration one key of settings each, as lifecycle.config.ts names them', () => {
    const keys = BUILT_IN_JOURNEYS.flatMap((module) => (module.settings ? [module.settings.key] : []));
    expect(Object.keys(JourneySettingsSchema.def.innerType.shape)).toEqual(keys);
    expect(keys).toEqual([
      'welcomeSeries',
      'postPurchase',
      'repeatIncentive',
      'reviewRequest',
      'npsSurvey',
      'replenishment',
      'crossSell',
      'vip',
      'winBack',
      'reengagement',
      'abandonedCheckout',
      'birthday',
      'browseAbandonment',
      'anniversary',
      'backInStock',
      'priceDrop',
    ]);
  });
});
