import { CAMPAIGN_JOURNEY_PREFIX, type Campaign, campaignJourney } from '../campaigns/campaign.js';
import type { Offer } from '../offers.js';
import type { ProductRef } from '../product-cards.js';
import * as z from '../zod.js';
import { abandonedCheckout } from './abandoned-checkout/journey.js';
import { anniversary } from './anniversary/journey.js';
import { backInStock } from './back-in-stock/journey.js';
import { birthday } from './birthday/journey.js';
import { browseAbandonment } from './browse-abandonment/journey.js';
import { confirmSubscription } from './confirm-subscription/journey.js';
import { crossSell } from './cross-sell/journey.js';
import { type JourneyDefinition, sendTemplates } from './definition.js';
import type {
  JourneyConfig,
  JourneyModule,
  JourneyTemplate,
  TemplateConfig,
  TemplateContext,
  TemplateDataResult,
} from './journey-module.js';
import { npsSurvey } from './nps-survey/journey.js';
import { postPurchase } from './post-purchase/journey.js';
import { priceDrop } from './price-drop/journey.js';
import { reengagement } from './re-engagement/journey.js';
import { repeatIncentive } from './repeat-incentive/journey.js';
import { replenishment } from './replenishment/journey.js';
import { reviewRequest } from './review-request/journey.js';
import { vipRecognition } from './vip-recognition/journey.js';
import { welcomeSeries } from './welcome-series/journey.js';
import { winBack } from './win-back/journey.js';

/**
 * The built-in journeys, one module each (a folder named by the journey's id), in the order they run and are
 * listed; the confirmation of double opt-in last. Adding one is adding its folder and its line here.
 */
const BUILT_IN = [
  welcomeSeries,
  postPurchase,
  repeatIncentive,
  reviewRequest,
  npsSurvey,
  replenishment,
  crossSell,
  vipRecognition,
  winBack,
  reengagement,
  abandonedCheckout,
  birthday,
  browseAbandonment,
  anniversary,
  backInStock,
  priceDrop,
  confirmSubscription,
] as const;
type BuiltIn = (typeof BUILT_IN)[number];

/** The same list, for code that treats every module alike. */
export const BUILT_IN_JOURNEYS: readonly JourneyModule[] = BUILT_IN;

/** Each module's settings schema, under its key; a module without settings has no key. */
type SettingsShape = { [M in BuiltIn as KeyOf<M>]: SchemaOf<M> };
type KeyOf<M> = M extends JourneyModule<z.ZodMiniType, infer Key, string> ? Key : never;
type SchemaOf<M> = M extends JourneyModule<infer Schema, string, string> ? Schema : never;

/**
 * `journeys` in lifecycle.config.ts: the settings of every built-in journey, each journey's schema from its
 * module. The configuration's schema (functions/domain/config.ts) is built with it.
 */
export const JourneySettingsSchema = z.prefault(
  z.strictObject(
    Object.fromEntries(
      BUILT_IN_JOURNEYS.flatMap(({ settings }) => (settings ? [[settings.key, settings.schema]] : [])),
    ) as SettingsShape,
  ),
  {},
);
export type JourneySettings = z.output<typeof JourneySettingsSchema>;

/** What of a validated configuration the catalogue reads: a `LifecycleConfig` is one. */
export interface JourneyCatalogueConfig extends JourneyConfig {
  readonly journeys: JourneySettings;
  /** Journeys of your own, validated like the built-in ones; each is enabled. */
  readonly customJourneys: readonly JourneyDefinition[];
  /** Campaigns, each run as a journey of its own that only the campaign enrolls in. */
  readonly campaigns?: readonly Campaign[] | undefined;
  /** The topics of the preference page, by name. */
  readonly topics: Readonly<Record<string, unknown>>;
  /** A journey's topic instead of its built-in one, by journey id. */
  readonly journeyTopics: Readonly<Record<string, string>>;
}

/**
 * The journeys a configuration enables, keyed by id: the one list used by Lambda, the local runtime, the
 * simulator and the tests. Building them validates them: a bad journey stops the build here. A journey's
 * topic is its built-in one unless `journeyTopics` gives another.
 */
export function enabledJourneys(config: JourneyCatalogueConfig): ReadonlyMap<string, JourneyDefinition> {
  const journeys = allJourneys(config)
    .filter(({ enabled }) => enabled)
    .map(({ journey }) => withTopic(journey, config.journeyTopics));
  return new Map(journeys.map((journey) => [journey.id, journey]));
}

/** The single-use offers the enabled journeys' send steps give, with the journey and step of each. */
export function enabledOfferSteps(
  config: JourneyCatalogueConfig,
): { readonly journeyId: string; readonly stepId: string; readonly offer: Offer }[] {
  return [...enabledJourneys(config).values()].flatMap((journey) =>
    journey.steps.flatMap((step) =>
      step.type === 'send' && step.offer ? [{ journeyId: journey.id, stepId: step.id, offer: step.offer }] : [],
    ),
  );
}

/** The names of the single-use offers the enabled journeys' send steps give. */
export function enabledOffers(config: JourneyCatalogueConfig): Set<string> {
  return new Set(enabledOfferSteps(config).map(({ offer }) => offer.name));
}

/**
 * What is wrong with the journeys of a configuration, if anything: a journey of your own whose id is
 * taken, a topic override naming no journey or an unknown topic, or an enabled journey whose topic is not
 * in `topics` (a disabled one never sends). `parseConfig` reports it as a configuration error.
 */
export function journeyIssue(config: JourneyCatalogueConfig): { field: string; message: string } | undefined {
  const known = Object.keys(config.topics);
  const list = known.length === 0 ? 'none' : known.join(', ');
  const all = allJourneys(config);
  const ids = all.map(({ journey }) => journey.id);
  const builtIn = ids.length - config.customJourneys.length - (config.campaigns ?? []).length;
  for (const [index, journey] of config.customJourneys.entries()) {
    if (journey.id.startsWith(CAMPAIGN_JOURNEY_PREFIX) || 'campaign' in journey.trigger) {
      return {
        field: `customJourneys.${index}.${'campaign' in journey.trigger ? 'trigger' : 'id'}`,
        message: `journeys named "${CAMPAIGN_JOURNEY_PREFIX}…" and triggered by a campaign are made from campaigns; define a campaign instead`,
      };
    }
    const first = ids.indexOf(journey.id);
    if (first !== builtIn + index) {
      return {
        field: `customJourneys.${index}.id`,
        message: `the id "${journey.id}" is taken by ${first < builtIn ? 'a built-in journey' : 'another journey of yours'}; give the journey another id`,
      };
    }
  }
  const campaigns = config.campaigns ?? [];
  for (const [index, campaign] of campaigns.entries()) {
    if (campaigns.findIndex((other) => other.id === campaign.id) !== index) {
      return { field: `campaigns.${index}.id`, message: `the id "${campaign.id}" is taken by another campaign` };
    }
  }
  for (const [journeyId, topic] of Object.entries(config.journeyTopics)) {
    const field = `journeyTopics.${journeyId}`;
    if (!ids.includes(journeyId))
      return { field, message: `no journey "${journeyId}"; expected one of ${ids.join(', ')}` };
    if (!Object.hasOwn(config.topics, topic)) {
      return {
        field,
        message: `journey "${journeyId}" is given the topic "${topic}", which is not in topics (${list})`,
      };
    }
  }
  for (const [index, campaign] of (config.campaigns ?? []).entries()) {
    if (!Object.hasOwn(config.topics, campaign.topic)) {
      return {
        field: `campaigns.${index}.topic`,
        message: `campaign "${campaign.id}" has the topic "${campaign.topic}", which is not in topics (${list})`,
      };
    }
  }
  for (const { journey, enabled } of all) {
    const topic = withTopic(journey, config.journeyTopics).topic;
    if (enabled && topic !== undefined && !Object.hasOwn(config.topics, topic)) {
      return {
        field: 'topics',
        message: `journey "${journey.id}" has the topic "${topic}", which is not in topics (${list}): add it, or give the journey another topic in journeyTopics`,
      };
    }
  }
  return undefined;
}

function withTopic(journey: JourneyDefinition, overrides: JourneyCatalogueConfig['journeyTopics']): JourneyDefinition {
  const topic = Object.hasOwn(overrides, journey.id) ? overrides[journey.id] : undefined;
  return topic === undefined || topic === journey.topic ? journey : { ...journey, topic };
}

/**
 * Every journey, built-in ones built from their settings, then your own, then those of the campaigns, and
 * whether each is enabled.
 */
function allJourneys(config: JourneyCatalogueConfig): { journey: JourneyDefinition; enabled: boolean }[] {
  return [
    ...builtInJourneys(config),
    ...config.customJourneys.map((journey) => ({ journey, enabled: true })),
    ...(config.campaigns ?? []).map((campaign) => ({ journey: campaignJourney(campaign), enabled: true })),
  ];
}

/** Every built-in journey, built from its settings, and whether the configuration enables it. */
function builtInJourneys(config: JourneyCatalogueConfig): { journey: JourneyDefinition; enabled: boolean }[] {
  return BUILT_IN_JOURNEYS.map((module) => {
    const settings = settingsOf(module, config);
    return { journey: module.journey(settings, config), enabled: module.enabled(settings, config) };
  });
}

/** A module's settings in a configuration: `journeys.<key>`, or nothing for a module without settings. */
function settingsOf(module: JourneyModule, config: Pick<JourneyCatalogueConfig, 'journeys'>): unknown {
  const journeys: Readonly<Record<string, unknown>> = config.journeys;
  return module.settings ? journeys[module.settings.key] : undefined;
}

/** A send whose template is not among those available: the journey, the step and the template it names. */
export interface MissingTemplate {
  readonly journeyId: string;
  readonly stepId: string;
  readonly template: string;
}

/**
 * The sends of these journeys whose template is not among `available` (the folders of the templates
 * directories). The stack refuses to synthesize and the local runtime to start with any: a journey whose
 * template does not exist would fail every send instead.
 */
export function missingTemplates(
  journeys: Iterable<JourneyDefinition>,
  available: ReadonlySet<string>,
): MissingTemplate[] {
  return [...journeys].flatMap((journey) =>
    journey.steps.flatMap((step) =>
      step.type === 'send'
        ? sendTemplates(step)
            .filter((template) => !available.has(template))
            .map((template) => ({ journeyId: journey.id, stepId: step.id, template }))
        : [],
    ),
  );
}

/** The name of a template a built-in journey owns: a folder of templates/. */
export type TemplateName = TemplatesOf<BuiltIn>;
type TemplatesOf<M> = M extends JourneyModule<z.ZodMiniType, string, infer Names> ? Names : never;

/** Each built-in template with the module that owns it. */
const OWNERS: ReadonlyMap<string, { module: JourneyModule; template: JourneyTemplate<unknown> }> = new Map(
  BUILT_IN_JOURNEYS.flatMap((module) =>
    Object.entries(module.templates).map(([name, template]) => [name, { module, template }] as const),
  ),
);

/**
 * The contract of each built-in template, from the module that owns it: the variables its sender provides.
 * A marketer may use any of them, and only them (`lifecycle templates lint` checks it). Money is
 * pre-formatted text in the store's currency; lists are at most ten entries.
 */
export const TEMPLATE_CONTRACTS = Object.fromEntries(
  [...OWNERS].map(([name, { template }]) => [name, template.contract]),
) as { readonly [Name in TemplateName]: z.ZodMiniObject };

export function isKnownTemplate(name: string): name is TemplateName {
  return OWNERS.has(name);
}

/**
 * A built-in template's own data for a send (its owner's builder, with its owner's settings), and its
 * contract; `undefined` for a template no built-in journey owns, which gets only the common data.
 */
export function builtInTemplateData(
  name: string,
  context: TemplateContext<TemplateConfig & Pick<JourneyCatalogueConfig, 'journeys'>>,
): { readonly contract: z.ZodMiniObject; readonly result: TemplateDataResult } | undefined {
  const owner = OWNERS.get(name);
  if (!owner) return undefined;
  const result = owner.template.data?.(settingsOf(owner.module, context.config), context) ?? { data: {} };
  return { contract: owner.template.contract, result };
}

/** The catalogue products a built-in template's data may show in this send; none for any other template. */
export function builtInTemplateProducts(
  name: string,
  context: TemplateContext<TemplateConfig & Pick<JourneyCatalogueConfig, 'journeys'>>,
): readonly ProductRef[] {
  const owner = OWNERS.get(name);
  return owner?.template.products?.(settingsOf(owner.module, context.config), context) ?? [];
}
