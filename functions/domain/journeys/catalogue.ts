import { z } from 'zod';
import {
  AbandonedCheckoutSettingsSchema,
  abandonedCheckout,
  CrossSellSettingsSchema,
  confirmSubscription,
  crossSell,
  NpsSurveySettingsSchema,
  npsSurvey,
  PostPurchaseSettingsSchema,
  postPurchase,
  ReengagementSettingsSchema,
  RepeatIncentiveSettingsSchema,
  ReplenishmentSettingsSchema,
  ReviewRequestSettingsSchema,
  reengagement,
  repeatIncentive,
  replenishment,
  reviewRequest,
  VipSettingsSchema,
  vipRecognition,
  WelcomeSeriesSettingsSchema,
  WinBackSettingsSchema,
  welcomeSeries,
  winBack,
} from './built-in.js';
import type { JourneyDefinition } from './definition.js';

/**
 * `journeys` in lifecycle.config.ts: the settings of every built-in journey, each journey's schema from its
 * module. The configuration's schema (functions/domain/config.ts) is built with it.
 */
export const JourneySettingsSchema = z
  .strictObject({
    welcomeSeries: WelcomeSeriesSettingsSchema,
    postPurchase: PostPurchaseSettingsSchema,
    repeatIncentive: RepeatIncentiveSettingsSchema,
    reviewRequest: ReviewRequestSettingsSchema,
    npsSurvey: NpsSurveySettingsSchema,
    replenishment: ReplenishmentSettingsSchema,
    crossSell: CrossSellSettingsSchema,
    vip: VipSettingsSchema,
    winBack: WinBackSettingsSchema,
    reengagement: ReengagementSettingsSchema,
    abandonedCheckout: AbandonedCheckoutSettingsSchema,
  })
  .prefault({});
export type JourneySettings = z.output<typeof JourneySettingsSchema>;

/** What of a validated configuration the catalogue reads: a `LifecycleConfig` is one. */
export interface JourneyCatalogueConfig {
  readonly journeys: JourneySettings;
  /** Journeys of your own, validated like the built-in ones; each is enabled. */
  readonly customJourneys: readonly JourneyDefinition[];
  /** The topics of the preference page, by name. */
  readonly topics: Readonly<Record<string, unknown>>;
  /** A journey's topic instead of its built-in one, by journey id. */
  readonly journeyTopics: Readonly<Record<string, string>>;
  readonly deliverability: {
    readonly doubleOptIn: readonly string[];
    readonly confirmationValidFor: string;
  };
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
  const builtIn = ids.length - config.customJourneys.length;
  for (const [index, journey] of config.customJourneys.entries()) {
    const first = ids.indexOf(journey.id);
    if (first !== builtIn + index) {
      return {
        field: `customJourneys.${index}.id`,
        message: `the id "${journey.id}" is taken by ${first < builtIn ? 'a built-in journey' : 'another journey of yours'}; give the journey another id`,
      };
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

/** Every journey, built-in ones built from their settings and then your own, and whether each is enabled. */
function allJourneys(config: JourneyCatalogueConfig): { journey: JourneyDefinition; enabled: boolean }[] {
  return [...builtInJourneys(config), ...config.customJourneys.map((journey) => ({ journey, enabled: true }))];
}

/** Every built-in journey, built from its settings, and whether the configuration enables it. */
function builtInJourneys(config: JourneyCatalogueConfig): { journey: JourneyDefinition; enabled: boolean }[] {
  const j = config.journeys;
  return [
    { journey: welcomeSeries(j.welcomeSeries), enabled: j.welcomeSeries.enabled },
    { journey: postPurchase(j.postPurchase), enabled: j.postPurchase.enabled },
    { journey: repeatIncentive(j.repeatIncentive), enabled: j.repeatIncentive.enabled },
    { journey: reviewRequest(j.reviewRequest), enabled: j.reviewRequest.enabled },
    { journey: npsSurvey(j.npsSurvey), enabled: j.npsSurvey.enabled },
    { journey: replenishment(), enabled: j.replenishment.enabled },
    { journey: crossSell(j.crossSell), enabled: j.crossSell.enabled },
    { journey: vipRecognition(), enabled: j.vip.enabled },
    { journey: winBack(j.winBack), enabled: j.winBack.enabled },
    { journey: reengagement(j.reengagement), enabled: j.reengagement.enabled },
    { journey: abandonedCheckout(j.abandonedCheckout), enabled: j.abandonedCheckout.enabled },
    {
      journey: confirmSubscription(config.deliverability.confirmationValidFor),
      enabled: config.deliverability.doubleOptIn.length > 0,
    },
  ];
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
      step.type === 'send' && !available.has(step.template)
        ? [{ journeyId: journey.id, stepId: step.id, template: step.template }]
        : [],
    ),
  );
}
