import type { MiddlewareObj } from '@middy/core';
import * as z from '../domain/zod.js';

/**
 * The event of an invocation is not what the function's trigger sends (an HTTP API request, a bus event
 * whose detail is canonical): the invocation fails, naming the field and never its value. A bus event so
 * goes back to EventBridge, which retries it and then parks it in the target's dead-letter queue.
 */
export class InvalidInvocationEventError extends Error {
  override readonly name = 'InvalidInvocationEventError';
  constructor(readonly field: string) {
    super(`the invocation's event is not valid at ${field || '(root)'}`);
  }
}

/**
 * Checks the event with `schema` before the handler runs, and hands the handler what `select` takes of
 * the parsed event. The schemas are the product's own (zod, imported as a namespace so that bundles keep
 * only what they use), not Powertools' parser, whose schemas carry every zod locale into the bundle.
 */
export function invocationEvent<S extends z.ZodMiniType, T>(
  schema: S,
  select: (parsed: z.output<S>) => T,
): MiddlewareObj<unknown, unknown> {
  return {
    before: (request) => {
      const result = schema.safeParse(request.event);
      if (!result.success) throw new InvalidInvocationEventError(result.error.issues[0]?.path.join('.') ?? '');
      request.event = select(result.data);
    },
  };
}

/**
 * What the HTTP API (payload format 2.0) sends a function, as far as the functions read it; the rest of
 * the event is kept as it came.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export const HttpApiEventSchema = z.looseObject({
  version: z.literal('2.0'),
  rawPath: z.string(),
  headers: z.optional(z.record(z.string(), z.string())),
  body: z.optional(z.string()),
  isBase64Encoded: z.boolean(),
  pathParameters: z.optional(z.record(z.string(), z.string())),
  requestContext: z.looseObject({
    http: z.looseObject({ method: z.string(), path: z.string(), sourceIp: z.string() }),
  }),
});

/** An EventBridge event as a rule's target receives it; the detail is the handler's. */
export function busEventDetail<S extends z.ZodMiniType>(detail: S) {
  return z.looseObject({ 'detail-type': z.string(), source: z.string(), detail });
}
