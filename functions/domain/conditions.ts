import { LIFECYCLE_STAGES } from './customer.js';
import { DurationSchema, durationMs } from './duration.js';
import { RFM_SEGMENTS } from './intelligence/rfm.js';
import * as z from './zod.js';

/**
 * The condition language shared by segments defined in config and by journey filters and branches:
 * conditions over a customer's facts (profile, metrics, predictions), segments, stage, RFM segment, and
 * events within a window. Plain data, so it lives in config files and journey definitions, is validated
 * by zod at load, and is evaluated by one pure function.
 *
 * ```ts
 * { all: [
 *   { fact: 'orderCount', op: 'gte', value: 2 },
 *   { any: [{ segment: 'vip' }, { rfmSegment: ['champions', 'loyal'] }] },
 *   { not: { event: 'order.placed', within: 'P30D' } },
 * ] }
 * ```
 */

/** The facts a condition can test. Money in reporting minor units, durations in days. */
export const FACT_NAMES = [
  'orderCount',
  'revenue',
  'averageOrderValue',
  'daysSinceLastOrder',
  'daysSinceFirstOrder',
  'medianLatencyDays',
  'latencyVariation',
  'lateByDays',
  'predictedClv12m',
  'predictedOrders12m',
  'probabilityAlive',
  'churnRisk',
  'rfmR',
  'rfmF',
  'rfmM',
  'consent',
  'stage',
  'rfmSegment',
  'timezone',
  'locale',
  'acquisitionSource',
  'acquisitionMedium',
  'acquisitionCampaign',
  'npsScore',
  'daysSinceLastActivity',
  'daysSinceLastEmailEngagement',
  'emailsSinceEngagement',
  'daysSinceSignup',
  'checkoutOpen',
] as const;
export type FactName = (typeof FACT_NAMES)[number];
export type FactValue = string | number | boolean | undefined;
export type Facts = Readonly<Record<FactName, FactValue>>;

const ScalarSchema = z.union([z.string(), z.number(), z.boolean()]);

const FactConditionSchema = z.object({
  fact: z.enum(FACT_NAMES),
  op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'exists', 'missing']),
  value: z.optional(z.union([ScalarSchema, z.array(ScalarSchema)])),
});

const EventConditionSchema = z.object({
  /** A canonical event type, e.g. `product.viewed`. */
  event: z.string().check(z.minLength(1)),
  within: DurationSchema,
  /** At least this many such events in the window. @default 1 */
  atLeast: z.optional(z.number().check(z.int(), z.positive())),
  /** Only events about this product or order id. */
  ref: z.optional(z.string()),
});

export type Condition =
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition }
  | z.infer<typeof FactConditionSchema>
  | { readonly segment: string }
  | { readonly stage: string | readonly string[] }
  | { readonly rfmSegment: string | readonly string[] }
  | z.infer<typeof EventConditionSchema>;

const oneOrMany = <T extends readonly [string, ...string[]]>(values: T) =>
  z.union([z.enum(values), z.array(z.enum(values)).check(z.minLength(1))]);

export const ConditionSchema: z.ZodMiniType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(ConditionSchema).check(z.minLength(1)) }),
    z.strictObject({ any: z.array(ConditionSchema).check(z.minLength(1)) }),
    z.strictObject({ not: ConditionSchema }),
    z.catchall(FactConditionSchema, z.never()).check(
      z.superRefine((condition, context) => {
        const needsValue = condition.op !== 'exists' && condition.op !== 'missing';
        if (needsValue && condition.value === undefined)
          context.addIssue({ code: 'custom', message: `op "${condition.op}" needs a value` });
        if (condition.op === 'in' && !Array.isArray(condition.value))
          context.addIssue({ code: 'custom', message: 'op "in" needs a list' });
      }),
    ),
    z.strictObject({ segment: z.string().check(z.minLength(1)) }),
    z.strictObject({ stage: oneOrMany(LIFECYCLE_STAGES) }),
    z.strictObject({ rfmSegment: oneOrMany(RFM_SEGMENTS) }),
    z.catchall(EventConditionSchema, z.never()),
  ]),
) as z.ZodMiniType<Condition>;

/** What a condition is evaluated against: computed once per evaluation by the assessment. */
export interface ConditionSubject {
  readonly facts: Facts;
  readonly segments: readonly string[];
  readonly recentEvents: readonly { readonly type: string; readonly at: string; readonly ref?: string | undefined }[];
  readonly now: Date;
}

export function evaluate(condition: Condition, subject: ConditionSubject): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluate(c, subject));
  if ('any' in condition) return condition.any.some((c) => evaluate(c, subject));
  if ('not' in condition) return !evaluate(condition.not, subject);
  if ('segment' in condition) return subject.segments.includes(condition.segment);
  if ('stage' in condition) return includes(condition.stage, subject.facts.stage);
  if ('rfmSegment' in condition) return includes(condition.rfmSegment, subject.facts.rfmSegment);
  if ('event' in condition) {
    const since = subject.now.getTime() - durationMs(condition.within);
    const count = subject.recentEvents.filter(
      (event) =>
        event.type === condition.event &&
        Date.parse(event.at) >= since &&
        (condition.ref === undefined || event.ref === condition.ref),
    ).length;
    return count >= (condition.atLeast ?? 1);
  }
  return compare(subject.facts[condition.fact], condition.op, condition.value);
}

function includes(wanted: string | readonly string[], actual: FactValue): boolean {
  return typeof actual === 'string' && (typeof wanted === 'string' ? wanted === actual : wanted.includes(actual));
}

function compare(actual: FactValue, op: string, expected: unknown): boolean {
  switch (op) {
    case 'exists':
      return actual !== undefined;
    case 'missing':
      return actual === undefined;
    case 'eq':
      return actual === expected;
    case 'neq':
      return actual !== expected;
    case 'in':
      return Array.isArray(expected) && expected.includes(actual);
  }
  // Ordering comparisons on a missing fact are false: "fewer than 3 orders" does not hold for "unknown".
  if (typeof actual !== 'number' || typeof expected !== 'number') return false;
  switch (op) {
    case 'gt':
      return actual > expected;
    case 'gte':
      return actual >= expected;
    case 'lt':
      return actual < expected;
    case 'lte':
      return actual <= expected;
    default:
      return false;
  }
}
