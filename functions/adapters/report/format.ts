import { currencyExponent } from '../../domain/money.js';

/**
 * Text made safe for HTML and SVG, in element content and in quoted attribute values alike. Every string
 * that comes from data (store name, segment ids, sources, journey ids, model reasons) goes through this.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** A number fit for SVG coordinates and `data-value`: never NaN or Infinity, which would break the chart. */
export function finite(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) ? value : 0;
}

/** A coordinate written short: two decimals are far below a pixel and keep the file small. */
export function coord(value: number): string {
  return String(Math.round(finite(value) * 100) / 100);
}

/**
 * Integer minor units written as an exact decimal string of major units ("123456", 2 → "1234.56").
 * Done on digits rather than by dividing, so no float rounding can change a cent.
 */
export function minorToDecimal(minor: number, exponent: number): `${number}` {
  const digits = BigInt(Math.round(finite(minor)));
  const negative = digits < 0n;
  const text = (negative ? -digits : digits).toString().padStart(exponent + 1, '0');
  const whole = text.slice(0, text.length - exponent);
  const fraction = exponent > 0 ? `.${text.slice(text.length - exponent)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}` as `${number}`;
}

/**
 * Formats an amount in integer minor units of `currency` for display ("$1,234.56", "¥4,500"). The number
 * of decimals is the ISO exponent from the domain, not Intl's own (they disagree for a few currencies).
 * An unknown currency code still renders, as "XYZ 12.34", rather than throwing.
 */
export function formatMoney(minor: number, currency: string): string {
  return moneyFormatter(currency)(minor);
}

/** {@link formatMoney} for one currency, built once: an Intl formatter is costly to create per value. */
export function moneyFormatter(currency: string): (minor: number) => string {
  const exponent = currencyExponent(currency);
  let format: Intl.NumberFormat | undefined;
  try {
    format = new Intl.NumberFormat(LOCALE, {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
  } catch {
    format = undefined;
  }
  const plain = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: exponent, maximumFractionDigits: exponent });
  return (minor) => {
    const decimal = minorToDecimal(minor, exponent);
    return format ? format.format(decimal) : `${currency} ${plain.format(decimal)}`;
  };
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
