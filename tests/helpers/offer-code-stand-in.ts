import { createServer, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { type OfferCodeRequest, OfferSchema } from '../../functions/domain/offers.js';
import { OfferCodesUnavailableError } from '../../functions/ports/offer-codes.js';

/**
 * Runs `test` against a storefront API stand-in: a node HTTP server on a port of its own answering with
 * `handle` (in the vendor's documented shapes), stopped in `finally` also when the test fails.
 */
export async function withStandInServer(handle: RequestListener, test: (origin: string) => Promise<void>) {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await test(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The offer every client test asks a code of: 15 % off an order from 40, for 14 days. */
export const COMEBACK_OFFER = OfferSchema.parse({
  name: 'comeback',
  kind: 'percentage',
  value: 15,
  validFor: 'P14D',
  minimumOrder: 40,
});

/** A send's request for a code of {@link COMEBACK_OFFER}, for a customer with these storefront ids. */
export function comebackRequest(aliases: readonly string[]): OfferCodeRequest {
  return {
    offer: COMEBACK_OFFER,
    customerId: 'cus_1',
    email: 'ada@example.com',
    aliases: [...aliases],
    journeyId: 'win-back',
    stepId: 'miss-you',
    issuedAt: '2026-08-01T09:00:00.000Z',
    expiresAt: '2026-08-15T09:00:00.000Z',
  };
}

/** The reservation key of that send. */
export const SEND_KEY = 'cus_1/run_1/miss-you';

/** One scripted answer of a stand-in: writes the response, and says it did. */
export type StandInAnswer = (response: ServerResponse) => boolean;

/**
 * For each scripted failure: the vendor answers the first request with it, and the send's request fails as
 * unavailable with `reason` (and the vendor's Retry-After on the first failure, `retryAfterMs`); asked again
 * once the vendor answers normally, the same send gets `code`, and the vendor holds exactly one code.
 */
export async function expectUnavailableThenIssued(
  failures: readonly (readonly [reason: string, answer: StandInAnswer])[],
  withVendor: (
    script: StandInAnswer[],
    test: (vendor: { origin: string; codes: { readonly size: number } }) => Promise<void>,
  ) => Promise<void>,
  expected: {
    readonly issue: (origin: string) => Promise<{ readonly code: string }>;
    readonly code: string;
    readonly retryAfterMs: number;
  },
): Promise<void> {
  for (const [index, [reason, answer]] of failures.entries()) {
    await withVendor([answer], async ({ origin, codes }) => {
      const failed = await expected.issue(origin).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(OfferCodesUnavailableError);
      expect((failed as OfferCodesUnavailableError).reason).toBe(reason);
      expect((failed as OfferCodesUnavailableError).retryAfterMs).toBe(index === 0 ? expected.retryAfterMs : undefined);
      expect((await expected.issue(origin)).code).toBe(expected.code);
      expect(codes.size).toBe(1);
    });
  }
}
