import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { inject } from 'vitest';
import {
  dynamoDbClients,
  eventBridgeClient,
  sesClient,
  sesSendingClient,
} from '../../../functions/adapters/aws-clients.js';
import { DynamoDbCustomerStore } from '../../../functions/adapters/dynamodb/customer-store.js';
import { hashEmail } from '../../../functions/adapters/email-hash.js';
import { EventBridgePublisher } from '../../../functions/adapters/eventbridge-publisher.js';
import { cachedModelLoader } from '../../../functions/adapters/model-cache.js';
import { seedTemplates } from '../../../functions/adapters/ses-templates.js';
import { SesV2Mailer } from '../../../functions/adapters/ses-v2-mailer.js';
import { readTemplateFiles } from '../../../functions/adapters/template-files.js';
import { EnvironmentWebhookSecrets } from '../../../functions/adapters/webhook-secrets.js';
import type { LifecycleConfig } from '../../../functions/domain/config.js';
import type { DispatchSummary } from '../../../functions/domain/services/dispatch/summary.js';
import { type DispatchOptions, dispatchDueRuns } from '../../../functions/domain/services/dispatch/tick.js';
import { createCustomerHandler } from '../../../functions/handlers/customer.js';
import { createDispatcherHandler } from '../../../functions/handlers/dispatcher.js';
import { createEmailFeedbackHandler } from '../../../functions/handlers/email-feedback.js';
import { createWebhookHandler, webhookDependencies } from '../../../functions/handlers/webhook.js';
import { customerChanges, dispatcherDependencies, emailLinks } from '../../../functions/handlers/wiring.js';
import { LOCAL_CREDENTIALS } from '../../../functions/local/credentials.js';
import { invokeLocally } from '../../../functions/local/lambda-context.js';
import { busEnvelope } from '../../../functions/local/local-bus.js';
import { LocalSesFeedback } from '../../../functions/local/ses-feedback-local.js';
import type { BusEvent } from '../../../functions/ports/event-publisher.js';
import { testConfig } from '../../helpers/config.js';
import { engines, freshTable } from '../../helpers/engines.js';
import { FaultInjector } from '../../helpers/faults.js';
import { signedGenericEvent } from '../../helpers/generic-webhook.js';
import { LocalEventBridge } from '../../helpers/local-eventbridge.js';

const credentials = LOCAL_CREDENTIALS;
const CONFIGURATION_SET = 'reliability';
/** The webhook Lambda's time limit: short, so that a delivery hung by an injected time-out fails soon and is retried. */
const WEBHOOK_TIMEOUT_MS = 1_000;

export const config: LifecycleConfig = testConfig();

/** Seeds the email templates into the local SES once per test file. */
export async function seedLocalTemplates(): Promise<void> {
  await seedTemplates(engines().ses, readTemplateFiles(resolve('templates')), config.templatePrefix);
}

/** Metrics that remember what was added, to compare what the handlers report (publishing stays disabled). */
export class RecordingMetrics extends Metrics {
  readonly totals = new Map<string, number>();
  readonly units = new Map<string, string>();
  override addMetric(name: string, unit: Parameters<Metrics['addMetric']>[1], value: number): this {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
    this.units.set(name, unit);
    return super.addMetric(name, unit, value);
  }

  /** The totals of the metrics that count things (unit Count), by name. */
  counts(): Record<string, number> {
    return Object.fromEntries(
      [...this.totals].filter(([name]) => this.units.get(name) === 'Count').sort(([a], [b]) => a.localeCompare(b)),
    );
  }
}

export interface RigOptions {
  readonly injector?: FaultInjector;
  /** The SDK's attempts per call for the clients under test. @default the SDK's (3) */
  readonly maxAttempts?: number;
  /** The SES client the dispatcher sends with. @default 'dispatcher': as the dispatcher Lambda builds it */
  readonly sesClient?: 'dispatcher' | 'plain';
  readonly tableName?: string;
  readonly dueShards?: number;
}

export type Rig = Awaited<ReturnType<typeof startRig>>;

/**
 * The handlers of the event path (webhook, customer, engagement) and the dispatcher, wired as the Lambda
 * entry points wire them but to DynamoDB Local, the local SES and a local EventBridge, through SDK clients
 * a {@link FaultInjector} is attached to. A second, clean set of clients reads the results and runs the
 * work a test does not put faults into. Business time is `rig.clock`, set by the test.
 */
export async function startRig(options: RigOptions = {}) {
  const injector = options.injector ?? new FaultInjector();
  const dynamoDbEndpoint = inject('dynamoDbEndpoint');
  const sesEndpoint = inject('sesEndpoint');
  const tableName = options.tableName ?? (await freshTable('rel'));
  const dueShards = options.dueShards ?? config.dispatcher.dueShards;
  const bus = await LocalEventBridge.start();
  const base = { region: 'local', credentials, maxAttempts: options.maxAttempts };

  const faulty = {
    dynamodb: dynamoDbClients({ ...base, endpoint: dynamoDbEndpoint }),
    ses: (options.sesClient === 'plain' ? sesClient : sesSendingClient)({ ...base, endpoint: sesEndpoint }),
    eventBridge: eventBridgeClient({ ...base, endpoint: bus.endpoint }),
  };
  injector.attach(faulty.dynamodb.client);
  injector.attach(faulty.ses);
  injector.attach(faulty.eventBridge);
  const clean = {
    dynamodb: dynamoDbClients({ region: 'local', credentials, endpoint: dynamoDbEndpoint }),
    ses: sesSendingClient({ region: 'local', credentials, endpoint: sesEndpoint }),
    eventBridge: eventBridgeClient({ region: 'local', credentials, endpoint: bus.endpoint }),
  };

  let now = new Date('2026-09-01T09:00:00.000Z');
  const clock = {
    now: () => now,
    set: (time: Date | string) => {
      now = new Date(time);
    },
  };
  const tools = (name: string) => {
    const logger = new Logger({ serviceName: name, logLevel: 'SILENT' });
    // Its warnings (a failed invocation published no metric) go to the silent logger, not the console.
    return { logger, metrics: new RecordingMetrics({ namespace: 'Reliability', serviceName: name, logger }) };
  };
  const links = emailLinks('http://127.0.0.1:3000', 'reliability-link-secret', { clock, config });
  /** What SES reports through the configuration set, waiting to be delivered to the engagement handler. */
  const sesReports: BusEvent[] = [];

  function wire(clients: typeof faulty) {
    const store = new DynamoDbCustomerStore({ client: clients.dynamodb.document, tableName, dueShards });
    const publisher = new EventBridgePublisher({ client: clients.eventBridge, busName: 'lifecycle' });
    const changes = customerChanges({
      store,
      clock,
      config,
      publisher,
      // Read at every use (a negative cache time): every read is a call the faults can hit, in a fixed order.
      loadModel: cachedModelLoader(store, -1),
    });
    const sesFeedback = new LocalSesFeedback(
      { publish: async (events) => void sesReports.push(...events) },
      () => clock.now(),
      CONFIGURATION_SET,
    );
    const wrapped = sesFeedback.wrap(
      new SesV2Mailer({ client: clients.ses, from: config.sender.from, configurationSetName: CONFIGURATION_SET }),
    );
    // The local SES has no account to pace against (GetAccount answers 400): without that read, cached a
    // minute, every tick makes the same calls in the same order, which the fault matrix counts on.
    const mailer = { send: (email: Parameters<typeof wrapped.send>[0]) => wrapped.send(email) };
    const dispatcherTools = tools('dispatcher');
    const dispatching = dispatcherDependencies(changes, {
      mailer,
      links,
    });
    return {
      dispatching,
      store,
      publisher,
      sesFeedback,
      dispatcherMetrics: dispatcherTools.metrics,
      webhook: createWebhookHandler({
        ...webhookDependencies({
          config,
          secrets: new EnvironmentWebhookSecrets({}),
          publisher,
        }),
        ...tools('webhook'),
      }),
      customer: createCustomerHandler({ ...changes, hashEmail, ...tools('customer') }),
      emailFeedback: createEmailFeedbackHandler({ ...changes, hashEmail, ...tools('email-feedback') }),
      dispatcher: createDispatcherHandler({ ...dispatching, reserveMs: 0, ...dispatcherTools }),
    };
  }
  const underTest = wire(faulty);
  const calm = wire(clean);

  /** Delivers everything on the bus to the customer handler, as EventBridge would, retrying failures. */
  async function drainBus(options: { rounds?: number; concurrency?: number; calmly?: boolean } = {}) {
    const handlers = options.calmly ? calm : underTest;
    return bus.drain(
      { customer: (event) => invokeLocally('customer', handlers.customer, event) },
      { rounds: options.rounds, concurrency: options.concurrency },
    );
  }

  /**
   * Delivers SES's reports to the engagement handler, each retried until it succeeds (at most `rounds`
   * times), the same envelope each time.
   */
  async function deliverSesReports(options: { rounds?: number; calmly?: boolean } = {}) {
    const handlers = options.calmly ? calm : underTest;
    const reports = sesReports
      .splice(0, sesReports.length)
      .map((report, i) => busEnvelope(report, `ses-report-${i}-${Math.random().toString(36).slice(2)}`));
    let failed = 0;
    for (const report of reports) {
      for (let round = 1; ; round++) {
        try {
          await invokeLocally('email-feedback', handlers.emailFeedback, report);
          break;
        } catch (error) {
          failed++;
          if (round >= (options.rounds ?? 8)) throw error;
        }
      }
    }
    return { failed };
  }

  /**
   * Posts a signed generic webhook as a custom shop does, and retries it at once after a failure (a 5xx),
   * as the shop would, until it is answered 200.
   */
  async function postWebhook(
    body: unknown,
    options: { deliveries?: number; calmly?: boolean; lambdaTimeoutMs?: number } = {},
  ) {
    const handlers = options.calmly ? calm : underTest;
    const raw = JSON.stringify(body);
    let failures = 0;
    for (let delivery = 1; ; delivery++) {
      const event = signedGenericEvent(raw);
      let status: number;
      let answer: Record<string, unknown> = {};
      try {
        const response = await invokeLocally(
          'webhook',
          handlers.webhook,
          event,
          options.lambdaTimeoutMs ?? WEBHOOK_TIMEOUT_MS,
        );
        status = response.statusCode ?? 500;
        answer = JSON.parse(response.body ?? '{}') as Record<string, unknown>;
      } catch {
        status = 500;
      }
      if (status < 300) return { status, answer, failures, deliveries: delivery };
      if (status < 500) throw new Error(`webhook refused: ${status} ${JSON.stringify(answer)}`);
      failures++;
      if (delivery >= (options.deliveries ?? 8)) throw new Error(`webhook still failing after ${delivery} deliveries`);
    }
  }

  /** One scheduled dispatcher invocation at business time `at`; a failed one is returned, not thrown. */
  async function tick(at: Date | string, options: { calmly?: boolean } = {}) {
    clock.set(at);
    const handlers = options.calmly ? calm : underTest;
    try {
      // The whole tick in one invocation: in the stack, the calls of the worker's role.
      const summary: DispatchSummary = await invokeLocally(
        'dispatch-worker',
        handlers.dispatcher,
        { source: 'aws.events' },
        60_000,
      );
      return { ok: true as const, summary };
    } catch (error) {
      return { ok: false as const, error };
    }
  }

  /** A dispatcher tick without the Lambda handler around it, for options the handler does not take. */
  async function dispatch(at: Date | string, options: DispatchOptions & { calmly?: boolean } = {}) {
    clock.set(at);
    const handlers = options.calmly ? calm : underTest;
    return dispatchDueRuns({ ...handlers.dispatching, owner: `tick-${randomUUID()}` }, options);
  }

  return {
    injector,
    dispatch,
    tableName,
    bus,
    clock,
    faulty,
    clean,
    underTest,
    calm,
    /** A store on the clean clients, to read what the product wrote. */
    store: calm.store,
    sesReports,
    drainBus,
    deliverSesReports,
    postWebhook,
    tick,
    stop: () => bus.stop(),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
