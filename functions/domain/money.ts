import * as z from './zod.js';

/** Money as integer minor units with an ISO 4217 currency code. Never a float. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/**
 * The ISO 4217 codes of money a shop can be paid in: List One's current currencies, and those withdrawn
 * since 2020 (HRK, SLL, ZWL, CUC, ANG), which imported order history still holds. Not the precious metals,
 * the funds and units of account (XAU, XDR, CLF …), nor the codes reserved for testing (XTS, XXX). Kept
 * here rather than read from Intl, whose list depends on the runtime's ICU version.
 */
const ISO_4217_CURRENCIES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD ' +
    'CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF ' +
    'GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK ' +
    'LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR ' +
    'PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC ' +
    'SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF ' +
    'YER ZAR ZMW ZWG ZWL'
  ).split(' '),
);

export function isIsoCurrency(code: string): boolean {
  return ISO_4217_CURRENCIES.has(code);
}

export const CurrencySchema = z
  .string()
  .check(
    z.regex(/^[A-Z]{3}$/, { message: 'expected an ISO 4217 currency code such as USD' }),
    z.refine(isIsoCurrency, { message: 'expected an ISO 4217 currency code such as USD' }),
  );

/**
 * The largest amount of one order, line or refund, in minor units: ten trillion (100 billion dollars,
 * 10 billion rupiah-cents … a bound no real order reaches, far enough below 2^53 that thousands of them
 * still add up exactly).
 */
export const MAX_MINOR_AMOUNT = 10_000_000_000_000;

/** Why `amount` minor units cannot be the price of something real, or undefined when it can. */
export function amountProblem(amount: number): string | undefined {
  if (!Number.isInteger(amount)) return 'expected an integer amount in minor units';
  if (amount < 0) return 'an amount cannot be negative';
  if (amount > MAX_MINOR_AMOUNT) return `an amount is at most ${MAX_MINOR_AMOUNT} minor units`;
  return undefined;
}

/** An amount of money paid or charged: whole minor units, neither negative nor beyond any real order. */
export const MoneySchema = z.object({
  amount: z
    .number()
    .check(
      z.int({ message: 'expected an integer amount in minor units' }),
      z.nonnegative({ message: 'an amount cannot be negative' }),
      z.lte(MAX_MINOR_AMOUNT, { message: `an amount is at most ${MAX_MINOR_AMOUNT} minor units` }),
    ),
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

/** Money reads the same in every email, report and log, whatever the machine's locale. */
const MONEY_LOCALE = 'en-US';

/**
 * Integer minor units written as an exact decimal string of major units ("123456", 2 → "1234.56").
 * Done on digits rather than by dividing, so no float rounding can change a cent.
 */
export function minorToDecimal(minor: number, exponent: number): `${number}` {
  const digits = BigInt(Number.isFinite(minor) ? Math.round(minor) : 0);
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

/** Formatters by currency, built once each: an Intl formatter is costly to create per value. */
const moneyFormatters = new Map<string, (minor: number) => string>();

/** {@link formatMoney} for one currency, built once: an Intl formatter is costly to create per value. */
export function moneyFormatter(currency: string): (minor: number) => string {
  let formatter = moneyFormatters.get(currency);
  if (formatter === undefined) {
    formatter = newMoneyFormatter(currency);
    moneyFormatters.set(currency, formatter);
  }
  return formatter;
}

function newMoneyFormatter(currency: string): (minor: number) => string {
  const exponent = currencyExponent(currency);
  let format: Intl.NumberFormat | undefined;
  try {
    format = new Intl.NumberFormat(MONEY_LOCALE, {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
  } catch {
    format = undefined;
  }
  const plain = new Intl.NumberFormat(MONEY_LOCALE, {
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  return (minor) => {
    const decimal = minorToDecimal(minor, exponent);
    return format ? format.format(decimal) : `${currency} ${plain.format(decimal)}`;
  };
}

/** Money as plain text for the timeline and logs, e.g. `19.99 EUR`: exact, from minor units. */
export function moneyText(amount: number, currency: string): string {
  return `${minorToDecimal(amount, currencyExponent(currency))} ${currency}`;
}
