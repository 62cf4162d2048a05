import type { ClaimedRun, StoredCustomer } from '../../../ports/customer-store.js';
import { RecipientRefusedError, TemplateMissingError } from '../../../ports/mailer.js';
import { buildTemplateData, type TemplateContext, templateProducts } from '../../build-template-data.js';
import type { Customer } from '../../customer.js';
import { durationMs } from '../../duration.js';
import { errorName } from '../../errors.js';
import { evaluateSend } from '../../guardrails.js';
import type { Assessment } from '../../intelligence/assess.js';
import type { StoreModel } from '../../intelligence/store-model.js';
import type { ExperimentVariant, JourneyDefinition, SendStep } from '../../journeys/definition.js';
import { plainText } from '../../template-data.js';
import type { TimelineEntry } from '../../timeline.js';
import { reserveSend } from '../customer-change.js';
import { readCatalogue } from '../read-catalogue.js';
import type { DispatchDependencies } from './dependencies.js';
import { offerForSend } from './offer.js';
import { MAX_SEND_ATTEMPTS } from './retry-policy.js';

/** How long a held send waits before it looks at its template again: the template check's interval. */
export const TEMPLATE_HOLD_RETRY = 'PT5M';

export type SendOutcome =
  | {
      readonly kind: 'sent';
      readonly entry: TimelineEntry;
      readonly messageId: string;
      readonly customer: Customer;
      readonly version: number;
      /** The send's offer: a code of its own, or the static code because none was left. */
      readonly offer?: 'issued' | 'fallback' | undefined;
    }
  | {
      readonly kind: 'skipped' | 'dropped';
      readonly entry: TimelineEntry;
      readonly customer?: undefined;
      readonly version?: undefined;
      /** Dropped because the mail service refused it for good. */
      readonly refused?: boolean;
    }
  | { readonly kind: 'suppressed'; readonly entry: TimelineEntry }
  | { readonly kind: 'deferred'; readonly entry: TimelineEntry; readonly until: Date }
  | { readonly kind: 'failed'; readonly reason: string; readonly mayHaveSent: boolean }
  /** The customer changed since they were read: read them again and decide anew. */
  | { readonly kind: 'reload' }
  /** The claim's lease ran out before the send: nothing was sent. */
  | { readonly kind: 'lease_lost' };

/** One send step of a claimed run, with the customer as the run last read them. */
export interface SendAttempt {
  readonly claim: ClaimedRun;
  readonly stored: StoredCustomer;
  /** The customer's assessment at `now`, as the run's conditions saw it. */
  readonly assessment: Assessment;
  readonly journey: JourneyDefinition;
  readonly step: SendStep;
  /** The variant of the step's experiment to send: its template or subject, tagged `variant`. */
  readonly variant?: ExperimentVariant | undefined;
  readonly model: StoreModel | undefined;
  readonly now: Date;
}

/** The ids every timeline entry about this send carries. */
interface SendIds {
  readonly journeyId: string;
  readonly runId: string;
  readonly stepId: string;
  /** The template sent: the step's, or its experiment variant's. */
  readonly template: string;
  /** The experiment variant the customer got, if the step has an experiment. */
  readonly variant?: string;
}

/**
 * Attempts one send: the guardrails, the attempt count, the template data, the account's limits, then
 * the reservation on the profile and the mail service. Saves nothing of the run: the outcome says what
 * happened, and the run step records it.
 */
export async function attemptSend(dependencies: DispatchDependencies, attempt: SendAttempt): Promise<SendOutcome> {
  const { claim, stored, journey, step, variant, now } = attempt;
  const at = now.toISOString();
  const ids: SendIds = {
    journeyId: journey.id,
    runId: claim.enrollment.runId,
    stepId: step.id,
    template: variant?.template ?? step.template,
    ...(variant ? { variant: variant.id } : {}),
  };

  const refused = guardrailOutcome(dependencies, attempt, ids);
  if (refused) return refused;
  // A template whose newest edit fails lint is held: its sends wait, never dropped, for a version that passes.
  if (await (dependencies.templateHeld ?? ((template) => templateHeld(dependencies, template)))(step.template)) {
    const until = new Date(now.getTime() + durationMs(TEMPLATE_HOLD_RETRY));
    return {
      kind: 'deferred',
      until,
      entry: { at, kind: 'email_deferred', ...ids, reason: 'template_held', until: until.toISOString() },
    };
  }
  const links = dependencies.links(stored.customer.id);
  const context: TemplateContext = {
    config: dependencies.config,
    customer: stored.customer,
    orders: stored.orders,
    run: claim.enrollment,
    model: attempt.model,
    links,
  };
  // The catalogue entries of the products the email may show, read once for the send.
  const catalogue = await readCatalogue(dependencies.store, templateProducts(step.template, context));
  const built = buildTemplateData(step.template, { ...context, catalogue });
  if ('skip' in built) return { kind: 'skipped', entry: { at, kind: 'email_skipped', ...ids, reason: built.skip } };

  // The account's limits before the reservation: waiting for the send rate must not widen the time between
  // the reservation and the send, and an email the quota has no room for waits rather than being lost.
  const permit = await dependencies.limiter?.acquire();
  if (permit && !permit.granted) {
    return {
      kind: 'deferred',
      until: permit.retryAt,
      entry: { at, kind: 'email_deferred', ...ids, reason: permit.reason, until: permit.retryAt.toISOString() },
    };
  }

  const reserved = await reserveSend(dependencies, {
    ...attempt,
    variant: variant?.id,
    receipt: { at, kind: 'email_reserved', ...ids, attempt: claim.attempt },
  });
  // `duplicate`: this very reservation was committed before (its answer was lost); read the customer again
  // and decide anew rather than send on a reservation not checked against what changed since.
  if (reserved.result !== 'committed') return { kind: 'reload' };
  // The offer's code only now: a send held back or reserved by another never uses one up.
  const offer = step.offer
    ? await offerForSend(dependencies, {
        ...attempt,
        step: { ...step, offer: step.offer },
        runId: ids.runId,
        data: built.data,
      })
    : undefined;
  if (offer?.kind === 'unavailable') return { kind: 'failed', reason: offer.reason, mayHaveSent: false };
  // A dispatcher held up past its lease (a stall, a slow network) must not send: the step may be another's.
  if (dependencies.clock.now().getTime() >= Date.parse(claim.leaseUntil)) return { kind: 'lease_lost' };
  // A content variant is another template of the same data; a subject variant is the same template, whose
  // subject prints `experimentSubject` (docs/campaigns.md#experiments).
  const data = {
    ...built.data,
    ...(offer?.kind === 'issued' ? offer.data : {}),
    ...(variant?.subject ? { experimentSubject: plainText(variant.subject, 200) } : {}),
  };
  const outcome = await deliver(dependencies, attempt, { ids, links, data, reserved });
  return outcome.kind === 'sent' && offer ? { ...outcome, offer: offer.kind } : outcome;
}

/** Whether the newest kept version of a template fails lint: its sends wait (docs/templates.md, "Template history"). */
export async function templateHeld(
  dependencies: Pick<DispatchDependencies, 'store'>,
  template: string,
): Promise<boolean> {
  return (await dependencies.store.templateStatus(template))?.verdict === 'broken';
}

/** What the guardrails and the attempt count make of the send before anything is prepared, if not a go. */
function guardrailOutcome(
  dependencies: Pick<DispatchDependencies, 'config'>,
  attempt: SendAttempt,
  ids: SendIds,
): SendOutcome | undefined {
  const { claim, journey, step, now } = attempt;
  const at = now.toISOString();
  const decision = evaluateSend(
    attempt.stored.customer,
    { ...step, topic: journey.topic },
    {
      now,
      settings: dependencies.config,
      deferredSince: claim.enrollment.deferredSince,
      ref: `${claim.enrollment.runId}/${step.id}`,
    },
  );
  if (decision.outcome === 'suppressed') {
    return { kind: 'suppressed', entry: { at, kind: 'email_suppressed', ...ids, reason: decision.reason } };
  }
  if (decision.outcome === 'deferred') {
    return {
      kind: 'deferred',
      until: decision.until,
      entry: { at, kind: 'email_deferred', ...ids, reason: decision.reason, until: decision.until.toISOString() },
    };
  }
  if (decision.outcome === 'dropped')
    return { kind: 'dropped', entry: { at, kind: 'email_dropped', ...ids, reason: decision.reason } };
  if (claim.attempt > MAX_SEND_ATTEMPTS) {
    return { kind: 'skipped', entry: { at, kind: 'email_skipped', ...ids, reason: 'delivery_uncertain' } };
  }
  return undefined;
}

/** Hands the reserved email to the mail service, and says what came of it. */
async function deliver(
  dependencies: Pick<DispatchDependencies, 'mailer' | 'config'>,
  attempt: SendAttempt,
  prepared: {
    readonly ids: SendIds;
    readonly links: TemplateContext['links'];
    readonly data: Record<string, unknown>;
    readonly reserved: { readonly customer: Customer; readonly version: number };
  },
): Promise<SendOutcome> {
  const { claim, stored, journey, step, now } = attempt;
  const { ids, reserved } = prepared;
  const at = now.toISOString();
  try {
    const { messageId } = await dependencies.mailer.send({
      to: stored.customer.email,
      templateName: `${dependencies.config.templatePrefix}${ids.template}`,
      templateData: prepared.data,
      category: step.category,
      unsubscribeUrl: prepared.links.unsubscribeUrl,
      tags: {
        customer: stored.customer.id,
        journey: journey.id,
        step: step.id,
        run: claim.enrollment.runId,
        ...(ids.variant ? { variant: ids.variant } : {}),
      },
    });
    return {
      kind: 'sent',
      messageId,
      customer: reserved.customer,
      version: reserved.version,
      entry: { at, kind: 'email_sent', ...ids, messageId, ...(claim.attempt > 1 ? { retry: true } : {}) },
    };
  } catch (error) {
    if (error instanceof TemplateMissingError)
      return { kind: 'failed', reason: 'template_missing', mayHaveSent: false };
    if (error instanceof RecipientRefusedError) {
      return { kind: 'dropped', refused: true, entry: { at, kind: 'email_dropped', ...ids, reason: error.reason } };
    }
    return {
      kind: 'failed',
      reason: errorName(error),
      mayHaveSent: mayHaveSent(error),
    };
  }
}

/**
 * Whether a failed send call may still have sent the email: the mail service answered nothing (a timeout,
 * a dropped connection) or failed on its side (5xx) after perhaps accepting it. A 4xx answer (throttled,
 * rejected, paused) means it did not. An uncertain failure counts as an attempt, like a crash.
 */
function mayHaveSent(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}
