import type { Clock } from '../../ports/clock.js';
import type { ClaimedRun, CustomerStore, DueRun } from '../../ports/customer-store.js';
import type { EventPublisher } from '../../ports/event-publisher.js';
import type { Mailer } from '../../ports/mailer.js';
import type { LifecycleConfig } from '../config.js';
import type { Customer } from '../customer.js';
import { durationMs } from '../duration.js';
import { evaluateSend } from '../guardrails.js';
import type { JourneyDefinition, SendStep } from '../journeys/definition.js';
import { type Enrollment, endRun, nextAction } from '../journeys/enrollment.js';
import { buildTemplateData } from '../template-data.js';
import type { TimelineEntry } from '../timeline.js';

export interface DispatchDependencies {
  readonly store: CustomerStore;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  readonly journeys: ReadonlyMap<string, JourneyDefinition>;
  /** Identifies this dispatcher in leases (the Lambda request id, or a local name). */
  readonly owner: string;
  /** The signed one-click unsubscribe URL of a customer. */
  readonly unsubscribeUrl: (customerId: string) => string;
  /** Publishes outbox entries whose writer stopped before it could. */
  readonly publisher: EventPublisher;
  /** Assesses a customer again when a time-driven check falls due (services/assessment.ts). */
  readonly reassess: (customerId: string, dueAt: string) => Promise<unknown>;
}

export interface DispatchOptions {
  /** Checked between runs; a tick stops claiming work when it returns false (Lambda deadline). */
  readonly shouldContinue?: () => boolean;
  /** Runs read from the due index per query. @default 100 */
  readonly batchSize?: number;
  /** Runs handled at the same time. @default 8 */
  readonly concurrency?: number;
}

export interface DispatchSummary {
  claimed: number;
  sent: number;
  suppressed: number;
  skipped: number;
  failed: number;
  completed: number;
  waiting: number;
  /** Due runs another dispatcher held, or that changed under us. */
  busy: number;
  /** Time-driven reassessments of customers. */
  reassessed: number;
  /** Outbox events published on behalf of a writer that stopped. */
  published: number;
}

/**
 * A send step is attempted at most twice. A claim whose step was already claimed once without a saved
 * outcome means a dispatcher stopped somewhere around the SES call: the email may have left. It is sent
 * once more (at most one duplicate); a third claim records the step as skipped instead of sending.
 */
export const MAX_SEND_ATTEMPTS = 2;

/** Retry delays after a failed send: 1, 2, 4 … minutes, at most one hour. */
export function retryDelayMs(failures: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, failures - 1), 3_600_000);
}

/**
 * One dispatcher tick: claims every run that is due, runs its steps through the guardrails, sends, and
 * saves each outcome. Reads only what is due; stops early when `shouldContinue` says so, leaving the rest
 * for the next tick.
 */
export async function dispatchDueRuns(
  dependencies: DispatchDependencies,
  options: DispatchOptions = {},
): Promise<DispatchSummary> {
  const shouldContinue = options.shouldContinue ?? (() => true);
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 8;
  const summary: DispatchSummary = {
    claimed: 0,
    sent: 0,
    suppressed: 0,
    skipped: 0,
    failed: 0,
    completed: 0,
    waiting: 0,
    busy: 0,
    reassessed: 0,
    published: 0,
  };
  const seen = new Set<string>();

  while (shouldContinue()) {
    const due = (await dependencies.store.dueRuns(dependencies.clock.now(), batchSize)).filter(
      (run) => !seen.has(runKey(run)),
    );
    if (due.length === 0) break;
    for (const run of due) seen.add(runKey(run));
    await forEachConcurrently(due, concurrency, async (run) => {
      if (!shouldContinue()) return;
      if (run.kind === 'journey') await dispatchRun(dependencies, run, summary);
      else await dispatchTimer(dependencies, run, summary);
    });
  }
  return summary;
}

function runKey(run: DueRun): string {
  switch (run.kind) {
    case 'journey':
      return `${run.customerId}/journey/${run.journeyId}`;
    case 'outbox':
      return `${run.customerId}/outbox/${run.outboxId}`;
    case 'reassess':
      return `${run.customerId}/reassess`;
  }
}

/** A due reassessment, or an outbox entry left unpublished by a writer that stopped. */
async function dispatchTimer(
  dependencies: DispatchDependencies,
  run: Exclude<DueRun, { kind: 'journey' }>,
  summary: DispatchSummary,
): Promise<void> {
  const { store, clock, config } = dependencies;
  const claim = await store.claimTimer(run, {
    owner: dependencies.owner,
    now: clock.now(),
    leaseMs: durationMs(config.dispatcher.lease),
  });
  if (!claim) {
    summary.busy++;
    return;
  }
  summary.claimed++;
  if (run.kind === 'reassess') {
    await dependencies.reassess(run.customerId, run.dueAt);
    summary.reassessed++;
    return;
  }
  if (claim.event) await dependencies.publisher.publish([claim.event]);
  await store.deleteOutbox(run.customerId, [run.outboxId]);
  summary.published++;
}

async function dispatchRun(
  dependencies: DispatchDependencies,
  run: Extract<DueRun, { kind: 'journey' }>,
  summary: DispatchSummary,
): Promise<void> {
  const { store, clock, config, journeys } = dependencies;
  const now = clock.now();
  let claim = await store.claimRun(run, {
    owner: dependencies.owner,
    now,
    leaseMs: durationMs(config.dispatcher.lease),
  });
  if (!claim) {
    summary.busy++;
    return;
  }
  summary.claimed++;
  const stored = await store.load(claim.customerId);
  const journey = journeys.get(claim.enrollment.journeyId);
  const at = now.toISOString();
  if (!stored || !journey) {
    const reason = stored ? 'journey_disabled' : 'customer_missing';
    await store.saveRunProgress(claim, {
      enrollment: endRun(claim.enrollment, 'exited', at, reason),
      timeline: stored
        ? [{ at, kind: 'journey_exited', journeyId: claim.enrollment.journeyId, runId: claim.enrollment.runId, reason }]
        : [],
      keepLease: false,
    });
    return;
  }

  for (;;) {
    const enrollment: Enrollment = claim.enrollment;
    const action = nextAction(journey, enrollment, now);
    const ids = { journeyId: journey.id, runId: enrollment.runId };
    if (action.kind === 'complete') {
      await store.saveRunProgress(claim, {
        enrollment: endRun(enrollment, 'completed', at),
        timeline: [{ at, kind: 'journey_completed', ...ids }],
        keepLease: false,
      });
      summary.completed++;
      return;
    }
    if (action.kind === 'wait') {
      const saved = await store.saveRunProgress(claim, {
        enrollment: { ...enrollment, stepIndex: enrollment.stepIndex + 1, dueAt: action.until.toISOString() },
        timeline: [],
        keepLease: false,
      });
      if (saved) summary.waiting++;
      else summary.busy++;
      return;
    }

    const outcome = await sendStep(dependencies, claim, stored.customer, action.step, now);
    if (outcome.kind === 'failed') {
      summary.failed++;
      const failures = (enrollment.failures ?? 0) + 1;
      await store.releaseRun(
        { ...claim, enrollment: { ...enrollment, failures } },
        new Date(now.getTime() + retryDelayMs(failures)),
        [
          {
            at,
            kind: 'email_failed',
            ...ids,
            stepId: action.step.id,
            template: action.step.template,
            reason: outcome.reason,
          },
        ],
      );
      return;
    }
    summary[outcome.kind]++;
    const next: Enrollment = { ...enrollment, stepIndex: enrollment.stepIndex + 1, dueAt: at, failures: undefined };
    const saved = await store.saveRunProgress(claim, { enrollment: next, timeline: [outcome.entry], keepLease: true });
    if (!saved) {
      summary.busy++;
      return;
    }
    claim = saved;
  }
}

type SendOutcome =
  | { readonly kind: 'sent' | 'suppressed' | 'skipped'; readonly entry: TimelineEntry }
  | { readonly kind: 'failed'; readonly reason: string };

async function sendStep(
  dependencies: DispatchDependencies,
  claim: ClaimedRun,
  customer: Customer,
  step: SendStep,
  now: Date,
): Promise<SendOutcome> {
  const at = now.toISOString();
  const ids = {
    journeyId: claim.enrollment.journeyId,
    runId: claim.enrollment.runId,
    stepId: step.id,
    template: step.template,
  };
  const decision = evaluateSend(customer, step);
  if (decision.outcome !== 'send') {
    return { kind: 'suppressed', entry: { at, kind: 'email_suppressed', ...ids, reason: decision.reason } };
  }
  if (claim.attempt > MAX_SEND_ATTEMPTS) {
    return { kind: 'skipped', entry: { at, kind: 'email_skipped', ...ids, reason: 'delivery_uncertain' } };
  }
  const unsubscribeUrl = dependencies.unsubscribeUrl(customer.id);
  try {
    const { messageId } = await dependencies.mailer.send({
      to: customer.email,
      templateName: `${dependencies.config.templatePrefix}${step.template}`,
      templateData: buildTemplateData(step.template, customer, { config: dependencies.config, unsubscribeUrl }),
      category: step.category,
      unsubscribeUrl,
      tags: { customer: customer.id, journey: claim.enrollment.journeyId, step: step.id, run: claim.enrollment.runId },
    });
    return {
      kind: 'sent',
      entry: { at, kind: 'email_sent', ...ids, messageId, ...(claim.attempt > 1 ? { retry: true } : {}) },
    };
  } catch (error) {
    return { kind: 'failed', reason: error instanceof Error ? error.name : 'UnknownError' };
  }
}

async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(workers);
}
