import { z } from 'zod';

/** Money as integer minor units with an ISO 4217 currency code. Never a float. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: 'expected an ISO 4217 currency code such as USD' });

export const MoneySchema = z.object({
  amount: z.number().int({ message: 'expected an integer amount in minor units' }),
  currency: CurrencySchema,
});

export function zero(currency: string): Money {
  return { amount: 0, currency };
}

/**
 * ISO 4217 minor-unit exponents that are not 2. Kept here rather than read from Intl, whose CLDR data
 * disagrees with ISO for some currencies (HUF, for one).
 */
const EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

/** Number of decimals of a currency's minor unit (JPY 0, USD 2, KWD 3). */
export function currencyExponent(currency: string): number {
  return EXPONENTS[currency.toUpperCase()] ?? 2;
}

/**
 * An amount written in major units, as storefronts send it ("19.99", "1000", 12.5), in exact integer
 * minor units of `currency`. Decimals beyond the currency's exponent are rounded half away from zero.
 * Returns `undefined` for anything that is not a plain decimal number.
 */
export function majorToMinor(value: string | number, currency: string): number | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? numberToPlainString(value) : '') : value.trim();
  const match = /^(-)?(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '0', fraction = ''] = match;
  const exponent = currencyExponent(currency);
  const kept = fraction.slice(0, exponent).padEnd(exponent, '0');
  let minor = Number(whole) * 10 ** exponent + (kept ? Number(kept) : 0);
  if ((fraction[exponent] ?? '0') >= '5') minor += 1;
  if (!Number.isSafeInteger(minor)) return undefined;
  return sign && minor !== 0 ? -minor : minor;
}

function numberToPlainString(value: number): string {
  // toFixed avoids exponent notation; 10 places is more than any currency needs.
  return value.toFixed(10).replace(/\.?0+$/, '');
}

/** Exchange rates to the reporting currency: 1 unit of the key currency = `rate` reporting units. */
export type ExchangeRates = Readonly<Record<string, number>>;

/**
 * Converts to the reporting currency with a configured rate, rounding once to whole minor units.
 * `undefined` when no rate is configured: the caller records the amount but leaves it out of metrics.
 */
export function toReportingCurrency(money: Money, reportingCurrency: string, rates: ExchangeRates): Money | undefined {
  if (money.currency === reportingCurrency) return money;
  const rate = rates[money.currency];
  if (rate === undefined) return undefined;
  const major = money.amount / 10 ** currencyExponent(money.currency);
  return { amount: Math.round(major * rate * 10 ** currencyExponent(reportingCurrency)), currency: reportingCurrency };
}
