import type { CustomerRecords } from '../../ports/customer-store.js';
import type { LifecycleConfig } from '../config.js';
import type { Customer } from '../customer.js';
import { normaliseEmail } from '../email-address.js';
import { type Assessment, assess, type Predictions, roundOrUndefined } from '../intelligence/assess.js';
import type { StoreModel } from '../intelligence/store-model.js';
import type { Enrollment } from '../journeys/enrollment.js';
import type { TimelineEntry } from '../timeline.js';

/**
 * The customer document shown by `GET /_local/customers/{email}` and `lifecycle customer show`: the same
 * fields for the local runtime and a deployed stack. Fields are added as capabilities land; names stay.
 * Stage, segments and the time-dependent metrics are as of the moment the document is made.
 */
export interface CustomerView {
  readonly customer: Customer & { readonly metrics: Customer['metrics'] & CurrentMetrics };
  readonly journeys: readonly Enrollment[];
  readonly timeline: readonly TimelineEntry[];
}

/** Metrics that move with time alone, computed when the document is made. */
export interface CurrentMetrics {
  readonly daysSinceLastOrder?: number | undefined;
  /** The customer's usual time between orders, their own shrunk towards the store's (docs/intelligence.md). */
  readonly usualLatencyDays?: number | undefined;
  readonly expectedNextOrderAt?: string | undefined;
  readonly lateByDays?: number | undefined;
  readonly historicClv: Customer['metrics']['revenue'];
  readonly predictedClv12m?: { readonly amount: number; readonly currency: string } | undefined;
  readonly predictedOrders12m?: number | undefined;
  /** 80% intervals of the two predictions above. */
  readonly predictedOrders12mInterval?: { readonly low: number; readonly high: number } | undefined;
  readonly predictedClv12mInterval?: Predictions['clv12mInterval'] | undefined;
  readonly probabilityAlive?: number | undefined;
  readonly churnRisk?: number | undefined;
  readonly predictionConfidence?: string | undefined;
}

export async function customerView(
  store: CustomerRecords,
  email: string,
  context: {
    readonly now: Date;
    readonly config: LifecycleConfig;
    readonly model?: StoreModel | undefined;
    readonly timelineLimit?: number;
  },
): Promise<CustomerView | undefined> {
  const customerId = await store.findCustomerId(normaliseEmail(email));
  if (customerId === undefined) return undefined;
  const stored = await store.load(customerId);
  if (!stored) return undefined;
  const timeline = await store.timeline(customerId, { limit: context.timelineLimit ?? 200 });
  const assessment = assess(stored.customer, context.model, context.now, context.config);
  const customer = {
    ...stored.customer,
    stage: assessment.stage,
    segments: assessment.segments,
    rfm: assessment.rfm ?? stored.customer.rfm,
  };
  return {
    customer: ordered(
      {
        ...customer,
        metrics: ordered({ ...customer.metrics, ...currentMetrics(customer, assessment) }, METRICS_ORDER),
      },
      CUSTOMER_FIELD_ORDER,
    ),
    journeys: [...stored.enrollments.values()]
      .map(({ enrollment }) => ordered(enrollment, RUN_FIELD_ORDER))
      .sort((a, b) => a.enteredAt.localeCompare(b.enteredAt)),
    timeline: timeline.map((entry) => ordered(entry, ['at', 'kind'])),
  };
}

function currentMetrics(customer: Customer, assessment: Assessment): CurrentMetrics {
  return {
    daysSinceLastOrder: assessment.daysSinceLastOrder,
    usualLatencyDays: roundOrUndefined(assessment.expectedLatencyDays),
    expectedNextOrderAt: assessment.expectedNextOrderAt,
    lateByDays: assessment.lateByDays,
    historicClv: customer.metrics.revenue,
    predictedClv12m: assessment.predictions?.clv12m,
    predictedOrders12m: assessment.predictions?.orders12m,
    predictedOrders12mInterval: assessment.predictions?.orders12mInterval,
    predictedClv12mInterval: assessment.predictions?.clv12mInterval,
    probabilityAlive: assessment.predictions?.probabilityAlive,
    churnRisk: assessment.predictions?.churnRisk,
    predictionConfidence: assessment.predictions?.confidence,
  };
}

const CUSTOMER_FIELD_ORDER = [
  'id',
  'email',
  'firstName',
  'lastName',
  'birthday',
  'timezone',
  'locale',
  'consent',
  'suppressed',
  'stage',
  'metrics',
  'segments',
  'rfm',
  'acquisition',
  'sources',
  'aliases',
  'createdAt',
  'updatedAt',
];
const METRICS_ORDER = [
  'orderCount',
  'revenue',
  'averageOrderValue',
  'firstOrderAt',
  'lastOrderAt',
  'daysSinceLastOrder',
  'latency',
  'usualLatencyDays',
];
const RUN_FIELD_ORDER = ['journeyId', 'runId', 'status', 'stepId', 'dueAt', 'enteredAt', 'endedAt', 'exitReason'];

/** The same object with the given keys first, in that order, so that documents read the same every time. */
function ordered<T extends object>(value: T, first: readonly string[]): T {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  const rank = (key: string) => {
    const index = first.indexOf(key);
    return index === -1 ? first.length : index;
  };
  return Object.fromEntries(entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))) as T;
}
