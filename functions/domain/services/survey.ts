import { type CustomerChangeDependencies, commitCustomerChange } from './customer-change.js';
import { retryOnConflict } from './retry-on-conflict.js';

export type SurveyOutcome = 'recorded' | 'unknown_customer';

/**
 * Records an answer to the NPS survey (0–10) on the customer: it moves them to promoter, passive or
 * detractor, and the survey journey waiting for it goes on (a referral ask, or a support follow-up).
 * Answering again replaces the answer; the same answer twice in a row changes nothing.
 */
export async function recordSurveyAnswer(
  dependencies: CustomerChangeDependencies,
  customerId: string,
  score: number,
): Promise<SurveyOutcome> {
  if (!Number.isInteger(score) || score < 0 || score > 10)
    throw new RangeError('an NPS answer is a whole number from 0 to 10');
  return retryOnConflict('a survey answer', async () => {
    const stored = await dependencies.store.load(customerId);
    if (!stored) return 'unknown_customer';
    const now = dependencies.clock.now();
    const at = now.toISOString();
    const id = `survey:${customerId}:${at}`;
    const committed = await commitCustomerChange(dependencies, {
      eventId: id,
      before: stored,
      customer: { ...stored.customer, nps: { score, at }, updatedAt: at },
      timeline: [{ at, kind: 'survey_answered', survey: 'nps', score }],
      signal: { id, type: 'survey.answered', context: { eventId: id } },
      now,
    });
    return committed.result === 'conflict' ? 'conflict' : 'recorded';
  });
}

/** The person clicked a link meant to keep them subscribed: that is engagement, and it lifts a sunset. */
export async function recordEngagement(
  dependencies: CustomerChangeDependencies,
  customerId: string,
  kind: 'click' | 'open',
): Promise<SurveyOutcome> {
  return retryOnConflict('an engagement', async () => {
    const stored = await dependencies.store.load(customerId);
    if (!stored) return 'unknown_customer';
    const now = dependencies.clock.now();
    const at = now.toISOString();
    const engagement = {
      ...stored.customer.emailEngagement,
      ...(kind === 'click' ? { lastClickAt: at } : { lastOpenAt: at }),
      sentSinceEngagement: 0,
    };
    const committed = await commitCustomerChange(dependencies, {
      eventId: `engagement:${customerId}:${kind}:${at}`,
      before: stored,
      customer: { ...stored.customer, emailEngagement: engagement, updatedAt: at },
      timeline: [],
      now,
    });
    return committed.result === 'conflict' ? 'conflict' : 'recorded';
  });
}
