import { type Condition, ConditionSchema, type ConditionSubject, evaluate } from '../conditions.js';
import { type Customer, LIFECYCLE_STAGES, type LifecycleStage } from '../customer.js';
import { DurationSchema } from '../duration.js';
import { CampaignDefinitionError } from '../errors.js';
import { ExperimentSchema, IdSchema, type JourneyDefinition, type SendStep } from '../journeys/definition.js';
import { instantAt } from '../schedule/local-time.js';
import { TemplateNameSchema } from '../template-data.js';
import * as z from '../zod.js';

/**
 * A campaign: one email to an audience at a time, defined as code beside the journeys (`campaigns` in
 * lifecycle.config.ts) and run as a journey of one send step (`campaign-<id>`), so that every guardrail,
 * the at-most-once reservation, the timeline and the journey counters apply to it unchanged. Pure.
 */

/** The prefix of a campaign's journey id: `campaign-<campaign id>`. */
export const CAMPAIGN_JOURNEY_PREFIX = 'campaign-';

const DateSchema = z.string().check(
  z.regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, {
    message: 'expected a date such as 2026-12-24',
  }),
);

export const CampaignAudienceSchema = z
  .strictObject({
    /** Customers for whom this condition holds now (the condition language of segments and journeys). */
    where: z.optional(ConditionSchema),
    /** Customers in this segment (built-in or of `segments`) as of their last assessment. */
    segment: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    /** Customers of an imported list (`lifecycle campaigns import-list NAME FILE.csv`). */
    list: z.optional(
      z
        .string()
        .check(z.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'expected lower-case letters, digits, "-" and "_"' })),
    ),
  })
  .check(
    z.refine(
      (audience) => audience.where !== undefined || audience.segment !== undefined || audience.list !== undefined,
      {
        message: 'an audience needs at least one of where, segment or list',
      },
    ),
  );

export const CampaignSendSchema = z.union([
  /** As soon as it is scheduled. */
  z.strictObject({ at: z.literal('now') }),
  /** At this moment (ISO 8601 with a zone or offset). */
  z.strictObject({
    at: z.iso.datetime({ offset: true, message: 'expected "now" or a time such as 2026-12-24T09:00:00Z' }),
  }),
  /** At this hour of this date in each recipient's own time zone. */
  z.strictObject({ localHour: z.number().check(z.int(), z.gte(0), z.lte(23)), on: DateSchema }),
]);

export const CampaignSchema = z.strictObject({
  /** Lower-case letters, digits and "-", as a journey's; its journey is `campaign-<id>`. */
  id: IdSchema.check(
    z.refine((id) => id.length + CAMPAIGN_JOURNEY_PREFIX.length <= 63, {
      message: `at most ${63 - CAMPAIGN_JOURNEY_PREFIX.length} characters`,
    }),
  ),
  description: z.optional(z.string().check(z.maxLength(500))),
  /** The template (a folder of the templates directory) every recipient gets. */
  template: TemplateNameSchema,
  /**
   * Variants of the email tested on a share of the audience, the winner sent to the rest
   * (docs/campaigns.md#experiments). For a campaign the rest wait for the decision unless `holdRest` says
   * otherwise. @default none
   */
  experiment: z.optional(z.safeExtend(ExperimentSchema, { holdRest: z._default(z.boolean(), true) })),
  audience: CampaignAudienceSchema,
  /** The subscription topic of the preference page the campaign belongs to. */
  topic: z.string().check(z.minLength(1)),
  /** A campaign is marketing: it needs consent and obeys quiet hours and the frequency cap. */
  category: z._default(
    z.literal('marketing', { message: 'a campaign is marketing; transactional email comes from journeys' }),
    'marketing',
  ),
  /** Who goes first when the frequency cap holds several sends back. @default normal */
  priority: z._default(z.enum(['high', 'normal', 'low']), 'normal'),
  send: CampaignSendSchema,
  /** The addresses of `lifecycle campaigns schedule ID --test`. @default [] */
  seedList: z._default(z.array(z.email()).check(z.maxLength(50)), []),
  /** An order within this time after the email counts as its conversion. @default P5D */
  conversion: z._default(DurationSchema, 'P5D'),
  /** A send held back longer than this by quiet hours or the cap is dropped, not sent late. @default P1D */
  staleAfter: z._default(DurationSchema, 'P1D'),
});

export type Campaign = z.output<typeof CampaignSchema>;
export type CampaignInput = z.input<typeof CampaignSchema>;

/**
 * Validates a campaign; a bad one throws {@link CampaignDefinitionError} naming the campaign and the field.
 * Called when the configuration is loaded, so that a bad campaign stops `npm start` and `cdk synth`.
 */
export function defineCampaign(input: CampaignInput): Campaign {
  const result = CampaignSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || '(root)';
  throw new CampaignDefinitionError(
    typeof input.id === 'string' ? input.id : '(unnamed)',
    `${field}: ${issue?.message ?? 'invalid'}`,
  );
}

export function campaignJourneyId(campaignId: string): string {
  return `${CAMPAIGN_JOURNEY_PREFIX}${campaignId}`;
}

/** The campaign id of a campaign's journey; `undefined` for any other journey. */
export function campaignIdOf(journeyId: string): string | undefined {
  return journeyId.startsWith(CAMPAIGN_JOURNEY_PREFIX) ? journeyId.slice(CAMPAIGN_JOURNEY_PREFIX.length) : undefined;
}

/** The one step of a campaign's journey. */
export const CAMPAIGN_STEP_ID = 'send';

/**
 * The journey a campaign runs as: one send step, entered only by the campaign (its trigger matches no
 * event), with an order within the conversion window as its goal.
 */
export function campaignJourney(campaign: Campaign): JourneyDefinition {
  const step: SendStep = {
    id: CAMPAIGN_STEP_ID,
    type: 'send',
    template: campaign.template,
    category: campaign.category,
    priority: campaign.priority,
    staleAfter: campaign.staleAfter,
    ...(campaign.experiment === undefined ? {} : { experiment: campaign.experiment }),
  };
  return {
    id: campaignJourneyId(campaign.id),
    name: campaign.description ?? `Campaign ${campaign.id}`,
    ...(campaign.description === undefined ? {} : { description: campaign.description }),
    trigger: { campaign: campaign.id },
    reentry: { policy: 'once' },
    audience: 'subscribers',
    exitOn: [],
    goal: { event: 'order.placed', within: campaign.conversion },
    topic: campaign.topic,
    steps: [step],
  };
}

/**
 * The first moment the campaign may start enrolling: `scheduledAt` for `now`, the time for `at`, and for a
 * local hour the moment that hour comes on that date in the earliest time zone (UTC+14).
 */
export function campaignStartsAt(campaign: Campaign, scheduledAt: Date): Date {
  const send = campaign.send;
  if ('on' in send) return instantAt(dateOf(send.on), send.localHour * 60, 'Etc/GMT-14');
  return send.at === 'now' ? scheduledAt : new Date(send.at);
}

/**
 * When a recipient in `timeZone` gets the campaign, given when the campaign started enrolling (`startedAt`).
 * For a local hour: that hour of the campaign's date in their zone; if it has passed when the campaign
 * starts (it was scheduled late), the same hour the next day it comes, so always within 24 hours of the
 * start and never dropped.
 */
export function sendTimeFor(campaign: Campaign, timeZone: string, startedAt: Date): Date {
  const send = campaign.send;
  if (!('on' in send)) return startedAt;
  const date = dateOf(send.on);
  for (let days = 0; days < 400; days++) {
    const candidate = instantAt(
      { year: date.year, month: date.month, day: date.day + days },
      send.localHour * 60,
      timeZone,
    );
    if (candidate >= startedAt) return candidate;
  }
  return startedAt;
}

/** The customers a campaign may be sent to at all: with an address and, for a list, on the list. */
export function inAudience(
  campaign: Campaign,
  customer: Customer,
  subject: ConditionSubject,
  listed: (customerId: string) => boolean,
): boolean {
  if (customer.email === '') return false;
  const { where, segment, list } = campaign.audience;
  if (segment !== undefined && !subject.segments.includes(segment)) return false;
  if (list !== undefined && !listed(customer.id)) return false;
  return where === undefined || evaluate(where, subject);
}

/** The stages of the buyers the built-in `active` segment holds: every buyer who is neither at risk nor lapsed. */
const ACTIVE_STAGES: readonly LifecycleStage[] = ['first_time_customer', 'repeat_customer', 'loyal', 'vip', 'advocate'];

/**
 * The lifecycle stages a campaign's recipients can only be in, as far as its audience says (`undefined`: it
 * does not narrow them): a `stage` condition, the `stage` fact compared with `eq` or `in`, the built-in
 * segments a stage defines (`at_risk`, `lapsed`, `active`), a segment of `segments` whose condition says one,
 * and `all`/`any` of those. Enrollment reads only these stages of the audience index.
 */
export function audienceStages(
  audience: Campaign['audience'],
  segments: readonly { readonly id: string; readonly condition: Condition }[],
): readonly LifecycleStage[] | undefined {
  const stagesOf = (condition: Condition, seen: ReadonlySet<string>): readonly LifecycleStage[] | undefined => {
    if ('all' in condition) {
      const parts = condition.all.map((part) => stagesOf(part, seen)).filter((part) => part !== undefined);
      return parts.length === 0 ? undefined : parts.reduce((a, b) => a.filter((stage) => b.includes(stage)));
    }
    if ('any' in condition) {
      const parts = condition.any.map((part) => stagesOf(part, seen));
      if (parts.some((part) => part === undefined)) return undefined;
      return LIFECYCLE_STAGES.filter((stage) => parts.some((part) => part?.includes(stage)));
    }
    if ('stage' in condition) return known(condition.stage);
    if ('fact' in condition && condition.fact === 'stage') {
      if (condition.op === 'eq' && typeof condition.value === 'string') return known(condition.value);
      if (condition.op === 'in' && Array.isArray(condition.value)) return known(condition.value);
      return undefined;
    }
    if ('segment' in condition) return segmentStages(condition.segment, seen);
    return undefined;
  };
  const segmentStages = (id: string, seen: ReadonlySet<string>): readonly LifecycleStage[] | undefined => {
    if (id === 'at_risk' || id === 'lapsed') return [id];
    if (id === 'active') return ACTIVE_STAGES;
    const own = segments.find((segment) => segment.id === id);
    if (own === undefined || seen.has(id)) return undefined;
    return stagesOf(own.condition, new Set([...seen, id]));
  };
  const parts: Condition[] = [
    ...(audience.where === undefined ? [] : [audience.where]),
    ...(audience.segment === undefined ? [] : [{ segment: audience.segment }]),
  ];
  return parts.length === 0 ? undefined : stagesOf({ all: parts }, new Set());
}

function known(stages: unknown): readonly LifecycleStage[] {
  const named = Array.isArray(stages) ? stages : [stages];
  return LIFECYCLE_STAGES.filter((stage) => named.includes(stage));
}

function dateOf(text: string): { year: number; month: number; day: number } {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  return { year, month, day };
}
