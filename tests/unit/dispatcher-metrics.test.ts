import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Dimensions, MetricUnit } from '@aws-lambda-powertools/metrics/types';
import { describe, expect, it } from 'vitest';
import { EmulatedTableCustomerStore } from '../../functions/adapters/dynamodb/emulated-table.js';
import { enabledJourneys } from '../../functions/domain/journeys/catalogue.js';
import { createPlannerHandler } from '../../functions/handlers/dispatch-planner.js';
import { createDispatcherHandler } from '../../functions/handlers/dispatcher.js';
import { METRICS_NAMESPACE } from '../../functions/handlers/powertools.js';
import { InMemoryDueWorkQueue } from '../../functions/local/due-work-queue.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import {
  type Mailer,
  RecipientRefusedError,
  type SendingAccount,
  TemplateMissingError,
} from '../../functions/ports/mailer.js';
import type { SendingLimiter } from '../../functions/ports/sending-limiter.js';
import { testConfig } from '../helpers/config.js';
import { aCustomer, aRun } from '../helpers/customers.js';

interface Recorded {
  readonly name: string;
  readonly value: number;
  readonly dimensions: Record<string, string>;
}

/** Metrics that remember what the handler adds, single metrics included (publishing stays disabled). */
class RecordingMetrics extends Metrics {
  private extra: Record<string, string> = {};
  constructor(readonly recorded: Recorded[] = []) {
    super({ namespace: METRICS_NAMESPACE, serviceName: 'dispatcher' });
  }
  override addDimensions(dimensions: Dimensions): this {
    this.extra = { ...this.extra, ...dimensions };
    return super.addDimensions(dimensions);
  }
  override addMetric(name: string, unit: MetricUnit, value: number): this {
    this.recorded.push({ name, value, dimensions: { service: 'dispatcher', ...this.extra } });
    return super.addMetric(name, unit, value);
  }
  override singleMetric(): Metrics {
    return new RecordingMetrics(this.recorded);
  }
}

const config = testConfig();
const NOW = new Date('2026-06-01T12:00:00Z');

async function dispatcherWith(
  dueAt: string | undefined,
  options: {
    readonly send?: Mailer['send'];
    readonly account?: SendingAccount;
    readonly limiter?: SendingLimiter;
    readonly logged?: string[];
  } = {},
) {
  const store = new EmulatedTableCustomerStore({ dueShards: config.dispatcher.dueShards });
  if (dueAt) {
    await store.commitEvent({
      eventId: 'evt-1',
      customer: aCustomer('cus_1', 'ada@example.com'),
      expectedVersion: undefined,
      claimEmail: 'ada@example.com',
      enrollments: [{ enrollment: aRun('welcome-series', dueAt), expectedVersion: undefined }],
      timeline: [],
    });
  }
  const sent: string[] = [];
  const mailer: Mailer = {
    send:
      options.send ??
      (async (email) => {
        sent.push(email.templateName);
        return { messageId: `msg-${sent.length}` };
      }),
    ...(options.account ? { account: async () => options.account } : {}),
  };
  const logger = new Logger({ serviceName: 'dispatcher', logLevel: 'SILENT' });
  if (options.logged) {
    const logged = options.logged;
    logger.warn = (message: string) => {
      logged.push(message);
    };
  }
  const metrics = new RecordingMetrics();
  const handler = createDispatcherHandler({
    store,
    mailer,
    clock: { now: () => NOW },
    config,
    journeys: enabledJourneys(config),
    links: (id) => ({
      unsubscribeUrl: `https://api.example.com/unsubscribe?token=${id}.sig`,
      keepSubscribedUrl: `https://api.example.com/unsubscribe?token=${id}.sig&keep=1`,
      npsUrl: (score) => `https://api.example.com/feedback?token=${id}.f&score=${score}`,
      confirmUrl: `https://api.example.com/confirm?token=${id}.c`,
    }),
    publisher: { publish: async () => undefined },
    reassess: async () => undefined,
    loadModel: async () => undefined,
    reserveMs: 0,
    ...(options.limiter ? { sendingLimiter: async () => options.limiter as SendingLimiter } : {}),
    logger,
    metrics,
  });
  return { handler, metrics, sent, store };
}

const named = (metrics: RecordingMetrics, name: string) => metrics.recorded.filter((m) => m.name === name);

describe('the dispatcher tick metrics', () => {
  it('reports how late the oldest due item was when the tick began, and the emails sent per journey', async () => {
    const { handler, metrics, sent } = await dispatcherWith('2026-06-01T11:50:00Z');
    const summary = await invokeLocally('dispatcher', handler, {});
    expect(summary).toMatchObject({ sent: 1, backlogAgeMs: 600_000 });
    expect(sent).toEqual(['lifecycle-welcome-1']);
    expect(named(metrics, 'DueBacklogAgeSeconds')).toEqual([
      { name: 'DueBacklogAgeSeconds', value: 600, dimensions: { service: 'dispatcher' } },
    ]);
    expect(named(metrics, 'EmailSent')).toEqual([
      { name: 'EmailSent', value: 1, dimensions: { service: 'dispatcher' } },
      { name: 'EmailSent', value: 1, dimensions: { service: 'dispatcher', journey: 'welcome-series' } },
    ]);
    // A count of zero is not written: CloudWatch bills each metric for every hour it receives a value.
    expect(named(metrics, 'TemplateNotFound')).toEqual([]);
  });

  it('reports a lag of 0 when nothing is due, and no per-journey figure for journeys that sent nothing', async () => {
    const { handler, metrics } = await dispatcherWith('2026-06-03T12:00:00Z');
    await invokeLocally('dispatcher', handler, {});
    expect(named(metrics, 'DueBacklogAgeSeconds').map((m) => m.value)).toEqual([0]);
    expect(named(metrics, 'EmailSent')).toEqual([]);
    const empty = await dispatcherWith(undefined);
    await invokeLocally('dispatcher', empty.handler, {});
    expect(named(empty.metrics, 'DueBacklogAgeSeconds').map((m) => m.value)).toEqual([0]);
  });
});

describe('the metrics a tick bills', () => {
  it('writes only the lag when nothing is due, so that no count of zero keeps a metric billed all month', async () => {
    const { handler, metrics } = await dispatcherWith(undefined);
    await invokeLocally('dispatcher', handler, {});
    await invokeLocally('dispatcher', handler, {});
    expect(new Set(metrics.recorded.map((m) => m.name))).toEqual(new Set(['DueBacklogAgeSeconds']));
  });

  it('writes the outcomes that happened, and only those', async () => {
    const { handler, metrics } = await dispatcherWith('2026-06-01T11:50:00Z');
    await invokeLocally('dispatcher', handler, {});
    expect(new Set(metrics.recorded.map((m) => m.name))).toEqual(new Set(['DueBacklogAgeSeconds', 'EmailSent']));
  });

  it('has the planner write what it enqueued only when it enqueued something', async () => {
    const { store } = await dispatcherWith('2026-06-01T11:50:00Z');
    const metrics = new RecordingMetrics();
    const planner = createPlannerHandler({
      store,
      clock: { now: () => NOW },
      queue: new InMemoryDueWorkQueue(),
      config,
      mailer: {},
      reserveMs: 0,
      logger: new Logger({ serviceName: 'dispatcher', logLevel: 'SILENT' }),
      metrics,
    });
    expect(await invokeLocally('dispatcher', planner, {})).toMatchObject({ enqueued: 1 });
    expect(named(metrics, 'DueWorkEnqueued').map((m) => m.value)).toEqual([1]);
    // The run waits on the queue: the next pass enqueues nothing, and writes only the lag.
    expect(await invokeLocally('dispatcher', planner, {})).toMatchObject({ enqueued: 0 });
    expect(metrics.recorded.map((m) => m.name)).toEqual([
      'DueBacklogAgeSeconds',
      'DueWorkEnqueued',
      'DueBacklogAgeSeconds',
    ]);
  });
});

const productionAccount: SendingAccount = {
  productionAccess: true,
  sendingEnabled: true,
  maxSendRate: 14,
  max24HourSend: 50_000,
  sentLast24Hours: 0,
  readAt: NOW.getTime(),
};

describe('the dispatcher and SES as a real account has it', () => {
  it('says once per container, in a log line and a metric, that the account is in the sandbox', async () => {
    const logged: string[] = [];
    const { handler, metrics } = await dispatcherWith('2026-06-01T11:50:00Z', {
      account: { ...productionAccount, productionAccess: false, max24HourSend: 200, maxSendRate: 1 },
      logged,
    });
    await invokeLocally('dispatcher', handler, {});
    await invokeLocally('dispatcher', handler, {});
    expect(named(metrics, 'SesSandbox').map((m) => m.value)).toEqual([1]);
    expect(logged.filter((line) => line.includes('sandbox'))).toHaveLength(1);
  });

  it('drops an email the sandbox refuses (an unverified recipient) with its reason, and does not retry it', async () => {
    let calls = 0;
    const { handler, metrics, store } = await dispatcherWith('2026-06-01T11:50:00Z', {
      account: { ...productionAccount, productionAccess: false },
      send: async () => {
        calls++;
        throw new RecipientRefusedError('recipient_not_verified');
      },
    });
    const summary = await invokeLocally('dispatcher', handler, {});
    expect(summary).toMatchObject({ dropped: 1, refused: 1, failed: 0 });
    expect(calls).toBe(1);
    const timeline = await store.timeline('cus_1');
    expect(timeline.find((entry) => entry.kind === 'email_dropped')).toMatchObject({
      stepId: 'welcome-1',
      reason: 'recipient_not_verified',
    });
    // The journey moves on to its next step: nothing is due again now.
    expect((await store.load('cus_1'))?.enrollments.get('welcome-series')?.enrollment.stepId).not.toBe('welcome-1');
    expect(named(metrics, 'EmailRefused').map((m) => m.value)).toEqual([1]);
  });

  it('defers, not drops, what the 24-hour quota has no room for, and counts it in a metric', async () => {
    const retryAt = new Date(NOW.getTime() + 15 * 60_000);
    const { handler, metrics, sent, store } = await dispatcherWith('2026-06-01T11:50:00Z', {
      account: productionAccount,
      limiter: { acquire: async () => ({ granted: false, reason: 'daily_quota', retryAt }) },
    });
    const summary = await invokeLocally('dispatcher', handler, {});
    expect(summary).toMatchObject({ deferred: 1, deferredForQuota: 1, sent: 0, dropped: 0 });
    expect(sent).toEqual([]);
    const run = (await store.load('cus_1'))?.enrollments.get('welcome-series')?.enrollment;
    expect(run).toMatchObject({ stepId: 'welcome-1', dueAt: retryAt.toISOString() });
    expect(named(metrics, 'EmailDeferredForQuota').map((m) => m.value)).toEqual([1]);
  });

  it('counts a template SES does not have in TemplateNotFound, the metric its alarm watches', async () => {
    const { handler, metrics } = await dispatcherWith('2026-06-01T11:50:00Z', {
      send: async (email) => {
        throw new TemplateMissingError(email.templateName);
      },
    });
    const summary = await invokeLocally('dispatcher', handler, {});
    expect(summary).toMatchObject({ failed: 1, templateMissing: 1 });
    expect(named(metrics, 'TemplateNotFound')).toEqual([
      { name: 'TemplateNotFound', value: 1, dimensions: { service: 'dispatcher' } },
    ]);
  });
});
