/**
 * Inline SVG charts for the marketer's report, drawn on the server: the file opens anywhere, prints, and
 * needs no script. Every chart is an `<svg role="img">` with an `aria-label` and a `data-chart` name, and
 * every data mark carries `data-value`, so a test (or a curious marketer) can read the figures back. Hover
 * tooltips are native SVG `<title>` elements, which browsers show without JavaScript.
 *
 * The functions take display text already formatted but not escaped; they escape it themselves.
 */
import { coord, escapeHtml, finite } from './format.js';

/** Width of every chart's viewBox; the SVG scales to the container, so this only fixes proportions. */
const WIDTH = 900;
/** Rough width of one character of 12px system sans-serif, to size label columns without measuring. */
const CHAR_WIDTH = 7;

/** Series colours: distinct in hue and lightness, so they survive greyscale printing and colour blindness. */
export const SERIES_COLORS = ['#2f6db3', '#e08a1e', '#3a9a5b', '#8e5ea2'] as const;

/** Line colours for up to twelve cohorts, dark enough to read on white. */
export const LINE_COLORS = [
  '#1f77b4',
  '#d95f02',
  '#1b9e77',
  '#7570b3',
  '#e7298a',
  '#66a61e',
  '#a6761d',
  '#17becf',
  '#8c564b',
  '#b8860b',
  '#393b79',
  '#6b6b6b',
] as const;

/** Stops of a light-to-dark blue scale (ColorBrewer "Blues"), for heatmaps. */
const BLUES: readonly (readonly [number, number, number])[] = [
  [239, 245, 251],
  [198, 219, 239],
  [107, 174, 214],
  [33, 113, 181],
  [8, 48, 107],
];

/**
 * The heatmap colour of `t` in 0…1, and a text colour that stays readable on it. Zero gets a neutral grey
 * so "nobody" is told apart from "a few".
 */
export function heatColor(t: number): { readonly fill: string; readonly text: string } {
  if (!(t > 0)) return { fill: '#f3f4f6', text: '#6b7280' };
  const clamped = Math.min(1, t);
  const position = clamped * (BLUES.length - 1);
  const index = Math.min(BLUES.length - 2, Math.floor(position));
  const low = BLUES[index] ?? [0, 0, 0];
  const high = BLUES[index + 1] ?? low;
  const mix = position - index;
  const channel = (i: 0 | 1 | 2) => Math.round(low[i] + (high[i] - low[i]) * mix);
  const hex = [channel(0), channel(1), channel(2)].map((c) => c.toString(16).padStart(2, '0')).join('');
  return { fill: `#${hex}`, text: clamped > 0.55 ? '#ffffff' : '#10243e' };
}

/** One set of bars: a value (or none) per category, in one colour. */
export interface BarSeries {
  readonly label: string;
  readonly color: string;
  /** One per category; `undefined` draws no bar and a dash. */
  readonly values: readonly (number | undefined)[];
  /** The text of a value; `index` is its category's, for figures that need a word of context. */
  readonly format: (value: number, index: number) => string;
  /** Printed where a value is missing; a dash by default. */
  readonly missing?: string | undefined;
}

/** Bars that share one scale. Put figures of different units (customers, money) in different panels. */
export interface BarPanel {
  readonly title?: string | undefined;
  readonly series: readonly BarSeries[];
}

/** A horizontal bar chart: one row per category, side-by-side panels each with its own scale. */
export interface BarChartSpec {
  /** The `data-chart` name. */
  readonly name: string;
  /** What the chart shows, for screen readers. */
  readonly label: string;
  readonly categories: readonly string[];
  readonly panels: readonly BarPanel[];
}

/**
 * A horizontal bar chart. Horizontal because the categories (sources, segments) have long names that
 * read well on the left and would have to be slanted under vertical bars. Values are printed at the end
 * of each bar, so the chart needs no axis.
 */
export function barChart(spec: BarChartSpec): string {
  const { categories, panels } = spec;
  const seriesCount = Math.max(1, ...panels.map((p) => p.series.length));
  const legend = uniqueSeries(panels);
  const showLegend = seriesCount > 1;
  const showTitles = panels.length > 1;

  const longest = Math.max(4, ...categories.map((c) => c.length));
  const labelWidth = clamp(longest * CHAR_WIDTH + 14, 90, 280);
  // The epsilon keeps a label that exactly fits from losing its last letter to float division.
  const maxChars = Math.floor((labelWidth - 14) / CHAR_WIDTH + 1e-9);
  const barHeight = seriesCount > 1 ? 13 : 18;
  const rowHeight = seriesCount * barHeight + (seriesCount - 1) * 3 + 12;
  const top = (showLegend ? 26 : 6) + (showTitles ? 22 : 0);
  const height = top + categories.length * rowHeight + 6;
  const gap = 28;
  const panelWidth = (WIDTH - labelWidth - gap * (panels.length - 1) - 4) / Math.max(1, panels.length);

  const parts: string[] = [];
  if (showLegend) parts.push(legendRow(legend, labelWidth, 6));
  categories.forEach((category, row) => {
    const y = top + row * rowHeight;
    if (row % 2 === 1) {
      parts.push(`<rect class="stripe" x="0" y="${coord(y)}" width="${WIDTH}" height="${coord(rowHeight)}"/>`);
    }
    parts.push(
      `<text class="cat" x="${coord(labelWidth - 10)}" y="${coord(y + rowHeight / 2)}" text-anchor="end" dominant-baseline="central">${escapeHtml(truncate(category, maxChars))}<title>${escapeHtml(category)}</title></text>`,
    );
  });

  panels.forEach((panel, p) => {
    const x0 = labelWidth + p * (panelWidth + gap);
    const values = panel.series.flatMap((s) => s.values.map(finite));
    const max = Math.max(0, ...values);
    const longestValue = Math.max(
      1,
      ...panel.series.flatMap((s) =>
        s.values.map((v, i) => (v === undefined ? (s.missing ?? '—').length : s.format(v, i).length)),
      ),
    );
    const scaleWidth = Math.max(40, panelWidth - (longestValue * CHAR_WIDTH * 0.95 + 10));
    if (showTitles && panel.title) {
      parts.push(`<text class="panel" x="${coord(x0)}" y="${coord(top - 8)}">${escapeHtml(panel.title)}</text>`);
    }
    parts.push(
      `<line class="base" x1="${coord(x0)}" x2="${coord(x0)}" y1="${coord(top - 2)}" y2="${coord(height - 4)}"/>`,
    );
    categories.forEach((category, row) => {
      panel.series.forEach((series, s) => {
        const y = top + row * rowHeight + 6 + s * (barHeight + 3);
        const value = series.values[row];
        const textY = coord(y + barHeight / 2);
        if (value === undefined || !Number.isFinite(value)) {
          parts.push(
            `<text class="val none" x="${coord(x0 + 4)}" y="${textY}" dominant-baseline="central">${escapeHtml(series.missing ?? '—')}<title>${escapeHtml(`${category} · ${series.label}: no figure`)}</title></text>`,
          );
          return;
        }
        const text = series.format(value, row);
        // A non-zero value keeps a sliver of bar, so a small figure is not mistaken for nothing.
        const width = max > 0 && value > 0 ? Math.max(2, (value / max) * scaleWidth) : 0;
        parts.push(
          `<rect x="${coord(x0)}" y="${coord(y)}" width="${coord(width)}" height="${barHeight}" rx="2" fill="${series.color}" data-value="${finite(value)}" data-series="${escapeHtml(series.label)}"><title>${escapeHtml(`${category} · ${series.label}: ${text}`)}</title></rect>`,
          `<text class="val" x="${coord(x0 + width + 5)}" y="${textY}" dominant-baseline="central">${escapeHtml(text)}</text>`,
        );
      });
    });
  });
  return svg(spec.name, spec.label, WIDTH, height, parts);
}

/** One cell of a {@link heatmap}. */
export interface HeatmapCell {
  readonly row: number;
  readonly column: number;
  readonly value: number;
  /** Up to two short lines printed in the cell. */
  readonly lines: readonly string[];
  /** The tooltip. */
  readonly title: string;
}

/** A grid of coloured cells with row and column labels. */
export interface HeatmapSpec {
  readonly name: string;
  readonly label: string;
  readonly rowLabels: readonly string[];
  readonly columnLabels: readonly string[];
  readonly rowTitle: string;
  readonly columnTitle: string;
  readonly cells: readonly HeatmapCell[];
}

/** A heatmap: the darker the cell, the larger its value relative to the largest. */
export function heatmap(spec: HeatmapSpec): string {
  const left = 128;
  const cellWidth = 104;
  const cellHeight = 56;
  const top = 6;
  const gridHeight = spec.rowLabels.length * cellHeight;
  const width = left + spec.columnLabels.length * cellWidth + 8;
  const height = top + gridHeight + 52;
  const max = Math.max(0, ...spec.cells.map((c) => finite(c.value)));
  const parts: string[] = [];
  spec.rowLabels.forEach((label, row) => {
    parts.push(
      `<text class="cat" x="${left - 10}" y="${coord(top + row * cellHeight + cellHeight / 2)}" text-anchor="end" dominant-baseline="central">${escapeHtml(label)}</text>`,
    );
  });
  spec.columnLabels.forEach((label, column) => {
    parts.push(
      `<text class="cat" x="${coord(left + column * cellWidth + cellWidth / 2)}" y="${coord(top + gridHeight + 18)}" text-anchor="middle">${escapeHtml(label)}</text>`,
    );
  });
  parts.push(
    `<text class="axis" x="14" y="${coord(top + gridHeight / 2)}" text-anchor="middle" transform="rotate(-90 14 ${coord(top + gridHeight / 2)})">${escapeHtml(spec.rowTitle)}</text>`,
    `<text class="axis" x="${coord(left + (spec.columnLabels.length * cellWidth) / 2)}" y="${coord(top + gridHeight + 42)}" text-anchor="middle">${escapeHtml(spec.columnTitle)}</text>`,
  );
  for (const cell of spec.cells) {
    const x = left + cell.column * cellWidth;
    const y = top + cell.row * cellHeight;
    const color = heatColor(max > 0 ? finite(cell.value) / max : 0);
    parts.push(
      `<rect x="${coord(x + 1)}" y="${coord(y + 1)}" width="${cellWidth - 2}" height="${cellHeight - 2}" rx="3" fill="${color.fill}" data-value="${finite(cell.value)}"><title>${escapeHtml(cell.title)}</title></rect>`,
    );
    const [first, second] = cell.lines;
    const middle = y + cellHeight / 2;
    if (first !== undefined) {
      parts.push(
        `<text class="cell" x="${coord(x + cellWidth / 2)}" y="${coord(second === undefined ? middle : middle - 8)}" text-anchor="middle" dominant-baseline="central" style="fill:${color.text}">${escapeHtml(first)}</text>`,
      );
    }
    if (second !== undefined) {
      parts.push(
        `<text class="cell sub" x="${coord(x + cellWidth / 2)}" y="${coord(middle + 10)}" text-anchor="middle" dominant-baseline="central" style="fill:${color.text}">${escapeHtml(second)}</text>`,
      );
    }
  }
  return svg(spec.name, spec.label, width, height, parts);
}

/** One line of a {@link lineChart}: its points in order, with the tooltip of each. */
export interface LineSeries {
  readonly label: string;
  readonly color: string;
  readonly points: readonly { readonly x: number; readonly y: number; readonly title: string }[];
}

/** A line chart over a fixed set of x positions, y from zero. */
export interface LineChartSpec {
  readonly name: string;
  readonly label: string;
  readonly series: readonly LineSeries[];
  /** The x values, in order, that get a tick. */
  readonly xTicks: readonly number[];
  readonly xLabel: (x: number) => string;
  readonly yFormat: (y: number) => string;
  readonly xTitle: string;
}

/** A line chart with a legend on the right; y runs from zero to a round number above the largest value. */
export function lineChart(spec: LineChartSpec): string {
  const left = 52;
  const legendWidth = 130;
  const right = WIDTH - legendWidth;
  const top = 12;
  const plotHeight = 250;
  const bottom = top + plotHeight;
  const height = bottom + 46;
  const xs = spec.xTicks;
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const largest = Math.max(0, ...spec.series.flatMap((s) => s.points.map((p) => finite(p.y))));
  // A round step (5%, not 6.25%) with four or five gridlines, and the top line just above the data.
  const step = niceCeiling(largest / 5);
  const ticks = largest > 0 ? Math.max(1, Math.ceil(largest / step - 1e-9)) : 4;
  const yMax = largest > 0 ? step * ticks : 1;
  const xAt = (x: number) => (xMax > xMin ? left + ((x - xMin) / (xMax - xMin)) * (right - left - 12) + 6 : left + 6);
  const yAt = (y: number) => bottom - (finite(y) / yMax) * plotHeight;

  const parts: string[] = [];
  for (let i = 0; i <= ticks; i++) {
    const value = (yMax * i) / ticks;
    const y = yAt(value);
    parts.push(
      `<line class="grid" x1="${left}" x2="${coord(right)}" y1="${coord(y)}" y2="${coord(y)}"/>`,
      `<text class="tick" x="${left - 6}" y="${coord(y)}" text-anchor="end" dominant-baseline="central">${escapeHtml(spec.yFormat(value))}</text>`,
    );
  }
  for (const x of xs) {
    parts.push(
      `<text class="tick" x="${coord(xAt(x))}" y="${bottom + 16}" text-anchor="middle">${escapeHtml(spec.xLabel(x))}</text>`,
    );
  }
  parts.push(
    `<text class="axis" x="${coord((left + right) / 2)}" y="${bottom + 38}" text-anchor="middle">${escapeHtml(spec.xTitle)}</text>`,
  );
  spec.series.forEach((series, index) => {
    const points = series.points.map((p) => ({ ...p, px: xAt(p.x), py: yAt(p.y) }));
    if (points.length > 1) {
      const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${coord(p.px)} ${coord(p.py)}`).join(' ');
      parts.push(
        `<path d="${d}" fill="none" stroke="${series.color}" stroke-width="2" stroke-linejoin="round" data-value="${points.map((p) => finite(p.y)).join(' ')}"><title>${escapeHtml(series.label)}</title></path>`,
      );
    }
    for (const p of points) {
      parts.push(
        `<circle cx="${coord(p.px)}" cy="${coord(p.py)}" r="3.5" fill="${series.color}" data-value="${finite(p.y)}"><title>${escapeHtml(p.title)}</title></circle>`,
      );
    }
    // The legend lists as many lines as fit beside the plot; the table above the chart has them all.
    const legendY = top + 6 + index * 20;
    if (legendY < bottom) {
      parts.push(
        `<line x1="${right + 16}" x2="${right + 36}" y1="${legendY}" y2="${legendY}" stroke="${series.color}" stroke-width="3"/>`,
        `<text class="legend" x="${right + 42}" y="${legendY}" dominant-baseline="central">${escapeHtml(truncate(series.label, 12))}</text>`,
      );
    }
  });
  return svg(spec.name, spec.label, WIDTH, height, parts);
}

/** A level out of an ordered list (low, medium, high), drawn as filled steps. */
export interface MeterSpec {
  readonly name: string;
  readonly label: string;
  readonly levels: readonly string[];
  /** Index of the current level in `levels`. */
  readonly level: number;
  readonly color: string;
}

/** A small step meter: the steps up to the current level are filled. */
export function meter(spec: MeterSpec): string {
  const step = 96;
  const width = spec.levels.length * (step + 6);
  const parts = spec.levels.map((name, i) => {
    const x = i * (step + 6);
    const filled = i <= spec.level;
    // Only the filled steps are data marks: the empty ones are the scale, not the figure.
    const mark = filled ? ` data-value="${i + 1}"` : '';
    return `<rect x="${x}" y="2" width="${step}" height="18" rx="3" fill="${filled ? spec.color : '#e5e7eb'}"${mark}><title>${escapeHtml(name)}</title></rect><text class="tick" x="${x + step / 2}" y="36" text-anchor="middle">${escapeHtml(name)}</text>`;
  });
  return svg(spec.name, spec.label, width, 44, parts, 'meter');
}

function svg(name: string, label: string, width: number, height: number, parts: readonly string[], extraClass = '') {
  const className = extraClass ? `chart ${extraClass}` : 'chart';
  return `<svg class="${className}" role="img" aria-label="${escapeHtml(label)}" data-chart="${escapeHtml(name)}" viewBox="0 0 ${coord(width)} ${coord(height)}" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function legendRow(series: readonly BarSeries[], x: number, y: number): string {
  let offset = x;
  return series
    .map((s) => {
      const item = `<rect x="${coord(offset)}" y="${y}" width="12" height="12" rx="2" fill="${s.color}"/><text class="legend" x="${coord(offset + 17)}" y="${y + 6}" dominant-baseline="central">${escapeHtml(s.label)}</text>`;
      offset += 17 + s.label.length * CHAR_WIDTH + 22;
      return item;
    })
    .join('');
}

function uniqueSeries(panels: readonly BarPanel[]): BarSeries[] {
  const seen = new Set<string>();
  return panels.flatMap((p) => p.series).filter((s) => !seen.has(s.label) && seen.add(s.label));
}

/** A round number (1, 2, 2.5 or 5 times a power of ten) at or above `value`; 1 when there is nothing. */
export function niceCeiling(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= value) ?? 10;
  return step * power;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
