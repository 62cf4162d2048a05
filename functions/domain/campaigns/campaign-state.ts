import { durationMs } from '../duration.js';
import { type Campaign, campaignStartsAt } from './campaign.js';

/** Where a campaign stands: scheduled, enrolling and sending, done, or cancelled. */
export type CampaignStatus = 'scheduled' | 'sending' | 'sent' | 'cancelled';

/** A campaign's state item (`CAMPAIGN#<id>`), written only over the version read. */
export interface CampaignState {
  readonly campaignId: string;
  readonly status: CampaignStatus;
  /** The first moment its recipients may be enrolled. */
  readonly startsAt: string;
  readonly scheduledAt: string;
  /** Who scheduled it: the operating-system user of `lifecycle campaigns schedule`. */
  readonly scheduledBy: string;
  /** When enrollment began (status `sending`). */
  readonly startedAt?: string | undefined;
  /** When every recipient was enrolled, and the latest due time among them. */
  readonly enrolledAt?: string | undefined;
  readonly lastDueAt?: string | undefined;
  readonly sentAt?: string | undefined;
  readonly cancelledAt?: string | undefined;
  readonly cancelledBy?: string | undefined;
  /** The audience when enrolled: the recipients given a run. */
  readonly audience?: { readonly targeted: number } | undefined;
  /**
   * While enrollment runs (`sending`, no `enrolledAt` yet): where each segment of the audience's parallel
   * scan stands, one entry per segment, each an item of its own (`CAMPAIGN#<id>` / `SEGMENT#<n>`) written
   * over its own version, so that pages of different segments never contend. Gone once every segment is
   * enrolled.
   */
  readonly enrollment?: readonly SegmentProgress[] | undefined;
  /**
   * Enrollment reads the audience through the audience index (its segments are shares of the index's
   * partitions), not with the scan of the whole table; decided once, when enrollment starts.
   */
  readonly audienceIndex?: boolean | undefined;
  /** Optimistic-lock version; `undefined` before the first write. */
  readonly version?: number | undefined;
}

/**
 * A campaign's state item alone, without its segments' progress: what a reader of its status needs (the
 * dispatch's cancel check, the weekly report), read without the segment items.
 */
export type CampaignStateWithoutProgress = Omit<CampaignState, 'enrollment'>;

/** Where one segment of a campaign's audience scan stands while enrollment runs. */
export interface SegmentProgress {
  /** Where the scan of the segment goes on; absent before its first page. */
  readonly resumeAfter?: string | undefined;
  /** Its last page is enrolled. */
  readonly done?: boolean | undefined;
  /** Recipients given a run so far (new or from before), and the latest send time among them. */
  readonly targeted: number;
  readonly lastDueAt?: string | undefined;
  /**
   * Until when its next page waits on the due work queue or with a worker: after that, should the message
   * have been lost, the planner puts the page on the queue again.
   */
  readonly enqueuedUntil: string;
  /** Optimistic-lock version of the segment's own item; `undefined` before its first write. */
  readonly version?: number | undefined;
}

/** One unit of enrollment work, a due work message of its own: the next page of one segment of the scan. */
export interface EnrollmentPage {
  readonly campaignId: string;
  readonly segment: number;
  readonly totalSegments: number;
  /** Where the scan goes on; absent for the segment's first page. */
  readonly resumeAfter?: string | undefined;
}

/** What enrolling one page did: recipients with a run (new or from before), the latest due time, what is next. */
export interface PageEnrolled {
  readonly targeted: number;
  readonly lastDueAt?: string | undefined;
  /** Where the segment's scan goes on; absent when the page was its last. */
  readonly resumeAfter?: string | undefined;
}

/** A change of a campaign's state its current state does not allow. */
export class CampaignStateError extends Error {
  override readonly name = 'CampaignStateError';
}

/**
 * Scheduling: once, unless it was cancelled before a single recipient was enrolled (a run, once made, is
 * never made again, so a campaign cancelled while sending cannot be sent anew: copy it under a new id).
 */
export function scheduled(
  campaign: Campaign,
  current: CampaignState | undefined,
  by: { readonly now: Date; readonly user: string },
): CampaignState {
  if (current !== undefined && !(current.status === 'cancelled' && current.startedAt === undefined)) {
    throw new CampaignStateError(
      `campaign "${campaign.id}" is ${current.status}${current.status === 'cancelled' ? ' after it started sending; give a copy a new id' : ''}: it is scheduled once`,
    );
  }
  return {
    campaignId: campaign.id,
    status: 'scheduled',
    startsAt: campaignStartsAt(campaign, by.now).toISOString(),
    scheduledAt: by.now.toISOString(),
    scheduledBy: by.user,
    version: current?.version,
  };
}

/** Cancelling: while scheduled or sending; a sent campaign is done. */
export function cancelled(
  current: CampaignState | undefined,
  by: { readonly now: Date; readonly user: string },
): CampaignState {
  if (current === undefined) throw new CampaignStateError('the campaign was never scheduled: nothing to cancel');
  if (current.status !== 'scheduled' && current.status !== 'sending') {
    throw new CampaignStateError(
      `campaign "${current.campaignId}" is ${current.status}: only a scheduled or sending campaign can be cancelled`,
    );
  }
  return { ...current, status: 'cancelled', cancelledAt: by.now.toISOString(), cancelledBy: by.user };
}

/** What the tick does with a campaign now: enroll its recipients, mark it sent, or nothing. */
export function campaignWork(
  campaign: Campaign,
  state: CampaignState | undefined,
  now: Date,
): 'enroll' | 'finish' | 'none' {
  if (state === undefined) return 'none';
  if (state.status === 'scheduled') return Date.parse(state.startsAt) <= now.getTime() ? 'enroll' : 'none';
  if (state.status !== 'sending') return 'none';
  if (state.enrolledAt === undefined) return 'enroll';
  // Sent once the last recipient's send has come and its longest wait behind the guardrails is over.
  const over = Date.parse(state.lastDueAt ?? state.enrolledAt) + durationMs(campaign.staleAfter);
  return now.getTime() >= over ? 'finish' : 'none';
}

/**
 * Enrollment begins: the campaign is `sending` (since now, or since it began before) and each of the
 * `segments` of its audience scan has its first page ahead, on the queue until `until`.
 */
export function enrollmentStarted(
  state: CampaignState,
  now: Date,
  segments: number,
  until: Date,
  audienceIndex = false,
): CampaignState {
  return {
    ...state,
    status: 'sending',
    startedAt: state.startedAt ?? now.toISOString(),
    ...(audienceIndex ? { audienceIndex } : {}),
    enrollment: Array.from({ length: segments }, () => ({ targeted: 0, enqueuedUntil: until.toISOString() })),
  };
}

/** The next page of each segment that is not done (all of them, or only those given). */
export function nextPages(state: CampaignState, only?: readonly number[]): EnrollmentPage[] {
  const segments = state.enrollment ?? [];
  return segments.flatMap((progress, segment) =>
    progress.done || (only !== undefined && !only.includes(segment))
      ? []
      : [
          {
            campaignId: state.campaignId,
            segment,
            totalSegments: segments.length,
            ...(progress.resumeAfter === undefined ? {} : { resumeAfter: progress.resumeAfter }),
          },
        ],
  );
}

/** The segments whose page has been on the queue or with a worker past its time: lost, or stuck. */
export function lapsedSegments(state: CampaignState, now: Date): number[] {
  return (state.enrollment ?? []).flatMap((progress, segment) =>
    !progress.done && Date.parse(progress.enqueuedUntil) <= now.getTime() ? [segment] : [],
  );
}

/** The state with the pages of `segments` put on the queue again, until `until`. */
export function pagesRequeued(state: CampaignState, segments: readonly number[], until: Date): CampaignState {
  return {
    ...state,
    enrollment: state.enrollment?.map((progress, segment) =>
      segments.includes(segment) ? { ...progress, enqueuedUntil: until.toISOString() } : progress,
    ),
  };
}

/**
 * Whether `page` is the one its segment waits for: the campaign is sending, enrollment runs in as many
 * segments, and the segment's scan stands where the page starts. A page delivered twice, one a cancelled
 * campaign left behind, or one from elsewhere is not.
 */
export function pageIsCurrent(state: CampaignState | undefined, page: EnrollmentPage): boolean {
  if (state?.status !== 'sending' || state.enrollment?.length !== page.totalSegments) return false;
  const progress = state.enrollment[page.segment];
  return progress !== undefined && !progress.done && progress.resumeAfter === page.resumeAfter;
}

/**
 * The progress of `page`'s segment once the page is enrolled: on to the next page (on the queue until
 * `until`), or done. `undefined` when the page is no longer current (see {@link pageIsCurrent}): nothing
 * to write. Written over the segment's own version: a page delivered twice moves its segment on once.
 */
export function segmentEnrolled(
  state: CampaignState | undefined,
  page: EnrollmentPage,
  result: PageEnrolled,
  until: Date,
): SegmentProgress | undefined {
  if (state === undefined || !pageIsCurrent(state, page)) return undefined;
  const progress = state.enrollment?.[page.segment] as SegmentProgress;
  const lastDueAt = [progress.lastDueAt, result.lastDueAt]
    .filter((at) => at !== undefined)
    .sort()
    .at(-1);
  return {
    targeted: progress.targeted + result.targeted,
    ...(lastDueAt === undefined ? {} : { lastDueAt }),
    ...(result.resumeAfter === undefined ? { done: true } : { resumeAfter: result.resumeAfter }),
    enqueuedUntil: until.toISOString(),
    version: progress.version,
  };
}

/**
 * The campaign once every segment of its enrollment is done: enrolled, with its audience and latest send
 * time. `undefined` while a segment is not done, or when the campaign is no longer enrolling (enrolled
 * already, or cancelled): nothing to write. Whichever writer sees every segment done first writes it.
 */
export function enrollmentFinished(state: CampaignState | undefined, now: Date): CampaignState | undefined {
  if (state?.status !== 'sending' || state.enrolledAt !== undefined || state.enrollment === undefined) return undefined;
  if (state.enrollment.some((progress) => !progress.done)) return undefined;
  const lastDueAt = state.enrollment
    .map((progress) => progress.lastDueAt)
    .filter((at) => at !== undefined)
    .sort()
    .at(-1);
  return {
    ...state,
    enrollment: undefined,
    enrolledAt: now.toISOString(),
    lastDueAt: lastDueAt ?? state.startedAt,
    audience: { targeted: state.enrollment.reduce((sum, progress) => sum + progress.targeted, 0) },
  };
}

/**
 * The next moment the tick has campaign work, after `now`: a scheduled campaign's start, or a sending
 * one's end. The local clock stops there, as the deployed every-minute schedule would run then.
 */
export function nextCampaignWorkAt(
  campaigns: readonly Campaign[],
  states: ReadonlyMap<string, CampaignState>,
): string | undefined {
  const times = campaigns.flatMap((campaign) => {
    const state = states.get(campaign.id);
    if (state?.status === 'scheduled') return [state.startsAt];
    if (state?.status === 'sending' && state.enrolledAt === undefined) {
      // Enrollment runs: a page lost on the way is put on the queue again once its time is over.
      return (state.enrollment ?? [])
        .filter((progress) => !progress.done)
        .map((progress) => progress.enqueuedUntil)
        .sort()
        .slice(0, 1);
    }
    if (state?.status === 'sending' && state.enrolledAt !== undefined) {
      const over = Date.parse(state.lastDueAt ?? state.enrolledAt) + durationMs(campaign.staleAfter);
      return [new Date(over).toISOString()];
    }
    return [];
  });
  return times.sort()[0];
}
