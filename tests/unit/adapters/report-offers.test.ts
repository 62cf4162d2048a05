import { describe, expect, it } from 'vitest';
import { EmulatedTableCustomerStore } from '../../../functions/adapters/dynamodb/emulated-table.js';
import { renderReport } from '../../../functions/adapters/report/render-report.js';
import { buildReport } from '../../../functions/domain/reporting/report-data.js';
import { journeyFigures } from '../../../functions/domain/services/store-report.js';
import { testConfig } from '../../helpers/config.js';

describe('the store report on single-use offers', () => {
  it('gives each journey that issued codes its codes, redemptions, redemption rate and their revenue', async () => {
    const config = testConfig();
    const store = new EmulatedTableCustomerStore({ dueShards: 1 });
    await store.addJourneyStats([
      {
        journeyId: 'win-back',
        counters: { entered: 40, sent: 40, offersIssued: 40, offersRedeemed: 6, offerRevenue: 31_200 },
      },
      { journeyId: 'welcome-series', counters: { entered: 10, sent: 10 } },
    ]);
    const journeys = await journeyFigures(store, config);
    expect(journeys.find((j) => j.journeyId === 'win-back')).toMatchObject({
      offersIssued: 40,
      offersRedeemed: 6,
      offerRevenue: 31_200,
    });
    const html = renderReport(
      buildReport({
        customers: [],
        orders: [],
        model: undefined,
        config,
        now: new Date('2026-12-01T00:00:00Z'),
        journeys,
      }),
    );
    const table = /<table class="data" data-table="offers">.*?<\/table>/s.exec(html)?.[0] ?? '';
    expect(table).toContain('<th scope="row">win-back</th><td>40</td><td>6</td><td>15');
    expect(table).toContain('312');
    expect(table).not.toContain('welcome-series');
  });
});
