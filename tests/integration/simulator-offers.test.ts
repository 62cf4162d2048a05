import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/domain/config.js';
import { type Simulation, simulate } from '../../functions/simulation/simulator.js';
import { generateStorefront } from '../../functions/simulation/storefront-generator.js';

/**
 * Single-use offers in a simulated year: the journeys whose emails carry an offer get a code per send,
 * customers use a code they received on some of the orders they place while it works, and the orders that
 * do are attributed to the journey and step that gave the code, as the deployed functions record them.
 */
const offer = (name: string) => ({ name, kind: 'percentage' as const, value: 15, validFor: 'P30D' });
const config = parseConfig({
  storeName: 'Sim Coffee',
  storeUrl: 'https://coffee.example.com',
  sender: { from: 'Sim Coffee <hello@coffee.example.com>' },
  postalAddress: 'Sim Coffee, 1 Bean Street, Roastville',
  journeys: { winBack: { offer: offer('miss-you') }, repeatIncentive: { offer: offer('comeback') } },
});
const start = new Date('2026-01-01T00:00:00Z');
const days = 365;
const end = new Date(start.getTime() + days * 86_400_000);
const events = generateStorefront({ customers: 200, days, start, seed: 5 });
const withOffers = ['win-back', 'repeat-incentive'];
let simulation: Simulation;

beforeAll(async () => {
  simulation = await simulate({ config, events, seed: 5, start, end });
}, 300_000);

describe('single-use offers in the simulator', () => {
  it('issues codes to the sends that carry an offer, and counts the orders that redeem them per journey', () => {
    const byId = new Map(simulation.result.journeys.map((j) => [j.journeyId, j]));
    for (const journey of simulation.result.journeys) {
      if (withOffers.includes(journey.journeyId)) continue;
      expect(journey.offersIssued, journey.journeyId).toBe(0);
      expect(journey.offersRedeemed, journey.journeyId).toBe(0);
    }
    const offered = withOffers.map((id) => byId.get(id));
    // Every send of an offer got a code of its own: none fell back, none waited for one.
    for (const journey of offered) expect(journey?.offersIssued, journey?.journeyId).toBe(journey?.sent);
    const issued = offered.reduce((sum, j) => sum + (j?.offersIssued ?? 0), 0);
    const redeemed = offered.reduce((sum, j) => sum + (j?.offersRedeemed ?? 0), 0);
    expect(issued).toBeGreaterThan(0);
    expect(redeemed).toBeGreaterThan(0);
    expect(redeemed).toBeLessThanOrEqual(issued);
    for (const journey of offered) {
      expect(journey?.offersRedeemed ?? 0).toBeLessThanOrEqual(journey?.offersIssued ?? 0);
      if ((journey?.offersRedeemed ?? 0) > 0) expect(journey?.offerRevenue, journey?.journeyId).toBeGreaterThan(0);
    }
  });

  it('records each redemption on the customer, after the email of the journey and step that gave the code', async () => {
    const emails = [
      ...new Set(
        events.flatMap((e) => {
          const customer = 'customer' in e.data ? e.data.customer : undefined;
          return customer && 'email' in customer && customer.email ? [customer.email] : [];
        }),
      ),
    ];
    let redemptions = 0;
    for (const email of emails) {
      const view = await simulation.customer(email);
      for (const entry of view?.timeline ?? []) {
        if (entry.kind !== 'offer_redeemed') continue;
        redemptions++;
        expect(withOffers).toContain(entry.journeyId);
        const sentBefore = view?.timeline.some(
          (e) =>
            e.kind === 'email_sent' && e.journeyId === entry.journeyId && e.stepId === entry.stepId && e.at <= entry.at,
        );
        expect(sentBefore, `${entry.journeyId}/${entry.stepId}`).toBe(true);
      }
    }
    const total = simulation.result.journeys.reduce((sum, j) => sum + j.offersRedeemed, 0);
    expect(redemptions).toBeGreaterThan(0);
    expect(redemptions).toBe(total);
  });

  it('refuses a share of orders using codes that is not one', async () => {
    await expect(simulate({ config, events, seed: 5, start, end, offerUseShare: 1.5 })).rejects.toThrow(
      /offerUseShare must be between 0 and 1/,
    );
  });
});
