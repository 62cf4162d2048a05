import { z } from 'zod';
import { DurationSchema } from '../duration.js';
import { JourneyDefinitionError } from '../errors.js';
import { CANONICAL_EVENT_TYPES, type CanonicalEventType } from '../events.js';

const IdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'expected lower-case letters, digits and "-"' });

const EventTypeSchema = z
  .string()
  .refine((type) => (CANONICAL_EVENT_TYPES as readonly string[]).includes(type), {
    message: `expected a canonical event type (${CANONICAL_EVENT_TYPES.join(', ')})`,
  })
  .transform((type) => type as CanonicalEventType);

export const SendStepSchema = z.object({
  id: IdSchema,
  type: z.literal('send'),
  /** Template name without the stack's prefix, as in templates/. */
  template: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'expected a template name from templates/' }),
  /** Marketing needs consent; transactional (such as a double opt-in confirmation) does not. */
  category: z.enum(['marketing', 'transactional']),
});

export const WaitStepSchema = z.object({
  id: IdSchema,
  type: z.literal('wait'),
  duration: DurationSchema,
});

export const StepSchema = z.discriminatedUnion('type', [SendStepSchema, WaitStepSchema]);

export const JourneyDefinitionSchema = z
  .object({
    id: IdSchema,
    name: z.string().min(1),
    trigger: z.object({ event: EventTypeSchema }),
    /** `once`: a customer enters at most once, ever. */
    reentry: z.object({ policy: z.literal('once') }),
    /** Events that end the journey for a customer who is in it. */
    exitOn: z.array(EventTypeSchema).default([]),
    steps: z.array(StepSchema).min(1, { message: 'a journey needs at least one step' }),
  })
  .superRefine((journey, context) => {
    const seen = new Set<string>();
    journey.steps.forEach((step, index) => {
      if (seen.has(step.id)) {
        context.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `duplicate step id "${step.id}"` });
      }
      seen.add(step.id);
    });
  });

export type SendStep = z.output<typeof SendStepSchema>;
export type WaitStep = z.output<typeof WaitStepSchema>;
export type JourneyStep = z.output<typeof StepSchema>;
export type JourneyDefinition = z.output<typeof JourneyDefinitionSchema>;
export type JourneyDefinitionInput = z.input<typeof JourneyDefinitionSchema>;

/**
 * Validates a journey definition; a bad one throws {@link JourneyDefinitionError} naming the journey and,
 * when the problem is in a step, the step. Called when journeys are loaded, so a bad journey fails the
 * build, the tests and `cdk synth` rather than a customer's send.
 */
export function defineJourney(input: JourneyDefinitionInput): JourneyDefinition {
  const result = JourneyDefinitionSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  let stepId: string | undefined;
  if (path[0] === 'steps' && typeof path[1] === 'number') {
    stepId = input.steps?.[path[1]]?.id ?? `#${path[1] + 1}`;
  }
  const field = path.join('.') || '(root)';
  throw new JourneyDefinitionError(
    typeof input.id === 'string' ? input.id : '(unnamed)',
    stepId,
    `${field}: ${issue?.message ?? 'invalid'}`,
  );
}
