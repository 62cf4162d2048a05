import type { Clock } from '../ports/clock.js';

/** Business time is wall time in Lambda. */
export const systemClock: Clock = { now: () => new Date() };
