import { ConditionSchema } from '../conditions.js';
import { LIFECYCLE_STAGES } from '../customer.js';
import { CalendarDurationSchema, DurationSchema, RecurrenceSchema } from '../duration.js';
import { JourneyDefinitionError } from '../errors.js';
import { CANONICAL_EVENT_TYPES, CATALOGUE_EVENT_TYPES } from '../events.js';
import { OfferSchema } from '../offers.js';
import { TemplateNameSchema } from '../template-data.js';
import * as z from '../zod.js';

/**
 * Events journeys can react to: the canonical ones about customers (not the catalogue's, which are about
 * no one), and the answers to the product's own surveys.
 */
export const JOURNEY_EVENT_TYPES = [
  ...CANONICAL_EVENT_TYPES.filter((type) => !(CATALOGUE_EVENT_TYPES as readonly string[]).includes(type)),
  'survey.answered',
] as const;

/** The events about one product of a customer's: a run they start knows the product (`RunContext.productId`). */
export const PRODUCT_EVENT_TYPES = [
  'product.viewed',
  'product.stock_requested',
  'product.back_in_stock',
  'product.price_dropped',
] as const;

export const IdSchema = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'expected lower-case letters, digits and "-"' }));
const EventTypeSchema = z.string().check(
  z.refine((type) => (JOURNEY_EVENT_TYPES as readonly string[]).includes(type), {
    message: `expected one of ${JOURNEY_EVENT_TYPES.join(', ')}`,
  }),
);
const StageSchema = z.enum(LIFECYCLE_STAGES);
const ClockTimeSchema = z
  .string()
  .check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time of day such as 09:00' }));
/** A step id, or `end` to finish the journey. */
const TargetSchema = z.string().check(z.minLength(1));

/**
 * Fields of the profile that date triggers count from. `birthday` is a day of the year: a trigger counts
 * from its next occurrence, at midnight in the customer's time zone.
 */
export const DATE_FIELDS = ['firstOrderAt', 'lastOrderAt', 'signedUpAt', 'replenishmentDueAt', 'birthday'] as const;
export type DateField = (typeof DATE_FIELDS)[number];

export const TriggerSchema = z.union([
  z.strictObject({
    /** A canonical event (or `survey.answered`), after it was applied to the customer. */
    event: EventTypeSchema,
    where: z.optional(ConditionSchema),
  }),
  z.strictObject({
    stageEntered: z.union([StageSchema, z.array(StageSchema).check(z.minLength(1))]),
    where: z.optional(ConditionSchema),
  }),
  z.strictObject({ segmentEntered: z.string().check(z.minLength(1)), where: z.optional(ConditionSchema) }),
  z.strictObject({
    /**
     * A date relative to a profile field: "21 days after the first order", in the customer's time zone.
     * `every`: the trigger recurs, a run for each occurrence (`P1Y`: yearly on that date).
     */
    after: z.strictObject({
      field: z.enum(DATE_FIELDS),
      delay: CalendarDurationSchema,
      every: z.optional(RecurrenceSchema),
    }),
    where: z.optional(ConditionSchema),
  }),
  /** Entered only by its campaign (functions/domain/campaigns/campaign.ts), never by an event. */
  z.strictObject({ campaign: z.string().check(z.minLength(1)) }),
]);

export const ExitSchema = z.union([
  z.strictObject({ event: EventTypeSchema, where: z.optional(ConditionSchema) }),
  z.strictObject({ segmentLeft: z.string().check(z.minLength(1)) }),
  /** Checked before every step: the run ends as soon as it holds. */
  z.strictObject({ when: ConditionSchema }),
]);

const Base = { id: IdSchema };

/** The engagement an experiment's winner is chosen on, each counted per email sent. */
export const EXPERIMENT_METRICS = ['opens', 'clicks', 'conversions'] as const;
export type ExperimentMetric = (typeof EXPERIMENT_METRICS)[number];

/**
 * An A/B (up to A/B/C/D/E) test of a send step's email: variants of its content (another template) or of its
 * subject (the stored template's subject prints `{{experimentSubject}}`), sent to a test share, and the winner
 * sent to the rest once decided (docs/campaigns.md#experiments).
 */
export const ExperimentSchema = z
  .strictObject({
    /** 2 to 5; the first is the control, the default when no other variant wins. */
    variants: z
      .array(
        z.strictObject({
          id: IdSchema,
          /** Another template, of the same data as the step's own: a content variant. */
          template: z.optional(TemplateNameSchema),
          /** A subject line in place of the template's own: a subject variant. */
          subject: z.optional(
            z
              .string()
              .check(
                z.minLength(1),
                z.maxLength(200),
                z.regex(/^[^\r\n<>"`{}]*$/, { message: 'expected one line of text without <, >, ", `, { or }' }),
              ),
          ),
        }),
      )
      .check(
        z.minLength(2, { message: 'an experiment needs at least 2 variants' }),
        z.maxLength(5, { message: 'an experiment has at most 5 variants' }),
      ),
    /** The share of recipients in the test, split evenly between the variants; 1: a plain split, no winner. */
    testShare: z
      .number()
      .check(z.gt(0, { message: 'expected a share above 0' }), z.lte(1, { message: 'expected a share of at most 1' })),
    /** How long after the step's first test send the winner is chosen. */
    decideAfter: DurationSchema,
    metric: z.enum(EXPERIMENT_METRICS),
    /** One-sided confidence of the test of each variant against the control. @default 0.95 */
    confidence: z._default(z.number().check(z.gt(0.5), z.lt(1)), 0.95),
    /**
     * Recipients outside the test share before the decision: `true`, they wait for it (their send is due at the
     * decision); `false`, they get the control. @default false (a campaign's synthetic journey sets true)
     */
    holdRest: z._default(z.boolean(), false),
  })
  .check(
    z.superRefine((experiment, context) => {
      const seen = new Set<string>();
      experiment.variants.forEach((variant, index) => {
        if (seen.has(variant.id))
          context.addIssue({
            code: 'custom',
            path: ['variants', index, 'id'],
            message: `duplicate variant id "${variant.id}"`,
          });
        seen.add(variant.id);
        if (variant.template !== undefined && variant.subject !== undefined)
          context.addIssue({
            code: 'custom',
            path: ['variants', index],
            message: 'a variant changes the template or the subject, not both',
          });
        if (index > 0 && variant.template === undefined && variant.subject === undefined)
          context.addIssue({
            code: 'custom',
            path: ['variants', index],
            message: 'a variant other than the first needs a template or a subject',
          });
      });
    }),
  );

export const SendStepSchema = z.object({
  ...Base,
  type: z.literal('send'),
  /**
   * Template name without the stack's prefix: a folder of the templates directory. A built-in template has
   * the data contract of the journey module that owns it; any other gets the data every template gets. The
   * templates directory must hold it: the stack and the local runtime check (missingTemplates).
   */
  template: TemplateNameSchema,
  /** Marketing needs consent and obeys quiet hours and the frequency cap; transactional does not. */
  category: z.enum(['marketing', 'transactional']),
  /** Who goes first when the frequency cap holds several sends back. @default normal */
  priority: z._default(z.enum(['high', 'normal', 'low']), 'normal'),
  /** A send held back longer than this by quiet hours or the cap is dropped, not sent late. @default P2D */
  staleAfter: z._default(DurationSchema, 'P2D'),
  /**
   * A single-use offer: each send gets a code of its own, issued once the send is reserved, and the
   * template receives it as `discountCode` with `discountExpiry` and `discountTerms` (docs/journeys.md#offers).
   */
  offer: z.optional(OfferSchema),
  /** An A/B test of this email: variants of its template or subject, and the winner sent to the rest. */
  experiment: z.optional(ExperimentSchema),
  next: z.optional(TargetSchema),
});

export const WaitStepSchema = z.object({
  ...Base,
  type: z.literal('wait'),
  /** A duration (months and years in the customer's calendar), or until a time window of the customer's day. */
  duration: z.optional(CalendarDurationSchema),
  until: z.optional(
    z.strictObject({
      localTime: ClockTimeSchema,
      /** How long after `localTime` the window stays open; inside it the run goes on at once. @default PT2H */
      window: z._default(DurationSchema, 'PT2H'),
    }),
  ),
  next: z.optional(TargetSchema),
});

export const WaitForEventStepSchema = z.object({
  ...Base,
  type: z.literal('waitForEvent'),
  event: EventTypeSchema,
  where: z.optional(ConditionSchema),
  timeout: CalendarDurationSchema,
  onEvent: TargetSchema,
  onTimeout: TargetSchema,
});

export const BranchStepSchema = z.object({
  ...Base,
  type: z.literal('branch'),
  condition: ConditionSchema,
  then: TargetSchema,
  else: TargetSchema,
});

export const SplitStepSchema = z.object({
  ...Base,
  type: z.literal('split'),
  /** Random A/B variants; a customer always gets the same one (a hash of their id and the journey). */
  variants: z
    .array(z.strictObject({ id: IdSchema, weight: z.number().check(z.positive()), next: TargetSchema }))
    .check(z.minLength(1)),
  /** A share that receives nothing, to measure what the journey adds. */
  holdout: z.optional(z.strictObject({ weight: z.number().check(z.positive()) })),
});

export const MarkStepSchema = z.object({
  ...Base,
  type: z.literal('mark'),
  /** `sunset`: no more marketing email until the person engages again. */
  flag: z.enum(['sunset']),
  value: z.boolean(),
  next: z.optional(TargetSchema),
});

export const StepSchema = z.discriminatedUnion('type', [
  SendStepSchema,
  WaitStepSchema,
  WaitForEventStepSchema,
  BranchStepSchema,
  SplitStepSchema,
  MarkStepSchema,
]);

export const JourneyDefinitionSchema = z
  .object({
    id: IdSchema,
    name: z.string().check(z.minLength(1)),
    description: z.optional(z.string()),
    trigger: TriggerSchema,
    /** `once`: at most once ever; `after`: again once the cool-down since the last entry passed; `restart`: a new trigger starts it over. */
    reentry: z.union([
      z.strictObject({ policy: z.literal('once') }),
      z.strictObject({
        policy: z.literal('after'),
        coolDown: CalendarDurationSchema,
        /**
         * `product`: the cool-down counts for each product the triggering event is about (a view of
         * another product may start a run at once); else for the journey as a whole.
         */
        per: z.optional(z.literal('product')),
      }),
      z.strictObject({ policy: z.literal('restart') }),
    ]),
    /** `subscribers`: only people with marketing consent enter. @default subscribers */
    audience: z._default(z.enum(['subscribers', 'everyone']), 'subscribers'),
    exitOn: z._default(z.array(ExitSchema), []),
    /** A conversion: the event within the window after a send is attributed to it (last touch). */
    goal: z.optional(z.strictObject({ event: EventTypeSchema, within: DurationSchema })),
    /** For `lifecycle templates` and the preference page: the subscription topic of this journey. */
    topic: z.optional(z.string()),
    steps: z.array(StepSchema).check(z.minLength(1, { message: 'a journey needs at least one step' })),
  })
  .check(
    z.superRefine((journey, context) => {
      const ids = new Map<string, number>();
      journey.steps.forEach((step, index) => {
        if (ids.has(step.id))
          context.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `duplicate step id "${step.id}"` });
        ids.set(step.id, index);
      });
      journey.steps.forEach((step, index) => {
        for (const [field, target] of targetsOf(step)) {
          if (target !== 'end' && !ids.has(target)) {
            context.addIssue({
              code: 'custom',
              path: ['steps', index, field],
              message: `no step "${target}" in this journey`,
            });
          }
        }
        if (step.type === 'send' && step.experiment?.metric === 'conversions' && journey.goal === undefined) {
          context.addIssue({
            code: 'custom',
            path: ['steps', index, 'experiment', 'metric'],
            message:
              "conversions are counted against the journey's goal: give the journey a goal, or test opens or clicks",
          });
        }
        if (step.type === 'wait' && (step.duration === undefined) === (step.until === undefined)) {
          context.addIssue({
            code: 'custom',
            path: ['steps', index],
            message: 'a wait needs exactly one of duration or until',
          });
        }
      });
      if (
        'after' in journey.trigger &&
        journey.trigger.after.every !== undefined &&
        journey.reentry.policy === 'once'
      ) {
        context.addIssue({
          code: 'custom',
          path: ['reentry', 'policy'],
          message: 'a trigger that recurs (every) needs a reentry policy of after or restart, not once',
        });
      }
      if (
        journey.reentry.policy === 'after' &&
        journey.reentry.per === 'product' &&
        !('event' in journey.trigger && (PRODUCT_EVENT_TYPES as readonly string[]).includes(journey.trigger.event))
      ) {
        context.addIssue({
          code: 'custom',
          path: ['reentry', 'per'],
          message: `a cool-down per product needs a trigger on an event about a product: ${PRODUCT_EVENT_TYPES.join(', ')}`,
        });
      }
      const loop = loopWithoutWait(journey.steps);
      if (loop !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['steps', loop, 'id'],
          message: 'this step is in a loop without a wait: the journey would never stop',
        });
      }
    }),
  );

export type SendStep = z.output<typeof SendStepSchema>;
export type Experiment = z.output<typeof ExperimentSchema>;
export type ExperimentVariant = Experiment['variants'][number];

/** Every template a send step may send: its own, and those of its experiment's content variants. */
export function sendTemplates(step: SendStep): string[] {
  const variants = (step.experiment?.variants ?? []).flatMap((variant) => (variant.template ? [variant.template] : []));
  return [...new Set([step.template, ...variants])];
}
export type WaitStep = z.output<typeof WaitStepSchema>;
export type JourneyStep = z.output<typeof StepSchema>;
export type JourneyTrigger = z.output<typeof TriggerSchema>;
export type JourneyExit = z.output<typeof ExitSchema>;
export type JourneyDefinition = z.output<typeof JourneyDefinitionSchema>;
export type JourneyDefinitionInput = z.input<typeof JourneyDefinitionSchema>;

/** The step after `step` when it names none: the next in the list, or the end. */
export function followingStep(journey: JourneyDefinition, step: JourneyStep): string {
  const index = journey.steps.findIndex((s) => s.id === step.id);
  return journey.steps[index + 1]?.id ?? 'end';
}

export function stepById(journey: JourneyDefinition, id: string | undefined): JourneyStep | undefined {
  return id === undefined || id === 'end' ? undefined : journey.steps.find((step) => step.id === id);
}

function targetsOf(step: JourneyStep): [string, string][] {
  switch (step.type) {
    case 'send':
    case 'wait':
    case 'mark':
      return step.next ? [['next', step.next]] : [];
    case 'waitForEvent':
      return [
        ['onEvent', step.onEvent],
        ['onTimeout', step.onTimeout],
      ];
    case 'branch':
      return [
        ['then', step.then],
        ['else', step.else],
      ];
    case 'split':
      return step.variants.map((variant) => ['variants', variant.next]);
  }
}

/** Index of a step on a cycle that has no wait, if any: such a journey would spin forever. */
function loopWithoutWait(steps: readonly JourneyStep[]): number | undefined {
  const index = new Map(steps.map((step, i) => [step.id, i]));
  const successors = (i: number): number[] => {
    const step = steps[i] as JourneyStep;
    if (step.type === 'wait' || step.type === 'waitForEvent') return [];
    const explicit = targetsOf(step).map(([, target]) => target);
    const targets =
      explicit.length > 0 || step.type === 'branch' || step.type === 'split' ? explicit : [steps[i + 1]?.id ?? 'end'];
    return targets
      .filter((t) => t !== 'end')
      .map((t) => index.get(t))
      .filter((n): n is number => n !== undefined);
  };
  const state = new Array<0 | 1 | 2>(steps.length).fill(0);
  const visit = (i: number): number | undefined => {
    if (state[i] === 1) return i;
    if (state[i] === 2) return undefined;
    state[i] = 1;
    for (const next of successors(i)) {
      const found = visit(next);
      if (found !== undefined) return found;
    }
    state[i] = 2;
    return undefined;
  };
  for (let i = 0; i < steps.length; i++) {
    const found = visit(i);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Validates a journey definition; a bad one throws {@link JourneyDefinitionError} naming the journey and,
 * when the problem is in a step, the step. Called when journeys are loaded, so a bad journey fails the
 * build, the tests, `npm start` and `cdk synth` rather than a customer's send.
 */
export function defineJourney(input: JourneyDefinitionInput): JourneyDefinition {
  const result = JourneyDefinitionSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  let stepId: string | undefined;
  if (path[0] === 'steps' && typeof path[1] === 'number') {
    stepId = input.steps?.[path[1]]?.id ?? `#${path[1] + 1}`;
  }
  const field = path.join('.') || '(root)';
  throw new JourneyDefinitionError(
    typeof input.id === 'string' ? input.id : '(unnamed)',
    stepId,
    `${field}: ${issue?.message ?? 'invalid'}`,
  );
}
