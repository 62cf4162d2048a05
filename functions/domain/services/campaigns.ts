import type { Clock } from '../../ports/clock.js';
import type {
  AudiencePage,
  CampaignRecords,
  JourneyStatistics,
  StoreModelRecords,
} from '../../ports/customer-store.js';
import type { DueWorkQueue } from '../../ports/due-work-queue.js';
import {
  audienceStages,
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
  type EnrollmentPage,
  enrollmentFinished,
  enrollmentStarted,
  lapsedSegments,
  nextPages,
  pageIsCurrent,
  pagesRequeued,
  scheduled,
  segmentEnrolled,
} from '../campaigns/campaign-state.js';
import type { ConditionSubject } from '../conditions.js';
import type { LifecycleConfig } from '../config.js';
import type { Customer } from '../customer.js';
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

/**
 * One page of a segment of a campaign's audience: through the audience index, only the stages the audience
 * names (every stage when it names none), or, on a table whose profiles are not all in the index yet, a page
 * of the parallel scan of the whole table.
 */
function audiencePage(
  dependencies: CampaignDependencies,
  campaign: Campaign,
  byIndex: boolean,
  page: { readonly segment: number; readonly totalSegments: number; readonly resumeAfter?: string | undefined },
): Promise<AudiencePage> {
  const { store, config } = dependencies;
  if (!byIndex) return store.scanCustomers(page.segment, page.totalSegments, page.resumeAfter);
  const stages = audienceStages(campaign.audience, config.segments);
  return store.readAudience(stages, page.segment, page.totalSegments, page.resumeAfter);
}

/** The parallel scan segments a campaign's audience is read in when a tick enrolls it itself (no queue). */
export const AUDIENCE_SEGMENTS = 4;

/** The most segments a campaign's enrollment runs in: each is an item of its own in the campaign's partition. */
export const MAX_ENROLLMENT_SEGMENTS = 100;

/**
 * The segments a campaign's audience is enrolled in through the due work queue: one per worker
 * (`dispatcher.workers`), so that a big audience is read by all of them side by side, at most
 * {@link MAX_ENROLLMENT_SEGMENTS}.
 */
export function enrollmentSegments(config: Pick<LifecycleConfig, 'dispatcher'>): number {
  return Math.max(1, Math.min(config.dispatcher.workers, MAX_ENROLLMENT_SEGMENTS));
}

/** Where enrollment's pages go: the due work queue, and how long one may wait there or with a worker. */
export interface EnrollmentQueue {
  readonly queue: Pick<DueWorkQueue, 'enqueueEnrollment'>;
  /** After this long a page not yet enrolled is put on the queue again (`dispatcher.lease`). */
  readonly markMs: number;
}

/** What one segment's page enrolled: recipients with a run (new or from before), new ones, the latest due time. */
interface Enrolled {
  targeted: number;
  enrolled: number;
  lastDueAt?: string | undefined;
}

/**
 * Enrolls the recipients among `customers` as runs of the campaign's journey, each due at its own send
 * time. A recipient who has a run already keeps it (conditional write): a page enrolled twice, or two
 * workers enrolling at once, never enroll anyone twice. Consent and suppression are left to the guardrails
 * at send, so that each drop has its reason on the timeline and in the counters; customers without an
 * address, and erased ones (they have no profile), are never enrolled.
 */
async function enrollCustomers(
  dependencies: CampaignDependencies,
  campaign: Campaign,
  startedAt: Date,
  customers: readonly { readonly customer: Customer }[],
): Promise<Enrolled> {
  const { store, config } = dependencies;
  const journeyId = campaignJourneyId(campaign.id);
  const list = campaign.audience.list === undefined ? undefined : await store.campaignList(campaign.audience.list);
  const model = await dependencies.loadModel();
  const result: Enrolled = { targeted: 0, enrolled: 0 };
  for (const { customer } of customers) {
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
    const written = await store.enrollCampaignRun(customer.id, enrollment, [
      { at, kind: 'journey_entered', journeyId, runId: enrollment.runId, trigger: 'campaign', dueAt },
    ]);
    if (written === 'customer_missing') continue;
    if (written === 'enrolled') result.enrolled++;
    result.targeted++;
    if (result.lastDueAt === undefined || dueAt > result.lastDueAt) result.lastDueAt = dueAt;
  }
  if (result.enrolled > 0) await store.addJourneyStats([{ journeyId, counters: { entered: result.enrolled } }]);
  return result;
}

/**
 * Writes of a segment's progress are tried this many times over the segment as it is then: only the
 * deliveries of one page race for it, and the one that loses finds its page no longer current.
 */
const SEGMENT_ATTEMPTS = 3;

/**
 * Writes of the campaign's end of enrollment are tried this many times over the state as it is then (a
 * cancellation, or another writer finishing it, may come between). Should every try lose, the planner
 * finishes it at its next pass.
 */
const FINISH_ATTEMPTS = 5;

/**
 * A worker's enrollment of one page of one segment of a campaign's audience (a due work message of its own,
 * put there by the planner or by the worker of the page before). Only the page its segment waits for is
 * enrolled: a page delivered twice, or one of a cancelled or finished campaign, enrolls nobody. The
 * segment's progress, an item of its own, is written over the version read, then the next page goes on
 * the queue; a page lost on the way is put there again by the planner when its mark ends. The page that
 * finishes the last segment marks the campaign enrolled. Returns what it enrolled, or `undefined` when the
 * page was not current.
 */
export async function enrollPage(
  dependencies: CampaignDependencies & EnrollmentQueue,
  campaign: Campaign,
  page: EnrollmentPage,
): Promise<{ readonly targeted: number; readonly enrolled: number } | undefined> {
  const { store } = dependencies;
  const state = (await store.campaignStates([campaign.id])).get(campaign.id);
  if (!pageIsCurrent(state, page)) return undefined;
  const scanned = await audiencePage(dependencies, campaign, state?.audienceIndex === true, page);
  const startedAt = new Date(state?.startedAt ?? dependencies.clock.now().toISOString());
  const enrolled = await enrollCustomers(dependencies, campaign, startedAt, scanned.customers);
  const result = { ...enrolled, resumeAfter: scanned.resumeAfter };
  for (let attempt = 0; attempt < SEGMENT_ATTEMPTS; attempt++) {
    const now = dependencies.clock.now();
    const current = (await store.campaignStates([campaign.id])).get(campaign.id);
    // Another delivery of this page moved the segment on first, or the campaign was cancelled meanwhile.
    const moved = segmentEnrolled(current, page, result, new Date(now.getTime() + dependencies.markMs));
    if (moved === undefined) return undefined;
    if (!(await store.writeSegmentProgress(campaign.id, page.segment, moved))) continue;
    if (result.resumeAfter !== undefined) {
      await dependencies.queue.enqueueEnrollment([{ ...page, resumeAfter: result.resumeAfter }]);
    } else {
      await finishEnrollment(store, campaign.id, dependencies.clock);
    }
    return enrolled;
  }
  throw new CampaignStateError(`campaign "${campaign.id}" keeps changing; the page is enrolled again`);
}

/** Marks the campaign enrolled once every segment is done (see {@link enrollmentFinished}). */
async function finishEnrollment(store: CampaignDependencies['store'], campaignId: string, clock: Clock): Promise<void> {
  for (let attempt = 0; attempt < FINISH_ATTEMPTS; attempt++) {
    const current = (await store.campaignStates([campaignId])).get(campaignId);
    const finished = enrollmentFinished(current, clock.now());
    if (finished === undefined || (await store.writeCampaignState(finished))) return;
  }
}

/** Writes the progress of `segments` as `state` has it; returns those written (another writer came first for the rest). */
async function writeSegments(
  store: CampaignDependencies['store'],
  state: CampaignState,
  segments: readonly number[],
): Promise<number[]> {
  const written: number[] = [];
  for (const segment of segments) {
    const progress = state.enrollment?.[segment];
    if (progress && (await store.writeSegmentProgress(state.campaignId, segment, progress))) written.push(segment);
  }
  return written;
}

/**
 * The dispatcher's campaign work: every configured campaign whose time has come starts enrolling, one
 * whose last send is over is marked sent. With a queue (the fan-out's planner), enrollment's pages go on
 * the due work queue, one segment of the audience scan each ({@link enrollmentSegments}), for the workers
 * ({@link enrollPage}); a page whose mark ended before it was enrolled is put there again. Without one (a
 * tick that sends itself), the tick enrolls every page itself. Returns the campaigns' states as read or
 * written: the tick's runs look up cancellations there.
 */
export async function startDueCampaigns(
  tick: Omit<CampaignDependencies, 'store'> & {
    readonly campaignStore?: CampaignDependencies['store'] | undefined;
    readonly enrollment?: EnrollmentQueue | undefined;
  },
): Promise<ReadonlyMap<string, CampaignState>> {
  const campaigns = tick.config.campaigns;
  const store = tick.campaignStore;
  if (campaigns.length === 0 || store === undefined) return new Map();
  // A tick without a queue enrolls through one in memory of its own, to the last page, before it sends.
  const pending: EnrollmentPage[] = [];
  const enrollment: EnrollmentQueue = tick.enrollment ?? {
    queue: { enqueueEnrollment: async (pages) => void pending.push(...pages) },
    markMs: INLINE_MARK_MS,
  };
  const segments = tick.enrollment ? enrollmentSegments(tick.config) : AUDIENCE_SEGMENTS;
  const dependencies = { ...tick, store, ...enrollment };
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
    const until = new Date(now.getTime() + enrollment.markMs);
    let pages: EnrollmentPage[];
    if (state.enrollment === undefined) {
      // A campaign that starts now, or whose enrollment began before pages were kept: every segment from the start.
      const started = enrollmentStarted(state, now, segments, until, await store.audienceIndexReady());
      // Another dispatcher moved it first, or it was cancelled: the next pass sees which.
      if (!(await store.writeCampaignState(started))) continue;
      states.set(campaign.id, next(started));
      const all = started.enrollment?.map((_, segment) => segment) ?? [];
      pages = nextPages(started, await writeSegments(store, started, all));
    } else {
      // Every segment done, but the page that finished the last did not mark the campaign enrolled (it stopped).
      const finished = enrollmentFinished(state, now);
      if (finished) {
        if (await store.writeCampaignState(finished)) states.set(campaign.id, next(finished));
        continue;
      }
      const lapsed = lapsedSegments(state, now);
      if (lapsed.length === 0) continue;
      const requeued = pagesRequeued(state, lapsed, until);
      pages = nextPages(requeued, await writeSegments(store, requeued, lapsed));
    }
    await enrollment.queue.enqueueEnrollment(pages);
    for (let page = pending.shift(); page; page = pending.shift()) await enrollPage(dependencies, campaign, page);
    if (tick.enrollment === undefined) {
      const enrolled = (await store.campaignStates([campaign.id])).get(campaign.id);
      if (enrolled) states.set(campaign.id, enrolled);
    }
  }
  return states;
}

/** How long a page of a tick's own enrollment stays marked: it is enrolled before the tick goes on. */
const INLINE_MARK_MS = 120_000;

/** A campaign's audience now, and what the guardrails would do with each recipient at this moment. */
export interface AudiencePreview {
  readonly audience: number;
  /** Would be sent now. */
  readonly wouldSend: number;
  /** Would be held back or left out now, by the guardrails' reason. */
  readonly heldBack: Readonly<Record<string, number>>;
}

/**
 * Reads the whole audience as enrollment would (every segment) and asks the guardrails, as at a send
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
  const byIndex = await store.audienceIndexReady();
  for (let segment = 0; segment < AUDIENCE_SEGMENTS; segment++) {
    let resumeAfter: string | undefined;
    do {
      const page = await audiencePage(dependencies, campaign, byIndex, {
        segment,
        totalSegments: AUDIENCE_SEGMENTS,
        resumeAfter,
      });
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
