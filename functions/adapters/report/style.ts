/**
 * The report's stylesheet, inlined into the page: system fonts only (nothing to download), a readable
 * measure, charts that shrink with the window, and a print layout that keeps the heatmap colours and
 * does not split a chart across pages.
 */
export const REPORT_STYLE = `
:root {
  --ink: #1f2937;
  --muted: #5b6472;
  --line: #e3e6eb;
  --panel: #ffffff;
  --page: #f5f6f8;
  --accent: #2f6db3;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--page);
  color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.report { max-width: 1040px; margin: 0 auto; padding: 28px 20px 48px; }
.top { margin-bottom: 20px; }
.kicker { margin: 0; color: var(--accent); font-weight: 600; letter-spacing: .04em; text-transform: uppercase; font-size: 12px; }
h1 { margin: 4px 0 4px; font-size: 30px; line-height: 1.2; overflow-wrap: anywhere; }
.meta { margin: 0 0 12px; color: var(--muted); }
nav { display: flex; flex-wrap: wrap; gap: 6px 8px; }
nav a {
  color: var(--accent); text-decoration: none; font-size: 13px;
  padding: 3px 10px; border: 1px solid var(--line); border-radius: 999px; background: var(--panel);
}
nav a:hover, nav a:focus { border-color: var(--accent); }
section {
  background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  padding: 20px 24px; margin: 16px 0;
}
h2 { margin: 0 0 2px; font-size: 21px; }
.lede { margin: 0 0 14px; color: var(--muted); max-width: 75ch; }
figure { margin: 14px 0 6px; }
figcaption { font-weight: 600; font-size: 14px; margin-bottom: 6px; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; overflow: visible; }
svg[data-chart="rfm-grid"] { max-width: 660px; }
svg.meter { width: 300px; max-width: 100%; margin-top: 6px; }
svg text { font-family: inherit; fill: var(--ink); }
svg .cat { font-size: 12.5px; }
svg .val { font-size: 11.5px; fill: #374151; font-variant-numeric: tabular-nums; }
svg .val.none, svg .tick { fill: var(--muted); font-size: 11.5px; }
svg .panel { font-size: 12px; font-weight: 600; fill: var(--muted); }
svg .axis { font-size: 12px; fill: var(--muted); }
svg .legend { font-size: 12px; }
svg .cell { font-size: 15px; font-weight: 600; font-variant-numeric: tabular-nums; }
svg .cell.sub { font-size: 11px; font-weight: 400; }
svg .stripe { fill: #f7f8fa; }
svg .base { stroke: #c9ced6; stroke-width: 1; }
svg .grid { stroke: #eceef2; stroke-width: 1; }
svg rect[data-value]:hover, svg circle[data-value]:hover { opacity: .8; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; margin-bottom: 8px; }
.kpi { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.kpi-label { font-size: 12.5px; color: var(--muted); }
.kpi-value { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.kpi-note { font-size: 12px; color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; width: 100%; }
th, td { padding: 6px 8px; text-align: right; white-space: nowrap; }
th[scope="row"], thead th:first-child { text-align: left; }
thead th[scope="colgroup"] { text-align: center; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line); }
table.data tbody tr + tr { border-top: 1px solid var(--line); }
table.data th[scope="row"] { font-weight: 600; white-space: normal; overflow-wrap: anywhere; }
table.heat { width: auto; }
table.heat thead tr + tr th { text-align: center; }
table.heat td { min-width: 56px; border: 2px solid var(--panel); border-radius: 4px; text-align: center; }
table.heat td.num { text-align: right; color: var(--muted); }
table.heat td.pending { background: transparent; }
.empty { margin: 8px 0; padding: 16px; border: 1px dashed #c9ced6; border-radius: 8px; color: var(--muted); background: #fafbfc; }
.empty strong { color: var(--ink); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 8px 18px; margin: 0; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; }
.code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); }
.reasons { margin: 0; padding-left: 18px; }
.muted { color: var(--muted); margin: 0; }
footer { color: var(--muted); font-size: 13px; margin-top: 20px; }
@media (max-width: 600px) {
  .report { padding: 16px 10px 32px; }
  section { padding: 16px 14px; }
  dl.facts { grid-template-columns: 1fr; }
  /* Scaled to a phone, chart text would be too small to read: keep a readable size and scroll sideways. */
  figure { overflow-x: auto; }
  svg.chart:not(.meter) { min-width: 600px; }
  svg[data-chart="rfm-grid"] { min-width: 480px; }
}
@media print {
  body { background: #fff; font-size: 12px; }
  .report { max-width: none; padding: 0; }
  nav { display: none; }
  section { border: none; border-top: 1px solid var(--line); border-radius: 0; padding: 12px 0; break-inside: avoid-page; }
  figure, table, svg { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
