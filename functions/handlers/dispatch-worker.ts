import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ShortCache } from '../adapters/short-cache.js';
import type { CampaignStateWithoutProgress } from '../domain/campaigns/campaign-state.js';
import { durationMs } from '../domain/duration.js';
import { loggedError } from '../domain/errors.js';
import { enrollPage } from '../domain/services/campaigns.js';
import {
  type DueWorkMessage,
  InvalidDueWorkMessageError,
  parseDueWorkMessage,
} from '../domain/services/dispatch/plan.js';
import { templateHeld as readTemplateHeld } from '../domain/services/dispatch/send.js';
import { type DispatchSummary, emptySummary } from '../domain/services/dispatch/summary.js';
import { campaignIdsOf, dispatchDueItems } from '../domain/services/dispatch/tick.js';
import type { DueWorkQueue } from '../ports/due-work-queue.js';
import { type DispatcherHandlerDependencies, dispatching } from './dispatcher.js';

/** How many customers a worker handles side by side within one message. @default 8 */
export const WORKER_CONCURRENCY = 8;

/**
 * How long a worker keeps the campaigns' states and the templates' statuses it read, by the runtime's
 * clock: a cancellation, or a template held for a broken edit, stops the sends within this time.
 */
export const SEND_STATE_TTL_MS = 15_000;

/**
 * The fan-out's worker, fed by the queue's event source mapping one message at a time: claims and runs
 * the message's due items with the tick's own code (`dispatchDueItems`), within the account's shared
 * limits, or enrolls the page of a campaign's audience it holds (`enrollPage`, which puts the next page on
 * the queue). A message whose work failed is reported as a batch item failure and comes back after its
 * visibility timeout (then to the dead-letter queue): what it had done stays done, as the claims and the
 * reservations make a second delivery harmless. A malformed message is dropped with a log line, not retried.
 */
export function createDispatchWorkerHandler(
  dependencies: DispatcherHandlerDependencies & {
    /** Told what each invocation did (the local runtime adds it up; in AWS the metrics say it). */
    readonly onFinished?: ((summary: DispatchSummary) => void) | undefined;
    /**
     * Where the next page of a campaign's enrollment goes; without it, the planner puts it there when the
     * page's mark ends.
     */
    readonly queue?: Pick<DueWorkQueue, 'enqueueEnrollment'> | undefined;
  },
) {
  const { logger } = dependencies;
  const dispatch = dispatching(dependencies);
  // Per container, not per message: the states of the campaigns and templates a message's sends need.
  const now = () => dependencies.clock.now().getTime();
  const campaignStates = new ShortCache<CampaignStateWithoutProgress | undefined>(SEND_STATE_TTL_MS, now);
  const templatesHeld = new ShortCache<boolean>(SEND_STATE_TTL_MS, now);
  const templateHeld = (template: string) =>
    templatesHeld.get(template, () => readTemplateHeld(dependencies, template));
  async function handle(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    const total: DispatchSummary = emptySummary();
    for (const record of event.Records) {
      let message: DueWorkMessage;
      try {
        message = parseDueWorkMessage(record.body);
      } catch (error) {
        if (!(error instanceof InvalidDueWorkMessageError)) throw error;
        logger.error('due work message dropped', { messageId: record.messageId, reason: error.message });
        continue;
      }
      try {
        if (message.kind === 'enroll') {
          const { page } = message;
          const campaign = dependencies.config.campaigns.find((c) => c.id === page.campaignId);
          if (campaign === undefined || dependencies.campaignStore === undefined) {
            logger.error('due work message dropped', {
              messageId: record.messageId,
              reason: 'invalid due work message: enroll.campaignId (no such campaign)',
            });
            continue;
          }
          const enrolled = await enrollPage(
            {
              ...dependencies,
              store: dependencies.campaignStore,
              queue: dependencies.queue ?? { enqueueEnrollment: async () => undefined },
              markMs: durationMs(dependencies.config.dispatcher.lease),
            },
            campaign,
            page,
          );
          logger.info('campaign page enrolled', {
            campaignId: page.campaignId,
            segment: page.segment,
            targeted: enrolled?.targeted ?? 0,
            enrolled: enrolled?.enrolled ?? 0,
            current: enrolled !== undefined,
          });
          continue;
        }
        const { items } = message;
        const store = dependencies.campaignStore;
        const ids = campaignIdsOf(items);
        const states =
          store && ids.length > 0
            ? await campaignStates.getMany(ids, (missing) => store.campaignStatuses(missing))
            : undefined;
        const summary = await dispatch(context, async (work, shouldContinue) => {
          const summary = emptySummary();
          const cached = { ...work, templateHeld, ...(states ? { campaignStates: known(states) } : {}) };
          await dispatchDueItems(cached, items, summary, { shouldContinue, concurrency: WORKER_CONCURRENCY });
          return summary;
        });
        addSummary(total, summary);
      } catch (error) {
        const { name, fields } = loggedError(error);
        logger.error('due work failed; the message comes back', {
          messageId: record.messageId,
          error: name,
          ...(fields ? { fields } : {}),
        });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    logger.info('due work finished', { ...total });
    dependencies.onFinished?.(total);
    return { batchItemFailures: failures };
  }
  return middy(handle).use(injectLambdaContext(logger)).use(logMetrics(dependencies.metrics));
}

/** Adds the counts of `more` to `total` (the lag is the larger of the two). */
export function addSummary(total: DispatchSummary, more: DispatchSummary): void {
  for (const key of Object.keys(total) as (keyof DispatchSummary)[]) {
    total[key] = key === 'backlogAgeMs' ? Math.max(total[key], more[key]) : total[key] + more[key];
  }
}

/** The campaigns' states that exist, by id. */
function known(
  states: ReadonlyMap<string, CampaignStateWithoutProgress | undefined>,
): Map<string, CampaignStateWithoutProgress> {
  return new Map(
    [...states].filter((entry): entry is [string, CampaignStateWithoutProgress] => entry[1] !== undefined),
  );
}
