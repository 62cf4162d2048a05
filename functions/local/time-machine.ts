import type { DispatchSummary } from '../domain/services/dispatch/summary.js';

const DAY_MS = 86_400_000;

/** The hour (UTC) at which the daily store model job runs, as its schedule in AWS says. */
export const MODEL_JOB_HOUR_UTC = 3;

/** The first daily run at `hourUtc` strictly after `after`. */
export function nextDailyRun(after: Date, hourUtc = MODEL_JOB_HOUR_UTC): Date {
  const next = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate(), hourUtc));
  return next > after ? next : new Date(next.getTime() + DAY_MS);
}

/** What moving business time forward drives: the due index, the daily model job and the dispatcher. */
export interface TimeMachineParts {
  readonly clock: { now(): Date; setTo(at: Date): void };
  /** The earliest due item of the store, if any. */
  readonly nextDueAt: () => Promise<string | undefined>;
  /**
   * The next moment of work the due index does not hold (a campaign's start), if any: the clock stops there
   * when it is ahead, and the dispatcher runs; when it has come already (a campaign to send now), the
   * dispatcher runs at once.
   */
  readonly nextScheduledAt?: () => Promise<string | undefined>;
  /** When the daily model job runs next. */
  readonly nextModelRun: () => Date;
  readonly runModelJob: () => Promise<unknown>;
  /** One dispatcher tick at the current time. */
  readonly dispatch: () => Promise<DispatchSummary>;
  /** Resolves once every event in flight has been handled. */
  readonly idle: () => Promise<void>;
  /** Other scheduled jobs (the weekly report): each runs when its next run falls due. */
  readonly jobs?: readonly ScheduledJob[] | undefined;
}

/** A job of a schedule: when it runs next (`undefined`: never), and the run. */
export interface ScheduledJob {
  readonly nextRun: () => Date | undefined;
  readonly run: () => Promise<unknown>;
}

/** The dispatcher's figures summed over the ticks of a move (see DispatchSummary for each). */
const COUNTED = [
  'sent',
  'suppressed',
  'deferred',
  'dropped',
  'skipped',
  'failed',
  'templateMissing',
  'completed',
  'exited',
] as const satisfies readonly (keyof DispatchSummary)[];

export type TimeMachineTotals = Pick<DispatchSummary, (typeof COUNTED)[number]> & {
  /** Dispatcher ticks run. */
  steps: number;
  /** Daily model jobs run. */
  modelRuns: number;
};

/**
 * Moves business time to `target`, doing the work that falls due on the way in time order: the clock
 * stops at each due item and at each daily model run, and the dispatcher runs there, as the
 * every-minute schedule would have. Used by the local runtime's clock and by the simulator.
 */
export async function runUntil(target: Date, parts: TimeMachineParts): Promise<TimeMachineTotals> {
  const totals = {
    steps: 0,
    modelRuns: 0,
    ...(Object.fromEntries(COUNTED.map((key) => [key, 0])) as Pick<DispatchSummary, (typeof COUNTED)[number]>),
  };
  const { clock } = parts;
  // When the dispatcher last ran: campaign work already due (a start at `now`) makes it run once there,
  // not again and again should that work still be pending after it.
  let dispatchedAt: number | undefined;
  for (;;) {
    await parts.idle();
    const due = await parts.nextDueAt();
    const dueAt = due === undefined ? undefined : new Date(due);
    const modelAt = parts.nextModelRun();
    const scheduled = await parts.nextScheduledAt?.();
    const scheduledAt = scheduled === undefined ? undefined : new Date(scheduled);
    const ahead =
      scheduledAt === undefined
        ? undefined
        : scheduledAt > clock.now()
          ? scheduledAt
          : dispatchedAt === clock.now().getTime()
            ? undefined
            : clock.now();
    const jobs = parts.jobs ?? [];
    const candidates = [dueAt, modelAt, ahead, ...jobs.map((job) => job.nextRun())].filter(
      (at): at is Date => at !== undefined && at <= target,
    );
    if (candidates.length === 0) break;
    const stepTo = new Date(Math.min(...candidates.map((at) => at.getTime())));
    if (stepTo > clock.now()) clock.setTo(stepTo);
    if (modelAt <= clock.now()) {
      await parts.runModelJob();
      totals.modelRuns++;
    }
    for (const job of jobs) {
      const at = job.nextRun();
      if (at !== undefined && at <= clock.now()) await job.run();
    }
    const summary = await parts.dispatch();
    dispatchedAt = clock.now().getTime();
    totals.steps++;
    for (const key of COUNTED) totals[key] += summary[key];
    await parts.idle();
    // Due work that nothing could take (held by a lease that has not expired): stop rather than spin.
    if (dueAt !== undefined && dueAt <= clock.now() && summary.claimed === 0 && parts.nextModelRun() > clock.now())
      break;
  }
  if (target > clock.now()) clock.setTo(target);
  return totals;
}
