import { describe, expect, it } from 'vitest';
import { EmulatedTableCustomerStore } from '../../../functions/adapters/dynamodb/emulated-table.js';
import { renderReport } from '../../../functions/adapters/report/render-report.js';
import { buildReport } from '../../../functions/domain/reporting/report-data.js';
import { weeklySummary } from '../../../functions/domain/reporting/weekly-summary.js';
import { gatherStoreReport } from '../../../functions/domain/services/store-report.js';
import { testConfig } from '../../helpers/config.js';

describe("the report's journeys and campaigns", () => {
  it('are one list of journey rows: the report shows campaigns in their own table, the weekly summary ranks both', async () => {
    const config = testConfig({
      campaigns: [
        {
          id: 'winter-sale',
          template: 'welcome-1',
          audience: { segment: 'vip' },
          topic: 'offers',
          send: { at: 'now' },
        },
      ],
    });
    const store = new EmulatedTableCustomerStore({ dueShards: 1 });
    await store.addJourneyStats([
      {
        journeyId: 'campaign-winter-sale',
        counters: { entered: 100, sent: 100, delivered: 94, bounced: 5, complained: 1, converted: 4, revenue: 40_000 },
      },
      { journeyId: 'welcome-series', counters: { entered: 10, sent: 10, delivered: 10, converted: 1, revenue: 2_500 } },
    ]);
    const now = new Date('2026-12-01T00:00:00Z');
    const input = await gatherStoreReport({ store, config });

    const summary = weeklySummary({ ...input, config, now });
    expect(summary.campaigns.byRevenue).toEqual({ best: { journeyId: 'campaign-winter-sale', value: 40_000 } });
    expect(summary.journeys.byRevenue?.best).toEqual({ journeyId: 'welcome-series', value: 2_500 });
    // The campaign's sends are rated with the journeys': its bounces and complaints count.
    expect(summary.deliverability).toMatchObject({ sent: 110, delivered: 104, bounced: 5, complained: 1 });

    const html = renderReport(buildReport({ ...input, config, now }));
    const table = (name: string) =>
      new RegExp(`<table class="data" data-table="${name}">.*?</table>`, 's').exec(html)?.[0] ?? '';
    expect(table('journeys')).toContain('<th scope="row">welcome-series</th>');
    expect(table('journeys')).not.toContain('winter-sale');
    expect(table('campaigns')).toContain('winter-sale');
  });
});
