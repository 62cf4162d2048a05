import type { Clock } from '../../ports/clock.js';
import type { CampaignRecords, JourneyStatistics, StoreModelRecords } from '../../ports/customer-store.js';
import {
  CAMPAIGN_STEP_ID,
  type Campaign,
  campaignJourney,
  campaignJourneyId,
  inAudience,
  sendTimeFor,
} from '../campaigns/campaign.js';
import {
  type CampaignState,
  CampaignStateError,
  campaignWork,
  cancelled,
  scheduled,
} from '../campaigns/campaign-state.js';
import type { ConditionSubject } from '../conditions.js';
import type { LifecycleConfig } from '../config.js';
import { evaluateSend } from '../guardrails.js';
import { assess } from '../intelligence/assess.js';
import type { StoreModel } from '../intelligence/store-model.js';
import type { SendStep } from '../journeys/definition.js';
import type { Enrollment } from '../journeys/enrollment.js';

/** What starting campaigns needs: their state, the audience scan, the counters, the clock and the model. */
export interface CampaignDependencies {
  readonly store: CampaignRecords &
    Pick<StoreModelRecords, 'scanCustomers'> &
    Pick<JourneyStatistics, 'addJourneyStats'>;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  readonly loadModel: () => Promise<StoreModel | undefined>;
}

/** The parallel scan segments a campaign's audience is read in, side by side. */
export const AUDIENCE_SEGMENTS = 4;

/** One unit of enrollment work: one segment of the parallel scan of every customer. */
export interface AudienceSegment {
  readonly segment: number;
  readonly totalSegments: number;
}

/** What enrolling one segment did: recipients with a run (new or from before), new ones, the latest due time. */
export interface SegmentEnrollment {
  readonly targeted: number;
  readonly enrolled: number;
  readonly lastDueAt?: string | undefined;
}

/**
 * Enrolls the recipients of one audience segment as runs of the campaign's journey, each due at its own
 * send time. A recipient who has a run already keeps it (conditional write): a crashed and restarted
 * enrollment, or two dispatchers enrolling at once, never enroll anyone twice. Consent and suppression are
 * left to the guardrails at send, so that each drop has its reason on the timeline and in the counters;
 * customers without an address, and erased ones (they have no profile), are never enrolled.
 */
export async function startCampaign(
  dependencies: CampaignDependencies,
  campaign: Campaign,
  state: Pick<CampaignState, 'startedAt'>,
  part: AudienceSegment,
): Promise<SegmentEnrollment> {
  const { store, config } = dependencies;
  const startedAt = new Date(state.startedAt ?? dependencies.clock.now().toISOString());
  const journeyId = campaignJourneyId(campaign.id);
  const list = campaign.audience.list === undefined ? undefined : await store.campaignList(campaign.audience.list);
  const model = await dependencies.loadModel();
  let targeted = 0;
  let enrolled = 0;
  let lastDueAt: string | undefined;
  let resumeAfter: string | undefined;
  do {
    const page = await store.scanCustomers(part.segment, part.totalSegments, resumeAfter);
    resumeAfter = page.resumeAfter;
    for (const { customer } of page.customers) {
      const now = dependencies.clock.now();
      const assessment = assess(customer, model, now, config);
      const subject: ConditionSubject = {
        facts: assessment.facts,
        segments: assessment.segments,
        recentEvents: customer.recentEvents,
        now,
      };
      if (!inAudience(campaign, customer, subject, (id) => list?.has(id) ?? false)) continue;
      const dueAt = sendTimeFor(campaign, customer.timezone ?? config.timezone, startedAt).toISOString();
      const at = now.toISOString();
      const enrollment: Enrollment = {
        journeyId,
        runId: `${journeyId}.${customer.id}`,
        status: 'active',
        stepId: CAMPAIGN_STEP_ID,
        dueAt,
        enteredAt: at,
        entries: 1,
      };
      const result = await store.enrollCampaignRun(customer.id, enrollment, [
        { at, kind: 'journey_entered', journeyId, runId: enrollment.runId, trigger: 'campaign', dueAt },
      ]);
      if (result === 'customer_missing') continue;
      if (result === 'enrolled') enrolled++;
      targeted++;
      if (lastDueAt === undefined || dueAt > lastDueAt) lastDueAt = dueAt;
    }
  } while (resumeAfter !== undefined);
  if (enrolled > 0) await store.addJourneyStats([{ journeyId, counters: { entered: enrolled } }]);
  return { targeted, enrolled, lastDueAt };
}

/**
 * The dispatcher tick's campaign work: every configured campaign whose time has come is enrolled (all its
 * audience segments), one whose last send is over is marked sent. Returns the campaigns' states as this
 * tick read or wrote them: the tick's runs look up cancellations there.
 */
export async function startDueCampaigns(
  tick: Omit<CampaignDependencies, 'store'> & { readonly campaignStore?: CampaignDependencies['store'] | undefined },
): Promise<ReadonlyMap<string, CampaignState>> {
  const campaigns = tick.config.campaigns;
  const store = tick.campaignStore;
  if (campaigns.length === 0 || store === undefined) return new Map();
  const dependencies: CampaignDependencies = { ...tick, store };
  const states = await store.campaignStates(campaigns.map((campaign) => campaign.id));
  for (const campaign of campaigns) {
    const state = states.get(campaign.id);
    const now = dependencies.clock.now();
    const work = campaignWork(campaign, state, now);
    if (work === 'none' || state === undefined) continue;
    if (work === 'finish') {
      const sent: CampaignState = { ...state, status: 'sent', sentAt: now.toISOString() };
      if (await store.writeCampaignState(sent)) states.set(campaign.id, next(sent));
      continue;
    }
    let sending = state;
    if (state.status === 'scheduled') {
      sending = { ...state, status: 'sending', startedAt: now.toISOString() };
      // Another dispatcher started it, or it was cancelled: the next tick sees which.
      if (!(await store.writeCampaignState(sending))) continue;
      sending = next(sending);
      states.set(campaign.id, sending);
    }
    const segments = Array.from({ length: AUDIENCE_SEGMENTS }, (_, segment) => ({
      segment,
      totalSegments: AUDIENCE_SEGMENTS,
    }));
    const parts = await Promise.all(segments.map((part) => startCampaign(dependencies, campaign, sending, part)));
    const lastDueAt = parts
      .map((part) => part.lastDueAt)
      .filter((at): at is string => at !== undefined)
      .sort()
      .at(-1);
    const enrolled: CampaignState = {
      ...sending,
      enrolledAt: dependencies.clock.now().toISOString(),
      lastDueAt: lastDueAt ?? sending.startedAt,
      audience: { targeted: parts.reduce((sum, part) => sum + part.targeted, 0) },
    };
    if (await store.writeCampaignState(enrolled)) states.set(campaign.id, next(enrolled));
  }
  return states;
}

/** A campaign's audience now, and what the guardrails would do with each recipient at this moment. */
export interface AudiencePreview {
  readonly audience: number;
  /** Would be sent now. */
  readonly wouldSend: number;
  /** Would be held back or left out now, by the guardrails' reason. */
  readonly heldBack: Readonly<Record<string, number>>;
}

/**
 * Reads the whole audience as enrollment would (every scan segment) and asks the guardrails, as at a send
 * now, about each recipient: what `lifecycle campaigns preview` shows. Writes nothing.
 */
export async function previewAudience(
  dependencies: CampaignDependencies,
  campaign: Campaign,
): Promise<AudiencePreview> {
  const { store, config } = dependencies;
  const list = campaign.audience.list === undefined ? undefined : await store.campaignList(campaign.audience.list);
  const model = await dependencies.loadModel();
  const heldBack: Record<string, number> = {};
  let audience = 0;
  let wouldSend = 0;
  const journey = campaignJourney(campaign);
  const step = journey.steps[0] as SendStep;
  for (let segment = 0; segment < AUDIENCE_SEGMENTS; segment++) {
    let resumeAfter: string | undefined;
    do {
      const page = await store.scanCustomers(segment, AUDIENCE_SEGMENTS, resumeAfter);
      resumeAfter = page.resumeAfter;
      for (const { customer } of page.customers) {
        const now = dependencies.clock.now();
        const assessment = assess(customer, model, now, config);
        const subject = {
          facts: assessment.facts,
          segments: assessment.segments,
          recentEvents: customer.recentEvents,
          now,
        };
        if (!inAudience(campaign, customer, subject, (id) => list?.has(id) ?? false)) continue;
        audience++;
        const decision = evaluateSend(customer, { ...step, topic: journey.topic }, { now, settings: config });
        if (decision.outcome === 'send') wouldSend++;
        else heldBack[decision.reason] = (heldBack[decision.reason] ?? 0) + 1;
      }
    } while (resumeAfter !== undefined);
  }
  return { audience, wouldSend, heldBack };
}

/** Who changes a campaign, and when. */
export interface CampaignActor {
  readonly now: Date;
  /** A name of the person or tool: the operating-system user of the command line. */
  readonly user: string;
}

/** Schedules a campaign: its state item is written once (unless it was cancelled before it started). */
export async function scheduleCampaign(
  store: Pick<CampaignRecords, 'campaignStates' | 'writeCampaignState'>,
  campaign: Campaign,
  by: CampaignActor,
): Promise<CampaignState> {
  const current = (await store.campaignStates([campaign.id])).get(campaign.id);
  const state = scheduled(campaign, current, by);
  if (!(await store.writeCampaignState(state))) {
    throw new CampaignStateError(`campaign "${campaign.id}" changed meanwhile; look at its status and try again`);
  }
  return next(state);
}

/** Cancels a scheduled or sending campaign: the runs not yet sent end with `campaign_cancelled`. */
export async function cancelCampaign(
  store: Pick<CampaignRecords, 'campaignStates' | 'writeCampaignState'>,
  campaignId: string,
  by: CampaignActor,
): Promise<CampaignState> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = (await store.campaignStates([campaignId])).get(campaignId);
    const state = cancelled(current, by);
    // Enrollment moved the state on meanwhile: decide again on the state as it is now.
    if (await store.writeCampaignState(state)) return next(state);
  }
  throw new CampaignStateError(`campaign "${campaignId}" keeps changing; try again`);
}

/** The state as written: one version on. */
function next(state: CampaignState): CampaignState {
  return { ...state, version: (state.version ?? 0) + 1 };
}
