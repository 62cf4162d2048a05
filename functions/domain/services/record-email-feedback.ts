import type { Customer } from '../customer.js';
import { normaliseEmail } from '../email-address.js';
import { applyEmailFeedback, type EmailFeedback, type FeedbackEffect } from '../email-feedback.js';
import { knownVariant } from '../experiments.js';
import { stepById } from '../journeys/definition.js';
import { type Enrollment, retryAfterRenderFailure } from '../journeys/enrollment.js';
import type { TimelineEntry } from '../timeline.js';
import { addStats, type CustomerChangeDependencies, commitCustomerChange } from './customer-change.js';
import { giveUpAfterMs, retryDelayMs } from './dispatch/retry-policy.js';
import { retryOnConflict } from './retry-on-conflict.js';

export type FeedbackOutcome =
  | {
      readonly outcome: 'recorded';
      readonly customerId: string;
      readonly retried: boolean;
      readonly suppressed: boolean;
    }
  | { readonly outcome: 'duplicate' }
  /** No customer to apply it to (erased since, or an email this product did not send). */
  | { readonly outcome: 'unknown_customer' }
  /** A report that changes nothing here (a send, a delivery delay). */
  | { readonly outcome: 'ignored' };

/**
 * Applies one report of the mail service to the customer it is about, found through the email's tags
 * (the recipient's address only for a bounce or complaint of an email sent without them). Each report is
 * applied once: its message id and kind are its id, so SES delivering it twice changes nothing. A
 * rendering failure sends the run back to the step whose email did not render, to be retried once the
 * template is fixed. Journey counters (delivered, opened, clicked, bounced, complained) are added.
 */
export interface EmailFeedbackDependencies extends CustomerChangeDependencies {
  /** SHA-256 of a normalised address, for the address-level suppression record. */
  readonly hashEmail: (email: string) => string;
}

export async function recordEmailFeedback(
  dependencies: EmailFeedbackDependencies,
  feedback: EmailFeedback,
): Promise<FeedbackOutcome> {
  if (feedback.kind === 'send' || feedback.kind === 'delivery_delay') return { outcome: 'ignored' };
  const { store, clock, config, journeys } = dependencies;
  return retryOnConflict('an email report', async (): Promise<FeedbackOutcome | 'conflict'> => {
    const customerId = await customerOf(dependencies, feedback);
    const stored = customerId === undefined ? undefined : await store.load(customerId);
    if (!stored) return { outcome: 'unknown_customer' };
    const now = clock.now();
    const at = now.toISOString();
    // The address the email went to, which may no longer be the customer's (their address changed since).
    const reported = reportedAddress(feedback);
    const previousAddress = reported !== undefined && reported !== stored.customer.email;
    const effect =
      previousAddress && feedback.kind === 'bounce'
        ? previousAddressBounce(stored.customer, feedback, now)
        : applyEmailFeedback(stored.customer, feedback, config.deliverability, now);
    const timeline: TimelineEntry[] = [...effect.timeline];

    let retry: Enrollment | undefined;
    const journeyId = feedback.tags.journey;
    const run = journeyId === undefined ? undefined : stored.enrollments.get(journeyId)?.enrollment;
    if (feedback.kind === 'rendering_failure' && run && journeyId && journeys.has(journeyId)) {
      const journey = journeys.get(journeyId);
      const step = journey && stepById(journey, run.lastSend?.stepId);
      const decision = retryAfterRenderFailure(
        run,
        { messageId: feedback.messageId, runId: feedback.tags.run },
        {
          now,
          delayMs: retryDelayMs,
          giveUpAfterMs: giveUpAfterMs(step?.type === 'send' ? step.staleAfter : undefined, config),
        },
      );
      if (decision && 'enrollment' in decision) {
        retry = decision.enrollment;
        timeline.push({
          at,
          kind: 'journey_step',
          journeyId,
          runId: run.runId,
          stepId: run.lastSend?.stepId,
          note: 'send_retried',
          until: retry.dueAt,
        });
      } else if (decision) {
        timeline.push({
          at,
          kind: 'email_dropped',
          journeyId,
          runId: run.runId,
          stepId: run.lastSend?.stepId,
          reason: 'gave_up:rendering_failed',
        });
      }
    }

    // The address that bounced or was complained about is suppressed by its hash, beyond the customer record
    // (an erasure, a new sign-up with it), in the same transaction as the report: the address reported,
    // which is the customer's own unless it changed since the email went; whatever else the customer's
    // record already says (suppressed for another address they had).
    const reason = addressSuppressionReason(feedback, stored.customer, effect.customer);
    const suppression = reason === undefined ? undefined : { address: reported ?? stored.customer.email, reason };
    const committed = await commitCustomerChange(dependencies, {
      eventId: `ses:${feedback.messageId}:${feedback.kind}`,
      before: stored,
      customer: effect.customer === stored.customer ? stored.customer : { ...effect.customer, updatedAt: at },
      timeline,
      enrollments: retry ? [retry] : [],
      suppressions: suppression
        ? [{ emailHash: dependencies.hashEmail(suppression.address), reason: suppression.reason, at }]
        : [],
      now,
    });
    if (committed.result === 'conflict') return 'conflict';
    if (committed.result === 'duplicate') return { outcome: 'duplicate' };
    if (journeyId !== undefined && effect.counters.length > 0) {
      const variant = knownVariant(journeys.get(journeyId), feedback.tags.step, feedback.tags.variant);
      const counters = Object.fromEntries(effect.counters.map((name) => [name, 1]));
      await addStats(store, [
        { journeyId, counters },
        ...(feedback.tags.step ? [{ journeyId, stepId: feedback.tags.step, counters }] : []),
        ...(variant ? [{ journeyId, stepId: feedback.tags.step, variantId: variant, counters }] : []),
      ]);
    }
    return {
      outcome: 'recorded',
      customerId: stored.customer.id,
      retried: retry !== undefined,
      suppressed: !stored.customer.suppressed && effect.customer.suppressed !== undefined,
    };
  });
}

/** Why a report means its address must never be emailed again, if it does. */
function addressSuppressionReason(feedback: EmailFeedback, before: Customer, after: Customer): string | undefined {
  if (feedback.kind === 'complaint') return 'complaint';
  if (feedback.kind !== 'bounce') return undefined;
  const type = feedback.bounce?.type ?? 'undetermined';
  if (type === 'permanent') return 'hard_bounce';
  if (type === 'undetermined') return 'bounce';
  // Transient bounces suppress once they reach the limit in a row (email-feedback.ts decides it).
  return !before.suppressed && after.suppressed?.reason === 'soft_bounces' ? 'soft_bounces' : undefined;
}

/** The normalised address a report is about, when the mail service says it. */
function reportedAddress(feedback: EmailFeedback): string | undefined {
  if (feedback.recipient === undefined) return undefined;
  return normaliseEmail(/<([^>]+)>/.exec(feedback.recipient)?.[1] ?? feedback.recipient);
}

/**
 * A bounce of an address the customer no longer has: the address is suppressed (above), the customer is
 * not, since their current address may take mail; the bounce is on their timeline.
 */
function previousAddressBounce(customer: Customer, feedback: EmailFeedback, now: Date): FeedbackEffect {
  return {
    customer,
    timeline: [
      {
        at: now.toISOString(),
        kind: 'email_bounced',
        journeyId: feedback.tags.journey,
        stepId: feedback.tags.step,
        runId: feedback.tags.run,
        messageId: feedback.messageId,
        bounceType: feedback.bounce?.type ?? 'undetermined',
        bounceSubType: feedback.bounce?.subType,
        note: 'previous_address',
      },
    ],
    counters: ['bounced'],
  };
}

async function customerOf(
  dependencies: EmailFeedbackDependencies,
  feedback: EmailFeedback,
): Promise<string | undefined> {
  if (feedback.tags.customer) return feedback.tags.customer;
  const addressMatters = feedback.kind === 'bounce' || feedback.kind === 'complaint';
  if (!addressMatters || feedback.recipient === undefined) return undefined;
  const address = /<([^>]+)>/.exec(feedback.recipient)?.[1] ?? feedback.recipient;
  return dependencies.store.findCustomerId(normaliseEmail(address));
}
