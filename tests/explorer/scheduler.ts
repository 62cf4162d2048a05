/**
 * A deterministic scheduler for the engine's concurrent actors (dispatchers, the customer function, the
 * engagement function), after FoundationDB's simulation and TigerBeetle's VOPR: every store operation and
 * every mail-service call of an actor is a step that waits until the scheduler lets it run, so a schedule
 * is a sequence of choices (which actor goes next, whether its step fails, how far time moves), and the
 * same choices always give the same run. The choices come from a seeded random source, or from a script
 * when small schedules are enumerated exhaustively.
 */

/** Where the choices of a schedule come from. */
export interface ChoiceSource {
  /** A number in [0, options): which of `options` alternatives to take at this point. */
  choose(options: number, what: string): number;
}

/** A seeded PRNG (mulberry32): the same seed, the same choices. */
export function seededChoices(seed: number): ChoiceSource & { readonly seed: number; fraction(): number } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { seed, choose: (options) => Math.floor(next() * options), fraction: next };
}

/**
 * Choices read from a script, for the exhaustive enumeration: at each point the next scripted number (0
 * past its end); every point's number of options is kept, so that the next schedule can be found.
 */
export class ScriptedChoices implements ChoiceSource {
  readonly taken: { chosen: number; options: number }[] = [];
  constructor(private readonly script: readonly number[]) {}

  choose(options: number): number {
    const chosen = Math.min(this.script[this.taken.length] ?? 0, options - 1);
    this.taken.push({ chosen, options });
    return chosen;
  }

  /** The script of the next schedule in depth-first order, or `undefined` when every one was run. */
  next(): number[] | undefined {
    for (let i = this.taken.length - 1; i >= 0; i--) {
      const point = this.taken[i] as { chosen: number; options: number };
      if (point.chosen + 1 < point.options) return [...this.taken.slice(0, i).map((p) => p.chosen), point.chosen + 1];
    }
    return undefined;
  }
}

/** How a step ends, as the scheduler decides it. */
export type StepFate =
  | 'run'
  /** The actor's process dies before the step: nothing of it, nor anything after, runs. */
  | 'crash-before'
  /** The step takes effect, then the process dies before it learns so. */
  | 'crash-after'
  /** The call fails without taking effect (throttled, a 5xx, a time-out before the request went out). */
  | 'fail-before'
  /** The call takes effect, but its answer is lost (a time-out after the service acted). */
  | 'fail-after';

/** The error an actor sees when its call failed (a time-out: the SDK gives no answer). */
export class InjectedFailure extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly step: string) {
    super(`injected: ${step} timed out`);
  }
}

interface Waiting {
  readonly label: string;
  /** How much likelier than others this step is to fail (calls that can lose their answer). */
  readonly faultWeight: number;
  readonly resume: (fate: StepFate) => void;
}

interface Actor {
  readonly name: string;
  /** Where its last step is in the trace, to add what the step returned. */
  line?: number;
  state: 'running' | 'waiting' | 'done' | 'crashed' | 'failed';
  waiting?: Waiting | undefined;
  error?: unknown;
}

export interface SchedulerOptions {
  readonly choices: ChoiceSource;
  /** How likely a step fails or crashes, and how many faults a schedule gets at most. */
  readonly faults: { readonly probability: number; readonly max: number };
  /** Moves time: called between steps with the choice source; returns a line for the trace, if it moved. */
  readonly tick?: (choices: ChoiceSource) => string | undefined;
  /** Steps after which the schedule is cut (a livelock guard). */
  readonly maxSteps?: number;
  /**
   * At most this many preemptions (an actor that could go on is set aside for another), as CHESS bounds
   * its exhaustive search: every schedule within the bound is reachable, and their number stays small.
   * @default unbounded
   */
  readonly preemptions?: number;
}

/** The steps of a schedule, for a readable trace. */
export type Trace = string[];

export class Scheduler {
  readonly trace: Trace = [];
  private readonly actors: Actor[] = [];
  private faultsInjected = 0;
  private steps = 0;
  private last: Actor | undefined;
  private preempted = 0;

  constructor(private readonly options: SchedulerOptions) {}

  /** Starts an actor; it runs until its first step, then waits for its turn. */
  spawn(name: string, body: () => Promise<unknown>): void {
    const actor: Actor = { name, state: 'running' };
    this.actors.push(actor);
    void Promise.resolve()
      .then(body)
      .then(
        () => {
          actor.state = 'done';
        },
        (error: unknown) => {
          actor.state = 'failed';
          actor.error = error;
          this.trace.push(
            `      ${name} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
          );
        },
      );
  }

  /**
   * One step of `actor`: resolves when the scheduler lets it run, with how it ends; never resolves when the
   * process crashed before it.
   */
  step(actorName: string, label: string, faultWeight = 1): Promise<StepFate> {
    const actor = this.actors.find((a) => a.name === actorName);
    if (!actor) throw new Error(`unknown actor ${actorName}`);
    return new Promise<StepFate>((resolve) => {
      actor.state = 'waiting';
      actor.waiting = { label, faultWeight, resume: resolve };
    });
  }

  /** Runs every actor to its end: at each point one waiting actor takes its next step. */
  async run(): Promise<{ readonly actors: readonly Actor[]; readonly cut: boolean }> {
    const maxSteps = this.options.maxSteps ?? 2_000;
    for (;;) {
      await settle();
      const waiting = this.actors.filter((a) => a.state === 'waiting');
      if (waiting.length === 0) break;
      if (++this.steps > maxSteps) return { actors: this.actors, cut: true };
      const moved = this.options.tick?.(this.options.choices);
      if (moved) this.trace.push(`      ${moved}`);
      const actor = this.pick(waiting);
      const { label, resume, faultWeight } = actor.waiting as Waiting;
      const fate = this.fate(faultWeight);
      actor.waiting = undefined;
      actor.line = this.trace.length;
      this.trace.push(
        `${String(this.trace.length).padStart(4, '0')}  ${actor.name.padEnd(12)} ${label}${fate === 'run' ? '' : `  [${fate}]`}`,
      );
      if (fate === 'crash-before') {
        actor.state = 'crashed';
        continue;
      }
      actor.state = 'running';
      resume(fate);
    }
    return { actors: this.actors, cut: false };
  }

  /** Adds what an actor's last step returned to its line of the trace. */
  note(actorName: string, result: string): void {
    const actor = this.actors.find((a) => a.name === actorName);
    if (actor?.line !== undefined) this.trace[actor.line] = `${this.trace[actor.line]} → ${result}`;
  }

  /** Marks an actor crashed after a step that took effect (its process died before learning so). */
  crashed(actorName: string): void {
    const actor = this.actors.find((a) => a.name === actorName);
    if (actor) actor.state = 'crashed';
  }

  /** The actor that goes next: the last one first, so that choosing another is a preemption. */
  private pick(waiting: readonly Actor[]): Actor {
    const last = this.last !== undefined && waiting.includes(this.last) ? this.last : undefined;
    const ordered = last ? [last, ...waiting.filter((a) => a !== last)] : [...waiting];
    const bound = this.options.preemptions;
    const options = last && bound !== undefined && this.preempted >= bound ? 1 : ordered.length;
    const actor = ordered[this.options.choices.choose(options, 'actor')] as Actor;
    if (last && actor !== last) this.preempted++;
    this.last = actor;
    return actor;
  }

  private fate(weight: number): StepFate {
    const { probability, max } = this.options.faults;
    if (this.faultsInjected >= max || probability <= 0) return 'run';
    // Two choices whatever the outcome, so that a schedule's later choices do not shift with its faults.
    const faulty = this.options.choices.choose(1000, 'fault?') < Math.min(1, probability * weight) * 1000;
    const kind = this.options.choices.choose(4, 'fault');
    if (!faulty) return 'run';
    this.faultsInjected++;
    return (['crash-before', 'crash-after', 'fail-before', 'fail-after'] as const)[kind] as StepFate;
  }
}

/** Lets every actor run until it waits for its next step or ends (the store and the mailer never block). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
