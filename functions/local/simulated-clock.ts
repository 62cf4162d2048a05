import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Clock } from '../ports/clock.js';

export class ClockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClockError';
  }
}

/**
 * Business time for the local runtime: wall time plus an offset that only grows. Moving time backwards
 * is refused, because work already done at a later time cannot be undone.
 */
export class SimulatedClock implements Clock {
  private offsetMs: number;
  private readonly wall: () => number;
  private readonly stateFile: string | undefined;

  constructor(options: { readonly wall?: () => number; readonly stateFile?: string | undefined } = {}) {
    this.wall = options.wall ?? Date.now;
    this.stateFile = options.stateFile;
    this.offsetMs = 0;
    if (this.stateFile && existsSync(this.stateFile)) {
      const saved = JSON.parse(readFileSync(this.stateFile, 'utf8')) as { offsetMs?: unknown };
      if (typeof saved.offsetMs === 'number' && saved.offsetMs > 0) this.offsetMs = saved.offsetMs;
    }
  }

  now(): Date {
    return new Date(this.wall() + this.offsetMs);
  }

  /** Milliseconds the simulated clock runs ahead of wall time. */
  get offset(): number {
    return this.offsetMs;
  }

  setTo(target: Date): void {
    const delta = target.getTime() - this.now().getTime();
    if (Number.isNaN(delta)) throw new ClockError('not a valid time');
    if (delta < 0) throw new ClockError('the clock only moves forward');
    this.offsetMs += delta;
    if (this.stateFile) writeFileSync(this.stateFile, JSON.stringify({ offsetMs: this.offsetMs }));
  }
}
