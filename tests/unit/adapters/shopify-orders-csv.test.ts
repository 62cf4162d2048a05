import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CsvReader, type CsvRecord, readCsv, readCsvStream } from '../../../functions/adapters/backfill/csv.js';
import {
  CSV_CONSENT_SOURCE,
  CSV_REFUND_ID,
  parseShopifyOrdersCsv,
  readShopifyOrdersCsv,
  type ShopifyOrdersCsvItem,
  shopifyDateToIso,
} from '../../../functions/adapters/backfill/shopify-orders-csv.js';
import {
  type CanonicalEvent,
  CanonicalEventSchema,
  type EventOfType,
  MAX_LINE_ITEMS,
} from '../../../functions/domain/events.js';

function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/backfill/${name}`, import.meta.url), 'utf8');
}

/** 25 lines, 12 orders: the 2019–2024 layout with `Accepts Marketing`, LF line ends. */
const EXPORT = fixture('shopify-orders-export.csv');
/** The Help Center layout (Phone, `Accepts Email Marketing`, `Lineitem SKU`, ...), CRLF line ends. */
const EXPORT_2025 = fixture('shopify-orders-export-2025-layout.csv');

function ofType<T extends CanonicalEvent['type']>(events: readonly CanonicalEvent[], type: T): EventOfType<T>[] {
  return events.filter((event): event is EventOfType<T> => event.type === type);
}

function placed(events: readonly CanonicalEvent[], orderId: string): EventOfType<'order.placed'> {
  const found = ofType(events, 'order.placed').find((event) => event.data.order.id === orderId);
  if (!found) throw new Error(`no order.placed for ${orderId}`);
  return found;
}

/** Every amount anywhere in an event, to prove none is a float. */
function amounts(value: unknown): number[] {
  if (Array.isArray(value)) return value.flatMap(amounts);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const own = typeof record.amount === 'number' && typeof record.currency === 'string' ? [record.amount] : [];
    return [...own, ...Object.values(record).flatMap(amounts)];
  }
  return [];
}

// A small export with only the columns a test needs; quoting as RFC 4180.
const BASE_HEADER = [
  'Name',
  'Email',
  'Financial Status',
  'Paid at',
  'Accepts Marketing',
  'Currency',
  'Total',
  'Discount Code',
  'Created at',
  'Lineitem quantity',
  'Lineitem name',
  'Lineitem price',
  'Lineitem sku',
  'Billing Name',
  'Note Attributes',
  'Cancelled at',
  'Refunded Amount',
  'Id',
];

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csv(rows: readonly Record<string, string>[], header: readonly string[] = BASE_HEADER): string {
  return `${[header, ...rows.map((row) => header.map((column) => row[column] ?? ''))]
    .map((fields) => fields.map(quote).join(','))
    .join('\n')}\n`;
}

function orderRow(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Name: '#5001',
    Email: 'river.stone@example.com',
    'Financial Status': 'paid',
    'Paid at': '2024-05-01 12:00:05 +0200',
    'Accepts Marketing': 'no',
    Currency: 'USD',
    Total: '20.00',
    'Created at': '2024-05-01 12:00:00 +0200',
    'Lineitem quantity': '1',
    'Lineitem name': 'Test Mug',
    'Lineitem price': '20.00',
    'Lineitem sku': 'MUG-1',
    'Billing Name': 'River Stone',
    'Refunded Amount': '0.00',
    Id: '900001',
    ...overrides,
  };
}

function itemRow(name: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Name: name,
    'Lineitem quantity': '1',
    'Lineitem name': 'Extra Item',
    'Lineitem price': '5.00',
    'Lineitem sku': 'EXTRA',
    ...overrides,
  };
}

describe('CSV reader (RFC 4180)', () => {
  const records = (text: string) => [...readCsv(text)];

  it('reads quoted commas, doubled quotes and empty fields', () => {
    expect(records('a,"b,c","say ""hi""",,\n')).toEqual([{ line: 1, fields: ['a', 'b,c', 'say "hi"', '', ''] }]);
  });

  it('keeps line breaks inside quoted fields and reports the line where each record starts', () => {
    const text = 'h1,h2\n"one\ntwo\nthree",x\nnext,"a\r\nb"\nlast,y';
    expect(records(text)).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['one\ntwo\nthree', 'x'] },
      { line: 5, fields: ['next', 'a\r\nb'] },
      { line: 7, fields: ['last', 'y'] },
    ]);
  });

  it('accepts CRLF, LF and lone CR record ends, a BOM, and skips blank lines', () => {
    expect(records('\uFEFFa,b\r\nc,d\n\ne,f\rg,h\r\n\r\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['c', 'd'] },
      { line: 4, fields: ['e', 'f'] },
      { line: 5, fields: ['g', 'h'] },
    ]);
  });

  it('gives the same records whatever the chunk boundaries, a CRLF split in two included', async () => {
    const text = 'a,"b\r\nc"\r\nd,"e ""f"""\r\n,\r\n"g",h';
    const whole = records(text);
    for (const size of [1, 2, 3, 5]) {
      const chunks: string[] = [];
      for (let index = 0; index < text.length; index += size) chunks.push(text.slice(index, index + size));
      const streamed: CsvRecord[] = [];
      for await (const record of readCsvStream(chunks)) streamed.push(record);
      expect(streamed).toEqual(whole);
    }
    expect(whole.map((record) => record.line)).toEqual([1, 3, 4, 5]);
  });

  it('reports broken quoting on the record without echoing its text', () => {
    expect(records('a,"never closed\nb,c\n')).toEqual([
      { line: 1, fields: ['a', 'never closed\nb,c\n'], error: 'a quoted field is never closed' },
    ]);
    expect(records('a,b"c\n"d"e,f\n')).toEqual([
      { line: 1, fields: ['a', 'b"c'], error: 'a quote inside an unquoted field' },
      { line: 2, fields: ['de', 'f'], error: 'text after a closing quote' },
    ]);
  });

  it('refuses input after end', () => {
    const reader = new CsvReader();
    reader.end();
    expect(() => reader.push('a')).toThrow();
  });
});

describe('Shopify order dates', () => {
  it('reads the export format and ISO 8601, and writes the UTC instant the webhook adapter writes', () => {
    expect(shopifyDateToIso('2024-01-15 10:30:00 -0500')).toBe('2024-01-15T15:30:00.000Z');
    expect(shopifyDateToIso('2024-02-05 13:00:00 +0900')).toBe('2024-02-05T04:00:00.000Z');
    expect(shopifyDateToIso('2024-01-15T10:30:00-05:00')).toBe('2024-01-15T15:30:00.000Z');
    expect(shopifyDateToIso('2024-01-15T15:30:00Z')).toBe('2024-01-15T15:30:00.000Z');
    expect(shopifyDateToIso('2024-02-29 00:00:00 +0000')).toBe('2024-02-29T00:00:00.000Z');
  });

  it('refuses impossible dates, dates without an offset and spreadsheet-reformatted dates', () => {
    for (const text of [
      '2024-02-30 12:00:00 -0500',
      '2023-02-29 12:00:00 +0000',
      '2024-01-15 24:00:00 +0000',
      '2024-01-15 10:30:00',
      '1/15/2024 10:30',
      '15.01.2024 10:30:00 +0100',
      '',
    ]) {
      expect(shopifyDateToIso(text), text).toBeUndefined();
    }
  });
});

describe('Shopify orders export → canonical events', () => {
  const result = parseShopifyOrdersCsv(EXPORT);
  const { events, rejected } = result;

  it('turns every valid order of the export into events that pass the canonical schema', () => {
    for (const event of events) expect(CanonicalEventSchema.parse(event)).toEqual(event);
    expect(ofType(events, 'order.placed').map((event) => event.data.order.number)).toEqual([
      '#1001',
      '#1002',
      '#1003',
      '#1004',
      '#1005',
      '#1006',
      '#1007',
      '#1009',
      '#1010',
      '#1011',
      '#1012',
    ]);
    expect(ofType(events, 'order.refunded')).toHaveLength(3);
    expect(ofType(events, 'order.cancelled')).toHaveLength(2);
    expect(events).toHaveLength(16);
  });

  it('emits orders only: no signup, so the backfill starts no journey', () => {
    expect(new Set(events.map((event) => event.type))).toEqual(
      new Set(['order.placed', 'order.refunded', 'order.cancelled']),
    );
  });

  it('rejects the order with an impossible date at the line of its first row, and only that order', () => {
    expect(rejected).toEqual([{ line: 16, reason: 'Created at is not a date such as 2024-01-15 10:30:00 -0500' }]);
    expect(events.some((event) => JSON.stringify(event).includes('5612345678908'))).toBe(false);
  });

  it('maps a single-item order with consent and UTM note attributes (a field spanning three lines)', () => {
    const event = placed(events, '5612345678901');
    expect(event).toEqual({
      schemaVersion: 1,
      id: 'shopify-csv:order:5612345678901',
      source: 'shopify',
      type: 'order.placed',
      occurredAt: '2024-01-15T15:30:00.000Z',
      data: {
        customer: {
          email: 'avery.quinn@example.com',
          firstName: 'Avery',
          lastName: 'Quinn',
          consent: { email: 'subscribed', source: CSV_CONSENT_SOURCE },
          acquisition: { source: 'newsletter', medium: 'email', campaign: 'winter-sale' },
        },
        order: {
          id: '5612345678901',
          number: '#1001',
          placedAt: '2024-01-15T15:30:05.000Z',
          total: { amount: 5450, currency: 'USD' },
          lineItems: [
            {
              productId: 'BEANIE-CHR',
              sku: 'BEANIE-CHR',
              name: 'Merino Beanie - Charcoal',
              quantity: 1,
              unitPrice: { amount: 4500, currency: 'USD' },
            },
          ],
        },
      },
    });
  });

  it('collects the line items of all rows of an order, names with commas included, in exact minor units', () => {
    const event = placed(events, '5612345678902');
    expect(event.data.order.total).toEqual({ amount: 7560, currency: 'USD' });
    expect(event.data.order.discountCodes).toEqual(['WELCOME10']);
    expect(event.data.order.lineItems).toEqual([
      {
        productId: 'SOCK3-STR',
        sku: 'SOCK3-STR',
        name: 'Socks, 3-pack - Striped',
        quantity: 2,
        unitPrice: { amount: 1200, currency: 'USD' },
      },
      {
        productId: 'SCARF-CSH',
        sku: 'SCARF-CSH',
        name: 'Scarf, Cashmere Blend',
        quantity: 1,
        unitPrice: { amount: 3900, currency: 'USD' },
      },
      // No SKU: the name stands in for the product id (the export has no product ids).
      { productId: 'Gift Wrap', name: 'Gift Wrap', quantity: 1, unitPrice: { amount: 400, currency: 'USD' } },
    ]);
  });

  it('normalises the email, and "no" to marketing leaves consent absent rather than withdrawn', () => {
    const customer = placed(events, '5612345678902').data.customer;
    expect(customer).toEqual({ email: 'blake.rivers@example.com', firstName: 'Blake', lastName: 'Rivers' });
    expect(customer).not.toHaveProperty('consent');
  });

  it('a fully refunded order: order.refunded for the Refunded Amount, at the latest date of the order', () => {
    const refunds = ofType(events, 'order.refunded').filter((event) => event.data.order.id === '5612345678903');
    expect(refunds).toEqual([
      {
        schemaVersion: 1,
        id: `shopify-csv:order:5612345678903:refund:${CSV_REFUND_ID}`,
        source: 'shopify',
        type: 'order.refunded',
        occurredAt: '2024-01-21T21:45:00.000Z',
        data: {
          customer: { email: 'casey.morgan@example.com' },
          order: { id: '5612345678903' },
          refund: {
            id: 'csv-refund',
            amount: { amount: 2999, currency: 'USD' },
            refundedAt: '2024-01-21T21:45:00.000Z',
          },
        },
      },
    ]);
  });

  it('a partially refunded order keeps its full total on order.placed and refunds only the refunded part', () => {
    expect(placed(events, '5612345678904').data.order.total).toEqual({ amount: 8990, currency: 'EUR' });
    expect(placed(events, '5612345678904').data.order.lineItems).toHaveLength(2);
    const refund = ofType(events, 'order.refunded').find((event) => event.data.order.id === '5612345678904');
    expect(refund?.data.refund).toEqual({
      id: CSV_REFUND_ID,
      amount: { amount: 1550, currency: 'EUR' },
      refundedAt: '2024-01-26T09:05:00.000Z',
    });
  });

  it('a cancelled order: order.placed at Created at (never paid) and order.cancelled at Cancelled at', () => {
    const order = placed(events, '5612345678905');
    expect(order.data.order.placedAt).toBe('2024-02-02T20:10:00.000Z');
    expect(order.occurredAt).toBe('2024-02-02T20:10:00.000Z');
    const cancelled = ofType(events, 'order.cancelled').find((event) => event.data.order.id === '5612345678905');
    expect(cancelled).toEqual({
      schemaVersion: 1,
      id: 'shopify-csv:order:5612345678905:cancelled',
      source: 'shopify',
      type: 'order.cancelled',
      occurredAt: '2024-02-03T07:15:00.000Z',
      data: {
        customer: { email: 'eli.novak@example.com' },
        order: { id: '5612345678905', cancelledAt: '2024-02-03T07:15:00.000Z' },
      },
    });
    // Voided: no money moved, so nothing is refunded.
    expect(ofType(events, 'order.refunded').some((event) => event.data.order.id === '5612345678905')).toBe(false);
  });

  it('a JPY order is in yen: 7150 is 7150, not 715000', () => {
    const order = placed(events, '5612345678906').data.order;
    expect(order.total).toEqual({ amount: 7150, currency: 'JPY' });
    expect(order.lineItems.map((item) => item.unitPrice)).toEqual([
      { amount: 2800, currency: 'JPY' },
      { amount: 3800, currency: 'JPY' },
    ]);
  });

  it('a guest POS sale without email is still an order, without a customer', () => {
    const event = placed(events, '5612345678907');
    expect(event.data).not.toHaveProperty('customer');
    expect(event.data.order.total).toEqual({ amount: 1800, currency: 'USD' });
  });

  it('an unpaid order is placed at Created at; a multi-word billing name splits at the first word', () => {
    const event = placed(events, '5612345678909');
    expect(event.data.order.placedAt).toBe('2024-03-01T13:05:00.000Z');
    expect(event.data.customer).toMatchObject({ firstName: 'Maria', lastName: 'del Mar Ortiz' });
  });

  it('leaves out a line removed by an order edit (quantity 0)', () => {
    const items = placed(events, '5612345678910').data.order.lineItems;
    expect(items.map((item) => [item.name, item.quantity])).toEqual([
      ['Rib Knit Socks', 2],
      ['Lambswool Scarf - Heather', 1],
    ]);
  });

  it('a cancelled and refunded order gives placed, refunded and cancelled', () => {
    const about = events.filter((event) => JSON.stringify(event.data).includes('"5612345678911"'));
    expect(about.map((event) => event.type)).toEqual(['order.placed', 'order.refunded', 'order.cancelled']);
    expect((about[1] as EventOfType<'order.refunded'>).data.refund.amount).toEqual({ amount: 14690, currency: 'CAD' });
  });

  it('without a Billing Name the customer has no name (the Shipping Name may be a gift recipient)', () => {
    expect(placed(events, '5612345678912').data.customer).toEqual({
      email: 'pat.lee@example.com',
      consent: { email: 'subscribed', source: CSV_CONSENT_SOURCE },
    });
  });

  it('writes money as integer minor units only', () => {
    const all = events.flatMap(amounts);
    expect(all.length).toBeGreaterThan(30);
    for (const amount of all) expect(Number.isSafeInteger(amount)).toBe(true);
  });

  it('gives the same event ids and events when the same file is parsed twice (idempotent backfill)', () => {
    const again = parseShopifyOrdersCsv(EXPORT);
    expect(again.events.map((event) => event.id)).toEqual(events.map((event) => event.id));
    expect(again).toEqual(result);
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
  });

  it('streams the file in chunks to the same events and rejections, order by order', async () => {
    const chunks: string[] = [];
    for (let index = 0; index < EXPORT.length; index += 7) chunks.push(EXPORT.slice(index, index + 7));
    const items: ShopifyOrdersCsvItem[] = [];
    for await (const item of readShopifyOrdersCsv(chunks)) items.push(item);
    expect(items.flatMap((item) => (item.kind === 'event' ? [item.event] : []))).toEqual(events);
    expect(
      items.flatMap((item) => (item.kind === 'rejected' ? [{ line: item.line, reason: item.reason }] : [])),
    ).toEqual(rejected);
  });
});

describe('the newer export layout (Help Center column names, CRLF)', () => {
  const { events, rejected } = parseShopifyOrdersCsv(EXPORT_2025);

  it('reads Accepts Email Marketing, Lineitem SKU and the other renamed columns', () => {
    for (const event of events) CanonicalEventSchema.parse(event);
    const event = placed(events, '5712345670001');
    expect(event.data.customer?.consent).toEqual({ email: 'subscribed', source: CSV_CONSENT_SOURCE });
    expect(event.data.order.lineItems.map((item) => [item.productId, item.unitPrice.amount])).toEqual([
      ['BEANIE-CHR', 4800],
      ['WASH-100', 1000],
    ]);
    expect(event.data.order.total).toEqual({ amount: 6290, currency: 'EUR' });
  });

  it('reads a three-decimal currency exactly (KWD 1.250 is 1250 fils)', () => {
    expect(placed(events, '5712345670005').data.order.total).toEqual({ amount: 1250, currency: 'KWD' });
  });

  it('ignores a yes to marketing when there is no email to attach it to', () => {
    expect(placed(events, '5712345670005').data).not.toHaveProperty('customer');
  });

  it('rejects bad currencies, amounts, missing first rows and bad line items by line, and keeps the rest', () => {
    expect(rejected).toEqual([
      { line: 4, reason: 'Currency is not an ISO 4217 currency code' },
      { line: 5, reason: 'Total is not a decimal amount' },
      {
        line: 6,
        reason: "the order's first row is missing: this row starts an order but has no Created at, Currency or Total",
      },
      // #2004's first row is fine; its second row is not, and the whole order is left out.
      { line: 9, reason: 'Lineitem price is not a decimal amount' },
    ]);
    expect(ofType(events, 'order.placed').map((event) => event.data.order.number)).toEqual(['#2001', '#2005']);
  });
});

describe('rejections and edge cases', () => {
  it('never puts personal data in a reason', () => {
    const personal = [
      ...parseShopifyOrdersCsv(EXPORT).rejected,
      ...parseShopifyOrdersCsv(EXPORT_2025).rejected,
      ...parseShopifyOrdersCsv(csv([orderRow({ Email: 'not-an-email', 'Billing Name': 'Secret Person' })])).rejected,
    ];
    expect(personal.length).toBeGreaterThan(5);
    for (const { reason } of personal) {
      expect(reason).not.toMatch(/@|example|gray|holt|rowan|sky|tay|secret|not-an-email/i);
    }
  });

  it('rejects an invalid email address, naming the column', () => {
    expect(parseShopifyOrdersCsv(csv([orderRow({ Email: 'not-an-email' })]))).toEqual({
      events: [],
      rejected: [{ line: 2, reason: 'Email is not a valid email address' }],
    });
  });

  it('uses the Name without # as order id when the export has no Id column', () => {
    const header = BASE_HEADER.filter((column) => column !== 'Id');
    const { events, rejected } = parseShopifyOrdersCsv(csv([orderRow(), itemRow('#5001')], header));
    expect(rejected).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]?.id).toBe('shopify-csv:order:5001');
    expect((events[0] as EventOfType<'order.placed'>).data.order).toMatchObject({ id: '5001', number: '#5001' });
    expect((events[0] as EventOfType<'order.placed'>).data.order.lineItems).toHaveLength(2);
  });

  it('refuses a file that is not an orders export, at line 1', () => {
    expect(parseShopifyOrdersCsv('Handle,Title,Variant SKU\nbeanie,Beanie,B-1\n')).toEqual({
      events: [],
      rejected: [
        {
          line: 1,
          reason:
            'the header has no Name, Currency, Total, Created at, Lineitem quantity, Lineitem name, Lineitem price column: not a Shopify orders export',
        },
      ],
    });
    expect(parseShopifyOrdersCsv('')).toEqual({
      events: [],
      rejected: [{ line: 1, reason: 'the file is empty: no header row' }],
    });
  });

  it('rejects a currency that is not 3 letters, and reads a lower-case code', () => {
    const { events, rejected } = parseShopifyOrdersCsv(
      csv([orderRow({ Currency: 'EURO' }), orderRow({ Name: '#5002', Id: '900002', Currency: 'usd' })]),
    );
    expect(rejected).toEqual([{ line: 2, reason: 'Currency is not an ISO 4217 currency code' }]);
    expect((events[0] as EventOfType<'order.placed'>).data.order.total).toEqual({ amount: 2000, currency: 'USD' });
  });

  it('rejects amounts that are negative, formatted, or more precise than the currency', () => {
    const rows = [
      orderRow({ Name: '#6001', Id: '1', Total: '-20.00' }),
      orderRow({ Name: '#6002', Id: '2', Total: '1,020.00' }),
      orderRow({ Name: '#6003', Id: '3', Total: '20.005' }),
      orderRow({ Name: '#6004', Id: '4', Currency: 'JPY', Total: '1500.5', 'Lineitem price': '1500' }),
      orderRow({ Name: '#6005', Id: '5', Currency: 'JPY', Total: '1500.00', 'Lineitem price': '1500' }),
      orderRow({ Name: '#6006', Id: '6', 'Refunded Amount': 'n/a' }),
      orderRow({ Name: '#6007', Id: '7', 'Lineitem quantity': '1.5' }),
    ];
    const { events, rejected } = parseShopifyOrdersCsv(csv(rows));
    expect(rejected).toEqual([
      { line: 2, reason: 'Total is negative' },
      { line: 3, reason: 'Total is not a decimal amount' },
      { line: 4, reason: 'Total has more decimals than USD allows' },
      { line: 5, reason: 'Total has more decimals than JPY allows' },
      { line: 7, reason: 'Refunded Amount is not a decimal amount' },
      { line: 8, reason: 'Lineitem quantity is not a whole number' },
    ]);
    expect(events.map((event) => event.id)).toEqual(['shopify-csv:order:5']);
    expect((events[0] as EventOfType<'order.placed'>).data.order.total).toEqual({ amount: 1500, currency: 'JPY' });
  });

  it('rejects unparseable Paid at, Cancelled at or missing Created at', () => {
    const { events, rejected } = parseShopifyOrdersCsv(
      csv([
        orderRow({ Name: '#7001', Id: '1', 'Paid at': 'yesterday' }),
        orderRow({ Name: '#7002', Id: '2', 'Cancelled at': '2024-13-01 00:00:00 +0000' }),
        orderRow({ Name: '#7003', Id: '3', 'Created at': '' }),
      ]),
    );
    expect(events).toEqual([]);
    expect(rejected).toEqual([
      { line: 2, reason: 'Paid at is not a date such as 2024-01-15 10:30:00 -0500' },
      { line: 3, reason: 'Cancelled at is not a date such as 2024-01-15 10:30:00 -0500' },
      { line: 4, reason: 'Created at is empty' },
    ]);
  });

  it('reports a multi-line record at the line where it starts, and a row that does not line up', () => {
    const text = csv([
      orderRow({ Name: '#8001', Id: '1', 'Note Attributes': 'gift: yes\nwrap: blue\nnote: thanks' }),
      orderRow({ Name: '#8002', Id: '2', Total: 'twenty' }),
    ]);
    expect(parseShopifyOrdersCsv(text).rejected).toEqual([{ line: 5, reason: 'Total is not a decimal amount' }]);
    const short = `${text}#8003,someone@example.com,paid\n`;
    expect(parseShopifyOrdersCsv(short).rejected).toEqual([
      { line: 5, reason: 'Total is not a decimal amount' },
      { line: 6, reason: 'the row has 3 fields where the header has 18' },
    ]);
  });

  it('rejects an order whose quoting is broken', () => {
    const text = `${csv([orderRow()]).trimEnd()}\n#5002,x@example.com,pa"id,,,USD,1.00,,2024-05-01 12:00:00 +0200,1,A,1.00,,,,,,9\n`;
    expect(parseShopifyOrdersCsv(text).rejected).toEqual([
      { line: 3, reason: 'the row is not valid CSV: a quote inside an unquoted field' },
    ]);
  });

  it('rejects a row without a Name, and an order that appears twice', () => {
    const { events, rejected } = parseShopifyOrdersCsv(
      csv([orderRow(), itemRow(''), orderRow({ Name: '#5002', Id: '900002' }), orderRow()]),
    );
    expect(events.map((event) => event.id)).toEqual(['shopify-csv:order:900001', 'shopify-csv:order:900002']);
    expect(rejected).toEqual([
      { line: 3, reason: 'Name is empty: the row belongs to no order' },
      { line: 5, reason: 'the same order already appears on line 2' },
    ]);
  });

  it('keeps two consecutive orders apart when they share a Name but not an Id', () => {
    const { events } = parseShopifyOrdersCsv(csv([orderRow(), orderRow({ Id: '900002' })]));
    expect(events.map((event) => event.id)).toEqual(['shopify-csv:order:900001', 'shopify-csv:order:900002']);
  });

  it('refunds the whole total when the status is refunded and the amount is blank; nothing when it is 0.00', () => {
    const { events } = parseShopifyOrdersCsv(
      csv([
        orderRow({ 'Financial Status': 'refunded', 'Refunded Amount': '' }),
        orderRow({ Name: '#5002', Id: '900002', 'Financial Status': 'paid', 'Refunded Amount': '0.00' }),
      ]),
    );
    const refunds = ofType(events, 'order.refunded');
    expect(refunds.map((event) => [event.data.order.id, event.data.refund.amount])).toEqual([
      ['900001', { amount: 2000, currency: 'USD' }],
    ]);
    expect(refunds[0]?.data.refund.refundedAt).toBe('2024-05-01T10:00:05.000Z');
  });

  it('reads Canceled at, several discount codes, and utm attributes in any case', () => {
    const header = BASE_HEADER.map((column) => (column === 'Cancelled at' ? 'Canceled at' : column));
    const { events } = parseShopifyOrdersCsv(
      csv(
        [
          orderRow({
            'Canceled at': '2024-05-02 09:00:00 +0200',
            'Discount Code': 'SPRING10, FREESHIP',
            'Note Attributes': 'UTM_Source: instagram\r\nutm_campaign: launch\r\nother: value',
            'Accepts Marketing': 'yes',
          }),
        ],
        header,
      ),
    );
    const order = placed(events, '900001');
    expect(order.data.order.discountCodes).toEqual(['SPRING10', 'FREESHIP']);
    expect(order.data.customer?.acquisition).toEqual({ source: 'instagram', campaign: 'launch' });
    expect(ofType(events, 'order.cancelled')[0]?.data.order.cancelledAt).toBe('2024-05-02T07:00:00.000Z');
  });

  it(`keeps at most ${MAX_LINE_ITEMS} line items; the total still counts them all`, () => {
    const rows = [
      orderRow({ Total: '1010.00' }),
      ...Array.from({ length: 100 }, (_, index) => itemRow('#5001', { 'Lineitem sku': `SKU-${index}` })),
    ];
    const order = placed(parseShopifyOrdersCsv(csv(rows)).events, '900001').data.order;
    expect(order.lineItems).toHaveLength(MAX_LINE_ITEMS);
    expect(order.total).toEqual({ amount: 101000, currency: 'USD' });
  });
});
