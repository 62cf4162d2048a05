import { describe, expect, it } from 'vitest';
import { EmulatedTableCustomerStore } from '../../../functions/adapters/dynamodb/emulated-table.js';
import { renderReport } from '../../../functions/adapters/report/render-report.js';
import { buildReport } from '../../../functions/domain/reporting/report-data.js';
import { journeyFigures } from '../../../functions/domain/services/store-report.js';
import { testConfig } from '../../helpers/config.js';

/** The store report on journeys with a holdout, from the counters the engine keeps. */
async function liftTable(counters: Record<string, Record<string, number>>): Promise<string> {
  const config = testConfig();
  const store = new EmulatedTableCustomerStore({ dueShards: 1 });
  await store.addJourneyStats(Object.entries(counters).map(([journeyId, c]) => ({ journeyId, counters: c })));
  const html = renderReport(
    buildReport({
      customers: [],
      orders: [],
      model: undefined,
      config,
      now: new Date('2026-12-01T00:00:00Z'),
      journeys: await journeyFigures(store, config),
    }),
  );
  return /<table class="data" data-table="lift">.*?<\/table>/s.exec(html)?.[0] ?? '';
}

describe('the store report on lift', () => {
  it('gives each journey with a holdout its groups, rates, lift and revenue per customer with intervals, and a verdict', async () => {
    // 60/200 against 8/100 (tests/unit/domain/lift.test.ts): +22.0 points, (+12.8, +29.7), relative +275%.
    // Revenue: 60 orders of $50.00 over 200 = $15.00 per customer; 8 of $40.00 over 100 = $3.20.
    const table = await liftTable({
      'cross-sell': {
        entered: 300,
        sent: 200,
        treated: 200,
        treatedConverted: 60,
        treatedRevenue: 300_000,
        treatedRevenueSquares: 150_000,
        holdoutEntered: 100,
        holdoutConverted: 8,
        holdoutRevenue: 32_000,
        holdoutRevenueSquares: 12_800,
      },
      'welcome-series': { entered: 10, sent: 10, converted: 2 },
    });
    expect(table).toContain(
      '<th scope="row">cross-sell</th><td>200</td><td>100</td><td>30%</td><td>8%</td><td>+22.0 pts (+12.8 pts to +29.7 pts)</td><td>+275%</td><td>$15.00</td><td>$3.20</td>',
    );
    expect(table).toContain('<td data-verdict="higher">The emails raise conversion');
    expect(table).not.toContain('welcome-series');
  });

  it('says there is not enough data below 30 in a group, and shows no interval', async () => {
    const table = await liftTable({
      'cross-sell': { entered: 60, treated: 50, treatedConverted: 5, holdoutEntered: 10, holdoutConverted: 1 },
    });
    expect(table).toContain('<th scope="row">cross-sell</th><td>50</td><td>10</td><td>—</td>');
    expect(table).toContain(
      'data-verdict="not_enough_data">Not enough data yet: 30 customers are needed in each group.',
    );
  });

  it('has no lift table when no journey with a goal has a holdout', async () => {
    expect(await liftTable({ 'welcome-series': { entered: 10, sent: 10 } })).toBe('');
    // Post-purchase has no goal: no conversion to compare, whatever its groups.
    expect(await liftTable({ 'post-purchase': { entered: 100, treated: 50, holdoutEntered: 50 } })).toBe('');
  });
});
