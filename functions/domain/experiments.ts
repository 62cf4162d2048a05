import { addDuration } from './duration.js';
import {
  type Experiment,
  type ExperimentMetric,
  type ExperimentVariant,
  type JourneyDefinition,
  stepById,
} from './journeys/definition.js';

/*
 * The rules of a send step's experiment (docs/campaigns.md#experiments): who gets which variant, and which
 * variant wins. Pure: the hash, the counts and the clock come in as parameters.
 */

/** The journey counter an experiment's metric counts, per email sent. */
export const METRIC_COUNTERS = {
  opens: 'opened',
  clicks: 'clicked',
  conversions: 'converted',
} as const satisfies Record<ExperimentMetric, string>;

/**
 * The variant a report or an order names, if the journey's step has it: what comes back with an email (its
 * `variant` tag) is counted only for a variant there is.
 */
export function knownVariant(
  journey: JourneyDefinition | undefined,
  stepId: string | undefined,
  variantId: string | undefined,
): string | undefined {
  const step = journey && stepById(journey, stepId);
  if (step?.type !== 'send' || variantId === undefined) return undefined;
  return step.experiment?.variants.some((variant) => variant.id === variantId) ? variantId : undefined;
}

/** What a recipient of an experiment's step gets. */
export type ExperimentAssignment =
  /** In the test share: one of the variants, evenly. */
  | { readonly kind: 'test'; readonly variant: ExperimentVariant }
  /** Outside it: the winner once decided; before that the control, unless the rest wait (`holdRest`). */
  | { readonly kind: 'rest'; readonly variant: ExperimentVariant }
  /** Outside it, before the decision, with `holdRest`: the send waits for the decision. */
  | { readonly kind: 'hold' };

/** The hash key of a recipient's assignment: the same customer, journey and step always land alike. */
export function assignmentKey(journeyId: string, stepId: string): string {
  return `${journeyId}/${stepId}/experiment`;
}

/**
 * The variant of a recipient whose stable hash (in [0, 1)) is `hash`: below `testShare` the test, each
 * variant an equal slice of it; above it the rest, who get `winner` once decided.
 */
export function assignVariant(experiment: Experiment, hash: number, winner: string | undefined): ExperimentAssignment {
  const { variants, testShare } = experiment;
  const control = variants[0] as ExperimentVariant;
  if (hash < testShare) {
    const index = Math.min(variants.length - 1, Math.floor((hash / testShare) * variants.length));
    return { kind: 'test', variant: variants[index] as ExperimentVariant };
  }
  if (winner !== undefined) {
    return { kind: 'rest', variant: variants.find((variant) => variant.id === winner) ?? control };
  }
  return experiment.holdRest ? { kind: 'hold' } : { kind: 'rest', variant: control };
}

/** Whether the experiment is ever decided: a test share of 1 is a plain split, with no rest to send a winner. */
export function hasWinner(experiment: Experiment): boolean {
  return experiment.testShare < 1;
}

/** When the winner is chosen: `decideAfter` from the step's first test send. */
export function decisionTime(experiment: Experiment, startedAt: string): Date {
  return addDuration(new Date(startedAt), experiment.decideAfter);
}

/** One variant's figures on the experiment's metric: emails sent, and how many of them opened, clicked, bought. */
export interface VariantCounts {
  readonly variantId: string;
  readonly sent: number;
  readonly successes: number;
}

/** A variant compared with the control. */
export interface VariantComparison extends VariantCounts {
  readonly rate: number;
  /** The z statistic of its rate against the control's; absent for the control, or without data. */
  readonly z?: number | undefined;
  /** The one-sided p-value of that z (the chance of a lead this large with no real difference). */
  readonly pValue?: number | undefined;
  readonly significant: boolean;
}

/** The winner, and why. */
export interface ExperimentOutcome {
  readonly winner: string;
  /** `significant`: the winner beat the control; else no variant did, and the control is kept. */
  readonly reason: 'significant' | 'no_significant_difference';
  /** The significance level each variant is held to: (1 − confidence) / (variants − 1) (Bonferroni). */
  readonly alpha: number;
  readonly variants: readonly VariantComparison[];
}

/**
 * Chooses the winner: each variant against the control, a one-sided two-proportion z-test on the metric's
 * rate (successes per email sent) with the pooled rate,
 *
 *     p = (x₀ + xᵢ) / (n₀ + nᵢ),  z = (xᵢ/nᵢ − x₀/n₀) / √(p (1 − p) (1/n₀ + 1/nᵢ)),
 *
 * significant when 1 − Φ(z) < α / m, with α = 1 − confidence and m the number of variants besides the
 * control (the Bonferroni correction). Of the significant variants the one with the highest rate wins (ties:
 * the earlier in the list); none significant: the control.
 */
export function decideExperiment(experiment: Experiment, counts: readonly VariantCounts[]): ExperimentOutcome {
  const byId = new Map(counts.map((count) => [count.variantId, count]));
  const figures = experiment.variants.map(
    (variant): VariantCounts => byId.get(variant.id) ?? { variantId: variant.id, sent: 0, successes: 0 },
  );
  const [control, ...others] = figures as [VariantCounts, ...VariantCounts[]];
  const alpha = (1 - experiment.confidence) / Math.max(1, others.length);
  const compared: VariantComparison[] = [
    { ...control, rate: rateOf(control), significant: false },
    ...others.map((variant) => compare(control, variant, alpha)),
  ];
  let best: VariantComparison | undefined;
  for (const variant of compared) {
    if (variant.significant && (best === undefined || variant.rate > best.rate)) best = variant;
  }
  return best
    ? { winner: best.variantId, reason: 'significant', alpha, variants: compared }
    : { winner: control.variantId, reason: 'no_significant_difference', alpha, variants: compared };
}

function rateOf(counts: VariantCounts): number {
  return counts.sent > 0 ? Math.min(1, counts.successes / counts.sent) : 0;
}

function compare(control: VariantCounts, variant: VariantCounts, alpha: number): VariantComparison {
  const rate = rateOf(variant);
  if (control.sent === 0 || variant.sent === 0) return { ...variant, rate, significant: false };
  const pooled =
    (Math.min(control.successes, control.sent) + Math.min(variant.successes, variant.sent)) /
    (control.sent + variant.sent);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / control.sent + 1 / variant.sent));
  if (se === 0) return { ...variant, rate, significant: false };
  const z = (rate - rateOf(control)) / se;
  const pValue = 1 - normalCdf(z);
  return { ...variant, rate, z, pValue, significant: pValue < alpha };
}

/**
 * The standard normal distribution function Φ, from the complementary error function (the
 * Chebyshev fit of Numerical Recipes' erfcc, fractional error below 1.2e-7).
 */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** In one line, the winner and why: what the report and the simulator print for a decision. */
export function decisionSummary(outcome: ExperimentOutcome, metric: ExperimentMetric | string): string {
  const alpha = `α ${formatShare(outcome.alpha, 2)}`;
  if (outcome.reason === 'no_significant_difference') {
    return `no significant difference: control (${outcome.winner}); no variant's ${metric} rate beat it at ${alpha}`;
  }
  const control = outcome.variants[0];
  const winner = outcome.variants.find((variant) => variant.variantId === outcome.winner);
  const pValue = winner?.pValue === undefined ? '' : `, p ${winner.pValue.toFixed(4)} < ${alpha}`;
  const z = winner?.z === undefined ? '' : `z ${winner.z.toFixed(2)}`;
  return `winner ${outcome.winner}: ${metric} rate ${formatShare(winner?.rate ?? 0)} against ${formatShare(
    control?.rate ?? 0,
  )} for the control (${z}${pValue})`;
}

function formatShare(rate: number, digits = 1): string {
  return `${(rate * 100).toFixed(digits)}%`;
}
