import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoDbClients, eventBridgeClient, sesClient, sesSendingClient } from '../functions/adapters/aws-clients.js';
import { ensureTable } from '../functions/adapters/dynamodb/create-table.js';
import { DynamoDbCustomerStore } from '../functions/adapters/dynamodb/customer-store.js';
import { EmulatedTableCustomerStore } from '../functions/adapters/dynamodb/emulated-table.js';
import { DynamoDbSendingLimiter } from '../functions/adapters/dynamodb/sending-limiter.js';
import { hashEmail } from '../functions/adapters/email-hash.js';
import { EventBridgePublisher } from '../functions/adapters/eventbridge-publisher.js';
import { seedTemplates } from '../functions/adapters/ses-templates.js';
import { SesV2Mailer } from '../functions/adapters/ses-v2-mailer.js';
import { wallClock } from '../functions/adapters/system-clock.js';
import { readTemplateFiles } from '../functions/adapters/template-files.js';
import { EnvironmentWebhookSecrets } from '../functions/adapters/webhook-secrets.js';
import { type LifecycleConfig, parseConfig } from '../functions/domain/config.js';
import type { PlanSummary } from '../functions/domain/services/dispatch/plan.js';
import type { DispatchSummary } from '../functions/domain/services/dispatch/summary.js';
import { createCustomerHandler } from '../functions/handlers/customer.js';
import { createPlannerHandler } from '../functions/handlers/dispatch-planner.js';
import { createDispatchWorkerHandler } from '../functions/handlers/dispatch-worker.js';
import { createDispatcherHandler } from '../functions/handlers/dispatcher.js';
import { createEmailFeedbackHandler } from '../functions/handlers/email-feedback.js';
import { METRICS_NAMESPACE } from '../functions/handlers/powertools.js';
import { createWebhookHandler, webhookDependencies } from '../functions/handlers/webhook.js';
import { customerChanges, dispatcherDependencies, emailLinks } from '../functions/handlers/wiring.js';
import { LOCAL_CREDENTIALS } from '../functions/local/credentials.js';
import { invokeLocally } from '../functions/local/lambda-context.js';
import { LocalEventBus } from '../functions/local/local-bus.js';
import { LocalSesFeedback } from '../functions/local/ses-feedback-local.js';
import { SimulatedClock } from '../functions/local/simulated-clock.js';
import type { CustomerStore } from '../functions/ports/customer-store.js';
import type { DueWorkQueue } from '../functions/ports/due-work-queue.js';
import type { BusEvent, EventPublisher } from '../functions/ports/event-publisher.js';
import type { Mailer, OutgoingEmail } from '../functions/ports/mailer.js';
import rawConfig from '../lifecycle.config.js';
import { AwsMeter } from './aws-meter.js';
import type { Engines } from './engines.js';

const CONFIGURATION_SET = 'lifecycle-bench';
const PUBLIC_API_URL = 'https://bench.example.com';

/**
 * The configuration of the bench: the repository's lifecycle.config.ts with every storefront source on
 * (the webhook figures need all four) and quiet hours off, so that sends go out whatever the hour of the
 * run (as tests/helpers/config.ts does).
 */
export function benchConfig(): LifecycleConfig {
  return parseConfig({
    ...rawConfig,
    sources: {
      generic: { enabled: true },
      shopify: { enabled: true },
      woocommerce: { enabled: true },
      stripe: { enabled: true },
    },
    quietHours: false,
  });
}

/** Invocations and busy time per Lambda function, for the request and GB-second prices. */
export class LambdaMeter {
  readonly functions: Record<string, { invocations: number; ms: number }> = {};

  async invoke<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      const entry = this.functions[name] ?? { invocations: 0, ms: 0 };
      this.functions[name] = entry;
      entry.invocations++;
      entry.ms += performance.now() - started;
    }
  }

  snapshot(): Record<string, { invocations: number; ms: number }> {
    return structuredClone(this.functions);
  }
}

/** A mailer that accepts everything and only counts: the dispatcher's own cost, without an SES. */
export class CountingMailer implements Mailer {
  sent = 0;
  async send(_email: OutgoingEmail): Promise<{ readonly messageId: string }> {
    this.sent++;
    return { messageId: `counted-${this.sent}` };
  }
}

/** Bus events kept back until released: SES feedback, measured apart from the sends that caused it. */
export class HeldEvents implements EventPublisher {
  readonly events: BusEvent[] = [];
  async publish(events: readonly BusEvent[]): Promise<void> {
    this.events.push(...events);
  }
  take(): BusEvent[] {
    return this.events.splice(0);
  }
}

export interface Wiring {
  readonly config: LifecycleConfig;
  readonly tableName: string;
  readonly meter: AwsMeter;
  readonly lambdas: LambdaMeter;
  readonly dynamodb: ReturnType<typeof dynamoDbClients>;
  readonly store: DynamoDbCustomerStore;
  /** The product's bus: PutEvents through a metered EventBridge client, delivered to the handlers. */
  readonly bus: LocalEventBus;
  /** SES's reports about the emails sent through {@link sesMailer}, held until released onto the bus. */
  readonly sesReports: HeldEvents;
  readonly sesFeedback: LocalSesFeedback;
  /** SES v2 SendEmail on the local SES, metered, its reports held in {@link sesReports}. */
  readonly sesMailer: Mailer;
  /** The webhook function, as webhook.lambda.ts wires it (secrets from the local defaults). */
  readonly webhook: ReturnType<typeof createWebhookHandler>;
  /** One scheduled dispatcher invocation with `timeoutMs` to run (the Lambda's 60 s by default). */
  dispatch(options?: { readonly mailer?: Mailer; readonly timeoutMs?: number }): Promise<DispatchSummary>;
  /** The fan-out's planner (dispatcher.lambda.ts) putting the due work on `queue`. */
  plan(queue: DueWorkQueue): Promise<PlanSummary>;
  /** The fan-out's worker (dispatch-worker.lambda.ts), as the event source mapping invokes it. */
  worker(options: {
    readonly mailer?: Mailer;
    readonly onFinished: (summary: DispatchSummary) => void;
  }): (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** Delivers the held SES reports to the engagement function and waits for them. */
  releaseSesReports(): Promise<number>;
  /**
   * Delivers what was put on the bus (PutEvents) to the functions the rules target, until nothing is
   * left; returns the number of events put. Until then entries wait, so that each function's work can be
   * measured apart.
   */
  deliverBusEvents(): Promise<number>;
  /** Forgets what was put on the bus without delivering it (the webhook figures measure the webhook alone). */
  dropBusEvents(): void;
  /** Business time: the wall clock plus an offset that only grows. */
  readonly clock: SimulatedClock;
}

let powertoolsQuiet = false;

/**
 * Everything as the Lambda entries (functions/handlers/*.lambda.ts) wire it, on the local engines, with
 * every AWS client metered. EventBridge has no local engine: its client answers PutEvents in-process
 * (counted like any call) and the entries go to the same routing table as the stack's rules.
 */
export async function createWiring(
  engines: Engines,
  options: { readonly tableName?: string; readonly config?: LifecycleConfig } = {},
): Promise<Wiring> {
  if (!powertoolsQuiet) {
    // Metrics go to CloudWatch in AWS; here they would only flood the table (as in the local runtime).
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    powertoolsQuiet = true;
  }
  const config = options.config ?? benchConfig();
  const tableName = options.tableName ?? `bench-${randomUUID().slice(0, 8)}`;
  const meter = new AwsMeter();
  const lambdas = new LambdaMeter();
  const clientOptions = { region: 'local', credentials: LOCAL_CREDENTIALS };
  const dynamodb = dynamoDbClients({ ...clientOptions, endpoint: engines.dynamoDbEndpoint });
  await ensureTable(dynamodb.client, tableName);
  meter.attach(dynamodb.client, 'DynamoDB');
  const ses = sesClient({ ...clientOptions, endpoint: engines.sesEndpoint });
  await seedTemplates(ses, readTemplateFiles('templates'), config.templatePrefix);
  meter.attach(ses, 'SES');

  const store = new DynamoDbCustomerStore({
    client: dynamodb.document,
    tableName,
    dueShards: config.dispatcher.dueShards,
  });
  const powertools = (serviceName: string) => ({
    logger: new Logger({ serviceName, logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  });

  const backlog: BusEvent[] = [];
  const events = eventBridgeClient(clientOptions);
  meter.attach(events, 'EventBridge', (operation, input) => {
    if (operation !== 'PutEvents') return {};
    const entries = (input.Entries ?? []) as {
      Source: string;
      DetailType: string;
      Detail: string;
      Time?: Date;
    }[];
    meter.count('EventBridge.events', entries.length);
    for (const entry of entries) {
      backlog.push({
        source: entry.Source,
        detailType: entry.DetailType,
        detail: JSON.parse(entry.Detail) as unknown,
        time: entry.Time,
      });
    }
    return { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) };
  });
  const publisher = new EventBridgePublisher({ client: events, busName: 'lifecycle-bench' });

  const clock = new SimulatedClock();
  const changes = customerChanges({ store, clock, config, publisher });
  const customer = createCustomerHandler({ ...changes, hashEmail, ...powertools('customer') });
  const emailFeedback = createEmailFeedbackHandler({ ...changes, hashEmail, ...powertools('email-feedback') });
  const bus = new LocalEventBus({
    targets: {
      customer: (event: EventBridgeEvent<string, unknown>) =>
        lambdas.invoke('customer', () => invokeLocally('customer', customer, event, 30_000)),
      emailFeedback: (event: EventBridgeEvent<string, unknown>) =>
        lambdas.invoke('email-feedback', () => invokeLocally('email-feedback', emailFeedback, event, 30_000)),
    },
  });
  const sesReports = new HeldEvents();
  const sesFeedback = new LocalSesFeedback(sesReports, () => clock.now(), CONFIGURATION_SET);
  // The dispatcher's own SES client, as in dispatcher.lambda.ts.
  const sesSending = meter.attach(sesSendingClient({ ...clientOptions, endpoint: engines.sesEndpoint }), 'SES');
  const sesMailer = sesFeedback.wrap(
    new SesV2Mailer({
      client: sesSending,
      from: config.sender.from,
      replyTo: config.sender.replyTo,
      configurationSetName: CONFIGURATION_SET,
    }),
  );
  const links = emailLinks(PUBLIC_API_URL, 'bench-link-secret', changes);
  const dispatcherPowertools = powertools('dispatcher');

  const webhook = createWebhookHandler({
    ...webhookDependencies({
      config,
      secrets: new EnvironmentWebhookSecrets({}),
      publisher,
    }),
    ...powertools('webhook'),
  });

  return {
    config,
    clock,
    tableName,
    meter,
    lambdas,
    dynamodb,
    store,
    bus,
    sesReports,
    sesFeedback,
    sesMailer,
    webhook,
    dispatch: (dispatchOptions = {}) => {
      const handler = createDispatcherHandler({
        ...dispatcherDependencies(changes, {
          mailer: dispatchOptions.mailer ?? sesMailer,
          links,
        }),
        // As in Lambda: the account's limits, shared through the table, when the mailer reports an account.
        sendingLimiter: (account) =>
          DynamoDbSendingLimiter.start({ client: dynamodb.document, tableName, account, time: wallClock }),
        ...dispatcherPowertools,
      });
      return lambdas.invoke('dispatcher', () =>
        invokeLocally('dispatcher', handler, { source: 'aws.events' }, dispatchOptions.timeoutMs ?? 60_000),
      );
    },
    ...fanOutHandlers({
      changes,
      links,
      lambdas,
      powertools,
      sendingLimiter: (account) =>
        DynamoDbSendingLimiter.start({ client: dynamodb.document, tableName, account, time: wallClock }),
      defaultMailer: sesMailer,
    }),
    releaseSesReports: async () => {
      const held = sesReports.take();
      await bus.publish(held);
      await bus.idle();
      return held.length;
    },
    deliverBusEvents: async () => {
      let delivered = 0;
      while (backlog.length > 0) {
        const batch = backlog.splice(0);
        delivered += batch.length;
        await bus.publish(batch);
        await bus.idle();
      }
      return delivered;
    },
    dropBusEvents: () => {
      backlog.length = 0;
    },
  };
}

/** The fan-out's planner and workers on a store of their own, and what they asked of it. */
export interface FanOutWiring {
  readonly config: LifecycleConfig;
  readonly clock: SimulatedClock;
  readonly lambdas: LambdaMeter;
  readonly store: CustomerStore;
  /** Store calls by method (`dueRuns`, `claimRun`, …): the emulated table reports no consumed capacity. */
  readonly calls: Record<string, number>;
  plan: Wiring['plan'];
  worker: Wiring['worker'];
}

/**
 * The same planner and workers as {@link createWiring}'s, on the emulated table (the simulator's store,
 * functions/adapters/dynamodb/emulated-table.ts: the DynamoDB adapter's items, keys and conditions in
 * memory) instead of DynamoDB Local: no engine, no network, so that 100,000 recipients fit in minutes.
 * Every store call is counted by method. No sending limiter: the counting mailer reports no account.
 */
export function createMemoryFanOutWiring(options: { readonly config?: LifecycleConfig } = {}): FanOutWiring {
  if (!powertoolsQuiet) {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    powertoolsQuiet = true;
  }
  const config = options.config ?? benchConfig();
  const calls: Record<string, number> = {};
  const table = new EmulatedTableCustomerStore({ dueShards: config.dispatcher.dueShards });
  const store = new Proxy(table, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        calls[property] = (calls[property] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const lambdas = new LambdaMeter();
  const clock = new SimulatedClock();
  // Nothing listens to the bus in this figure: what the engine publishes is dropped.
  const publisher: EventPublisher = { publish: async () => undefined };
  const changes = customerChanges({ store, clock, config, publisher });
  const links = emailLinks(PUBLIC_API_URL, 'bench-link-secret', changes);
  const powertools = (serviceName: string) => ({
    logger: new Logger({ serviceName, logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  });
  return {
    config,
    clock,
    lambdas,
    store,
    calls,
    ...fanOutHandlers({ changes, links, lambdas, powertools, defaultMailer: new CountingMailer() }),
  };
}

/** The planner (dispatcher.lambda.ts) and a worker (dispatch-worker.lambda.ts) as Lambda invokes them, metered. */
function fanOutHandlers(parts: {
  readonly changes: ReturnType<typeof customerChanges>;
  readonly links: ReturnType<typeof emailLinks>;
  readonly lambdas: LambdaMeter;
  readonly powertools: (serviceName: string) => { logger: Logger; metrics: Metrics };
  readonly sendingLimiter?: Parameters<typeof createDispatchWorkerHandler>[0]['sendingLimiter'];
  readonly defaultMailer: Mailer;
}): Pick<Wiring, 'plan' | 'worker'> {
  const { changes, links, lambdas, powertools } = parts;
  const { store, clock, config } = changes;
  const dispatcherPowertools = powertools('dispatcher');
  return {
    plan: (queue) => {
      const handler = createPlannerHandler({ store, clock, config, queue, mailer: {}, ...dispatcherPowertools });
      return lambdas.invoke('dispatcher', () => invokeLocally('dispatcher', handler, { source: 'aws.events' }, 60_000));
    },
    worker: (workerOptions) => {
      const handler = createDispatchWorkerHandler({
        ...dispatcherDependencies(changes, { mailer: workerOptions.mailer ?? parts.defaultMailer, links }),
        ...(parts.sendingLimiter ? { sendingLimiter: parts.sendingLimiter } : {}),
        onFinished: workerOptions.onFinished,
        ...powertools('dispatch-worker'),
      });
      return (event) =>
        lambdas.invoke('dispatch-worker', () => invokeLocally('dispatch-worker', handler, event, 60_000));
    },
  };
}
