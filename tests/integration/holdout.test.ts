import { resolve } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { hashEmail } from '../../functions/adapters/email-hash.js';
import { seedTemplates } from '../../functions/adapters/ses-templates.js';
import { SesV2Mailer } from '../../functions/adapters/ses-v2-mailer.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import type { LifecycleConfig, LifecycleConfigInput } from '../../functions/domain/config.js';
import type { CanonicalEvent } from '../../functions/domain/events.js';
import { dispatchDueRuns } from '../../functions/domain/services/dispatch/tick.js';
import { recordCustomerEvent } from '../../functions/domain/services/record-customer-event.js';
import { customerChanges, dispatcherDependencies } from '../../functions/handlers/wiring.js';
import type { JourneyCounters } from '../../functions/ports/customer-store.js';
import { testConfig } from '../helpers/config.js';
import { engines, freshStore, uniqueEmail } from '../helpers/engines.js';
import { orderPlaced, signedUp } from '../helpers/events.js';

/**
 * A journey's holdout is measured: a run that falls in it gets no email, yet an order in the goal's
 * window after the split counts as the holdout's conversion, beside the treated group's, so that the two
 * can be compared. Against DynamoDB Local and the local SES.
 */
const measured = {
  id: 'measured',
  name: 'Measured offer',
  trigger: { event: 'customer.signed_up' },
  reentry: { policy: 'once' },
  topic: 'offers',
  goal: { event: 'order.placed', within: 'P7D' },
  steps: [
    {
      id: 'test',
      type: 'split',
      variants: [{ id: 'offer', weight: 1, next: 'offer' }],
      holdout: { weight: 1 },
    },
    { id: 'offer', type: 'send', template: 'welcome-1', category: 'marketing' },
  ],
} as const;

/** Another journey's email a day after the sign-up, with a goal of its own. */
const later = {
  id: 'later',
  name: 'A day later',
  trigger: { event: 'customer.signed_up' },
  reentry: { policy: 'once' },
  topic: 'offers',
  goal: { event: 'order.placed', within: 'P7D' },
  steps: [
    { id: 'wait', type: 'wait', duration: 'P1D' },
    { id: 'hello', type: 'send', template: 'welcome-2', category: 'marketing' },
  ],
} as const;

const builtIns = {
  welcomeSeries: { enabled: false },
  postPurchase: { enabled: false },
  reviewRequest: { enabled: false },
  npsSurvey: { enabled: false },
  crossSell: { enabled: false },
  repeatIncentive: { enabled: false },
  abandonedCheckout: { enabled: false },
  browseAbandonment: { enabled: false },
};

let store: DynamoDbCustomerStore;
let mailer: SesV2Mailer;
let now: Date;

beforeAll(async () => {
  const { ses } = engines();
  const config = testConfig();
  await seedTemplates(ses, readTemplateFiles(resolve('templates')), config.templatePrefix);
  mailer = new SesV2Mailer({ client: ses, from: config.sender.from, configurationSetName: 'test' });
});

beforeEach(async () => {
  ({ store } = await freshStore(2));
  now = new Date('2026-05-01T10:00:00Z');
});

function engine(customJourneys: readonly unknown[], hash: number) {
  const config: LifecycleConfig = testConfig({
    journeys: builtIns,
    customJourneys: customJourneys as LifecycleConfigInput['customJourneys'],
  } as Partial<LifecycleConfigInput>);
  const changes = customerChanges({
    store,
    clock: { now: () => now },
    config,
    publisher: { publish: async () => undefined },
    loadModel: async () => undefined,
  });
  const links = (id: string) => ({
    unsubscribeUrl: `http://127.0.0.1:3000/unsubscribe?token=${id}.sig`,
    keepSubscribedUrl: `http://127.0.0.1:3000/unsubscribe?token=${id}.sig&keep=1`,
    npsUrl: (score: number) => `http://127.0.0.1:3000/feedback?token=${id}.f&score=${score}`,
    confirmUrl: `http://127.0.0.1:3000/confirm?token=${id}.c`,
  });
  const dispatching = { ...dispatcherDependencies(changes, { mailer, links }), owner: 'dispatcher', hash: () => hash };
  return {
    record: (event: CanonicalEvent) => recordCustomerEvent({ ...changes, hashEmail }, event),
    dispatchAt: async (at: string) => {
      now = new Date(at);
      return dispatchDueRuns(dispatching);
    },
    totals: async (journeyId: string): Promise<JourneyCounters> =>
      (await store.journeyStats([journeyId])).find((row) => row.stepId === undefined)?.counters ?? {},
  };
}

const HOLDOUT = 0.9;
const TREATED = 0.1;

describe('the holdout of a split', () => {
  it("counts an order in the goal window after the split as the holdout's conversion, without an email", async () => {
    const { record, dispatchAt, totals } = engine([measured], HOLDOUT);
    const email = uniqueEmail('held-out');
    await record(signedUp(email, '2026-05-01T10:00:00Z'));
    const summary = await dispatchAt('2026-05-01T10:00:00Z');
    expect(summary.sent).toBe(0);
    await record(orderPlaced('h-1', 4250, { email, placedAt: '2026-05-03T10:00:00Z' }));
    // A second order in the window counts nothing more: one conversion per run.
    await record(orderPlaced('h-2', 1000, { email, placedAt: '2026-05-04T10:00:00Z' }));
    expect(await totals('measured')).toMatchObject({
      entered: 1,
      exited: 1,
      'exited:holdout': 1,
      holdoutEntered: 1,
      holdoutConverted: 1,
      holdoutRevenue: 4250,
      // (4250 / 100)² = 1806.25, rounded.
      holdoutRevenueSquares: 1806,
    });
    const counters = await totals('measured');
    expect(counters.converted ?? 0).toBe(0);
    expect(counters.treated ?? 0).toBe(0);
  });

  it('counts no holdout conversion for an order after the goal window', async () => {
    const { record, dispatchAt, totals } = engine([measured], HOLDOUT);
    const email = uniqueEmail('held-out-late');
    await record(signedUp(email, '2026-05-01T10:00:00Z'));
    await dispatchAt('2026-05-01T10:00:00Z');
    await record(orderPlaced('l-1', 4250, { email, placedAt: '2026-05-09T10:00:01Z' }));
    const counters = await totals('measured');
    expect(counters.holdoutEntered).toBe(1);
    expect(counters.holdoutConverted ?? 0).toBe(0);
  });

  it("counts the treated group's conversion with the email's", async () => {
    const { record, dispatchAt, totals } = engine([measured], TREATED);
    const email = uniqueEmail('treated');
    await record(signedUp(email, '2026-05-01T10:00:00Z'));
    expect((await dispatchAt('2026-05-01T10:00:00Z')).sent).toBe(1);
    await record(orderPlaced('t-1', 3000, { email, placedAt: '2026-05-02T10:00:00Z' }));
    expect(await totals('measured')).toMatchObject({
      treated: 1,
      treatedConverted: 1,
      treatedRevenue: 3000,
      treatedRevenueSquares: 900,
      converted: 1,
      revenue: 3000,
    });
    expect((await totals('measured')).holdoutEntered ?? 0).toBe(0);
  });

  it("loses the holdout's touch to another journey's email sent before the order, as any last touch does", async () => {
    const { record, dispatchAt, totals } = engine([measured, later], HOLDOUT);
    const email = uniqueEmail('overwritten');
    await record(signedUp(email, '2026-05-01T10:00:00Z'));
    await dispatchAt('2026-05-01T10:00:00Z');
    expect((await dispatchAt('2026-05-02T10:00:00Z')).sent).toBe(1);
    await record(orderPlaced('o-1', 2000, { email, placedAt: '2026-05-03T10:00:00Z' }));
    const counters = await totals('measured');
    expect(counters.holdoutEntered).toBe(1);
    expect(counters.holdoutConverted ?? 0).toBe(0);
    expect(await totals('later')).toMatchObject({ converted: 1, revenue: 2000 });
  });
});
