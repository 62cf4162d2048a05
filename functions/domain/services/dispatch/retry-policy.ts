import type { LifecycleConfig } from '../../config.js';
import { durationMs } from '../../duration.js';
import type { SendStep } from '../../journeys/definition.js';

/**
 * A send step is attempted at most twice. A claim whose step was already claimed once without a saved
 * outcome means a dispatcher stopped somewhere around the SES call: the email may have left. It is sent
 * once more (at most one duplicate); a third claim records the step as skipped instead of sending.
 */
export const MAX_SEND_ATTEMPTS = 2;

/**
 * Whether a send that failed `failures` times in a row has been retried long enough: longer than its
 * step allows it to be late (`staleAfter`) and than templates are given to be fixed
 * (`deliverability.templateRetryFor`). The time is that of the retry delays, so no clock is kept.
 */
export function retriedLongEnough(
  failures: number,
  step: Pick<SendStep, 'staleAfter'>,
  config: LifecycleConfig,
): boolean {
  let waited = 0;
  for (let failure = 1; failure <= failures; failure++) waited += retryDelayMs(failure);
  return waited > giveUpAfterMs(step.staleAfter, config);
}

/**
 * How long a failing send (an SES error, or a template that does not render) is retried before it is
 * given up: longer than its step allows it to be late and than templates are given to be fixed.
 */
export function giveUpAfterMs(staleAfter: string | undefined, config: LifecycleConfig): number {
  return Math.max(
    staleAfter === undefined ? 0 : durationMs(staleAfter),
    durationMs(config.deliverability.templateRetryFor),
  );
}

/** Retry delays after a failed send: 1, 2, 4 … minutes, at most one hour. */
export function retryDelayMs(failures: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, failures - 1), 3_600_000);
}
