import type { RequestListener, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { derivedCode } from '../../functions/adapters/offer-code-providers.js';
import { wooCommerceCredentials, wooCommerceOfferCodes } from '../../functions/adapters/woocommerce-offer-codes.js';
import { OfferSchema } from '../../functions/domain/offers.js';
import {
  comebackRequest,
  expectUnavailableThenIssued,
  SEND_KEY,
  type StandInAnswer,
  withStandInServer,
} from '../helpers/offer-code-stand-in.js';

/**
 * The WooCommerce client against a stand-in of the REST API's coupons resource: a node HTTP server of the
 * test, answering in WooCommerce's documented shapes (201 with the coupon; 400
 * `woocommerce_rest_coupon_code_already_exists` for a code that exists; 401 `woocommerce_rest_cannot_create`
 * for a wrong key; errors as `{ code, message, data: { status } }`), started and stopped by each test.
 */

const KEY_ID = 'ck_0123456789abcdef';
const KEY_SECRET = 'cs_fedcba9876543210';
const AUTH = `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`;

interface Call {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly input: Record<string, unknown>;
}

const error = (response: ServerResponse, status: number, code: string, message: string) =>
  !!response
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ code, message, data: { status } }));

/** A store that keeps the coupons made, and answers the next calls as `script` says (then normally). */
async function withStore(
  script: StandInAnswer[],
  test: (store: { origin: string; calls: Call[]; codes: Set<string> }) => Promise<void>,
): Promise<void> {
  const calls: Call[] = [];
  const codes = new Set<string>();
  const handle: RequestListener = async (request, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    const input = JSON.parse(text) as Record<string, unknown>;
    calls.push({
      method: request.method ?? '',
      path: request.url ?? '',
      authorization: request.headers.authorization,
      input,
    });
    const scripted = script.shift();
    if (scripted?.(response)) return;
    if (request.headers.authorization !== AUTH) {
      error(response, 401, 'woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.');
      return;
    }
    const code = String(input.code).toLowerCase();
    if (codes.has(code)) {
      error(response, 400, 'woocommerce_rest_coupon_code_already_exists', 'The coupon code already exists');
      return;
    }
    codes.add(code);
    response
      .writeHead(201, { 'content-type': 'application/json' })
      .end(JSON.stringify({ id: 700 + codes.size, ...input, code, usage_count: 0, used_by: [] }));
  };
  await withStandInServer(handle, (origin) => test({ origin, calls, codes }));
}

const request = comebackRequest(['woocommerce:42']);
const KEY = SEND_KEY;
const client = (origin: string, secret = KEY_SECRET) =>
  wooCommerceOfferCodes({
    site: `${origin}/`,
    credentials: async () => ({ consumerKey: KEY_ID, consumerSecret: secret }),
  });

describe('WooCommerce offer codes (REST API POST /wp-json/wc/v3/coupons)', () => {
  it("makes a single-use coupon for the customer's email, ending with the offer, and returns its code", async () => {
    await withStore([], async ({ origin, calls }) => {
      const { code } = await client(origin).issue(request, KEY);
      expect(code).toBe(derivedCode('comeback', KEY));
      expect(calls).toHaveLength(1);
      expect(calls[0]?.method).toBe('POST');
      expect(calls[0]?.path).toBe('/wp-json/wc/v3/coupons');
      expect(calls[0]?.authorization).toBe(AUTH);
      expect(calls[0]?.input).toEqual({
        code,
        discount_type: 'percent',
        amount: '15.00',
        free_shipping: false,
        date_expires_gmt: '2026-08-15T09:00:00',
        usage_limit: 1,
        usage_limit_per_user: 1,
        individual_use: true,
        email_restrictions: ['ada@example.com'],
        minimum_amount: '40.00',
        description: 'comeback: win-back miss-you',
      });
    });
  });

  it('asked again for the same send, gets the same code and makes no second coupon', async () => {
    await withStore([], async ({ origin, codes }) => {
      const first = await client(origin).issue(request, KEY);
      const again = await client(origin).issue(request, KEY);
      expect(again).toEqual(first);
      expect(codes.size).toBe(1);
      const other = await client(origin).issue({ ...request, customerId: 'cus_2' }, 'cus_2/run_9/miss-you');
      expect(other.code).not.toBe(first.code);
      expect(codes.size).toBe(2);
    });
  });

  it('throttling, a server error, a refusal and an answer that is no coupon are unavailable: the send is tried again', async () => {
    const failures: [string, StandInAnswer][] = [
      ['woocommerce_throttled', (r) => !!r.writeHead(429, { 'retry-after': '3' }).end('Too Many Requests')],
      [
        'woocommerce_http_500',
        (r) => error(r, 500, 'internal_server_error', 'There has been a critical error on this website.'),
      ],
      [
        'woocommerce_refused:rest_invalid_param',
        (r) => error(r, 400, 'rest_invalid_param', 'Invalid parameter(s): amount'),
      ],
      [
        'woocommerce_bad_answer',
        (r) => !!r.writeHead(200, { 'content-type': 'text/html' }).end('<html>Maintenance</html>'),
      ],
    ];
    // The store's Retry-After (seconds) is passed on.
    await expectUnavailableThenIssued(failures, withStore, {
      issue: (origin) => client(origin).issue(request, KEY),
      code: derivedCode('comeback', KEY),
      retryAfterMs: 3000,
    });
    await withStore([], async ({ origin }) => {
      const refused = await client(origin, 'cs_wrong')
        .issue(request, KEY)
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ name: 'OfferCodesUnavailableError', reason: 'woocommerce_unauthorized' });
      expect(String(refused)).not.toContain('cs_wrong');
    });
  });

  it('free shipping and a fixed amount are the coupons WooCommerce knows for them', async () => {
    await withStore([], async ({ origin, calls }) => {
      const free = OfferSchema.parse({ name: 'ship', kind: 'free_shipping', validFor: 'P7D' });
      const fixed = OfferSchema.parse({ name: 'five', kind: 'fixed_amount', value: 5, validFor: 'P7D' });
      await client(origin).issue({ ...request, offer: free }, KEY);
      await client(origin).issue({ ...request, offer: fixed }, KEY);
      expect(calls[0]?.input).toMatchObject({ discount_type: 'fixed_cart', amount: '0', free_shipping: true });
      expect(calls[0]?.input).not.toHaveProperty('minimum_amount');
      expect(calls[1]?.input).toMatchObject({ discount_type: 'fixed_cart', amount: '5.00', free_shipping: false });
    });
  });

  it('reads the key from the secret as JSON, and refuses anything else without repeating it', () => {
    expect(wooCommerceCredentials(JSON.stringify({ consumerKey: KEY_ID, consumerSecret: KEY_SECRET }))).toEqual({
      consumerKey: KEY_ID,
      consumerSecret: KEY_SECRET,
    });
    for (const secret of ['generatedPlaceholder0123456789', '{"consumerKey":"ck_a"}', `${KEY_ID}:${KEY_SECRET}`]) {
      const refused = (() => {
        try {
          return wooCommerceCredentials(secret);
        } catch (error) {
          return error;
        }
      })();
      expect(refused).toMatchObject({ reason: 'woocommerce_credentials_malformed' });
      expect(String(refused)).not.toContain(KEY_SECRET);
    }
  });
});
