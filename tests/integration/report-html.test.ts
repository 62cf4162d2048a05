import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney } from '../../functions/adapters/report/format.js';
import { renderReport } from '../../functions/adapters/report/render-report.js';
import { decideExperiment } from '../../functions/domain/experiments.js';
import type { ReportData } from '../../functions/domain/reporting/report-data.js';
import { launchChromium } from '../helpers/browser.js';

const fixture: ReportData = JSON.parse(
  readFileSync(new URL('../fixtures/report/report-data.json', import.meta.url), 'utf8'),
) as ReportData;

const HEADINGS = [
  'Headline figures',
  'RFM grid and segments',
  'Cohort retention',
  'Customer lifetime value by acquisition source',
  'Order value and time between orders by segment',
  'Lifecycle stages',
  'Journeys',
  'Prediction model',
];

/** Every chart the fixture (a store with data in every section) must draw. */
const CHARTS = [
  'headline-funnel',
  'rfm-grid',
  'rfm-segments',
  'cohort-retention',
  'clv-by-source',
  'aov-by-segment',
  'latency-by-segment',
  'stages',
  'journeys',
  'model-confidence',
];

const HOSTILE = '<script>alert(1)</script>';

const EMPTY: ReportData = {
  storeName: 'Brand New Shop',
  generatedAt: '2025-06-14T09:30:00.000Z',
  reportingCurrency: 'USD',
  totals: {
    customers: 0,
    buyers: 0,
    orders: 0,
    storeOnlyOrders: 0,
    revenue: { amount: 0, currency: 'USD' },
    repeatRate: 0,
  },
  rfmGrid: [],
  rfmSegments: [],
  cohorts: [],
  clvBySource: [],
  bySegment: [],
  stages: [],
  journeys: [],
};

/** A store on its first day: arrays filled, as buildReport fills them, but almost every figure zero. */
const FIRST_DAY: ReportData = {
  ...EMPTY,
  totals: {
    customers: 2,
    buyers: 1,
    orders: 1,
    storeOnlyOrders: 0,
    revenue: { amount: 2500, currency: 'USD' },
    averageOrderValue: { amount: 2500, currency: 'USD' },
    repeatRate: 0,
  },
  rfmGrid: [5, 4, 3, 2, 1].flatMap((r) => [1, 2, 3, 4, 5].map((fm) => ({ r, fm, customers: 0, revenue: 0 }))),
  rfmSegments: [{ segment: 'champions', customers: 0, revenue: 0 }],
  cohorts: [{ month: '2025-06', customers: 1, retention: [1, ...Array<null>(11).fill(null)] }],
  clvBySource: [{ source: '(unknown)', customers: 1, averageHistoricClv: 2500 }],
  bySegment: [
    { segment: 'new', customers: 1, averageOrderValue: 2500 },
    { segment: 'vip', customers: 0 },
  ],
  stages: [
    { stage: 'prospect', customers: 1 },
    { stage: 'first_time_customer', customers: 1 },
  ],
  model: { computedAt: '2025-06-14T03:00:00.000Z', clvReasons: [] },
};

function chartNames(html: string): string[] {
  return [...html.matchAll(/<svg[^>]*\sdata-chart="([^"]+)"/g)].map((m) => m[1] ?? '');
}

describe('renderReport', () => {
  it('renders every section, with its heading and chart, as one self-contained HTML file', () => {
    const html = renderReport(fixture);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    for (const heading of HEADINGS) expect(html).toContain(`>${heading}</h2>`);
    expect(chartNames(html)).toEqual(CHARTS);
    for (const svg of html.match(/<svg[^>]*>/g) ?? []) {
      expect(svg).toContain('role="img"');
      expect(svg).toMatch(/aria-label="[^"]+"/);
      expect(svg).toMatch(/viewBox="0 0 [\d.]+ [\d.]+"/);
    }
    // Nothing to fetch: no script, stylesheet, font, image or remote URL of any kind.
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    expect(html).not.toMatch(/NaN|Infinity/);
    expect(html).toContain('Fern &amp; Ember Coffee Roasters');
  });

  it('escapes every text that comes from data', () => {
    const html = renderReport({
      ...fixture,
      storeName: HOSTILE,
      clvBySource: [{ source: HOSTILE, customers: 3, averageHistoricClv: 1000 }, ...fixture.clvBySource],
      rfmSegments: [{ segment: '"><img src=x onerror=alert(1)>', customers: 4, revenue: 100 }],
      bySegment: [{ segment: `${HOSTILE}_fans`, customers: 2, averageOrderValue: 500, medianLatencyDays: 10 }],
      journeys: [{ journeyId: `spring-${HOSTILE}`, entered: 1, sent: 1, converted: 1 }],
      cohorts: [{ month: HOSTILE, customers: 1, retention: [1, 0.5] }],
      model: { computedAt: HOSTILE, clvMethod: HOSTILE, clvConfidence: HOSTILE, clvReasons: [HOSTILE] },
    });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(`<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>`);
    expect(html).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; · customer report</title>');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it("shows each experiment's variants with their rates per send, and the winner and why", () => {
    const variant = (variantId: string, change: string, sent: number, opened: number, revenue = 0) => ({
      variantId,
      change,
      sent,
      delivered: sent,
      opened,
      clicked: 0,
      converted: 0,
      revenue,
    });
    const counts = [
      { variantId: 'control', sent: 1000, successes: 100 },
      { variantId: 'short', sent: 1000, successes: 124 },
    ];
    const outcome = decideExperiment(
      {
        variants: [{ id: 'control' }, { id: 'short', subject: 'x' }],
        testShare: 0.2,
        decideAfter: 'PT4H',
        metric: 'opens',
        confidence: 0.95,
        holdRest: false,
      },
      counts,
    );
    const html = renderReport({
      ...fixture,
      experiments: [
        {
          journeyId: 'welcome-series',
          stepId: 'welcome-1',
          metric: 'opens',
          confidence: 0.95,
          testShare: 0.2,
          variants: [
            variant('control', 'control', 1000, 100),
            variant('short', `subject "${HOSTILE}"`, 1000, 124, 12_345),
          ],
          decision: {
            journeyId: 'welcome-series',
            stepId: 'welcome-1',
            decidedAt: '2026-03-01T14:00:00.000Z',
            metric: 'opens',
            confidence: 0.95,
            outcome,
          },
        },
        {
          journeyId: 'win-back',
          stepId: 'miss-you',
          metric: 'clicks',
          confidence: 0.95,
          testShare: 0.5,
          variants: [variant('a', 'control', 10, 1), variant('b', 'template win-back-2', 10, 1)],
        },
      ],
    });
    expect(html).toContain(
      '<figcaption>Experiment on welcome-series / welcome-1: opens, test share 20%, confidence 95%</figcaption>',
    );
    expect(html).toContain(
      '<tr><th scope="row">control</th><td>control</td><td>1,000</td><td>10%</td><td>0%</td><td>0%</td><td>$0.00</td></tr>',
    );
    expect(html).toContain(
      '<th scope="row">short</th><td>subject &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;</td>',
    );
    expect(html).toContain(
      'winner short: opens rate 12.4% against 10.0% for the control (z 1.70, p 0.0444 &lt; α 5.00%)',
    );
    expect(html).toContain('Not decided yet.');
    expect(html).not.toContain('<script>alert');
  });

  it('shows each campaign with its counters and the recipients left out by reason, escaped', () => {
    const html = renderReport({
      ...fixture,
      campaigns: [
        {
          campaignId: 'spring-sale',
          status: 'sending',
          targeted: 1200,
          sent: 1100,
          deferred: 40,
          dropped: { stale: 3, 'suppressed:unsubscribed': 57, [HOSTILE]: 1 },
          delivered: 1090,
          opened: 400,
          clicked: 90,
          converted: 25,
          revenue: 123456,
          unsubscribed: 4,
          complained: 1,
        },
      ],
    });
    const table = /<table class="data" data-table="campaigns">.*?<\/table>/s.exec(html)?.[0] ?? '';
    expect(table).toContain('<th scope="row">spring-sale</th><td>sending</td><td>1,200</td><td>1,100</td><td>40</td>');
    expect(table).toContain('stale: 3<br>suppressed:unsubscribed: 57<br>&lt;script&gt;alert(1)&lt;/script&gt;: 1');
    expect(table).toContain(
      `<td>1,090</td><td>400</td><td>90</td><td>25</td><td>${formatMoney(123456, 'USD')}</td><td>4</td><td>1</td>`,
    );
    expect(table).not.toContain('<script');
    expect(renderReport(fixture)).not.toContain('data-table="campaigns"');
  });

  it('formats money exactly, with the exponent of the reporting currency', () => {
    const usd = renderReport({
      ...fixture,
      totals: { ...fixture.totals, revenue: { amount: 123456, currency: 'USD' } },
    });
    expect(usd).toContain('$1,234.56');
    // The fixture's own figures: AOV 7126 cents, and a CLV bar of 14820 cents.
    expect(usd).toContain('$71.26');
    expect(usd).toContain('$148.20');

    const yen = renderReport({
      ...fixture,
      reportingCurrency: 'JPY',
      totals: {
        ...fixture.totals,
        revenue: { amount: 24_331_500, currency: 'JPY' },
        averageOrderValue: { amount: 4500, currency: 'JPY' },
      },
    });
    expect(yen).toContain('¥4,500');
    expect(yen).toContain('¥24,331,500');
    expect(yen).not.toContain('¥4,500.00');

    expect(formatMoney(123456, 'USD')).toBe('$1,234.56');
    expect(formatMoney(4500, 'JPY')).toBe('¥4,500');
    expect(formatMoney(-5, 'USD')).toBe('-$0.05');
    expect(formatMoney(1_234_567, 'KWD')).toMatch(/^KWD\s1,234\.567$/);
    // Beyond float precision of major units, the digits still come out exact.
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'USD')).toBe('$90,071,992,547,409.91');
    expect(formatMoney(1999, 'XYZ')).toMatch(/^XYZ\s19\.99$/);
  });

  it('renders an empty report with "No data yet" in every section instead of charts', () => {
    const html = renderReport(EMPTY);
    for (const heading of HEADINGS) expect(html).toContain(`>${heading}</h2>`);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    expect(chartNames(html)).toEqual([]);
    expect(html.match(/No data yet/g)?.length).toBeGreaterThanOrEqual(HEADINGS.length);
    expect(html).toContain('No journey has run yet');
    expect(html).toContain('$0.00');
  });

  it('renders a store on its first day without NaN, drawing only the charts that have data', () => {
    const html = renderReport(FIRST_DAY);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    // No RFM score, no month-1 retention, no latency, no journeys, no confidence yet: those say so.
    expect(chartNames(html)).toEqual(['headline-funnel', 'clv-by-source', 'aov-by-segment', 'stages']);
    expect(html).toContain('Retention curves appear once the first cohort is a month old.');
    expect(html).toContain('No journey has run yet');
  });

  it('says there is too little data rather than drawing flat lines or empty bars', () => {
    const html = renderReport({
      ...FIRST_DAY,
      // One cohort one month old (a single point), one two months old that nobody came back from (flat at 0).
      cohorts: [
        { month: '2025-04', customers: 3, retention: [1, 0, 0, ...Array<null>(9).fill(null)] },
        { month: '2025-05', customers: 2, retention: [1, 0.5, ...Array<null>(10).fill(null)] },
      ],
      // Journeys that sent, but converted nobody yet.
      journeys: [
        { journeyId: 'welcome-series', entered: 2, sent: 2, converted: 0 },
        { journeyId: 'post-purchase', entered: 1, sent: 1, converted: 0 },
      ],
    });
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    expect(chartNames(html)).not.toContain('cohort-retention');
    expect(html).toContain(
      'Too little data to chart.</strong> Retention curves need a cohort with at least 2 months after its first order',
    );
    const journeys = html.slice(html.indexOf('<section id="journeys"'), html.indexOf('<section id="model"'));
    expect(chartNames(journeys)).toEqual(['journeys']);
    expect(journeys).toContain('data-series="Sent"');
    expect(journeys).not.toContain('data-series="Converted"');
    expect(journeys).toContain(
      'Too little data to chart.</strong> Customers converted: every figure is zero or unknown so far.',
    );
  });
});

describe('the report in a real browser', () => {
  let browser: Browser | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'report-html-'));

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens `data` rendered to a file, recording console errors, page errors and any non-file request. */
  async function open(data: ReportData, name: string) {
    if (!browser) throw new Error('the browser did not start');
    const file = join(dir, `${name}.html`);
    writeFileSync(file, renderReport(data));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, errors, requests };
  }

  it('opens the fixture with no error, and every chart is visible and has data', async () => {
    const { page, errors, requests } = await open(fixture, 'fixture');
    try {
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      const charts = page.locator('svg[data-chart]');
      const names = await charts.evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute('data-chart')));
      expect(names).toEqual(CHARTS);
      for (const name of CHARTS) {
        const chart = page.locator(`svg[data-chart="${name}"]`);
        await chart.scrollIntoViewIfNeeded();
        expect(await chart.isVisible(), `${name} is visible`).toBe(true);
        const box = await chart.boundingBox();
        expect(box?.width ?? 0, `${name} has a width`).toBeGreaterThan(100);
        expect(box?.height ?? 0, `${name} has a height`).toBeGreaterThan(20);
        const values = await chart
          .locator('[data-value]')
          .evaluateAll((marks) => marks.map((mark) => mark.getAttribute('data-value') ?? ''));
        expect(values.length, `${name} has data marks`).toBeGreaterThan(0);
        for (const value of values) expect(value, `${name} data-value`).toMatch(/^-?\d+(\.\d+)?( -?\d+(\.\d+)?)*$/);
      }
      // The cohort heatmap is a table: one coloured cell per known month.
      expect(await page.locator('table[data-table="cohorts"] td[data-value]').count()).toBe(36);
      expect(await page.locator('table[data-table="journeys"] tbody tr').count()).toBe(3);
      expect(await page.locator('h2').allTextContents()).toEqual(HEADINGS);
    } finally {
      await page.close();
    }
  });

  it('shows "No data yet" for an empty report, with no error', async () => {
    const { page, errors, requests } = await open(EMPTY, 'empty');
    try {
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(await page.locator('svg[data-chart]').count()).toBe(0);
      const empty = page.locator('p.empty');
      expect(await empty.count()).toBeGreaterThanOrEqual(HEADINGS.length);
      expect(await empty.first().isVisible()).toBe(true);
      expect(await page.locator('#journeys').textContent()).toContain('No journey has run yet');
    } finally {
      await page.close();
    }
  });
});
