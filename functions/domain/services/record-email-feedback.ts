import { normaliseEmail } from '../email-address.js';
import { applyEmailFeedback, type EmailFeedback } from '../email-feedback.js';
import { stepById } from '../journeys/definition.js';
import { type Enrollment, retryAfterRenderFailure } from '../journeys/enrollment.js';
import type { TimelineEntry } from '../timeline.js';
import { addStats, type CustomerChangeDependencies, commitCustomerChange } from './customer-change.js';
import { giveUpAfterMs, retryDelayMs } from './dispatch-due-runs.js';
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
    const effect = applyEmailFeedback(stored.customer, feedback, config.deliverability, now);
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

    const suppressed = effect.customer.suppressed;
    if (!stored.customer.suppressed && suppressed) {
      // Kept by address as well, beyond the customer record (erasure, a new sign-up with the address).
      // Written first: once the report is committed, a redelivery is a duplicate and would not write it.
      await store.suppress({
        emailHash: dependencies.hashEmail(effect.customer.email),
        reason: suppressed.reason,
        at: suppressed.at,
      });
    }
    const committed = await commitCustomerChange(dependencies, {
      eventId: `ses:${feedback.messageId}:${feedback.kind}`,
      before: stored,
      customer: effect.customer === stored.customer ? stored.customer : { ...effect.customer, updatedAt: at },
      timeline,
      enrollments: retry ? [retry] : [],
      now,
    });
    if (committed.result === 'conflict') return 'conflict';
    if (committed.result === 'duplicate') return { outcome: 'duplicate' };
    if (journeyId !== undefined && effect.counters.length > 0) {
      const counters = Object.fromEntries(effect.counters.map((name) => [name, 1]));
      await addStats(store, [
        { journeyId, counters },
        ...(feedback.tags.step ? [{ journeyId, stepId: feedback.tags.step, counters }] : []),
      ]);
    }
    return {
      outcome: 'recorded',
      customerId: stored.customer.id,
      retried: retry !== undefined,
      suppressed: !stored.customer.suppressed && suppressed !== undefined,
    };
  });
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
