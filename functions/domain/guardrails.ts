import type { LifecycleConfig } from './config.js';
import type { Customer } from './customer.js';
import { durationMs } from './duration.js';
import type { SendStep } from './journeys/definition.js';
import { inWindow, minutesOfDay, nextTimeInWindow, parseClockTime } from './schedule/local-time.js';

/** The outcome of the guardrails for one send. Every outcome lands on the customer's timeline. */
export type SendDecision =
  | { readonly outcome: 'send' }
  | { readonly outcome: 'suppressed'; readonly reason: SuppressionReason }
  | { readonly outcome: 'deferred'; readonly until: Date; readonly reason: 'quiet_hours' | 'frequency_cap' }
  | { readonly outcome: 'dropped'; readonly reason: 'stale' };

export type SuppressionReason =
  | 'suppressed'
  | 'unsubscribed'
  | 'no_consent'
  | 'consent_pending'
  | 'sunset'
  | 'topic_unsubscribed';

/** The settings of the guardrails, from the configuration. */
export type GuardrailSettings = Pick<LifecycleConfig, 'quietHours' | 'frequencyCap' | 'timezone'>;

/** Who goes first when the cap frees a slot: a deferred send is due a little later the lower its priority. */
const PRIORITY_DELAY_MS = { high: 0, normal: 30_000, low: 60_000 } as const;

/**
 * The guardrails every send passes, in one place, in this order: suppression (nothing at all, not even
 * transactional), consent and sunset (marketing only), then quiet hours in the customer's time zone and
 * the frequency cap across all journeys (marketing only), which defer the send rather than drop it,
 * unless it has been held back longer than the step allows: then it is dropped as stale.
 */
export function evaluateSend(
  customer: Customer,
  step: Pick<SendStep, 'category' | 'priority' | 'staleAfter'> & { readonly topic?: string | undefined },
  context: {
    readonly now: Date;
    readonly settings: GuardrailSettings;
    readonly deferredSince?: string | undefined;
    /** The send being decided (`<run id>/<step id>`): its own earlier attempt does not count against the cap. */
    readonly ref?: string | undefined;
  },
): SendDecision {
  if (customer.suppressed) return { outcome: 'suppressed', reason: 'suppressed' };
  if (step.category === 'transactional') return { outcome: 'send' };
  switch (customer.consent.email) {
    case 'unsubscribed':
      return { outcome: 'suppressed', reason: 'unsubscribed' };
    case 'pending':
      return { outcome: 'suppressed', reason: 'consent_pending' };
    case 'none':
      return { outcome: 'suppressed', reason: 'no_consent' };
    case 'subscribed':
      break;
  }
  if (customer.flags?.sunset) return { outcome: 'suppressed', reason: 'sunset' };
  if (step.topic !== undefined && customer.unsubscribedTopics?.includes(step.topic)) {
    return { outcome: 'suppressed', reason: 'topic_unsubscribed' };
  }

  const { now, settings } = context;
  const quiet = quietUntil(now, customer.timezone ?? settings.timezone, settings.quietHours);
  const capped = capUntil(customer, now, settings.frequencyCap, context.ref);
  const until = [quiet, capped].filter((d): d is Date => d !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
  if (until === undefined) return { outcome: 'send' };

  const since = Date.parse(context.deferredSince ?? now.toISOString());
  if (until.getTime() - since > durationMs(step.staleAfter)) return { outcome: 'dropped', reason: 'stale' };
  const delayed = new Date(until.getTime() + PRIORITY_DELAY_MS[step.priority]);
  return {
    outcome: 'deferred',
    until: delayed,
    reason: capped !== undefined && capped >= (quiet ?? capped) ? 'frequency_cap' : 'quiet_hours',
  };
}

/** The end of the quiet hours when `now` falls inside them in `timeZone`; `undefined` otherwise. */
export function quietUntil(now: Date, timeZone: string, quietHours: GuardrailSettings['quietHours']): Date | undefined {
  if (quietHours === false) return undefined;
  const start = parseClockTime(quietHours.start);
  const end = parseClockTime(quietHours.end);
  if (!inWindow(minutesOfDay(now, timeZone), start, end)) return undefined;
  // The allowed window is [end, start): the next moment the clock enters it.
  return nextTimeInWindow(now, timeZone, end, start);
}

/**
 * When the frequency cap lets the next marketing email go, if it holds now: for each rule ("at most
 * `max` per `per`"), the time the oldest send still counted leaves the window. A send dated after `now`
 * counts too: another dispatcher, whose clock runs a little ahead, reserved it.
 */
export function capUntil(
  customer: Customer,
  now: Date,
  rules: GuardrailSettings['frequencyCap'],
  excludeRef?: string,
): Date | undefined {
  const sends = (customer.recentSends ?? [])
    .filter((send) => send.category === 'marketing' && (excludeRef === undefined || send.ref !== excludeRef))
    .map((send) => Date.parse(send.at));
  let until: number | undefined;
  for (const rule of rules) {
    const window = durationMs(rule.per);
    const inWindow = sends.filter((at) => at > now.getTime() - window).sort((a, b) => a - b);
    if (inWindow.length < rule.max) continue;
    const frees = (inWindow[inWindow.length - rule.max] as number) + window;
    until = until === undefined ? frees : Math.max(until, frees);
  }
  return until === undefined ? undefined : new Date(until);
}
