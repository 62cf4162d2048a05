/** An event to put on the lifecycle bus. `detail` is JSON-serialisable. */
export interface BusEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
  /** Business time of the event, used as the bus entry's time. */
  readonly time?: Date;
  /**
   * `detail` already serialised (`JSON.stringify(detail)`), when the caller has it (the webhook function,
   * which measures the entry): the publisher sends this text instead of serialising `detail` again.
   */
  readonly detailJson?: string;
}

/** Publishes events on the lifecycle bus: EventBridge when deployed, the local router otherwise. */
export interface EventPublisher {
  /** Resolves once every event is durably accepted by the bus; throws otherwise. */
  publish(events: readonly BusEvent[]): Promise<void>;
}
