import type {
  ExperimentDecision,
  ExperimentRecords,
  ExperimentState,
  JourneyStatistics,
} from '../../../ports/customer-store.js';
import { addDuration } from '../../duration.js';
import {
  assignmentKey,
  assignVariant,
  decideExperiment,
  decisionTime,
  hasWinner,
  METRIC_COUNTERS,
} from '../../experiments.js';
import type { Experiment, ExperimentVariant, JourneyDefinition, SendStep } from '../../journeys/definition.js';
import { stableHash } from '../../stable-hash.js';

/** What a send step with an experiment sends this recipient now. */
export type ExperimentChoice =
  /** This variant; `test`: the recipient is in the test share, and the send may start the experiment. */
  | { readonly kind: 'send'; readonly variant: ExperimentVariant; readonly test: boolean; readonly started: boolean }
  /** Nothing yet: the recipient is outside the test share and waits for the decision (`holdRest`). */
  | { readonly kind: 'hold'; readonly until: Date };

export interface ExperimentDependencies {
  readonly store: ExperimentRecords & Pick<JourneyStatistics, 'journeyStats'>;
  readonly hash?: ((key: string) => number) | undefined;
}

/**
 * The variant of a send step's experiment for this customer: the experiment's state is read (and its winner
 * chosen, once `decideAfter` has passed since its first test send, by whichever dispatcher gets there
 * first), then the customer is assigned by the rule of experiments.ts.
 */
export async function chooseVariant(
  dependencies: ExperimentDependencies,
  send: {
    readonly journey: JourneyDefinition;
    readonly step: SendStep & { readonly experiment: Experiment };
    readonly customerId: string;
    readonly now: Date;
  },
): Promise<ExperimentChoice> {
  const { journey, step, now } = send;
  const { experiment } = step;
  const state = await experimentState(dependencies.store, journey.id, step, now);
  let decision = state.decision;
  if (
    decision === undefined &&
    hasWinner(experiment) &&
    state.startedAt !== undefined &&
    now.getTime() >= decisionTime(experiment, state.startedAt).getTime()
  ) {
    decision = await decide(dependencies, journey, step, now);
  }
  const hash = (dependencies.hash ?? stableHash)(`${send.customerId}/${assignmentKey(journey.id, step.id)}`);
  const assignment = assignVariant(experiment, hash, decision?.outcome.winner);
  if (assignment.kind === 'hold') {
    const until =
      state.startedAt === undefined
        ? addDuration(now, experiment.decideAfter)
        : decisionTime(experiment, state.startedAt);
    return { kind: 'hold', until };
  }
  return {
    kind: 'send',
    variant: assignment.variant,
    test: assignment.kind === 'test',
    started: state.startedAt !== undefined,
  };
}

/** Chooses the winner on the variants' counters and records it; another dispatcher's earlier decision stands. */
async function decide(
  dependencies: ExperimentDependencies,
  journey: JourneyDefinition,
  step: SendStep & { readonly experiment: Experiment },
  now: Date,
): Promise<ExperimentDecision> {
  const { experiment } = step;
  const counter = METRIC_COUNTERS[experiment.metric];
  const rows = (await dependencies.store.journeyStats([journey.id])).filter(
    (row) => row.stepId === step.id && row.variantId !== undefined,
  );
  const outcome = decideExperiment(
    experiment,
    rows.map((row) => ({
      variantId: row.variantId as string,
      sent: row.counters.sent ?? 0,
      successes: row.counters[counter] ?? 0,
    })),
  );
  const decision = await dependencies.store.recordExperimentDecision({
    journeyId: journey.id,
    stepId: step.id,
    decidedAt: now.toISOString(),
    metric: experiment.metric,
    confidence: experiment.confidence,
    outcome,
  });
  remember(dependencies.store, journey.id, step.id, { decision });
  return decision;
}

/** Records the experiment's start at its first test email sent, unless it has started. */
export async function startExperiment(
  dependencies: Pick<ExperimentDependencies, 'store'>,
  send: { readonly journeyId: string; readonly stepId: string; readonly at: string },
): Promise<void> {
  const startedAt = await dependencies.store.recordExperimentStart(send.journeyId, send.stepId, send.at);
  remember(dependencies.store, send.journeyId, send.stepId, { startedAt });
}

/**
 * What this process knows of each experiment, per store: a start and a decision never change once written,
 * so a send of a campaign's millionth recipient need not read them again. Only what may still change is read:
 * the start until there is one, and the decision once its time has come and until it is there.
 */
const known = new WeakMap<object, Map<string, ExperimentState>>();

function remember(store: object, journeyId: string, stepId: string, state: ExperimentState): void {
  const byStep = known.get(store) ?? new Map<string, ExperimentState>();
  known.set(store, byStep);
  const key = `${journeyId}/${stepId}`;
  byStep.set(key, { ...byStep.get(key), ...state });
}

async function experimentState(
  store: ExperimentRecords,
  journeyId: string,
  step: SendStep & { readonly experiment: Experiment },
  now: Date,
): Promise<ExperimentState> {
  const kept = known.get(store)?.get(`${journeyId}/${step.id}`);
  if (kept?.decision) return kept;
  if (kept?.startedAt && (!hasWinner(step.experiment) || now < decisionTime(step.experiment, kept.startedAt)))
    return kept;
  const state = await store.experiment(journeyId, step.id);
  if (state.startedAt !== undefined || state.decision !== undefined) remember(store, journeyId, step.id, state);
  return state;
}
