import type { ExperimentDecision, ExperimentRecords, JourneyStatistics } from '../../ports/customer-store.js';
import type { JourneyDefinition } from '../journeys/definition.js';
import { countersRow } from '../reporting/counters-row.js';

/** One variant of an experiment, as its counters stand. */
export interface VariantFigures {
  readonly variantId: string;
  /** What the variant changes: `control`, `template <name>` or `subject "<subject>"`. */
  readonly change: string;
  readonly sent: number;
  readonly delivered: number;
  readonly opened: number;
  readonly clicked: number;
  readonly converted: number;
  /** Attributed revenue, reporting minor units. */
  readonly revenue: number;
}

/** One send step's experiment: its variants' figures, and its decision once taken. */
export interface ExperimentFigures {
  readonly journeyId: string;
  readonly stepId: string;
  readonly metric: string;
  readonly confidence: number;
  readonly testShare: number;
  readonly variants: readonly VariantFigures[];
  readonly decision?: ExperimentDecision | undefined;
}

/**
 * The figures of every experiment of these journeys, for the report and the simulator: each variant's row of
 * the journey counters, and the decision item.
 */
export async function experimentFigures(
  store: Pick<JourneyStatistics, 'journeyStats'> & Pick<ExperimentRecords, 'experiment'>,
  journeys: Iterable<JourneyDefinition>,
): Promise<ExperimentFigures[]> {
  const withExperiments = [...journeys].filter((journey) =>
    journey.steps.some((step) => step.type === 'send' && step.experiment),
  );
  if (withExperiments.length === 0) return [];
  const rows = await store.journeyStats(withExperiments.map((journey) => journey.id));
  const figures: ExperimentFigures[] = [];
  for (const journey of withExperiments) {
    for (const step of journey.steps) {
      if (step.type !== 'send' || !step.experiment) continue;
      const { decision } = await store.experiment(journey.id, step.id);
      const variants = step.experiment.variants.map((variant, index): VariantFigures => {
        const { sent, delivered, opened, clicked, converted, revenue } = countersRow(
          rows.find((row) => row.journeyId === journey.id && row.stepId === step.id && row.variantId === variant.id)
            ?.counters,
        );
        return {
          variantId: variant.id,
          change: variant.template
            ? `template ${variant.template}`
            : variant.subject
              ? `subject "${variant.subject}"`
              : index === 0
                ? 'control'
                : 'none',
          sent,
          delivered,
          opened,
          clicked,
          converted,
          revenue,
        };
      });
      figures.push({
        journeyId: journey.id,
        stepId: step.id,
        metric: step.experiment.metric,
        confidence: step.experiment.confidence,
        testShare: step.experiment.testShare,
        variants,
        ...(decision ? { decision } : {}),
      });
    }
  }
  return figures;
}
