/** What one dispatcher tick did, counted as it goes. */
export interface DispatchSummary {
  claimed: number;
  sent: number;
  suppressed: number;
  deferred: number;
  dropped: number;
  skipped: number;
  failed: number;
  /** Of the failed: sends whose template the mail service does not have (retried; alarmed on). */
  templateMissing: number;
  /** Of the deferred: sends the account's 24-hour quota had no room for (they wait, and go later). */
  deferredForQuota: number;
  /** Of the deferred: sends held because their template's newest version fails lint. */
  heldForTemplate: number;
  /** Of the dropped: emails the mail service refused for good (in SES's sandbox, an unverified recipient). */
  refused: number;
  /** Of the sent: emails with a single-use offer code of their own. */
  offersIssued: number;
  /** Of the sent: emails whose offer had no code left and went with the static code (alarmed on). */
  offerFallbacks: number;
  completed: number;
  exited: number;
  waiting: number;
  /** Due runs another dispatcher held, or that changed under us. */
  busy: number;
  /** Time-driven reassessments of customers. */
  reassessed: number;
  /** Outbox events published on behalf of a writer that stopped. */
  published: number;
  /**
   * How late the oldest due item was when the tick began, in milliseconds (0 when nothing was due): the
   * dispatcher's lag. Read from the tick's first batch, which holds the oldest due item of every shard.
   */
  backlogAgeMs: number;
}

export function emptySummary(): DispatchSummary {
  return {
    claimed: 0,
    sent: 0,
    suppressed: 0,
    deferred: 0,
    dropped: 0,
    skipped: 0,
    failed: 0,
    templateMissing: 0,
    deferredForQuota: 0,
    heldForTemplate: 0,
    refused: 0,
    offersIssued: 0,
    offerFallbacks: 0,
    completed: 0,
    exited: 0,
    waiting: 0,
    busy: 0,
    reassessed: 0,
    published: 0,
    backlogAgeMs: 0,
  };
}
