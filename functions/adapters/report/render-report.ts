/**
 * The marketer's report as one self-contained HTML file: inline CSS, charts as inline SVG drawn here, no
 * script, font, image or stylesheet from elsewhere. It opens from an email attachment or a bucket, offline,
 * and prints. Every figure comes from {@link ReportData}; every text from data is escaped.
 */
import { decisionSummary } from '../../domain/experiments.js';
import { LIFT_MINIMUM_GROUP, type LiftFigures } from '../../domain/reporting/lift.js';
import type { ReportData } from '../../domain/reporting/report-data.js';
import {
  type BarChartSpec,
  barChart,
  heatColor,
  heatmap,
  LINE_COLORS,
  lineChart,
  meter,
  SERIES_COLORS,
} from './charts.js';
import {
  escapeHtml,
  finite,
  formatCount,
  formatDateTime,
  formatDays,
  formatMonth,
  formatPercent,
  humanize,
  moneyFormatter,
} from './format.js';
import { REPORT_STYLE } from './style.js';

/** The report's sections, in order: id (the anchor) and heading. */
export const REPORT_SECTIONS = [
  { id: 'headline', title: 'Headline figures' },
  { id: 'rfm', title: 'RFM grid and segments' },
  { id: 'cohorts', title: 'Cohort retention' },
  { id: 'clv', title: 'Customer lifetime value by acquisition source' },
  { id: 'segments', title: 'Order value and time between orders by segment' },
  { id: 'stages', title: 'Lifecycle stages' },
  { id: 'journeys', title: 'Journeys' },
  { id: 'model', title: 'Prediction model' },
] as const;

type SectionId = (typeof REPORT_SECTIONS)[number]['id'];

/** What every section needs besides the data: the money formatter of the reporting currency. */
interface Context {
  readonly data: ReportData;
  readonly money: (minor: number) => string;
}

/**
 * Renders the report as a complete HTML document (`<!doctype html>` to `</html>`), to be written to a
 * `.html` file and opened in any browser. Pure: the same data gives the same bytes.
 *
 * Each section has a heading, one line saying what it shows, and a chart; a section with nothing to show
 * says "No data yet" instead of drawing an empty or broken chart, and a chart with too little to show (a
 * line of fewer than {@link MIN_LINE_POINTS} points, figures that are all zero) says so instead of drawing
 * flat lines or empty bars. Charts are `<svg data-chart="…">` whose
 * data marks carry `data-value`.
 */
export function renderReport(data: ReportData): string {
  const context: Context = { data, money: moneyFormatter(data.reportingCurrency) };
  const sections: Record<SectionId, { readonly lede: string; readonly body: string }> = {
    headline: headline(context),
    rfm: rfm(context),
    cohorts: cohorts(context),
    clv: clv(context),
    segments: segments(context),
    stages: stages(context),
    journeys: journeys(context),
    model: model(context),
  };
  const store = escapeHtml(data.storeName);
  const nav = REPORT_SECTIONS.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('');
  const body = REPORT_SECTIONS.map(({ id, title }) => {
    const section = sections[id];
    return `<section id="${id}" aria-labelledby="${id}-title"><h2 id="${id}-title">${escapeHtml(title)}</h2><p class="lede">${escapeHtml(section.lede)}</p>${section.body}</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${store} · customer report</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<main class="report">
<header class="top">
<p class="kicker">Customer lifecycle report</p>
<h1>${store}</h1>
<p class="meta">Generated ${escapeHtml(formatDateTime(data.generatedAt))} · amounts in ${escapeHtml(data.reportingCurrency)}, net of refunds</p>
<nav aria-label="Sections">${nav}</nav>
</header>
${body}
<footer>Figures are computed from every customer and order the engine holds. Hover over a bar or cell to see its exact value.</footer>
</main>
</body>
</html>
`;
}

function headline({ data, money }: Context) {
  const t = data.totals;
  const buyersShare = t.customers > 0 ? t.buyers / t.customers : 0;
  const kpis = [
    kpi('Customers', formatCount(t.customers), 'people we know, with or without an order'),
    kpi('Buyers', formatCount(t.buyers), `${formatPercent(buyersShare)} of customers have ordered`),
    kpi('Orders', formatCount(t.orders), `${formatCount(t.storeOnlyOrders)} of them store-only`),
    kpi('Revenue', money(t.revenue.amount), 'net of refunds'),
    kpi('Average order value', t.averageOrderValue ? money(t.averageOrderValue.amount) : '—', 'revenue per order'),
    kpi('Repeat rate', formatPercent(t.repeatRate), 'of buyers ordered twice or more'),
    kpi('Store-only orders', formatCount(t.storeOnlyOrders), 'orders from nobody we can email'),
  ].join('');
  // The report carries the repeat rate, not the count; rounded to 0.1% it gives the count exactly only
  // below a thousand buyers, so larger stores see it marked as approximate.
  const repeatBuyers = Math.round(t.buyers * finite(t.repeatRate));
  const approximate = t.buyers >= 1000;
  const chart =
    t.customers > 0
      ? barsWithData({
          name: 'headline-funnel',
          label: `Funnel: ${formatCount(t.customers)} customers, ${formatCount(t.buyers)} buyers, about ${formatCount(repeatBuyers)} repeat buyers`,
          categories: ['Customers', 'Buyers', 'Repeat buyers'],
          panels: [
            {
              series: [
                {
                  label: 'Customers',
                  color: SERIES_COLORS[0],
                  values: [t.customers, t.buyers, repeatBuyers],
                  format: (v, i) =>
                    i === 0
                      ? formatCount(v)
                      : i === 1
                        ? `${formatCount(v)} (${formatPercent(v / t.customers)} of customers)`
                        : `${approximate ? '≈ ' : ''}${formatCount(v)} (${formatPercent(t.repeatRate)} of buyers)`,
                },
              ],
            },
          ],
        })
      : noData('No customers yet: figures appear once the first customers sign up or order.');
  return {
    lede: 'The store at a glance: everyone we know, who bought, and how much they spent.',
    body: `<div class="kpis">${kpis}</div>${figure('From customer to repeat buyer', chart)}`,
  };
}

function rfm({ data, money }: Context) {
  const cells = data.rfmGrid.filter((c) => inScore(c.r) && inScore(c.fm));
  const graded = cells.reduce((sum, c) => sum + finite(c.customers), 0);
  const grid =
    graded > 0
      ? heatmap({
          name: 'rfm-grid',
          label: `RFM grid of ${formatCount(graded)} buyers: recency score by frequency and spend score`,
          rowLabels: ['5 · most recent', '4', '3', '2', '1 · longest ago'],
          columnLabels: ['1 · least', '2', '3', '4', '5 · most'],
          rowTitle: 'Recency score',
          columnTitle: 'Frequency & spend score →',
          cells: cells.map((c) => ({
            row: 5 - c.r,
            column: c.fm - 1,
            value: c.customers,
            lines: [formatCount(c.customers), formatPercent(finite(c.customers) / graded)],
            title: `Recency ${c.r}, frequency & spend ${c.fm}: ${formatCount(c.customers)} customers, ${money(c.revenue)} revenue`,
          })),
        })
      : noData('No buyer has an RFM score yet: scores come with the first daily model run after orders arrive.');
  const segmentsWithData = data.rfmSegments.some((s) => s.customers > 0);
  const bars = segmentsWithData
    ? barsWithData({
        name: 'rfm-segments',
        label: 'Customers and revenue by RFM segment',
        categories: data.rfmSegments.map((s) => humanize(s.segment)),
        panels: [
          {
            title: 'Customers',
            series: [
              {
                label: 'Customers',
                color: SERIES_COLORS[0],
                values: data.rfmSegments.map((s) => s.customers),
                format: formatCount,
              },
            ],
          },
          {
            title: 'Revenue',
            series: [
              {
                label: 'Revenue',
                color: SERIES_COLORS[1],
                values: data.rfmSegments.map((s) => s.revenue),
                format: (v) => money(v),
              },
            ],
          },
        ],
      })
    : noData('No RFM segments yet.');
  return {
    lede: 'Each buyer scored 1–5 on how recently they bought (rows) and on how often and how much (columns): top right are your best customers, bottom right the big spenders slipping away.',
    body: `${figure('Buyers per RFM score', grid)}${figure('Customers and revenue by RFM segment', bars)}`,
  };
}

function cohorts({ data }: Context) {
  const rows = data.cohorts;
  if (rows.length === 0) {
    return {
      lede: 'Of the customers whose first order fell in a month, the share who ordered again in each month after.',
      body: noData('No cohorts yet: they appear with the first orders.'),
    };
  }
  const months = Math.max(1, ...rows.map((c) => c.retention.length));
  // Month 0 is 100% by definition (the first order); colouring on the later months shows their spread.
  const later = rows.flatMap((c) => c.retention.slice(1)).filter((v): v is number => v !== null && Number.isFinite(v));
  const max = Math.max(0, ...later);
  const head = Array.from({ length: months }, (_, k) => `<th scope="col">${k}</th>`).join('');
  const body = rows
    .map((c) => {
      const cells = Array.from({ length: months }, (_, k) => {
        const value = c.retention[k];
        if (value === null || value === undefined || !Number.isFinite(value)) {
          return '<td class="pending" title="Not yet"></td>';
        }
        // With no later month yet (max 0), month 0 still shows as full rather than as nobody.
        const color = heatColor(max > 0 ? value / max : value > 0 ? 1 : 0);
        return `<td data-value="${value}" style="background:${color.fill};color:${color.text}" title="${escapeHtml(`${formatMonth(c.month)}, month ${k}: ${formatPercent(value)}`)}">${formatPercent(value)}</td>`;
      }).join('');
      return `<tr><th scope="row">${escapeHtml(formatMonth(c.month))}</th><td class="num">${formatCount(c.customers)}</td>${cells}</tr>`;
    })
    .join('');
  const table = `<div class="scroll"><table class="heat" data-table="cohorts"><thead><tr><th rowspan="2" scope="col">First order</th><th rowspan="2" scope="col">Customers</th><th colspan="${months}" scope="colgroup">Months since first order</th></tr><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;

  const series = rows
    .map((c, index) => ({
      label: formatMonth(c.month),
      color: LINE_COLORS[index % LINE_COLORS.length] ?? '#1f77b4',
      points: c.retention.flatMap((value, k) =>
        k >= 1 && value !== null && Number.isFinite(value)
          ? [{ x: k, y: value, title: `${formatMonth(c.month)} cohort, month ${k}: ${formatPercent(value)}` }]
          : [],
      ),
    }))
    .filter((s) => s.points.length > 0);
  const curves =
    series.length === 0
      ? noData('Retention curves appear once the first cohort is a month old.')
      : !series.some((s) => s.points.length >= MIN_LINE_POINTS && s.points.some((p) => p.y > 0))
        ? tooLittle(
            `Retention curves need a cohort with at least ${MIN_LINE_POINTS} months after its first order, and customers who ordered again; until then the table above has every figure.`,
          )
        : lineChart({
            name: 'cohort-retention',
            label: `Retention curves of ${series.length} monthly cohorts, months 1 to ${months - 1}`,
            series,
            xTicks: Array.from({ length: Math.max(1, months - 1) }, (_, i) => i + 1),
            xLabel: (x) => String(x),
            yFormat: (y) => formatPercent(y),
            xTitle: 'Months since first order',
          });
  return {
    lede: 'Of the customers whose first order fell in a month, the share who ordered again in each month after; a blank cell is a month that has not happened yet.',
    body: `${figure('Retention by cohort (month 0 is the first order, always 100%)', table)}${figure('Retention curves from month 1', curves)}`,
  };
}

function clv({ data, money }: Context) {
  const rows = data.clvBySource;
  const predicted = rows.some((s) => s.averagePredictedClv12m !== undefined);
  const chart =
    rows.length > 0
      ? barsWithData({
          name: 'clv-by-source',
          label: `Average customer lifetime value by acquisition source, ${rows.length} sources`,
          categories: rows.map((s) => `${s.source} (${formatCount(s.customers)})`),
          panels: [
            {
              series: [
                {
                  label: 'Average revenue so far',
                  color: SERIES_COLORS[0],
                  values: rows.map((s) => s.averageHistoricClv),
                  format: (v) => money(v),
                },
                ...(predicted
                  ? [
                      {
                        label: 'Predicted next 12 months',
                        color: SERIES_COLORS[1],
                        values: rows.map((s) => s.averagePredictedClv12m),
                        format: (v: number) => money(v),
                        missing: 'no prediction',
                      },
                    ]
                  : []),
              ],
            },
          ],
        })
      : noData('No buyers yet, so no lifetime value by source.');
  return {
    lede: 'What a buyer from each source has spent on average so far, and what the model expects them to spend in the next 12 months; the number of buyers is in brackets.',
    body: figure('Average value per buyer, by where they came from', chart),
  };
}

function segments({ data, money }: Context) {
  const populated = data.bySegment.filter((s) => s.customers > 0);
  const aov = populated.filter((s) => s.averageOrderValue !== undefined && Number.isFinite(s.averageOrderValue));
  const latency = populated.filter((s) => s.medianLatencyDays !== undefined && Number.isFinite(s.medianLatencyDays));
  const aovChart =
    aov.length > 0
      ? barsWithData({
          name: 'aov-by-segment',
          label: `Average order value of ${aov.length} segments`,
          categories: aov.map((s) => `${humanize(s.segment)} (${formatCount(s.customers)})`),
          panels: [
            {
              series: [
                {
                  label: 'Average order value',
                  color: SERIES_COLORS[0],
                  values: aov.map((s) => s.averageOrderValue),
                  format: (v) => money(v),
                },
              ],
            },
          ],
        })
      : noData('No segment has orders yet.');
  const latencyChart =
    latency.length > 0
      ? barsWithData({
          name: 'latency-by-segment',
          label: `Median days between orders of ${latency.length} segments`,
          categories: latency.map((s) => `${humanize(s.segment)} (${formatCount(s.customers)})`),
          panels: [
            {
              series: [
                {
                  label: 'Median days between orders',
                  color: SERIES_COLORS[2],
                  values: latency.map((s) => s.medianLatencyDays),
                  format: formatDays,
                },
              ],
            },
          ],
        })
      : noData('No segment has repeat buyers yet, so no time between orders.');
  return {
    lede: 'How much a typical order is worth in each segment, and how many days its repeat buyers usually wait between orders; segment sizes are in brackets, empty segments are left out.',
    body: `${figure('Average order value', aovChart)}${figure('Median days between orders', latencyChart)}`,
  };
}

function stages({ data }: Context) {
  const total = data.stages.reduce((sum, s) => sum + finite(s.customers), 0);
  const chart =
    total > 0
      ? barsWithData({
          name: 'stages',
          label: `Customers per lifecycle stage, ${formatCount(total)} in all`,
          categories: data.stages.map((s) => humanize(s.stage)),
          panels: [
            {
              series: [
                {
                  label: 'Customers',
                  color: SERIES_COLORS[3],
                  values: data.stages.map((s) => s.customers),
                  format: (v) => `${formatCount(v)} (${formatPercent(v / total)})`,
                },
              ],
            },
          ],
        })
      : noData('No customers yet.');
  return {
    lede: 'How many customers are at each step of the lifecycle, from prospect to advocate, and how many are slipping away.',
    body: figure('Customers per stage', chart),
  };
}

function journeys({ data, money }: Context) {
  // A campaign's journey is in the Campaigns table, with its recipients left out by reason.
  const rows = data.journeys.filter((j) => !j.campaign);
  const lede = 'What each automated journey sent, and how many of the customers who entered it went on to buy.';
  if (rows.every((j) => j.entered === 0 && j.sent === 0)) {
    const none = noData('No journey has run yet: figures appear here once journeys send their first emails.');
    return { lede, body: `${none}${campaigns(data.campaigns ?? [], money)}` };
  }
  const optional = (v: number | undefined) => (v === undefined ? '—' : formatCount(v));
  const table = `<div class="scroll"><table class="data" data-table="journeys"><thead><tr><th scope="col">Journey</th><th scope="col">Entered</th><th scope="col">Sent</th><th scope="col">Delivered</th><th scope="col">Opened</th><th scope="col">Clicked</th><th scope="col">Converted</th><th scope="col">Conversion</th><th scope="col">Revenue</th></tr></thead><tbody>${rows
    .map((j) => {
      const conversion = j.converted !== undefined && j.entered > 0 ? formatPercent(j.converted / j.entered) : '—';
      return `<tr><th scope="row">${escapeHtml(j.journeyId)}</th><td>${formatCount(j.entered)}</td><td>${formatCount(j.sent)}</td><td>${optional(j.delivered)}</td><td>${optional(j.opened)}</td><td>${optional(j.clicked)}</td><td>${optional(j.converted)}</td><td>${conversion}</td><td>${j.revenue === undefined ? '—' : escapeHtml(money(j.revenue))}</td></tr>`;
    })
    .join('')}</tbody></table></div>`;
  // Two panels, not one: conversions are a few percent of sends and would vanish on a shared scale.
  const chart = barsWithData({
    name: 'journeys',
    label: `Emails sent and customers converted for ${rows.length} journeys`,
    categories: rows.map((j) => j.journeyId),
    panels: [
      {
        title: 'Emails sent',
        series: [{ label: 'Sent', color: SERIES_COLORS[0], values: rows.map((j) => j.sent), format: formatCount }],
      },
      {
        title: 'Customers converted',
        series: [
          { label: 'Converted', color: SERIES_COLORS[2], values: rows.map((j) => j.converted), format: formatCount },
        ],
      },
    ],
  });
  return {
    lede: `${lede} Conversion is converted customers over customers who entered.`,
    body: `${figure('Journey results', table)}${figure('Sent and converted per journey', chart)}${offers(rows, money)}${campaigns(data.campaigns ?? [], money)}${lift(rows, money)}${experiments(data.experiments ?? [], money)}`,
  };
}

/**
 * The experiments of send steps, one table each: every variant's sends and rates per send, then the winner and
 * why (docs/campaigns.md#experiments).
 */
function experiments(list: NonNullable<Context['data']['experiments']>, money: Context['money']): string {
  return list
    .map((experiment) => {
      const rate = (count: number, sent: number) => (sent === 0 ? '—' : formatPercent(count / sent));
      const rows = experiment.variants
        .map(
          (v) =>
            `<tr><th scope="row">${escapeHtml(v.variantId)}</th><td>${escapeHtml(v.change)}</td><td>${formatCount(v.sent)}</td><td>${rate(v.opened, v.sent)}</td><td>${rate(v.clicked, v.sent)}</td><td>${rate(v.converted, v.sent)}</td><td>${escapeHtml(money(v.revenue))}</td></tr>`,
        )
        .join('');
      const verdict = experiment.decision
        ? decisionSummary(experiment.decision.outcome, experiment.metric)
        : experiment.testShare < 1
          ? 'Not decided yet.'
          : 'A plain split: no winner is chosen.';
      const table = `<div class="scroll"><table class="data" data-table="experiment" data-experiment="${escapeHtml(`${experiment.journeyId}/${experiment.stepId}`)}"><thead><tr><th scope="col">Variant</th><th scope="col">Changes</th><th scope="col">Sent</th><th scope="col">Open rate</th><th scope="col">Click rate</th><th scope="col">Conversion rate</th><th scope="col">Revenue</th></tr></thead><tbody>${rows}</tbody></table></div><p class="verdict">${escapeHtml(verdict)}</p>`;
      return figure(
        `Experiment on ${experiment.journeyId} / ${experiment.stepId}: ${experiment.metric}, test share ${formatPercent(experiment.testShare)}, confidence ${formatPercent(experiment.confidence)}`,
        table,
      );
    })
    .join('');
}

/** The campaigns: recipients targeted, sent, held back, left out by reason, and what came of the sends. */
function campaigns(rows: NonNullable<Context['data']['campaigns']>, money: Context['money']): string {
  if (rows.length === 0) return '';
  const heads = [
    'Campaign',
    'Status',
    'Targeted',
    'Sent',
    'Deferred',
    'Dropped',
    'Delivered',
    'Opened',
    'Clicked',
    'Converted',
    'Revenue',
    'Complained',
  ];
  const table = `<div class="scroll"><table class="data" data-table="campaigns"><thead><tr>${heads.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((c) => {
      const dropped = Object.entries(c.dropped)
        .map(([reason, count]) => `${escapeHtml(reason)}: ${formatCount(count)}`)
        .join('<br>');
      const counts = [c.targeted, c.sent, c.deferred].map((n) => `<td>${formatCount(n)}</td>`).join('');
      const outcomes = [c.delivered, c.opened, c.clicked, c.converted]
        .map((n) => `<td>${formatCount(n)}</td>`)
        .join('');
      return `<tr><th scope="row">${escapeHtml(c.campaignId)}</th><td>${escapeHtml(c.status ?? 'not scheduled')}</td>${counts}<td>${dropped || '—'}</td>${outcomes}<td>${escapeHtml(money(c.revenue))}</td><td>${formatCount(c.unsubscribed ?? 0)}</td><td>${formatCount(c.complained)}</td></tr>`;
    })
    .join('')}</tbody></table></div>`;
  return figure('Campaigns', table);
}

/** The single-use offers of the journeys that gave any: codes issued, redeemed, the rate and the revenue. */
function offers(rows: Context['data']['journeys'], money: Context['money']): string {
  const giving = rows.filter((j) => (j.offersIssued ?? 0) > 0);
  if (giving.length === 0) return '';
  const table = `<div class="scroll"><table class="data" data-table="offers"><thead><tr><th scope="col">Journey</th><th scope="col">Codes issued</th><th scope="col">Redeemed</th><th scope="col">Redemption rate</th><th scope="col">Revenue of redeeming orders</th></tr></thead><tbody>${giving
    .map((j) => {
      const issued = j.offersIssued ?? 0;
      const redeemed = j.offersRedeemed ?? 0;
      return `<tr><th scope="row">${escapeHtml(j.journeyId)}</th><td>${formatCount(issued)}</td><td>${formatCount(redeemed)}</td><td>${formatPercent(redeemed / issued)}</td><td>${escapeHtml(money(j.offerRevenue ?? 0))}</td></tr>`;
    })
    .join('')}</tbody></table></div>`;
  return figure('Single-use offers: codes issued and redeemed', table);
}

/**
 * The journeys with a holdout: each group's customers and conversion rate, the lift in points with its
 * 95 % interval and relative to the holdout, revenue per customer with the difference's interval, and a
 * verdict in words (docs/campaigns.md, "Lift").
 */
function lift(rows: Context['data']['journeys'], money: Context['money']): string {
  const measured = rows.filter((j) => j.lift !== undefined);
  if (measured.length === 0) return '';
  const head = [
    'Journey',
    'Treated',
    'Holdout',
    'Conversion, treated',
    'Conversion, holdout',
    'Lift (95% interval)',
    'Relative lift',
    'Revenue per customer, treated',
    'Revenue per customer, holdout',
    'Difference (95% interval)',
    'Verdict',
  ]
    .map((title) => `<th scope="col">${title}</th>`)
    .join('');
  const body = measured
    .map((j) => {
      const figures = j.lift as LiftFigures;
      const { conversion, revenuePerCustomer: revenue } = figures;
      const cells =
        conversion && revenue
          ? [
              formatPercent(conversion.treatedRate),
              formatPercent(conversion.holdoutRate),
              `${points(conversion.difference)} (${points(conversion.interval.low)} to ${points(conversion.interval.high)})`,
              conversion.relative === undefined ? '—' : signed(formatPercent(conversion.relative), conversion.relative),
              money(revenue.treated),
              money(revenue.holdout),
              `${signed(money(revenue.difference), revenue.difference)} (${money(revenue.interval.low)} to ${money(revenue.interval.high)})`,
            ]
          : ['—', '—', '—', '—', '—', '—', '—'];
      const data = [formatCount(figures.treated.customers), formatCount(figures.holdout.customers), ...cells];
      return `<tr><th scope="row">${escapeHtml(j.journeyId)}</th>${data.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}<td data-verdict="${figures.verdict}">${escapeHtml(verdict(figures))}</td></tr>`;
    })
    .join('');
  const table = `<div class="scroll"><table class="data" data-table="lift"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
  return figure('Lift: the emails against the holdout, on orders in the goal window after the split', table);
}

/** A difference of rates in percentage points, signed ("+2.4 pts"). */
function points(share: number): string {
  const value = Math.round(share * 1000) / 10;
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${Math.abs(value).toFixed(1)} pts`;
}

function signed(text: string, value: number): string {
  return value > 0 ? `+${text}` : text;
}

function verdict(figures: LiftFigures): string {
  switch (figures.verdict) {
    case 'not_enough_data':
      return `Not enough data yet: ${LIFT_MINIMUM_GROUP} customers are needed in each group.`;
    case 'higher':
      return 'The emails raise conversion: the whole interval is above 0.';
    case 'lower':
      return 'The holdout converts better: the whole interval is below 0.';
    case 'no_difference_shown':
      return 'No difference shown yet: the interval includes 0.';
  }
}

const CLV_METHODS: Readonly<Record<string, string>> = {
  'maximum-likelihood':
    'Statistical models fitted to your orders: BG/NBD for how often customers buy, Gamma-Gamma for how much they spend.',
  'bg-nbd-with-heuristic-value':
    'A statistical model (BG/NBD) for how often customers buy; spend per order comes from simple averages.',
  'heuristic-fallback':
    'Simple averages from your order history: there is not enough data yet for a statistical model.',
};

const CONFIDENCE_LEVELS = ['low', 'medium', 'high'] as const;
const CONFIDENCE_COLORS = ['#c2410c', '#d97706', '#15803d'] as const;

function model({ data }: Context) {
  const lede = 'When the prediction model was last fitted, how it predicts lifetime value, and how far to trust it.';
  const m = data.model;
  if (!m) {
    return { lede, body: noData('No model yet: the daily model job has not run, so predictions are not available.') };
  }
  const method = m.clvMethod === undefined ? 'Not fitted yet.' : (CLV_METHODS[m.clvMethod] ?? m.clvMethod);
  const level = CONFIDENCE_LEVELS.indexOf((m.clvConfidence ?? '') as (typeof CONFIDENCE_LEVELS)[number]);
  const gauge =
    level >= 0
      ? meter({
          name: 'model-confidence',
          label: `Prediction confidence: ${CONFIDENCE_LEVELS[level]}`,
          levels: CONFIDENCE_LEVELS.map(humanize),
          level,
          color: CONFIDENCE_COLORS[level] ?? '#6b7280',
        })
      : '';
  const reasons =
    m.clvReasons.length > 0
      ? `<ul class="reasons">${m.clvReasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`
      : `<p class="muted">${level === 2 ? 'No caveats: the model fits your data well.' : 'No reasons given.'}</p>`;
  const body = `<dl class="facts"><dt>Computed</dt><dd>${escapeHtml(formatDateTime(m.computedAt))}</dd><dt>Method</dt><dd>${escapeHtml(method)}${m.clvMethod !== undefined && CLV_METHODS[m.clvMethod] ? `<div class="code">${escapeHtml(m.clvMethod)}</div>` : ''}</dd><dt>Confidence</dt><dd>${escapeHtml(m.clvConfidence === undefined ? 'Unknown' : humanize(m.clvConfidence))}${gauge ? `<div class="gauge">${gauge}</div>` : ''}</dd><dt>Why</dt><dd>${reasons}</dd></dl>`;
  return { lede, body };
}

function kpi(label: string, value: string, note: string): string {
  return `<div class="kpi"><div class="kpi-label">${escapeHtml(label)}</div><div class="kpi-value">${escapeHtml(value)}</div><div class="kpi-note">${escapeHtml(note)}</div></div>`;
}

function figure(caption: string, content: string): string {
  return `<figure><figcaption>${escapeHtml(caption)}</figcaption>${content}</figure>`;
}

/** The fewest points a line needs to show a trend: with one, there is no line, only a dot. */
const MIN_LINE_POINTS = 2;

/** A figure worth a bar: a number other than zero. */
const barWorthy = (value: number | undefined) => value !== undefined && Number.isFinite(value) && value !== 0;

/**
 * A bar chart of the panels with something to show. A panel whose figures are all zero or missing would be
 * a column of empty bars: it is left out, and a sentence names it; with no panel left, only sentences.
 */
function barsWithData(spec: BarChartSpec): string {
  const shown = spec.panels.filter((panel) => panel.series.some((series) => series.values.some(barWorthy)));
  const left = spec.panels.filter((panel) => !shown.includes(panel));
  const notes = left.map((panel) =>
    tooLittle(
      `${panel.title ?? panel.series.map((series) => series.label).join(' and ')}: every figure is zero or unknown so far.`,
    ),
  );
  return `${shown.length > 0 ? barChart({ ...spec, panels: shown }) : ''}${notes.join('')}`;
}

function tooLittle(message: string): string {
  return `<p class="empty"><strong>Too little data to chart.</strong> ${escapeHtml(message)}</p>`;
}

function noData(message: string): string {
  return `<p class="empty"><strong>No data yet.</strong> ${escapeHtml(message)}</p>`;
}

function inScore(score: number): boolean {
  return Number.isInteger(score) && score >= 1 && score <= 5;
}
