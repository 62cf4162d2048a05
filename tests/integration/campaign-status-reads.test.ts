import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { AwsMeter, type Usage, usageSince } from '../../bench/aws-meter.js';
import { dynamoDbClients } from '../../functions/adapters/aws-clients.js';
import { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { SesV2Mailer } from '../../functions/adapters/ses-v2-mailer.js';
import { systemClock } from '../../functions/adapters/system-clock.js';
import type { CampaignState } from '../../functions/domain/campaigns/campaign-state.js';
import { campaignFigures } from '../../functions/domain/services/store-report.js';
import { createDispatchWorkerHandler } from '../../functions/handlers/dispatch-worker.js';
import { customerChanges, dispatcherDependencies } from '../../functions/handlers/wiring.js';
import { LOCAL_CREDENTIALS } from '../../functions/local/credentials.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import { testConfig } from '../helpers/config.js';
import { engines, freshTable } from '../helpers/engines.js';

/**
 * What reading a campaign's status costs on DynamoDB Local, counted by the bench's meter: a campaign still
 * enrolling keeps one item per segment of its audience (`CAMPAIGN#<id>` / `SEGMENT#<n>`), which only
 * enrollment needs. The weekly report and the dispatch workers' cancel check read the state item alone,
 * however many segments there are.
 */
const SEGMENTS = 8;
const T0 = '2026-06-01T09:00:00.000Z';
const config = testConfig({
  campaigns: [
    {
      id: 'spring-sale',
      template: 'welcome-1',
      audience: { where: { stage: 'subscriber' } },
      topic: 'newsletter',
      send: { at: 'now' },
    },
  ],
});

/** A store on a metered client, holding the campaign while it enrolls in {@link SEGMENTS} segments. */
async function enrollingCampaign() {
  const meter = new AwsMeter();
  const { document } = dynamoDbClients({
    endpoint: engines().dynamoDbEndpoint,
    region: 'local',
    credentials: LOCAL_CREDENTIALS,
  });
  meter.attach(document, 'DynamoDB');
  const store = new DynamoDbCustomerStore({ client: document, tableName: await freshTable(), dueShards: 4 });
  const progress = { targeted: 10, enqueuedUntil: T0 };
  const state: CampaignState = {
    campaignId: 'spring-sale',
    status: 'sending',
    startsAt: T0,
    scheduledAt: T0,
    scheduledBy: 'marketer',
    startedAt: T0,
    enrollment: Array.from({ length: SEGMENTS }, () => progress),
  };
  expect(await store.writeCampaignState(state)).toBe(true);
  for (let segment = 0; segment < SEGMENTS; segment++)
    expect(await store.writeSegmentProgress('spring-sale', segment, progress)).toBe(true);
  return { store, meter };
}

/** The DynamoDB reads that `work` made, by the meter. */
async function readsOf(meter: AwsMeter, work: () => Promise<unknown>): Promise<Usage> {
  const before = meter.snapshot();
  await work();
  return usageSince(before, meter.snapshot());
}

describe("a campaign's status, read without its segments", () => {
  it('costs one item read however many segments the campaign enrolls in; the full state reads them all', async () => {
    const { store, meter } = await enrollingCampaign();
    const status = await readsOf(meter, () => store.campaignStatuses(['spring-sale']));
    expect(status.operations['DynamoDB.BatchGetItem']).toBe(1);
    expect(status.billedRru).toBe(1);
    // Enrollment's read: the state item and every segment's.
    const full = await readsOf(meter, () => store.campaignStates(['spring-sale']));
    expect(full.billedRru).toBe(1 + SEGMENTS);
  });

  it("the weekly report's campaign figures read the state item, not the segments", async () => {
    const { store, meter } = await enrollingCampaign();
    let figures: Awaited<ReturnType<typeof campaignFigures>> = [];
    const reads = await readsOf(meter, async () => {
      figures = await campaignFigures(store, config);
    });
    expect(figures).toMatchObject([{ campaignId: 'spring-sale', status: 'sending' }]);
    // One consistent read of the state item; the journey's counters are a query of their own.
    expect(reads.operations['DynamoDB.BatchGetItem']).toBe(1);
    expect(reads.unitsByOperation['DynamoDB.BatchGetItem']).toBe(1);
  });

  it("a dispatch worker's cancel check reads the state item, not the segments", async () => {
    const { store, meter } = await enrollingCampaign();
    const changes = customerChanges({
      store,
      clock: systemClock,
      config,
      publisher: { publish: async () => undefined },
    });
    const worker = createDispatchWorkerHandler({
      ...dispatcherDependencies(changes, {
        mailer: new SesV2Mailer({ client: engines().ses, from: config.sender.from, configurationSetName: 'test' }),
        links: () => ({ unsubscribeUrl: 'https://api.example.com/unsubscribe' }) as never,
      }),
      reserveMs: 0,
      logger: new Logger({ serviceName: 'dispatch-worker', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'dispatch-worker' }),
    });
    // A run of the campaign that is no longer due (its customer is gone): the worker checks the campaign's
    // status before it claims the run, and claims nothing.
    const message = {
      items: [{ kind: 'journey', customerId: 'cus_gone', journeyId: 'campaign-spring-sale', dueAt: T0 }],
    };
    const event = { Records: [{ messageId: 'm-1', body: JSON.stringify(message) }] } as unknown as SQSEvent;
    const reads = await readsOf(meter, () => invokeLocally('dispatch-worker', worker, event));
    expect(reads.operations['DynamoDB.BatchGetItem']).toBe(1);
    expect(reads.unitsByOperation['DynamoDB.BatchGetItem']).toBe(1);
  });
});
