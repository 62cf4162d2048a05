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
  /** Optimistic-lock version; `undefined` before the first write. */
  readonly version?: number | undefined;
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
    if (state?.status === 'sending' && state.enrolledAt !== undefined) {
      const over = Date.parse(state.lastDueAt ?? state.enrolledAt) + durationMs(campaign.staleAfter);
      return [new Date(over).toISOString()];
    }
    return [];
  });
  return times.sort()[0];
}
