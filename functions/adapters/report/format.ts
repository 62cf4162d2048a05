import { formatMoney, minorToDecimal, moneyFormatter } from '../../domain/money.js';

export { escapeHtml } from '../html.js';
export { formatMoney, minorToDecimal, moneyFormatter };

/** A number fit for SVG coordinates and `data-value`: never NaN or Infinity, which would break the chart. */
export function finite(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) ? value : 0;
}

/** A coordinate written short: two decimals are far below a pixel and keep the file small. */
export function coord(value: number): string {
  return String(Math.round(finite(value) * 100) / 100);
}

/**
 * One locale for the whole report, so figures read the same wherever it is generated (a Lambda's locale
 * is not the marketer's anyway).
 */
const LOCALE = 'en-US';

const COUNT = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const PERCENT = new Intl.NumberFormat(LOCALE, { style: 'percent', maximumFractionDigits: 1 });
const DAYS = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });

/** A whole count with thousands separators ("4,812"). */
export function formatCount(value: number): string {
  return COUNT.format(finite(value));
}

/** A share (0…1) as a percentage with at most one decimal ("38.4%"). */
export function formatPercent(share: number): string {
  return PERCENT.format(finite(share));
}

/** A number of days ("27.5 days", "1 day"). */
export function formatDays(days: number): string {
  const value = finite(days);
  return `${DAYS.format(value)} ${value === 1 ? 'day' : 'days'}`;
}

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** An ISO timestamp as "14 June 2025 at 09:30 UTC"; anything unparseable is shown as given. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${DATE_TIME.format(date)} UTC`;
}

const MONTH = new Intl.DateTimeFormat(LOCALE, { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** A cohort month "2025-03" as "Mar 2025"; anything else is shown as given. */
export function formatMonth(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  return MONTH.format(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)));
}

/** An identifier as words for a marketer: "potential_loyalists" → "Potential loyalists". */
export function humanize(id: string): string {
  const words = id
    .replace(/[_-]+/g, ' ')
    .trim()
    .replace(/\b(vip|rfm|clv|aov|nps)\b/gi, (w) => w.toUpperCase());
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : id;
}
