import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCanonicalNdjson } from '../../functions/adapters/backfill/ndjson.js';
import { readShopifyOrdersCsv } from '../../functions/adapters/backfill/shopify-orders-csv.js';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import { randomIds } from '../../functions/adapters/random-ids.js';
import { renderReport } from '../../functions/adapters/report/render-report.js';
import type { CanonicalEvent } from '../../functions/domain/events.js';
import { backfill } from '../../functions/domain/services/backfill.js';
import { refreshStoreModel } from '../../functions/domain/services/refresh-store-model.js';
import { buildStoreReport } from '../../functions/domain/services/store-report.js';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { testConfig } from '../helpers/config.js';
import { engines, freshStore } from '../helpers/engines.js';
import { postGeneric } from '../helpers/generic-webhook.js';
import { emailsTo } from '../helpers/inbox.js';
import { startTestStack } from '../helpers/local-stack.js';

const config = testConfig({ currencyRates: { EUR: 1.1 } });
const DAY = 86_400_000;

/** A store's history: 40 customers, each with a regular rhythm, some who stopped buying. */
function history(now: Date): CanonicalEvent[] {
  const events: CanonicalEvent[] = [];
  for (let c = 0; c < 40; c++) {
    const email = `history-${c}@example.com`;
    const every = 20 + (c % 5) * 10;
    const orders = 1 + (c % 6);
    const stoppedDaysAgo = c % 4 === 0 ? 200 : 10 + (c % 7);
    for (let o = 0; o < orders; o++) {
      const placedAt = new Date(now.getTime() - (stoppedDaysAgo + (orders - 1 - o) * every) * DAY).toISOString();
      events.push({
        schemaVersion: 1,
        id: `generic:hist-${c}-${o}`,
        source: 'generic',
        occurredAt: placedAt,
        type: 'order.placed',
        data: {
          customer: {
            email,
            firstName: `Customer${c}`,
            consent: { email: 'subscribed', at: placedAt },
            acquisition: { source: c % 2 ? 'instagram' : 'google' },
          },
          order: {
            id: `h${c}-${o}`,
            placedAt,
            total: { amount: 2000 + (c % 9) * 500, currency: c % 10 === 0 ? 'EUR' : 'USD' },
            lineItems: [
              { productId: `p${c % 3}`, name: 'Thing', quantity: 1, unitPrice: { amount: 2000, currency: 'USD' } },
            ],
          },
        },
      });
    }
  }
  return events;
}

/** A fresh table and the dependencies of the services at a fixed `now`; what they publish lands in `published`. */
async function setup(now: Date) {
  const { store, tableName } = await freshStore();
  const published: unknown[] = [];
  const dependencies = {
    store,
    clock: { now: () => now },
    config,
    journeys: new Map(),
    newId: randomIds,
    hashEmail,
    publisher: { publish: async (events: readonly unknown[]) => void published.push(...events) },
    loadModel: () => store.loadModel(),
  };
  return { store, tableName, published, dependencies };
}

describe('backfill and the daily model', () => {
  const now = new Date();

  const ndjson = (events: readonly CanonicalEvent[], extra: string[] = []) =>
    [...events.map((event) => JSON.stringify(event)), ...extra].join('\n');

  it('imports history silently, reports bad lines by number, and a second run changes nothing', async () => {
    const { store, published, dependencies } = await setup(now);
    const events = history(now);
    const text = ndjson(events, ['{"not": "an event"}', 'garbage']);
    const first = await backfill(dependencies, readCanonicalNdjson([text]));
    expect(first).toMatchObject({ read: events.length + 2, applied: events.length, duplicates: 0, failed: 0 });
    expect(first.rejected.map((r) => r.line)).toEqual([events.length + 1, events.length + 2]);
    expect(first.rejected[0]?.reason).toMatch(/^type:/);
    expect(published).toEqual([]);

    const customerId = (await store.findCustomerId('history-5@example.com')) as string;
    const before = await store.load(customerId);
    expect(before?.customer.metrics.orderCount).toBe(6);
    expect(before?.enrollments.size).toBe(0);
    expect(await emailsTo(engines().sesEndpoint, 'history-5@example.com')).toEqual([]);

    const second = await backfill(dependencies, readCanonicalNdjson([text]));
    expect(second).toMatchObject({ applied: 0, duplicates: events.length });
    expect((await store.load(customerId))?.customer).toEqual(before?.customer);
  });

  it('imports the Shopify orders export with its rejected rows', async () => {
    const { dependencies } = await setup(now);
    const csv = readFileSync(resolve('tests/fixtures/backfill/shopify-orders-export.csv'), 'utf8');
    const summary = await backfill(dependencies, readShopifyOrdersCsv([csv]));
    expect(summary.applied + summary.storeOrders).toBeGreaterThan(5);
    expect(summary.rejected).toEqual([expect.objectContaining({ line: 16 })]);
    expect(summary.failed).toBe(0);
  });

  it('the daily model fits RFM, latency and CLV, then reassesses the customers it moves', async () => {
    const { store, published, dependencies } = await setup(now);
    await backfill(dependencies, readCanonicalNdjson([ndjson(history(now))]));
    const result = await refreshStoreModel({ ...dependencies, random: () => 0.5 });
    expect(result.model).toMatchObject({ customersWithOrders: 40, reportingCurrency: 'USD' });
    expect(result.model.rfm?.customers).toBe(40);
    expect(result.model.medianLatencyDays).toBeGreaterThan(0);
    expect(result.model.clv).toMatchObject({ method: expect.any(String), confidence: expect.any(String) });
    expect(result.reassessed).toBeGreaterThan(0);
    expect(await store.loadModel()).toEqual(result.model);

    const lapsedId = (await store.findCustomerId('history-0@example.com')) as string;
    const lapsed = await store.load(lapsedId);
    expect(lapsed?.customer.rfm).toBeDefined();
    expect(lapsed?.customer.stage).toBe('lapsed');
    // Stage changes found by the job are published, with ids only.
    const text = JSON.stringify(published);
    expect(published.length).toBeGreaterThan(0);
    expect(text).not.toContain('@example.com');
    expect((published[0] as { detailType: string }).detailType).toBe('customer.stage_changed');
  });
});

describe('the report, from a real store', () => {
  it('gathers the store with one scan and every chart of the page has data', async () => {
    const now = new Date();
    const { dependencies } = await setup(now);
    await backfill(
      dependencies,
      readCanonicalNdjson([
        history(now)
          .map((event) => JSON.stringify(event))
          .join('\n'),
      ]),
    );
    await refreshStoreModel({ ...dependencies, random: () => 0.5 });
    const data = await buildStoreReport(dependencies);
    expect(data.totals).toMatchObject({ customers: 40, buyers: 40 });
    expect(data.rfmGrid.reduce((sum, cell) => sum + cell.customers, 0)).toBe(40);
    expect(data.cohorts.length).toBeGreaterThan(3);
    expect(data.clvBySource.map((row) => row.source).sort()).toEqual(['google', 'instagram']);
    expect(data.stages.find((row) => row.stage === 'lapsed')?.customers).toBeGreaterThan(0);
    const html = renderReport(data);
    for (const chart of ['rfm-grid', 'rfm-segments', 'cohort-retention', 'clv-by-source', 'stages']) {
      const svg = new RegExp(`<svg[^>]*data-chart="${chart}"[\\s\\S]*?</svg>`).exec(html)?.[0] ?? '';
      expect(svg, chart).toMatch(/data-value="/);
    }
    expect(html).not.toMatch(/NaN|Infinity/);
  });
});

describe('time-driven changes through the local runtime', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack('intelligence', config);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a customer who stops buying becomes at risk, then lapsed, on time, without any event, and it is published', async () => {
    const email = 'rhythm@example.com';
    const now = new Date(((await (await fetch(`${stack.urls.api}/_local/clock`)).json()) as { now: string }).now);
    for (const [index, daysAgo] of [20, 10, 0].entries()) {
      const placedAt = new Date(now.getTime() - daysAgo * DAY).toISOString();
      const response = await postGeneric(stack.urls.api, {
        id: `rhythm-${index}`,
        type: 'order.placed',
        occurredAt: placedAt,
        data: {
          customer: { email, consent: { email: 'subscribed' } },
          order: { id: `r${index}`, placedAt, total: { amount: 3000, currency: 'USD' }, lineItems: [] },
        },
      });
      expect(response.status).toBe(200);
    }
    await stack.settle();
    const stageOf = async () =>
      ((await (await fetch(`${stack.urls.api}/_local/customers/${email}`)).json()) as { customer: { stage: string } })
        .customer.stage;
    expect(await stageOf()).toBe('repeat_customer');
    // Every 10 days: at risk after 15 days, lapsed after 30.
    await stack.advanceClock({ advance: 'P16D' });
    expect(await stageOf()).toBe('at_risk');
    await stack.advanceClock({ advance: 'P15D' });
    expect(await stageOf()).toBe('lapsed');
    const stageEvents = stack.bus.recent.filter((event) => event['detail-type'] === 'customer.stage_changed');
    expect(stageEvents.map((event) => (event.detail as { to: string }).to)).toEqual(
      expect.arrayContaining(['at_risk', 'lapsed']),
    );
  });

  it('the model job runs every day at 03:00 UTC of business time', async () => {
    const summary = await stack.advanceClock({ advance: 'P2D' });
    expect(summary.modelRuns).toBe(2);
    // Business time runs on with the wall clock while the job works, as it does in AWS after the schedule fires.
    expect((await stack.store.loadModel())?.computedAt).toMatch(/T03:00:0\d\.\d{3}Z$/);
  });
});
