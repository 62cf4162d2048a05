import { resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCustomerStore } from '../../functions/adapters/dynamodb/customer-store.js';
import { DynamoDbSendingLimiter } from '../../functions/adapters/dynamodb/sending-limiter.js';
import { seedTemplates } from '../../functions/adapters/ses-templates.js';
import { SesV2Mailer } from '../../functions/adapters/ses-v2-mailer.js';
import { systemClock, wallClock } from '../../functions/adapters/system-clock.js';
import { readTemplateFiles } from '../../functions/adapters/template-files.js';
import { emptySummary } from '../../functions/domain/services/dispatch/summary.js';
import { createPlannerHandler } from '../../functions/handlers/dispatch-planner.js';
import { addSummary, createDispatchWorkerHandler } from '../../functions/handlers/dispatch-worker.js';
import { createDispatcherHandler } from '../../functions/handlers/dispatcher.js';
import { customerChanges, dispatcherDependencies } from '../../functions/handlers/wiring.js';
import { InMemoryDueWorkQueue } from '../../functions/local/due-work-queue.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import type { Mailer, SendingAccount } from '../../functions/ports/mailer.js';
import { testConfig } from '../helpers/config.js';
import { aCustomer, aRun } from '../helpers/customers.js';
import { engines, freshTable, uniqueEmail } from '../helpers/engines.js';

/*
 * The account's sending limits, shared through the table by every dispatcher that sends at the same time
 * (functions/adapters/dynamodb/sending-limiter.ts), against DynamoDB Local: the schedule fires every minute
 * while a tick may run until its timeout, so two invocations can send at once, and together they must stay
 * within what SES allows the account.
 */

const config = testConfig();

function account(overrides: Partial<SendingAccount> = {}): SendingAccount {
  return {
    productionAccess: true,
    sendingEnabled: true,
    maxSendRate: 4,
    max24HourSend: undefined,
    sentLast24Hours: 0,
    readAt: Date.now(),
    ...overrides,
  };
}

/** The largest number of times in any one second, counted from any moment (a sliding window). */
function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let busiest = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= 1000) first++;
    busiest = Math.max(busiest, last - first + 1);
  }
  return busiest;
}

describe('the shared sending limits', () => {
  let tableName: string;
  const client = () => engines().dynamodb.document;

  beforeAll(async () => {
    tableName = await freshTable('limits');
  });

  it('let three dispatchers together send no more than the account rate in any second', async () => {
    const limiters = await Promise.all(
      [1, 2, 3].map(() =>
        DynamoDbSendingLimiter.start({ client: client(), tableName, account: account(), time: wallClock }),
      ),
    );
    const granted: number[] = [];
    await Promise.all(
      limiters.map(async (limiter) => {
        for (let i = 0; i < 6; i++) {
          const permit = await limiter.acquire();
          if (!permit.granted) throw new Error('refused');
          // The permit comes no earlier than its place in the rate.
          expect(Date.now()).toBeGreaterThanOrEqual(permit.at.getTime());
          granted.push(permit.at.getTime());
        }
      }),
    );
    expect(granted).toHaveLength(18);
    expect(busiestSecond(granted)).toBeLessThanOrEqual(4);
    // 18 emails at 4 a second are spread over more than four seconds.
    expect(Math.max(...granted) - Math.min(...granted)).toBeGreaterThanOrEqual(4_000);
  }, 30_000);

  it('defer, not drop, what the 24-hour quota has no room for, across dispatchers', async () => {
    const table = await freshTable('quota');
    const reading = account({ maxSendRate: 100, max24HourSend: 200, sentLast24Hours: 195 });
    const [a, b] = await Promise.all(
      [1, 2].map(() =>
        DynamoDbSendingLimiter.start({ client: client(), tableName: table, account: reading, time: wallClock }),
      ),
    );
    const permits = await Promise.all(
      Array.from({ length: 8 }, (_, i) => ((i % 2 === 0 ? a : b) as DynamoDbSendingLimiter).acquire()),
    );
    expect(permits.filter((p) => p.granted)).toHaveLength(5);
    const refused = permits.filter((p) => !p.granted);
    expect(refused).toHaveLength(3);
    for (const permit of refused) {
      expect(permit).toMatchObject({ granted: false, reason: 'daily_quota' });
      if (!permit.granted) expect(permit.retryAt.getTime()).toBeGreaterThan(Date.now());
    }
  });

  it('count from the newest reading of the quota, never an older one', async () => {
    const table = await freshTable('reading');
    const newer = account({ maxSendRate: 100, max24HourSend: 200, sentLast24Hours: 198, readAt: Date.now() });
    const older = account({ maxSendRate: 100, max24HourSend: 200, sentLast24Hours: 0, readAt: Date.now() - 60_000 });
    const first = await DynamoDbSendingLimiter.start({
      client: client(),
      tableName: table,
      account: newer,
      time: wallClock,
    });
    const late = await DynamoDbSendingLimiter.start({
      client: client(),
      tableName: table,
      account: older,
      time: wallClock,
    });
    expect((await first.acquire()).granted).toBe(true);
    expect((await late.acquire()).granted).toBe(true);
    expect(await late.acquire()).toMatchObject({ granted: false, reason: 'daily_quota' });
  });
});

describe('two dispatcher ticks at once, against one backlog', () => {
  it('send every email once, and together no more than the account rate in any second', async () => {
    const tableName = await freshTable('ticks');
    const { ses, dynamodb } = engines();
    await seedTemplates(ses, readTemplateFiles(resolve('templates')), config.templatePrefix);
    const store = new DynamoDbCustomerStore({ client: dynamodb.document, tableName, dueShards: 4 });
    const due = new Date(Date.now() - 60_000).toISOString();
    const backlog = 14;
    for (let i = 0; i < backlog; i++) {
      const email = uniqueEmail(`tick${i}`);
      await store.commitEvent({
        eventId: `evt-tick-${i}`,
        customer: aCustomer(`cus_tick${i}`, email),
        expectedVersion: undefined,
        claimEmail: email,
        enrollments: [{ enrollment: aRun('welcome-series', due), expectedVersion: undefined }],
        timeline: [],
      });
    }

    const sentAt: number[] = [];
    const slots: number[] = [];
    const local = new SesV2Mailer({ client: ses, from: config.sender.from, configurationSetName: 'test' });
    // SES as GetAccount reports it: 4 emails a second; the sends go to the local SES.
    const mailer: Mailer = {
      send: async (email) => {
        sentAt.push(Date.now());
        return local.send(email);
      },
      account: async () => account(),
    };
    const changes = customerChanges({
      store,
      clock: systemClock,
      config,
      publisher: { publish: async () => undefined },
    });
    const tick = () =>
      createDispatcherHandler({
        ...dispatcherDependencies(changes, { mailer, links: (id) => linksOf(id) }),
        sendingLimiter: async (reading) => {
          const limiter = await DynamoDbSendingLimiter.start({
            client: dynamodb.document,
            tableName,
            account: reading,
            time: wallClock,
          });
          return {
            acquire: async () => {
              const permit = await limiter.acquire();
              if (permit.granted) slots.push(permit.at.getTime());
              return permit;
            },
          };
        },
        reserveMs: 0,
        logger: new Logger({ serviceName: 'dispatcher', logLevel: 'SILENT' }),
        metrics: new Metrics({ namespace: 'Test', serviceName: 'dispatcher' }),
      });
    // The whole tick in one invocation: in the stack, what a worker's role does.
    const [a, b] = await Promise.all([
      invokeLocally('dispatch-worker', tick(), {}, 60_000),
      invokeLocally('dispatch-worker', tick(), {}, 60_000),
    ]);
    expect(a.sent + b.sent).toBe(backlog);
    expect(sentAt).toHaveLength(backlog);
    // Both ticks took their places in one rate, and sent no sooner than their places came.
    expect(busiestSecond(slots)).toBeLessThanOrEqual(4);
    // Every send waited for a place that had come: the i-th send is no earlier than the i-th place.
    const sends = [...sentAt].sort((x, y) => x - y);
    const places = [...slots].sort((x, y) => x - y);
    expect(places.length).toBeGreaterThanOrEqual(sends.length);
    for (const [i, sent] of sends.entries()) expect(sent).toBeGreaterThanOrEqual(places[i] as number);
  }, 60_000);
});

describe('the fan-out: a planner and eight workers at once, against one backlog', () => {
  it('keep every second within the rate and the day within the quota, taking places in blocks', async () => {
    const tableName = await freshTable('workers');
    const { ses, dynamodb } = engines();
    await seedTemplates(ses, readTemplateFiles(resolve('templates')), config.templatePrefix);
    const store = new DynamoDbCustomerStore({ client: dynamodb.document, tableName, dueShards: 4 });
    const due = new Date(Date.now() - 60_000).toISOString();
    const backlog = 40;
    await Promise.all(
      Array.from({ length: backlog }, async (_, i) => {
        const email = uniqueEmail(`worker${i}`);
        await store.commitEvent({
          eventId: `evt-worker-${i}`,
          customer: aCustomer(`cus_worker${i}`, email),
          expectedVersion: undefined,
          claimEmail: email,
          enrollments: [{ enrollment: aRun('welcome-series', due), expectedVersion: undefined }],
          timeline: [],
        });
      }),
    );

    // SES as GetAccount reports it: 50 emails a second, and 30 left of the 24-hour quota.
    const rate = 50;
    const quotaLeft = 30;
    const reading = account({ maxSendRate: rate, max24HourSend: 10_000, sentLast24Hours: 10_000 - quotaLeft });
    const sentAt: number[] = [];
    const local = new SesV2Mailer({ client: ses, from: config.sender.from, configurationSetName: 'test' });
    const mailer: Mailer = {
      send: async (email) => {
        sentAt.push(Date.now());
        return local.send(email);
      },
      account: async () => reading,
    };
    // The writes of the limits item that took places (a block, or one place each), as DynamoDB Local took them.
    let placeWrites = 0;
    const counted = {
      send: async (command: { input: { Key?: Record<string, unknown>; UpdateExpression?: string } }) => {
        const result = await dynamodb.document.send(command as never);
        const { Key, UpdateExpression } = command.input;
        if (command instanceof UpdateCommand && Key?.pk === 'SENDING' && UpdateExpression?.includes('nextSlot'))
          placeWrites++;
        return result;
      },
    } as unknown as typeof dynamodb.document;
    const changes = customerChanges({
      store,
      clock: systemClock,
      config,
      publisher: { publish: async () => undefined },
    });
    const silent = (serviceName: string) => ({
      logger: new Logger({ serviceName, logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'Test', serviceName }),
    });
    const queue = new InMemoryDueWorkQueue();
    const planner = createPlannerHandler({
      store,
      clock: systemClock,
      queue,
      config: { ...config, dispatcher: { ...config.dispatcher, messageSize: 5 } },
      mailer,
      reserveMs: 0,
      ...silent('dispatcher'),
    });
    const worked = emptySummary();
    const worker = createDispatchWorkerHandler({
      ...dispatcherDependencies(changes, { mailer, links: (id) => linksOf(id) }),
      sendingLimiter: (account) =>
        DynamoDbSendingLimiter.start({ client: counted, tableName, account, time: wallClock, blockSize: 5 }),
      reserveMs: 0,
      onFinished: (summary) => addSummary(worked, summary),
      ...silent('dispatch-worker'),
    });

    const planned = await invokeLocally('dispatcher', planner, {});
    expect(planned).toMatchObject({ enqueued: backlog, messages: backlog / 5 });
    // A second pass while the work waits on the queue enqueues nothing again.
    expect(await invokeLocally('dispatcher', planner, {})).toMatchObject({ enqueued: 0 });
    await queue.drain(8, (event) => invokeLocally('dispatch-worker', worker, event, 240_000));

    // Every item was run once: sent, or held back by the quota to go later (never lost, never twice).
    expect(queue.deadLetters).toEqual([]);
    expect(worked.claimed).toBe(backlog);
    expect(sentAt.length).toBe(worked.sent);
    expect(worked.sent + worked.deferredForQuota).toBe(backlog);
    // The quota is never exceeded.
    expect(worked.sent).toBeLessThanOrEqual(quotaLeft);
    expect(worked.sent).toBeGreaterThan(0);
    // No second, counted from any moment, holds more than the rate at the mail service.
    expect(busiestSecond(sentAt)).toBeLessThanOrEqual(rate);
    // Places were taken in blocks: fewer writes of the shared item took places than emails went.
    expect(placeWrites).toBeLessThan(worked.sent);
  }, 300_000);
});

function linksOf(id: string) {
  return {
    unsubscribeUrl: `https://api.example.com/unsubscribe?token=${id}.sig`,
    keepSubscribedUrl: `https://api.example.com/unsubscribe?token=${id}.sig&keep=1`,
    npsUrl: (score: number) => `https://api.example.com/feedback?token=${id}.f&score=${score}`,
    confirmUrl: `https://api.example.com/confirm?token=${id}.c`,
  };
}
