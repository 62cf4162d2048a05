import type { Clock } from '../ports/clock.js';

/** Business time is wall time in Lambda. */
export const systemClock: Clock = { now: () => new Date() };

/** Wall-clock milliseconds and real waiting, for what paces itself against AWS's own limits. */
export const wallClock = {
  now: (): number => Date.now(),
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
};
