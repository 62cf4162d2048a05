/*
 * What the bundled functions use in place of `@smithy/core/event-streams` (lib/lifecycle-function.ts aliases it
 * here when esbuild bundles a function). An event stream is an operation's body made of framed messages (S3's
 * SelectObjectContent, Bedrock's and Transcribe's streaming calls): none of the operations the functions call
 * has one. The SDK's HTTP protocol still loads the module through a dynamic `import()`, which esbuild inlines
 * into a one-file bundle, and the S3 client builds its marshaller when it is constructed: about 15 KB of every
 * bundle that no function runs. Everything outside a bundle (the local runtime, the CLI, the tests) keeps the
 * SDK's module.
 */

/** An operation with an event stream was called from a bundle: its marshalling was left out of it. */
export class EventStreamsNotBundledError extends Error {
  constructor() {
    super('event streams are not bundled: no operation the functions call streams events (lib/lifecycle-function.ts)');
    this.name = 'EventStreamsNotBundledError';
  }
}

function notBundled(): never {
  throw new EventStreamsNotBundledError();
}

/** As the SDK's: the client's configuration takes the marshaller its provider makes (the S3 client's constructor). */
export function resolveEventStreamSerdeConfig<T extends { eventStreamSerdeProvider: (input: T) => unknown }>(
  input: T,
): T & { eventStreamMarshaller: unknown } {
  return Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });
}

/** The marshaller of a client: one that refuses, since no operation called uses it. */
export const eventStreamSerdeProvider = (_options?: unknown) => ({ serialize: notBundled, deserialize: notBundled });

/** What the HTTP protocol builds to (de)serialise an event stream, only when an operation has one. */
export class EventStreamSerde {
  constructor(_options?: unknown) {
    notBundled();
  }
}
