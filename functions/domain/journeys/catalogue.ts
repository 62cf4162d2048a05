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
  const journeys = builtInJourneys(config)
    .filter(({ enabled }) => enabled)
    .map(({ journey }) => withTopic(journey, config.journeyTopics));
  return new Map(journeys.map((journey) => [journey.id, journey]));
}

/**
 * What is wrong with the journeys' topics of a configuration, if anything: an override naming no journey
 * or an unknown topic, or an enabled journey whose topic is not in `topics` (a disabled one never sends).
 * `parseConfig` reports it as a configuration error.
 */
export function journeyTopicIssue(config: JourneyCatalogueConfig): { field: string; message: string } | undefined {
  const known = Object.keys(config.topics);
  const list = known.length === 0 ? 'none' : known.join(', ');
  const all = builtInJourneys(config);
  const ids = all.map(({ journey }) => journey.id);
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
