import type { JourneyCounters } from '../../ports/customer-store.js';

/** A row of journey counters as the report, the experiments and the simulator show it: 0 where none was kept. */
export interface CountersRow {
  readonly entered: number;
  readonly completed: number;
  readonly exited: number;
  /** Exits by reason (`event:order.placed`, `holdout`…), sorted by reason. */
  readonly exits: Readonly<Record<string, number>>;
  readonly sent: number;
  readonly deferred: number;
  /** Sends dropped as stale after waiting too long behind the guardrails. */
  readonly dropped: number;
  readonly suppressed: number;
  readonly skipped: number;
  readonly failed: number;
  readonly delivered: number;
  readonly bounced: number;
  readonly complained: number;
  readonly unsubscribed: number;
  readonly opened: number;
  readonly clicked: number;
  readonly converted: number;
  /** Attributed revenue, reporting minor units. */
  readonly revenue: number;
  readonly offersIssued: number;
  readonly offersRedeemed: number;
  /** Reporting minor units. */
  readonly offerRevenue: number;
}

/** One journey's, step's or variant's counters as a row of figures, absent counters as 0. Pure. */
export function countersRow(counters: JourneyCounters = {}): CountersRow {
  const exits: Record<string, number> = {};
  for (const [name, value] of Object.entries(counters).sort(([a], [b]) => a.localeCompare(b))) {
    if (name.startsWith('exited:') && typeof value === 'number') exits[name.slice('exited:'.length)] = value;
  }
  return {
    entered: counters.entered ?? 0,
    completed: counters.completed ?? 0,
    exited: counters.exited ?? 0,
    exits,
    sent: counters.sent ?? 0,
    deferred: counters.deferred ?? 0,
    dropped: counters.dropped ?? 0,
    suppressed: counters.suppressed ?? 0,
    skipped: counters.skipped ?? 0,
    failed: counters.failed ?? 0,
    delivered: counters.delivered ?? 0,
    bounced: counters.bounced ?? 0,
    complained: counters.complained ?? 0,
    unsubscribed: counters.unsubscribed ?? 0,
    opened: counters.opened ?? 0,
    clicked: counters.clicked ?? 0,
    converted: counters.converted ?? 0,
    revenue: counters.revenue ?? 0,
    offersIssued: counters.offersIssued ?? 0,
    offersRedeemed: counters.offersRedeemed ?? 0,
    offerRevenue: counters.offerRevenue ?? 0,
  };
}
