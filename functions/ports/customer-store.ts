import type { Customer } from '../domain/customer.js';
import type { Enrollment } from '../domain/journeys/enrollment.js';
import type { TimelineEntry } from '../domain/timeline.js';

export interface StoredEnrollment {
  readonly enrollment: Enrollment;
  /** Optimistic-lock version of the stored run. */
  readonly version: number;
}

/** A customer as stored: state, its version, and its journey runs by journey id. */
export interface StoredCustomer {
  readonly customer: Customer;
  readonly version: number;
  readonly enrollments: ReadonlyMap<string, StoredEnrollment>;
}

/** Everything one canonical event changes for one customer, written atomically or not at all. */
export interface EventCommit {
  /** The canonical event id; a second commit of the same id for the same customer is a duplicate. */
  readonly eventId: string;
  readonly customer: Customer;
  /** The version the change was computed from; `undefined` when the customer is new. */
  readonly expectedVersion: number | undefined;
  /** An address that now leads to this customer (new customer, or an email change). */
  readonly claimEmail?: string | undefined;
  /** An address that no longer leads to this customer (email change). */
  readonly releaseEmail?: string | undefined;
  readonly enrollments: readonly { readonly enrollment: Enrollment; readonly expectedVersion: number | undefined }[];
  readonly timeline: readonly TimelineEntry[];
}

/**
 * `conflict`: another writer changed the customer (or took the address) first; reload and retry.
 * `duplicate`: this event was already committed for this customer; nothing was written.
 */
export type CommitResult = 'committed' | 'duplicate' | 'conflict';

/** The key of a journey run whose next step is due. */
export interface DueRun {
  readonly customerId: string;
  readonly journeyId: string;
  readonly dueAt: string;
}

/** A due run reserved for one dispatcher until `leaseUntil`. */
export interface ClaimedRun {
  readonly customerId: string;
  readonly enrollment: Enrollment;
  readonly version: number;
  readonly owner: string;
  readonly leaseUntil: string;
  /**
   * Claims of the current step not followed by a saved outcome, this one included. 1 on a clean first
   * try; more means an earlier dispatcher stopped (crashed or timed out) while holding the step.
   */
  readonly attempt: number;
}

export interface RunProgress {
  readonly enrollment: Enrollment;
  readonly timeline: readonly TimelineEntry[];
  /** Keep the lease (more steps run now) or let it go (the run waits or has ended). */
  readonly keepLease: boolean;
}

/** Customer state, journey runs and their timers. DynamoDB when deployed and locally; memory in the simulator. */
export interface CustomerStore {
  findCustomerId(email: string): Promise<string | undefined>;
  load(customerId: string): Promise<StoredCustomer | undefined>;
  commitEvent(commit: EventCommit): Promise<CommitResult>;
  /** Newest last, at most `limit` entries (the newest ones). */
  timeline(customerId: string, options?: { readonly limit?: number }): Promise<TimelineEntry[]>;

  /** Runs due at or before `now`, oldest first within each shard, at most `limit`. */
  dueRuns(now: Date, limit: number): Promise<DueRun[]>;
  /** Reserves a due run; `undefined` when it is no longer due or another dispatcher holds it. */
  claimRun(
    run: DueRun,
    claim: { readonly owner: string; readonly now: Date; readonly leaseMs: number },
  ): Promise<ClaimedRun | undefined>;
  /**
   * Saves what happened to a claimed run, only while the claim still holds. Returns the renewed claim,
   * or `undefined` when the lease was lost (another writer ended or took the run).
   */
  saveRunProgress(claim: ClaimedRun, progress: RunProgress): Promise<ClaimedRun | undefined>;
  /** Gives a claimed run back after an expected failure, due again at `retryAt`. */
  releaseRun(claim: ClaimedRun, retryAt: Date, timeline: readonly TimelineEntry[]): Promise<void>;
  /** The earliest due time of any run, for the local clock and the simulator. */
  nextDueAt(): Promise<string | undefined>;
}
