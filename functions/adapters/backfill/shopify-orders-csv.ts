import { EmailAddressSchema } from '../../domain/email-address.js';
import {
  type Acquisition,
  CANONICAL_SCHEMA_VERSION,
  type CanonicalEvent,
  CanonicalEventSchema,
  type CustomerFacts,
  type CustomerRef,
  type LineItem,
  MAX_LINE_ITEMS,
} from '../../domain/events.js';
import { amountProblem, currencyExponent, isIsoCurrency, majorToMinor } from '../../domain/money.js';
import { cut } from '../field-values.js';
import { type CsvRecord, readCsv, readCsvStream } from './csv.js';

/*
 * The Shopify orders export (admin > Orders > Export > "CSV for Excel, Numbers, or other spreadsheet programs")
 * as canonical events, for the `backfill` command.
 *
 * Column names. Shopify documents the export in its Help Center ("Exporting orders",
 * help.shopify.com/en/manual/orders/export-orders); that page was not readable from here, only quoted by
 * others. The names below are the ones real exports carry, as written by code that reads or writes them:
 * - laplace-live/shopify-csv-converter, src/types/index.d.ts (a typed row of a real export: Name, Email,
 *   Financial Status, Paid at, Accepts Marketing yes/no, Currency, Total, Created at, Lineitem quantity / name /
 *   price / sku, Billing Name, Refunded Amount, Id, Risk Level, Source, Lineitem discount, ...);
 * - jadwro/allegro_csv_parser, src/Shopify/types/ShopifyOrderTypeCSV.ts (the full header map, in export order);
 * - public importers with verbatim export headers (a Go `gocommerce` import test, an `open_stock` Rust importer),
 *   whose 79-column header ends "..., Id, Tags, Risk Level, Source, Lineitem discount, Tax 1 Name, ...,
 *   Payment ID, Payment Terms Name, Next Payment Due At, Payment References";
 * - a generator that follows the Help Center list (header starting "Name, Phone, Email, ..." and spelling
 *   "Lineitem compare-at price", "Lineitem SKU", "Payment Reference (deprecated)"). Newer exports also write
 *   "Accepts Email Marketing" and some tools "Canceled at".
 * So headers are matched by name, never by position, case-insensitively, with `-` read as a space, and with
 * the aliases listed in COLUMNS. Matrixify/Excelify "Orders" sheets are a different layout and not read here.
 *
 * Layout. One row per line item, in file order. The first row of an order carries the order-level columns;
 * the following rows of that order repeat its `Name` and leave the order-level columns empty (continuation
 * rows carry Lineitem columns and Vendor only). Dates are `2024-01-15 10:30:00 -0500`, amounts plain decimal
 * strings in the order's Currency, `Accepts Marketing` yes/no, `Financial Status` one of paid, pending,
 * refunded, partially_refunded, voided, authorized, partially_paid (expired in newer stores), `Cancelled at`
 * empty or a date, `Refunded Amount` the sum refunded so far, `Id` the numeric order id.
 *
 * Mapping.
 * - Order identity: `order.id` is the `Id` column, the numeric order id that Shopify webhooks carry as `id`,
 *   so a backfilled order and later webhooks about it are one order (`shopify:<id>`). Without an Id column the
 *   Name without `#` is used; such an order cannot meet its webhooks, and re-exporting with Id later would
 *   make a second order: export with the Id column.
 * - Event ids are derived from the order id only (`shopify-csv:order:<id>`, `…:refund:csv-refund`,
 *   `…:cancelled`), so importing the same file twice gives the same ids (idempotent backfill).
 * - Dates are written as UTC instants (`…T15:30:00.000Z`), like the webhook adapter does: facts are ordered by
 *   comparing these strings downstream, which mixed offsets would break.
 * - order.placed for every order, whatever its financial status (Shopify's `orders/create` fires for pending
 *   and authorized orders too): placedAt = Paid at, else Created at; occurredAt = Created at, older than any
 *   webhook update, so a backfill never overwrites fresher webhook facts. Line items: productId = Lineitem
 *   sku, else Lineitem name (the export has no product id), unitPrice = Lineitem price (before discounts);
 *   quantity 0 lines (removed by an order edit) are left out; at most MAX_LINE_ITEMS.
 *   Discount Code may list several codes separated by commas.
 * - Customer facts only when the order has an email (a guest POS sale stays an order without a customer):
 *   first and last name from Billing Name (first word / the rest; Shipping Name may be a gift recipient);
 *   consent `subscribed` (source shopify:csv-export, at the order's time so a newer statement wins) when
 *   Accepts (Email) Marketing is yes. "no" leaves consent absent: it only says the box was not ticked, not
 *   that the person withdrew. Acquisition from utm_source / utm_medium / utm_campaign note attributes
 *   (`Note Attributes`, one `name: value` per line), where tracking apps keep them; the `Source` column is
 *   the sales channel (web, pos, ...), not a campaign source, and is not used.
 * - order.refunded when Refunded Amount > 0 (or Financial Status is refunded and the amount is blank: the
 *   total): one refund with the fixed id `csv-refund` for everything refunded so far. The export has no refund
 *   ids or dates: refundedAt is the latest date of the order (Paid, Fulfilled, Cancelled, Created at). A
 *   re-import keeps the refund first recorded (refunds are kept by id), even if more was refunded since; and a
 *   refund also delivered by a `refunds/create` webhook carries Shopify's refund id, so it would count twice:
 *   export only orders from before the webhooks were connected.
 * - order.cancelled when Cancelled at is set, at that time.
 * - No customer.signed_up: a backfill must not start journeys.
 *
 * Rejections name the line and the column, never a value (emails, names and addresses are personal data).
 * A rejected order is left out whole (a partial basket would be wrong silently); the rest of the file goes on.
 */

export const SHOPIFY_CSV_EVENT_PREFIX = 'shopify-csv';
/** The refund id of the one refund an exported order can carry: the export has no refund ids. */
export const CSV_REFUND_ID = 'csv-refund';
export const CSV_CONSENT_SOURCE = 'shopify:csv-export';

export interface RejectedRow {
  /** 1-based line of the CSV file where the rejected record starts; the header is line 1. */
  readonly line: number;
  /** Names the problem and the column, never a value from the file. */
  readonly reason: string;
}

export interface ShopifyOrdersCsvResult {
  readonly events: CanonicalEvent[];
  readonly rejected: RejectedRow[];
}

export type ShopifyOrdersCsvItem =
  | { readonly kind: 'event'; readonly event: CanonicalEvent; readonly line: number }
  | ({ readonly kind: 'rejected' } & RejectedRow);

/** The columns used, each with the header names it may carry (compared after {@link normaliseHeader}). */
const COLUMNS = {
  name: ['name'],
  id: ['id'],
  email: ['email'],
  financialStatus: ['financial status'],
  paidAt: ['paid at'],
  fulfilledAt: ['fulfilled at'],
  // The newer name first: a file carrying both is read by the one Shopify writes today.
  acceptsMarketing: ['accepts email marketing', 'accepts marketing'],
  currency: ['currency'],
  total: ['total'],
  discountCode: ['discount code'],
  createdAt: ['created at'],
  lineQuantity: ['lineitem quantity'],
  lineName: ['lineitem name'],
  linePrice: ['lineitem price'],
  lineSku: ['lineitem sku'],
  billingName: ['billing name'],
  noteAttributes: ['note attributes'],
  cancelledAt: ['cancelled at', 'canceled at'],
  refundedAmount: ['refunded amount'],
} as const satisfies Record<string, readonly string[]>;

type Column = keyof typeof COLUMNS;

const REQUIRED: readonly Column[] = ['name', 'currency', 'total', 'createdAt', 'lineQuantity', 'lineName', 'linePrice'];

/** The header as written in the export, for messages. */
const LABELS: Record<Column, string> = {
  name: 'Name',
  id: 'Id',
  email: 'Email',
  financialStatus: 'Financial Status',
  paidAt: 'Paid at',
  fulfilledAt: 'Fulfilled at',
  acceptsMarketing: 'Accepts Marketing',
  currency: 'Currency',
  total: 'Total',
  discountCode: 'Discount Code',
  createdAt: 'Created at',
  lineQuantity: 'Lineitem quantity',
  lineName: 'Lineitem name',
  linePrice: 'Lineitem price',
  lineSku: 'Lineitem sku',
  billingName: 'Billing Name',
  noteAttributes: 'Note Attributes',
  cancelledAt: 'Cancelled at',
  refundedAmount: 'Refunded Amount',
};

export function normaliseHeader(header: string): string {
  return header.trim().toLowerCase().replace(/-/g, ' ').replace(/\s+/g, ' ');
}

/** Where each column is in a header row: the first header that matches one of its names (normalised). */
export function indexColumns<C extends string>(
  header: readonly string[],
  columns: Readonly<Record<C, readonly string[]>>,
): Partial<Record<C, number>> {
  const positions = new Map<string, number>();
  header.forEach((name, index) => {
    const key = normaliseHeader(name);
    if (!positions.has(key)) positions.set(key, index);
  });
  const index: Partial<Record<C, number>> = {};
  for (const column of Object.keys(columns) as C[]) {
    for (const alias of columns[column]) {
      const position = positions.get(alias);
      if (position !== undefined) {
        index[column] = position;
        break;
      }
    }
  }
  return index;
}

/** The header row of a Shopify export: where its columns are, or why the file is not that export. */
export function exportHeader<C extends string>(
  record: CsvRecord,
  spec: {
    readonly columns: Readonly<Record<C, readonly string[]>>;
    readonly required: readonly C[];
    readonly labels: Readonly<Record<C, string>>;
    /** `orders`, `products`: the export the header must be. */
    readonly exportName: string;
  },
): { readonly columns: Partial<Record<C, number>> } | { readonly rejected: string } {
  if (record.error !== undefined) return { rejected: `the header row is not valid CSV: ${record.error}` };
  const columns = indexColumns(record.fields, spec.columns);
  const missing = spec.required.filter((column) => columns[column] === undefined);
  if (missing.length === 0) return { columns };
  const names = missing.map((column) => spec.labels[column]).join(', ');
  return { rejected: `the header has no ${names} column: not a Shopify ${spec.exportName} export` };
}

/**
 * What every Shopify export parser shares: the header (read once, or the file refused), blank rows skipped,
 * one group of rows pending (an order, a product) that is completed when a row of another group or the end
 * of the file follows it. Feed it every record in order with `accept`, then call `finish` once; each call
 * returns what it completed.
 */
export abstract class ShopifyExportParser<C extends string, G> {
  protected columns: Partial<Record<C, number>> | undefined;
  /** The number of fields of the header row. */
  protected width = 0;
  protected current: G | undefined;
  private headerRejected = false;

  protected constructor(
    private readonly spec: {
      readonly columns: Readonly<Record<C, readonly string[]>>;
      readonly required: readonly C[];
      readonly labels: Readonly<Record<C, string>>;
      readonly exportName: string;
    },
  ) {}

  accept(record: CsvRecord): ShopifyOrdersCsvItem[] {
    if (this.headerRejected) return [];
    if (this.columns === undefined) return this.readHeader(record);
    if (record.fields.every((field) => field.trim() === '')) return [];
    return this.acceptRow(record);
  }

  finish(): ShopifyOrdersCsvItem[] {
    const out: ShopifyOrdersCsvItem[] = [];
    if (this.columns === undefined && !this.headerRejected) {
      out.push({ kind: 'rejected', line: 1, reason: 'the file is empty: no header row' });
    }
    if (this.current) out.push(...this.complete(this.current));
    this.current = undefined;
    return out;
  }

  /** A row after the header that is not blank. */
  protected abstract acceptRow(record: CsvRecord): ShopifyOrdersCsvItem[];

  /** What a group of rows gives once all its rows are in. */
  protected abstract complete(group: G): ShopifyOrdersCsvItem[];

  /** The trimmed value of a column in a row; empty when the export has no such column. */
  protected value(record: CsvRecord, column: C): string {
    const position = this.columns?.[column];
    return position === undefined ? '' : (record.fields[position]?.trim() ?? '');
  }

  private readHeader(record: CsvRecord): ShopifyOrdersCsvItem[] {
    const header = exportHeader(record, this.spec);
    if ('rejected' in header) {
      this.headerRejected = true;
      return [{ kind: 'rejected', line: record.line, reason: header.rejected }];
    }
    this.columns = header.columns;
    this.width = record.fields.length;
    return [];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Values.

/** A problem with one row, as a reason that names the column and never the value. */
export class RowProblem extends Error {}

const SHOPIFY_DATE =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(?:(Z)|([+-])(\d{2}):?(\d{2}))$/;

/**
 * `2024-01-15 10:30:00 -0500` (and the ISO 8601 forms) as the instant in UTC, `2024-01-15T15:30:00.000Z`, the
 * form the Shopify webhook adapter writes: the domain orders facts by comparing these strings, which only
 * works when every source writes one offset. A date without an offset is refused: its instant is unknown.
 */
export function shopifyDateToIso(text: string): string | undefined {
  const match = SHOPIFY_DATE.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = '00', fraction = '', zulu, sign, offsetHour, offsetMinute] =
    match as unknown as (string | undefined)[];
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const calendar = new Date(Date.UTC(y, m - 1, d));
  if (calendar.getUTCFullYear() !== y || calendar.getUTCMonth() !== m - 1 || calendar.getUTCDate() !== d) {
    return undefined;
  }
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  if (!zulu && (Number(offsetHour) > 14 || Number(offsetMinute) > 59)) return undefined;
  const offset = zulu ? 'Z' : `${sign}${offsetHour}:${offsetMinute}`;
  const instant = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${fraction.slice(0, 4)}${offset}`);
  return Number.isNaN(instant.getTime()) ? undefined : instant.toISOString();
}

function date(value: string, column: Column): string | undefined {
  if (!value) return undefined;
  const iso = shopifyDateToIso(value);
  if (iso === undefined) {
    throw new RowProblem(`${LABELS[column]} is not a date such as 2024-01-15 10:30:00 -0500`);
  }
  return iso;
}

function amount(value: string, currency: string, column: Column): number {
  return decimalAmount(value, currency, LABELS[column]);
}

/**
 * Exact integer minor units; refuses signs, separators, exponents and more decimals than the currency has.
 * `label` is the column, as the problem names it.
 */
export function decimalAmount(value: string, currency: string, label: string): number {
  if (!/^-?\d+(\.\d+)?$/.test(value)) throw new RowProblem(`${label} is not a decimal amount`);
  if (value.startsWith('-')) throw new RowProblem(`${label} is negative`);
  const fraction = value.split('.')[1] ?? '';
  if (/[1-9]/.test(fraction.slice(currencyExponent(currency)))) {
    throw new RowProblem(`${label} has more decimals than ${currency} allows`);
  }
  const minor = majorToMinor(value, currency);
  if (minor === undefined || amountProblem(minor) !== undefined) throw new RowProblem(`${label} is too large`);
  return minor;
}

function quantity(value: string): number {
  if (!/^\d+$/.test(value)) throw new RowProblem(`${LABELS.lineQuantity} is not a whole number`);
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RowProblem(`${LABELS.lineQuantity} is too large`);
  return parsed;
}

function currencyCode(value: string): string {
  const code = value.toUpperCase();
  if (!isIsoCurrency(code)) throw new RowProblem(`${LABELS.currency} is not an ISO 4217 currency code`);
  return code;
}

function emailAddress(value: string): string | undefined {
  if (!value) return undefined;
  const result = EmailAddressSchema.safeParse(value);
  if (!result.success) throw new RowProblem(`${LABELS.email} is not a valid email address`);
  return result.data;
}

function isYes(value: string): boolean {
  const text = value.toLowerCase();
  return text === 'yes' || text === 'true';
}

function splitName(billingName: string): { firstName?: string; lastName?: string } {
  const words = billingName.split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  return {
    ...(first ? { firstName: cut(first, 200) } : {}),
    ...(rest.length > 0 ? { lastName: cut(rest.join(' '), 200) } : {}),
  };
}

const UTM_ATTRIBUTES: ReadonlyMap<string, keyof Acquisition> = new Map([
  ['utm_source', 'source'],
  ['utm_medium', 'medium'],
  ['utm_campaign', 'campaign'],
]);

/** `Note Attributes` holds one `name: value` per line; tracking apps keep the first-touch UTM values there. */
function acquisition(noteAttributes: string): Acquisition | undefined {
  const found: Record<string, string> = {};
  for (const line of noteAttributes.split(/\r\n|\r|\n/)) {
    const separator = line.indexOf(':');
    if (separator < 0) continue;
    const key = UTM_ATTRIBUTES.get(line.slice(0, separator).trim().toLowerCase());
    const value = line.slice(separator + 1).trim();
    if (key && value && found[key] === undefined) found[key] = cut(value, 200);
  }
  return Object.keys(found).length > 0 ? found : undefined;
}

function discountCodes(value: string): string[] | undefined {
  const codes = [
    ...new Set(
      value
        .split(',')
        .map((code) => cut(code.trim(), 100))
        .filter(Boolean),
    ),
  ];
  return codes.length > 0 ? codes.slice(0, 20) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Orders.

interface OrderFacts {
  readonly orderId: string;
  readonly number: string;
  readonly currency: string;
  readonly total: number;
  readonly createdAt: string;
  readonly paidAt?: string | undefined;
  readonly fulfilledAt?: string | undefined;
  readonly cancelledAt?: string | undefined;
  readonly refunded: number;
  readonly email?: string | undefined;
  readonly billingName: string;
  readonly subscribed: boolean;
  readonly acquisition?: Acquisition | undefined;
  readonly discountCodes?: string[] | undefined;
}

/** The rows of one order as they arrive: its first row's facts, its line items, or why it is rejected. */
interface PendingOrder {
  readonly name: string;
  readonly id: string;
  readonly line: number;
  facts?: OrderFacts;
  readonly lineItems: LineItem[];
  readonly problems: RejectedRow[];
}

function envelope(id: string, occurredAt: string) {
  return {
    schemaVersion: CANONICAL_SCHEMA_VERSION,
    id: `${SHOPIFY_CSV_EVENT_PREFIX}:${id}`,
    source: 'shopify' as const,
    occurredAt,
  };
}

/** The latest of UTC timestamps (all written by {@link shopifyDateToIso}, so they compare as text). */
function latest(dates: readonly (string | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const date of dates) {
    if (date !== undefined && (best === undefined || date > best)) best = date;
  }
  return best;
}

function orderEvents(facts: OrderFacts, lineItems: LineItem[]): CanonicalEvent[] {
  const key = `order:${facts.orderId}`;
  const money = (minor: number) => ({ amount: minor, currency: facts.currency });
  const ref: CustomerRef | undefined = facts.email === undefined ? undefined : { email: facts.email };

  let customer: CustomerFacts | undefined;
  if (facts.email !== undefined) {
    customer = {
      email: facts.email,
      ...splitName(facts.billingName),
      ...(facts.subscribed ? { consent: { email: 'subscribed' as const, source: CSV_CONSENT_SOURCE } } : {}),
      ...(facts.acquisition ? { acquisition: facts.acquisition } : {}),
    };
  }

  const events: unknown[] = [
    {
      ...envelope(key, facts.createdAt),
      type: 'order.placed',
      data: {
        ...(customer ? { customer } : {}),
        order: {
          id: facts.orderId,
          number: cut(facts.number, 100),
          placedAt: facts.paidAt ?? facts.createdAt,
          total: money(facts.total),
          ...(facts.discountCodes ? { discountCodes: facts.discountCodes } : {}),
          lineItems,
        },
      },
    },
  ];

  if (facts.refunded > 0) {
    const refundedAt = latest([facts.createdAt, facts.paidAt, facts.fulfilledAt, facts.cancelledAt]) ?? facts.createdAt;
    events.push({
      ...envelope(`${key}:refund:${CSV_REFUND_ID}`, refundedAt),
      type: 'order.refunded',
      data: {
        ...(ref ? { customer: ref } : {}),
        order: { id: facts.orderId },
        refund: { id: CSV_REFUND_ID, amount: money(facts.refunded), refundedAt },
      },
    });
  }

  if (facts.cancelledAt !== undefined) {
    events.push({
      ...envelope(`${key}:cancelled`, facts.cancelledAt),
      type: 'order.cancelled',
      data: { ...(ref ? { customer: ref } : {}), order: { id: facts.orderId, cancelledAt: facts.cancelledAt } },
    });
  }

  // Every event is checked against the canonical model; a failure names the field, never the value.
  return events.map((event) => {
    const result = CanonicalEventSchema.safeParse(event);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new RowProblem(`the order does not fit the event model at ${issue?.path.join('.') ?? '(root)'}`);
    }
    return result.data;
  });
}

/**
 * The parser's state between records: feed it every record of the file in order with `accept`, then call
 * `finish` once. Each call returns what it completed: an order is complete when a row of another order (or
 * the end of the file) follows it.
 */
export class ShopifyOrdersCsvParser extends ShopifyExportParser<Column, PendingOrder> {
  /** Order ids already emitted, with the line of their first row: an order twice in a file is rejected. */
  private readonly seen = new Map<string, number>();

  constructor() {
    super({ columns: COLUMNS, required: REQUIRED, labels: LABELS, exportName: 'orders' });
  }

  protected acceptRow(record: CsvRecord): ShopifyOrdersCsvItem[] {
    const out: ShopifyOrdersCsvItem[] = [];
    const name = this.value(record, 'name');
    if (!name) {
      out.push({ kind: 'rejected', line: record.line, reason: `${LABELS.name} is empty: the row belongs to no order` });
      return out;
    }
    const id = this.value(record, 'id');
    const current = this.current;
    // Rows of one order follow each other with the same Name; a row with its own, different Id is another
    // order that happens to share the Name.
    if (current && current.name === name && (id === '' || id === current.id)) {
      this.continuation(current, record);
      return out;
    }
    if (current) out.push(...this.complete(current));
    this.current = this.firstRow(record, name, id);
    return out;
  }

  /** Why a record cannot be read at all: broken quoting, or fields that do not line up with the header. */
  private structuralProblem(record: CsvRecord): string | undefined {
    if (record.error !== undefined) return `the row is not valid CSV: ${record.error}`;
    if (record.fields.length !== this.width) {
      return `the row has ${record.fields.length} fields where the header has ${this.width}`;
    }
    return undefined;
  }

  private firstRow(record: CsvRecord, name: string, id: string): PendingOrder {
    const order: PendingOrder = { name, id, line: record.line, lineItems: [], problems: [] };
    const reject = (reason: string) => order.problems.push({ line: record.line, reason });
    const structural = this.structuralProblem(record);
    if (structural !== undefined) {
      reject(structural);
      return order;
    }
    const get = (column: Column) => this.value(record, column);
    if (!get('createdAt') && !get('currency') && !get('total')) {
      reject("the order's first row is missing: this row starts an order but has no Created at, Currency or Total");
      return order;
    }
    try {
      if (!get('currency')) throw new RowProblem(`${LABELS.currency} is empty`);
      if (!get('total')) throw new RowProblem(`${LABELS.total} is empty`);
      if (!get('createdAt')) throw new RowProblem(`${LABELS.createdAt} is empty`);
      const currency = currencyCode(get('currency'));
      const orderId = id || name.replace(/^#+/, '').trim();
      if (!orderId) throw new RowProblem(`${LABELS.name} has no order number`);
      if (orderId.length > 200) throw new RowProblem(`${LABELS.id} is longer than 200 characters`);
      const total = amount(get('total'), currency, 'total');
      const refundedText = get('refundedAmount');
      let refunded = refundedText ? amount(refundedText, currency, 'refundedAmount') : 0;
      // A file without the column (or a blank cell) on a refunded order: the whole total went back.
      if (!refundedText && get('financialStatus').toLowerCase() === 'refunded') refunded = total;
      order.facts = {
        orderId,
        number: name,
        currency,
        total,
        createdAt: date(get('createdAt'), 'createdAt') as string,
        paidAt: date(get('paidAt'), 'paidAt'),
        fulfilledAt: date(get('fulfilledAt'), 'fulfilledAt'),
        cancelledAt: date(get('cancelledAt'), 'cancelledAt'),
        refunded,
        email: emailAddress(get('email')),
        billingName: get('billingName'),
        subscribed: isYes(get('acceptsMarketing')),
        acquisition: acquisition(get('noteAttributes')),
        discountCodes: discountCodes(get('discountCode')),
      };
      this.lineItem(order, record);
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      reject(error.message);
    }
    return order;
  }

  private continuation(order: PendingOrder, record: CsvRecord): void {
    // Once an order is rejected its other rows go with it; they are not checked further.
    if (order.problems.length > 0) return;
    const structural = this.structuralProblem(record);
    if (structural !== undefined) {
      order.problems.push({ line: record.line, reason: structural });
      return;
    }
    try {
      this.lineItem(order, record);
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      order.problems.push({ line: record.line, reason: error.message });
    }
  }

  private lineItem(order: PendingOrder, record: CsvRecord): void {
    const facts = order.facts;
    if (!facts) return;
    const name = this.value(record, 'lineName');
    const sku = this.value(record, 'lineSku');
    const quantityText = this.value(record, 'lineQuantity');
    const priceText = this.value(record, 'linePrice');
    if (!name && !sku && !quantityText && !priceText) return;
    if (!name && !sku) throw new RowProblem(`${LABELS.lineName} is empty`);
    if (!quantityText) throw new RowProblem(`${LABELS.lineQuantity} is empty`);
    if (!priceText) throw new RowProblem(`${LABELS.linePrice} is empty`);
    const count = quantity(quantityText);
    const unitPrice = amount(priceText, facts.currency, 'linePrice');
    // Quantity 0: a line removed by an order edit; it no longer belongs to the basket.
    if (count === 0 || order.lineItems.length >= MAX_LINE_ITEMS) return;
    order.lineItems.push({
      productId: cut(sku || name, 200),
      ...(sku ? { sku: cut(sku, 200) } : {}),
      name: cut(name || sku, 300),
      quantity: count,
      unitPrice: { amount: unitPrice, currency: facts.currency },
    });
  }

  protected complete(order: PendingOrder): ShopifyOrdersCsvItem[] {
    if (order.problems.length > 0 || !order.facts) {
      return order.problems.map((problem) => ({ kind: 'rejected' as const, ...problem }));
    }
    const earlier = this.seen.get(order.facts.orderId);
    if (earlier !== undefined) {
      return [{ kind: 'rejected', line: order.line, reason: `the same order already appears on line ${earlier}` }];
    }
    try {
      const events = orderEvents(order.facts, order.lineItems);
      this.seen.set(order.facts.orderId, order.line);
      return events.map((event) => ({ kind: 'event' as const, event, line: order.line }));
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      return [{ kind: 'rejected', line: order.line, reason: error.message }];
    }
  }
}

/** The whole export at once. */
export function parseShopifyOrdersCsv(text: string): ShopifyOrdersCsvResult {
  const parser = new ShopifyOrdersCsvParser();
  const result: { events: CanonicalEvent[]; rejected: RejectedRow[] } = { events: [], rejected: [] };
  const collect = (items: ShopifyOrdersCsvItem[]) => {
    for (const item of items) {
      if (item.kind === 'event') result.events.push(item.event);
      else result.rejected.push({ line: item.line, reason: item.reason });
    }
  };
  for (const record of readCsv(text)) collect(parser.accept(record));
  collect(parser.finish());
  return result;
}

/**
 * The export as a stream of text chunks (e.g. `createReadStream(path, { encoding: 'utf8' })`): events and
 * rejections come out order by order, in file order, without holding the file in memory.
 */
export async function* readShopifyOrdersCsv(
  chunks: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<ShopifyOrdersCsvItem> {
  const parser = new ShopifyOrdersCsvParser();
  for await (const record of readCsvStream(chunks)) yield* parser.accept(record);
  yield* parser.finish();
}
