import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeEvent } from 'aws-lambda';
import { dynamoDbClients, sesClient, sesSendingClient } from '../adapters/aws-clients.js';
import { ensureTable } from '../adapters/dynamodb/create-table.js';
import { DynamoDbCustomerStore } from '../adapters/dynamodb/customer-store.js';
import { hashEmail } from '../adapters/email-hash.js';
import { cachedModelLoader } from '../adapters/model-cache.js';
import { DirectoryReportArchive } from '../adapters/report/directory-report-archive.js';
import { renderReport } from '../adapters/report/render-report.js';
import { SesStoredTemplates, templateContentHash } from '../adapters/ses-stored-templates.js';
import { seedTemplates } from '../adapters/ses-templates.js';
import { SesV2Mailer } from '../adapters/ses-v2-mailer.js';
import { engineTemplates } from '../adapters/template-files.js';
import { reportUrl } from '../adapters/unsubscribe-token.js';
import { EnvironmentWebhookSecrets } from '../adapters/webhook-secrets.js';
import { nextCampaignWorkAt } from '../domain/campaigns/campaign-state.js';
import type { LifecycleConfig } from '../domain/config.js';
import { durationMs } from '../domain/duration.js';
import { errorName } from '../domain/errors.js';
import { enabledJourneys } from '../domain/journeys/catalogue.js';
import { nextWeeklyRun } from '../domain/reporting/weekly-email.js';
import { customerView } from '../domain/services/customer-view.js';
import { type DispatchSummary, emptySummary } from '../domain/services/dispatch/summary.js';
import { refreshStoreModel } from '../domain/services/refresh-store-model.js';
import { sendWeeklyReport, type WeeklyReportOutcome } from '../domain/services/weekly-report.js';
import { collectDependencies, createCollectHandler } from '../handlers/collect.js';
import { createCustomerHandler } from '../handlers/customer.js';
import { createPlannerHandler } from '../handlers/dispatch-planner.js';
import { addSummary, createDispatchWorkerHandler } from '../handlers/dispatch-worker.js';
import { createEmailFeedbackHandler } from '../handlers/email-feedback.js';
import { METRICS_NAMESPACE } from '../handlers/powertools.js';
import { createTemplateHistoryHandler } from '../handlers/template-history.js';
import { createUnsubscribeHandler } from '../handlers/unsubscribe.js';
import { createWebhookHandler, webhookDependencies } from '../handlers/webhook.js';
import { campaignStarter, customerChanges, dispatcherDependencies, emailLinks } from '../handlers/wiring.js';
import { LocalMetrics, readableLogger } from './console-logs.js';
import { LOCAL_CREDENTIALS } from './credentials.js';
import { InMemoryDueWorkQueue } from './due-work-queue.js';
import { checkJava, startDynamoDbLocal } from './dynamodb-local.js';
import { createLocalServer, type LocalRoute } from './http-server.js';
import { asFunction, invokeLocally } from './lambda-context.js';
import { LocalEventBus } from './local-bus.js';
import { checkPortsFree, listenOnLoopback } from './ports.js';
import { LOCAL_REPORT_KINDS, type LocalReportKind, LocalSesFeedback } from './ses-feedback-local.js';
import { startSesLocal } from './ses-local.js';
import { ClockError, SimulatedClock } from './simulated-clock.js';
import { nextDailyRun, runUntil, type TimeMachineTotals } from './time-machine.js';

/** Credentials the local engines accept; never real ones. */
/** Default secret for unsubscribe links in the local runtime (UNSUBSCRIBE_SECRET overrides). */
export const LOCAL_UNSUBSCRIBE_SECRET = 'local-unsubscribe-secret';
/** The configuration set name the local runtime sends with and reports on, as the stack's does. */
const LOCAL_CONFIGURATION_SET = 'lifecycle-local';

export interface LocalStackOptions {
  readonly config: LifecycleConfig;
  /** Webhook API port; 0 picks a free one. @default 3000 */
  readonly port: number;
  readonly sesPort: number;
  readonly dynamoDbPort: number;
  /** Keep DynamoDB data and the clock here between runs. @default in memory */
  readonly dataDirectory?: string | undefined;
  /**
   * The application's own templates (its journeys' templates, and built-in ones it rewrites), read over the
   * built-in templates as the LifecycleEngine construct reads them. @default the built-in templates only
   */
  readonly templatesDirectory?: string | undefined;
  /** Use already running engines instead of starting them (the tests share one of each). */
  readonly external?: { readonly dynamoDbEndpoint?: string; readonly sesEndpoint?: string };
  /** @default lifecycle-local */
  readonly tableName?: string;
  /** Real-time interval of the background dispatcher; 0 turns it off. @default 1000 */
  readonly dispatchIntervalMs?: number;
  /**
   * Real-time interval of the template check (the template history), which also runs once at start; 0
   * turns it off. @default 300000 (five minutes, as deployed)
   */
  readonly templateCheckIntervalMs?: number;
  /** Secrets and settings, as process.env. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Where one-line activity reports go. @default nowhere */
  readonly log?: (line: string) => void;
  /**
   * How the functions' own log lines (Powertools, at LOG_LEVEL) come out: `json` on stdout, as in AWS, or
   * `readable` lines through `log`, as the runtime's activity lines are (what `npm start` shows).
   * @default json
   */
  readonly functionLogs?: 'json' | 'readable';
  /** Where the weekly reports are kept, which `/report?token=…` serves. @default .lifecycle/out/reports */
  readonly reportsDirectory?: string | undefined;
}

/** What moving the clock did: the time span and the work done on the way (see time-machine.ts). */
export interface ClockAdvance extends Readonly<TimeMachineTotals> {
  readonly from: string;
  readonly to: string;
}

export interface LocalStack {
  readonly urls: { readonly api: string; readonly inbox: string; readonly dynamoDb: string };
  readonly tableName: string;
  readonly clock: SimulatedClock;
  readonly store: DynamoDbCustomerStore;
  readonly bus: LocalEventBus;
  /** Waits for the bus, then dispatches everything due now; returns what the dispatcher did. */
  settle(): Promise<DispatchSummary>;
  /** Runs the daily store model job now. */
  refreshModel(): Promise<unknown>;
  /** Runs the template check now: every edit of a template in the local SES kept as a version, and linted. */
  checkTemplates(): Promise<unknown>;
  /** Runs the weekly report job now: keeps the report and mails it to `report.recipients`, if any. */
  sendWeeklyReport(): Promise<WeeklyReportOutcome>;
  /** Moves the clock forward, running every piece of work on the way at the time it was due. */
  advanceClock(request: { readonly advance?: string; readonly to?: string }): Promise<ClockAdvance>;
  stop(): Promise<void>;
}

/** Workers the local runtime runs side by side, at most (`dispatcher.workers` in AWS). */
const LOCAL_WORKERS = 4;

/** Starts the whole product on this machine: engines, handlers, bus, dispatcher and the webhook API. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const environment = options.environment ?? process.env;
  const config = options.config;
  const tableName = options.tableName ?? 'lifecycle-local';
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };

  try {
    // Before anything starts: the templates every journey sends, Java, then the ports. A busy port is one
    // clear line, never another runtime's engine used silently.
    const templates = engineTemplates(enabledJourneys(config).values(), options.templatesDirectory);
    if (!options.external?.dynamoDbEndpoint) checkJava();
    await checkPortsFree([
      { port: options.port, variable: 'PORT' },
      ...(options.external?.sesEndpoint ? [] : [{ port: options.sesPort, variable: 'SES_PORT' }]),
      ...(options.external?.dynamoDbEndpoint ? [] : [{ port: options.dynamoDbPort, variable: 'DYNAMODB_PORT' }]),
    ]);
    const [dynamoDbEndpoint, sesEndpoint] = await Promise.all([
      options.external?.dynamoDbEndpoint ??
        startDynamoDbLocal({
          port: options.dynamoDbPort,
          dataDirectory: options.dataDirectory ? join(options.dataDirectory, 'dynamodb') : undefined,
        }).then((running) => {
          stops.push(() => running.stop());
          return running.endpoint;
        }),
      options.external?.sesEndpoint ??
        startSesLocal({ port: options.sesPort }).then((running) => {
          stops.push(() => running.stop());
          return running.endpoint;
        }),
    ]);

    const clientOptions = { region: 'local', credentials: LOCAL_CREDENTIALS };
    const dynamodb = dynamoDbClients({ ...clientOptions, endpoint: dynamoDbEndpoint });
    const sesApi = sesClient({ ...clientOptions, endpoint: sesEndpoint });
    await ensureTable(dynamodb.client, tableName);
    // What the stack's custom resource does on a deploy.
    await asFunction('template-seed', () => seedTemplates(sesApi, templates, config.templatePrefix));

    const clock = new SimulatedClock({
      stateFile: options.dataDirectory ? join(options.dataDirectory, 'clock.json') : undefined,
    });
    const store = new DynamoDbCustomerStore({
      client: dynamodb.document,
      tableName,
      dueShards: config.dispatcher.dueShards,
    });
    // Metrics go to CloudWatch in AWS; locally they would only flood the console.
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    const powertools = (serviceName: string) => {
      const loggerOptions = { serviceName, logLevel: (environment.LOG_LEVEL as 'WARN' | undefined) ?? 'WARN' };
      if (options.functionLogs !== 'readable') {
        return {
          logger: new Logger(loggerOptions),
          metrics: new LocalMetrics({ namespace: METRICS_NAMESPACE, serviceName }),
        };
      }
      const logger = readableLogger(loggerOptions, log);
      return { logger, metrics: new LocalMetrics({ namespace: METRICS_NAMESPACE, serviceName, logger }) };
    };

    // Filled in below, once the server knows its port (the port may be chosen by the system).
    let apiUrl = '';
    const linkSecret = environment.UNSUBSCRIBE_SECRET || LOCAL_UNSUBSCRIBE_SECRET;

    // The bus is made below; what handlers publish goes back onto it.
    const publisher = { publish: (events: Parameters<LocalEventBus['publish']>[0]) => bus.publish(events) };
    // What every service that changes a customer needs, as in the Lambda functions; the model is read
    // fresh each time, so that a model job run from the clock shows at once.
    const changes = customerChanges({ store, clock, config, publisher, loadModel: cachedModelLoader(store, 0) });
    const customerHandler = createCustomerHandler({ ...changes, hashEmail, ...powertools('customer') });
    // What SES would report through the configuration set: deliveries at once, the rest on demand.
    const sesFeedback = new LocalSesFeedback(publisher, () => clock.now(), LOCAL_CONFIGURATION_SET);
    const emailFeedbackHandler = createEmailFeedbackHandler({ ...changes, hashEmail, ...powertools('email-feedback') });
    // The fan-out, as in AWS: the scheduled planner puts the due work on a queue, and parallel workers
    // claim and send it (docs/campaigns.md, "Sending at scale"); here the queue is in memory.
    const dueWork = new InMemoryDueWorkQueue();
    const mailer = sesFeedback.wrap(
      new SesV2Mailer({
        client: sesSendingClient({ ...clientOptions, endpoint: sesEndpoint }),
        from: config.sender.from,
        replyTo: config.sender.replyTo,
        configurationSetName: LOCAL_CONFIGURATION_SET,
      }),
    );
    const plannerHandler = createPlannerHandler({
      store,
      clock,
      startCampaigns: campaignStarter({ store, clock, config, queue: dueWork }),
      queue: dueWork,
      config,
      // The local SES has no quotas: the pass enqueues what `dispatcher.planLimit` allows.
      mailer: {},
      reserveMs: 0,
      ...powertools('dispatcher'),
    });
    let worked = emptySummary();
    const workerHandler = createDispatchWorkerHandler({
      ...dispatcherDependencies(changes, { mailer, links: emailLinks(() => apiUrl, linkSecret, changes) }),
      queue: dueWork,
      reserveMs: 0,
      onFinished: (summary) => addSummary(worked, summary),
      ...powertools('dispatch-worker'),
    });
    const localWorkers = Math.min(config.dispatcher.workers, LOCAL_WORKERS);

    // The template history's check, as its schedule runs it: one at a time, apart from the dispatcher.
    const templateHistoryHandler = createTemplateHistoryHandler({
      store,
      templates: new SesStoredTemplates(sesApi, config.templatePrefix),
      clock,
      config,
      hash: templateContentHash,
      ...powertools('template-history'),
    });
    let templateCheck: Promise<unknown> = Promise.resolve();
    const checkTemplates = () => {
      templateCheck = templateCheck.then(async () => {
        const result = (await invokeLocally('template-history', templateHistoryHandler, {
          source: 'local.schedule',
        })) as { kept: { template: string; number: number; verdict: string }[] };
        for (const kept of result.kept.filter((version) => version.number > 1 || version.verdict === 'broken')) {
          const verdict = kept.verdict === 'broken' ? 'fails lint, its sends are held' : 'passes lint';
          log(`templates   ${kept.template} version ${kept.number} kept: ${verdict}`);
        }
      });
      const done = templateCheck;
      templateCheck = templateCheck.catch((error: unknown) => log(`templates   check failed: ${errorName(error)}`));
      return done;
    };

    // One dispatcher pass at a time, like one scheduled invocation after another.
    let exclusive: Promise<unknown> = Promise.resolve();
    const serialised = <T>(work: () => Promise<T>): Promise<T> => {
      const result = exclusive.then(work, work);
      exclusive = result.catch(() => undefined);
      return result;
    };
    const dispatchOnce = async (): Promise<DispatchSummary> => {
      const pages = dueWork.enrollmentPages;
      const planned = await invokeLocally('dispatcher', plannerHandler, { source: 'local.schedule' });
      worked = emptySummary();
      await dueWork.drain(localWorkers, (event) => invokeLocally('dispatch-worker', workerHandler, event));
      if (dueWork.enrollmentPages !== pages) {
        // A campaign's audience was enrolled in this pass: its runs, due now, go at once in a second pass
        // (in AWS, the next minute's).
        await invokeLocally('dispatcher', plannerHandler, { source: 'local.schedule' });
        await dueWork.drain(localWorkers, (event) => invokeLocally('dispatch-worker', workerHandler, event));
      }
      const summary = { ...worked, backlogAgeMs: planned.backlogAgeMs };
      const activity = Object.entries(summary).filter(
        ([key, value]) => value > 0 && key !== 'claimed' && key !== 'busy',
      );
      if (activity.length > 0) log(`dispatcher  ${activity.map(([key, value]) => `${key} ${value}`).join(', ')}`);
      return summary;
    };

    let stopping = false;
    let kick: () => void = () => undefined;
    const bus = new LocalEventBus({
      targets: {
        customer: (event: EventBridgeEvent<string, unknown>) => invokeLocally('customer', customerHandler, event),
        emailFeedback: (event: EventBridgeEvent<string, unknown>) =>
          invokeLocally('email-feedback', emailFeedbackHandler, event),
      },
      onDelivered: () => kick(),
    });
    const webhookHandler = createWebhookHandler({
      ...webhookDependencies({
        config,
        secrets: new EnvironmentWebhookSecrets(environment),
        publisher: bus,
      }),
      businessClock: () => clock.now(),
      ...powertools('webhook'),
    });
    const collectHandler = createCollectHandler({
      ...collectDependencies({ config, store, publisher: bus }),
      businessClock: () => clock.now(),
      ...powertools('collect'),
    });
    const reports = new DirectoryReportArchive(options.reportsDirectory ?? join('.lifecycle', 'out', 'reports'));
    const unsubscribeHandler = createUnsubscribeHandler({
      ...changes,
      storeName: config.storeName,
      tokenSecret: async () => linkSecret,
      reports,
      ...powertools('unsubscribe'),
    });

    const settle = () =>
      serialised(async () => {
        await bus.idle();
        if (lastModelRun !== undefined && nextModelRun() <= clock.now()) await runModelJob();
        const reportAt = nextReportRun();
        if (reportAt !== undefined && reportAt <= clock.now()) await runWeeklyReport();
        return dispatchOnce();
      });

    // The weekly report runs at its weekday and local hour of business time, as its schedule in AWS does.
    const reportSchedule = config.report && {
      weekday: config.report.weekday,
      hour: config.report.hour,
      timeZone: config.report.timeZone ?? config.timezone,
    };
    const startedAt = clock.now();
    let lastReportRun: Date | undefined;
    const nextReportRun = () =>
      reportSchedule ? nextWeeklyRun(lastReportRun ?? startedAt, reportSchedule) : undefined;
    const reportMailer = new SesV2Mailer({
      client: sesSendingClient({ ...clientOptions, endpoint: sesEndpoint }),
      from: config.sender.from,
      replyTo: config.sender.replyTo,
      configurationSetName: LOCAL_CONFIGURATION_SET,
    });
    const runWeeklyReport = async (): Promise<WeeklyReportOutcome> => {
      try {
        const outcome = await asFunction('weekly-report', () =>
          sendWeeklyReport({
            store,
            clock,
            config,
            archive: reports,
            mailer: reportMailer,
            render: renderReport,
            reportLink: (reportId, expiresAt) => reportUrl(apiUrl, reportId, linkSecret, expiresAt),
          }),
        );
        log(`report      ${outcome.reportId} kept, mailed to ${outcome.sent} recipients`);
        return outcome;
      } catch (error) {
        log(`report      failed: ${errorName(error)}`);
        throw error;
      } finally {
        // Once per scheduled time, as EventBridge Scheduler runs it; a failure waits for the next week here.
        lastReportRun = clock.now();
      }
    };

    // The daily model job runs at start, then every day at 03:00 UTC of business time, as in AWS.
    let lastModelRun: Date | undefined;
    const nextModelRun = () => nextDailyRun(lastModelRun ?? clock.now());
    const runModelJob = async () => {
      const result = await asFunction('model-job', () =>
        refreshStoreModel({ ...changes, loadModel: () => store.loadModel(), random: Math.random }),
      );
      lastModelRun = clock.now();
      await bus.idle();
      log(`model       refreshed: ${result.model.customersWithOrders} buyers, ${result.reassessed} reassessed`);
      return result;
    };

    const advanceClock = (request: { readonly advance?: string; readonly to?: string }) =>
      serialised(async (): Promise<ClockAdvance> => {
        const from = clock.now();
        const target =
          request.to !== undefined
            ? new Date(request.to)
            : new Date(from.getTime() + durationMs(request.advance ?? 'PT0S'));
        if (Number.isNaN(target.getTime())) throw new ClockError('"to" is not a valid ISO 8601 time');
        if (target < from) throw new ClockError('the clock only moves forward');
        const totals = await runUntil(target, {
          clock,
          nextDueAt: () => store.nextDueAt(),
          nextScheduledAt: () => nextCampaignWork(store, config),
          nextModelRun,
          runModelJob,
          dispatch: dispatchOnce,
          idle: () => bus.idle(),
          jobs: [{ nextRun: nextReportRun, run: () => runWeeklyReport().catch(() => undefined) }],
        });
        return { from: from.toISOString(), to: clock.now().toISOString(), ...totals };
      });

    const local: LocalRoute = async ({ method, path, body }) => {
      if (path === '/' && method === 'GET') {
        return { status: 200, body: indexPage(apiUrl, sesEndpoint), contentType: 'text/html; charset=utf-8' };
      }
      if (path === '/_local/clock' && method === 'GET') {
        // The store it keeps time for, so that a command reading that store can use this clock.
        return {
          status: 200,
          body: {
            now: clock.now().toISOString(),
            offsetMs: clock.offset,
            store: { dynamoDb: dynamoDbEndpoint, table: tableName },
          },
        };
      }
      if (path === '/_local/clock' && method === 'POST') {
        let request: { advance?: unknown; to?: unknown };
        try {
          request = JSON.parse(body || '{}') as typeof request;
        } catch {
          return { status: 400, body: { error: 'InvalidRequest', message: 'the body is not valid JSON' } };
        }
        if ((request.advance === undefined) === (request.to === undefined)) {
          return {
            status: 400,
            body: {
              error: 'InvalidRequest',
              message: 'give exactly one of "advance" (ISO 8601 duration, e.g. P2D) or "to" (ISO 8601 time)',
            },
          };
        }
        if (
          request.advance !== undefined &&
          (typeof request.advance !== 'string' ||
            !/^P/.test(request.advance) ||
            Number.isNaN(safeDuration(request.advance)))
        ) {
          return {
            status: 400,
            body: {
              error: 'InvalidRequest',
              field: 'advance',
              message: 'expected an ISO 8601 duration in weeks, days, hours, minutes or seconds, such as P2D or PT1H',
            },
          };
        }
        if (request.to !== undefined && typeof request.to !== 'string') {
          return { status: 400, body: { error: 'InvalidRequest', field: 'to', message: 'expected an ISO 8601 time' } };
        }
        try {
          const summary = await advanceClock({
            advance: request.advance as string | undefined,
            to: request.to as string | undefined,
          });
          log(`clock       now ${summary.to} (sent ${summary.sent}, suppressed ${summary.suppressed})`);
          return { status: 200, body: summary };
        } catch (error) {
          if (error instanceof ClockError)
            return { status: 400, body: { error: 'InvalidRequest', message: error.message } };
          throw error;
        }
      }
      const customer = /^\/_local\/customers\/([^/]+)$/.exec(path);
      if (customer && method === 'GET') {
        const view = await customerView(store, decodeURIComponent(customer[1] ?? ''), {
          now: clock.now(),
          config,
          model: await store.loadModel(),
        });
        return view
          ? { status: 200, body: view }
          : { status: 404, body: { error: 'NotFound', message: 'no customer with this email address' } };
      }
      if (path === '/_local/jobs/model' && method === 'POST') {
        const result = await serialised(runModelJob);
        return {
          status: 200,
          body: {
            computedAt: result.model.computedAt,
            customers: result.customers,
            reassessed: result.reassessed,
            model: result.model,
          },
        };
      }
      if (path === '/_local/jobs/weekly-report' && method === 'POST') {
        if (!config.report) {
          return {
            status: 400,
            body: {
              error: 'InvalidRequest',
              field: 'report',
              message: 'lifecycle.config.ts has no report: set report.recipients to mail the weekly report',
            },
          };
        }
        const outcome = await serialised(runWeeklyReport);
        return { status: 200, body: outcome };
      }
      if (path === '/_local/events' && method === 'GET') {
        return { status: 200, body: { events: bus.recent.slice(-100) } };
      }
      if (path === '/_local/ses-events' && method === 'POST') {
        let request: { email?: unknown; messageId?: unknown; kind?: unknown };
        try {
          request = JSON.parse(body || '{}') as typeof request;
        } catch {
          return { status: 400, body: { error: 'InvalidRequest', message: 'the body is not valid JSON' } };
        }
        if (typeof request.kind !== 'string' || !(LOCAL_REPORT_KINDS as readonly string[]).includes(request.kind)) {
          return {
            status: 400,
            body: { error: 'InvalidRequest', message: `"kind" must be one of ${LOCAL_REPORT_KINDS.join(', ')}` },
          };
        }
        const messageId =
          typeof request.messageId === 'string'
            ? request.messageId
            : typeof request.email === 'string'
              ? sesFeedback.latestMessageTo(request.email)
              : undefined;
        if (messageId === undefined || !(await sesFeedback.report(messageId, request.kind as LocalReportKind))) {
          return {
            status: 404,
            body: { error: 'NotFound', message: 'no email sent by this runtime matches "messageId" or "email"' },
          };
        }
        await bus.idle();
        return { status: 202, body: { reported: request.kind, messageId } };
      }
      if (path === '/_local/dead-letters' && method === 'GET') {
        return { status: 200, body: { deadLetters: bus.deadLetters } };
      }
      return { status: 404, body: { error: 'NotFound', message: `no route for ${method} ${path}` } };
    };

    const server = createLocalServer({
      webhook: async (event) => {
        const result = await invokeLocally('webhook', webhookHandler, event);
        const outcome = result.body ? (JSON.parse(result.body) as { status?: string; error?: string }) : {};
        log(`webhook     POST ${event.rawPath} → ${result.statusCode} ${outcome.status ?? outcome.error ?? ''}`);
        return result;
      },
      collect: async (event) => {
        const result = await invokeLocally('collect', collectHandler, event);
        const outcome = result.body ? (JSON.parse(result.body) as { status?: string; error?: string }) : {};
        log(
          `collect     ${event.requestContext.http.method} /collect → ${result.statusCode} ${outcome.status ?? outcome.error ?? ''}`,
        );
        return result;
      },
      unsubscribe: (event) => invokeLocally('unsubscribe', unsubscribeHandler, event),
      local,
    });
    await listenOnLoopback(server, { port: options.port, variable: 'PORT' });
    // A model from the start, so that stages and segments are meaningful at once.
    await serialised(runModelJob);
    stops.push(() => closeServer(server));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // The templates' first versions at start, then a check every five minutes, in the background.
    const templateCheckIntervalMs = options.templateCheckIntervalMs ?? 300_000;
    let templateTimer: NodeJS.Timeout | undefined;
    if (templateCheckIntervalMs !== 0) {
      void checkTemplates().catch(() => undefined);
      templateTimer = setInterval(() => void checkTemplates().catch(() => undefined), templateCheckIntervalMs);
      templateTimer.unref();
    }
    stops.push(async () => {
      if (templateTimer) clearInterval(templateTimer);
      await templateCheck;
    });

    let timer: NodeJS.Timeout | undefined;
    let kicked = false;
    const loop = async () => {
      if (stopping) return;
      kicked = false;
      try {
        await settle();
      } catch (error) {
        log(`dispatcher  failed: ${errorName(error)}`);
      }
      if (!stopping && options.dispatchIntervalMs !== 0)
        timer = setTimeout(loop, kicked ? 0 : (options.dispatchIntervalMs ?? 1000));
    };
    if (options.dispatchIntervalMs !== 0) {
      kick = () => {
        kicked = true;
        if (timer) {
          clearTimeout(timer);
          timer = setTimeout(loop, 0);
        }
      };
      timer = setTimeout(loop, 0);
    }
    stops.push(async () => {
      stopping = true;
      if (timer) clearTimeout(timer);
      await exclusive;
    });

    return {
      urls: { api: apiUrl, inbox: sesEndpoint, dynamoDb: dynamoDbEndpoint },
      tableName,
      clock,
      store,
      bus,
      settle,
      advanceClock,
      refreshModel: () => serialised(runModelJob),
      checkTemplates,
      sendWeeklyReport: () => serialised(runWeeklyReport),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function safeDuration(text: string): number {
  try {
    return durationMs(text);
  } catch {
    return Number.NaN;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function indexPage(api: string, inbox: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Lifecycle engine (local)</title>
<style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:640px;margin:40px auto;padding:0 16px}code{background:#f4f4f5;padding:2px 4px}</style>
<h1>Lifecycle engine, running locally</h1>
<ul>
<li>Webhooks: <code>POST ${api}/webhooks/generic</code> (see docs/webhooks.md)</li>
<li>Inbox: <a href="${inbox}">${inbox}</a></li>
<li>Clock: <code>GET|POST ${api}/_local/clock</code></li>
<li>Customer: <code>GET ${api}/_local/customers/{email}</code></li>
</ul>`;
}

/** A campaign's next start or end, for the clock to stop there. */
async function nextCampaignWork(store: DynamoDbCustomerStore, config: LifecycleConfig): Promise<string | undefined> {
  if (config.campaigns.length === 0) return undefined;
  const states = await store.campaignStates(config.campaigns.map((campaign) => campaign.id));
  return nextCampaignWorkAt(config.campaigns, states);
}
