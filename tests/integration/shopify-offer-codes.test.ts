import type { RequestListener } from 'node:http';
import { describe, expect, it } from 'vitest';
import { derivedCode, shopifyOfferCodes } from '../../functions/adapters/shopify-offer-codes.js';
import { OfferSchema } from '../../functions/domain/offers.js';
import {
  comebackRequest,
  expectUnavailableThenIssued,
  SEND_KEY,
  type StandInAnswer,
  withStandInServer,
} from '../helpers/offer-code-stand-in.js';

/**
 * The Shopify client against a stand-in of the Admin GraphQL API: a node HTTP server of the test, answering
 * in Shopify's documented shapes (a payload with `codeDiscountNode` and `userErrors`; `TAKEN` for a code
 * that exists; 429 with Retry-After; top-level `errors` with `THROTTLED`), started and stopped by each test.
 */

const TOKEN = 'shpat_test_token';

interface Call {
  readonly path: string;
  readonly token: string | undefined;
  readonly query: string;
  readonly input: Record<string, unknown>;
}

/** A shop that keeps the codes made, and answers the next calls as `script` says (then normally). */
async function withShop(
  script: StandInAnswer[],
  test: (shop: { origin: string; calls: Call[]; codes: Set<string> }) => Promise<void>,
): Promise<void> {
  const calls: Call[] = [];
  const codes = new Set<string>();
  const handle: RequestListener = async (request, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    const body = JSON.parse(text) as { query: string; variables: Record<string, Record<string, unknown>> };
    const input = Object.values(body.variables)[0] as Record<string, unknown>;
    calls.push({
      path: request.url ?? '',
      token: request.headers['x-shopify-access-token'] as string,
      query: body.query,
      input,
    });
    const scripted = script.shift();
    if (scripted?.(response)) return;
    if (request.headers['x-shopify-access-token'] !== TOKEN) {
      response
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"errors":"[API] Invalid API key or access token"}');
      return;
    }
    const name = body.query.includes('discountCodeFreeShippingCreate')
      ? 'discountCodeFreeShippingCreate'
      : 'discountCodeBasicCreate';
    const code = input.code as string;
    const taken = codes.has(code);
    codes.add(code);
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        data: {
          [name]: taken
            ? {
                codeDiscountNode: null,
                userErrors: [
                  {
                    field: ['basicCodeDiscount', 'code'],
                    code: 'TAKEN',
                    message: 'Code must be unique. Please try a different code.',
                  },
                ],
              }
            : { codeDiscountNode: { id: `gid://shopify/DiscountCodeNode/${codes.size}` }, userErrors: [] },
        },
        extensions: { cost: { requestedQueryCost: 10 } },
      }),
    );
  };
  await withStandInServer(handle, (origin) => test({ origin, calls, codes }));
}

const request = comebackRequest(['generic:x', 'shopify:7001']);
const KEY = SEND_KEY;
const client = (origin: string, token = TOKEN) => shopifyOfferCodes({ shop: origin, accessToken: async () => token });

describe('Shopify offer codes (Admin GraphQL discountCodeBasicCreate)', () => {
  it('makes a single-use discount for the Shopify customer, ending with the offer, and returns its code', async () => {
    await withShop([], async ({ origin, calls }) => {
      const { code } = await client(origin).issue(request, KEY);
      expect(code).toBe(derivedCode('comeback', KEY));
      expect(calls).toHaveLength(1);
      expect(calls[0]?.path).toBe('/admin/api/2025-10/graphql.json');
      expect(calls[0]?.token).toBe(TOKEN);
      expect(calls[0]?.input).toEqual({
        title: `comeback ${code}`,
        code,
        startsAt: '2026-08-01T09:00:00.000Z',
        endsAt: '2026-08-15T09:00:00.000Z',
        customerSelection: { customers: { add: ['gid://shopify/Customer/7001'] } },
        customerGets: { value: { percentage: 0.15 }, items: { all: true } },
        appliesOncePerCustomer: true,
        usageLimit: 1,
        minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: '40.00' } },
      });
    });
  });

  it('asked again for the same send, gets the same code and makes no second discount', async () => {
    await withShop([], async ({ origin, codes }) => {
      const first = await client(origin).issue(request, KEY);
      const again = await client(origin).issue(request, KEY);
      expect(again).toEqual(first);
      expect(codes.size).toBe(1);
      const other = await client(origin).issue(
        { ...request, customerId: 'cus_2', aliases: [] },
        'cus_2/run_9/miss-you',
      );
      expect(other.code).not.toBe(first.code);
      expect(codes.size).toBe(2);
    });
  });

  it('throttling, a server error, a refused token and a refusal are unavailable: the send is tried again', async () => {
    const failures: [string, StandInAnswer][] = [
      [
        'shopify_throttled',
        (r) => !!r.writeHead(429, { 'retry-after': '2.0' }).end('{"errors":"Exceeded 2 calls per second"}'),
      ],
      [
        'shopify_throttled',
        (r) =>
          !!r
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }] })),
      ],
      ['shopify_http_502', (r) => !!r.writeHead(502).end('Bad Gateway')],
      [
        'shopify_refused:INVALID',
        (r) =>
          !!r.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              data: {
                discountCodeBasicCreate: {
                  codeDiscountNode: null,
                  userErrors: [
                    {
                      field: ['basicCodeDiscount', 'endsAt'],
                      code: 'INVALID',
                      message: 'Ends at needs to be after starts_at',
                    },
                  ],
                },
              },
            }),
          ),
      ],
    ];
    // Shopify's Retry-After (seconds) is passed on; a GraphQL THROTTLED answer has none.
    await expectUnavailableThenIssued(failures, withShop, {
      issue: (origin) => client(origin).issue(request, KEY),
      code: derivedCode('comeback', KEY),
      retryAfterMs: 2000,
    });
    await withShop([], async ({ origin }) => {
      const refused = await client(origin, 'shpat_wrong')
        .issue(request, KEY)
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ name: 'OfferCodesUnavailableError', reason: 'shopify_unauthorized' });
      expect(String(refused)).not.toContain('shpat_wrong');
    });
  });

  it('free shipping is a free-shipping discount; a customer without a Shopify id gets a code anyone may use once', async () => {
    await withShop([], async ({ origin, calls }) => {
      const free = OfferSchema.parse({ name: 'ship', kind: 'free_shipping', validFor: 'P7D' });
      await client(origin).issue({ ...request, offer: free, aliases: [] }, KEY);
      expect(calls[0]?.query).toContain('discountCodeFreeShippingCreate');
      expect(calls[0]?.input).toMatchObject({
        customerSelection: { all: true },
        destination: { all: true },
        usageLimit: 1,
      });
    });
  });
});
