import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Dimensions, MetricUnit } from '@aws-lambda-powertools/metrics/types';
import { describe, expect, it } from 'vitest';
import { MemoryCustomerStore } from '../../functions/adapters/memory/memory-customer-store.js';
import { enabledJourneys } from '../../functions/domain/journeys/catalogue.js';
import { createDispatcherHandler } from '../../functions/handlers/dispatcher.js';
import { METRICS_NAMESPACE } from '../../functions/handlers/powertools.js';
import { invokeLocally } from '../../functions/local/lambda-context.js';
import type { Mailer } from '../../functions/ports/mailer.js';
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

async function dispatcherWith(dueAt: string | undefined) {
  const store = new MemoryCustomerStore({ dueShards: config.dispatcher.dueShards });
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
    send: async (email) => {
      sent.push(email.templateName);
      return { messageId: `msg-${sent.length}` };
    },
  };
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
    sendRate: { take: async () => undefined },
    reserveMs: 0,
    logger: new Logger({ serviceName: 'dispatcher', logLevel: 'SILENT' }),
    metrics,
  });
  return { handler, metrics, sent };
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
    expect(named(metrics, 'TemplateNotFound')).toHaveLength(1);
  });

  it('reports a lag of 0 when nothing is due, and no per-journey figure for journeys that sent nothing', async () => {
    const { handler, metrics } = await dispatcherWith('2026-06-03T12:00:00Z');
    await invokeLocally('dispatcher', handler, {});
    expect(named(metrics, 'DueBacklogAgeSeconds').map((m) => m.value)).toEqual([0]);
    expect(named(metrics, 'EmailSent')).toEqual([
      { name: 'EmailSent', value: 0, dimensions: { service: 'dispatcher' } },
    ]);
    const empty = await dispatcherWith(undefined);
    await invokeLocally('dispatcher', empty.handler, {});
    expect(named(empty.metrics, 'DueBacklogAgeSeconds').map((m) => m.value)).toEqual([0]);
  });
});
