import type { Clock } from '../../ports/clock.js';
import type { Outbox, OutboxEntry } from '../../ports/customer-store.js';
import type { EventPublisher } from '../../ports/event-publisher.js';
import type { LifecycleConfig } from '../config.js';
import type { Customer, LifecycleStage } from '../customer.js';
import { type Assessment, assess } from '../intelligence/assess.js';
import type { StoreModel } from '../intelligence/store-model.js';
import type { TimelineEntry } from '../timeline.js';

/** The EventBridge `source` of events the product itself publishes about customers. */
export const LIFECYCLE_EVENT_SOURCE = 'lifecycle.customers';

/** Published on the bus whenever a customer's lifecycle stage changes. Ids only: no personal data. */
export interface CustomerStageChanged {
  readonly schemaVersion: 1;
  readonly id: string;
  readonly customerId: string;
  readonly from: LifecycleStage;
  readonly to: LifecycleStage;
  readonly at: string;
}

export interface AssessmentDependencies {
  readonly store: Outbox;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  readonly publisher: EventPublisher;
  /** The store model, cached by the adapter; `undefined` before the first daily run. */
  readonly loadModel: () => Promise<StoreModel | undefined>;
  /**
   * Record stage changes on the timeline but publish nothing: for a backfill of history, whose stage
   * changes are not news (and must not start journeys).
   */
  readonly silent?: boolean | undefined;
}

export interface AssessedChange {
  readonly customer: Customer;
  readonly assessment: Assessment;
  readonly timeline: readonly TimelineEntry[];
  readonly outbox: readonly OutboxEntry[];
}

/**
 * Assesses a customer after a change and folds the result in: stage, segments and RFM on the profile,
 * their changes on the timeline, and a `customer.stage_changed` event in the outbox. `changeId` makes the
 * outbox id stable, so a retried change publishes the same event.
 */
export function applyAssessment(
  before: Customer | undefined,
  after: Customer,
  model: StoreModel | undefined,
  context: {
    readonly now: Date;
    readonly config: LifecycleConfig;
    readonly changeId: string;
    readonly silent?: boolean | undefined;
  },
): AssessedChange {
  const assessment = assess(after, model, context.now, context.config);
  const at = context.now.toISOString();
  const timeline: TimelineEntry[] = [];
  const outbox: OutboxEntry[] = [];
  const previousStage = before?.stage;
  if (previousStage !== assessment.stage) {
    timeline.push({ at, kind: 'stage_changed', from: previousStage ?? 'none', to: assessment.stage });
    if (previousStage !== undefined && !context.silent) {
      const id = `stage:${after.id}:${context.changeId}`;
      const detail: CustomerStageChanged = {
        schemaVersion: 1,
        id,
        customerId: after.id,
        from: previousStage,
        to: assessment.stage,
        at,
      };
      outbox.push({
        id,
        event: { source: LIFECYCLE_EVENT_SOURCE, detailType: 'customer.stage_changed', detail, time: context.now },
      });
    }
  }
  const previousSegments = new Set(before?.segments ?? []);
  const nextSegments = new Set(assessment.segments);
  for (const segment of assessment.segments) {
    if (!previousSegments.has(segment)) timeline.push({ at, kind: 'segment_entered', segment });
  }
  for (const segment of previousSegments) {
    if (!nextSegments.has(segment)) timeline.push({ at, kind: 'segment_left', segment });
  }
  const customer: Customer = {
    ...after,
    stage: assessment.stage,
    segments: assessment.segments,
    rfm: assessment.rfm,
  };
  return { customer, assessment, timeline, outbox };
}

/**
 * Publishes committed outbox entries and removes them. A failure is not an error here: the entries stay
 * due and the dispatcher publishes them within a couple of minutes.
 */
export async function flushOutbox(
  dependencies: Pick<AssessmentDependencies, 'store' | 'publisher'>,
  customerId: string,
  outbox: readonly OutboxEntry[],
): Promise<void> {
  if (outbox.length === 0) return;
  try {
    await dependencies.publisher.publish(outbox.map((entry) => entry.event));
    await dependencies.store.deleteOutbox(
      customerId,
      outbox.map((entry) => entry.id),
    );
  } catch {
    // Left for the dispatcher: at least once, never lost.
  }
}
