import type { JourneyStatistics, JourneyStats } from '../../../ports/customer-store.js';
import { addStats } from '../customer-change.js';

/**
 * Journey counters held until the end of a batch: one update per journey and step instead of two per
 * email (docs/performance.md). Counting stays best effort, as everywhere: what a run adds after the batch
 * was flushed (a run still going when another failed the batch) is added at once.
 */
export class CounterBuffer {
  private readonly held: JourneyStats[] = [];
  private open = true;

  constructor(private readonly store: JourneyStatistics) {}

  async add(stats: readonly JourneyStats[]): Promise<void> {
    if (this.open) this.held.push(...stats);
    else await addStats(this.store, stats);
  }

  async flush(): Promise<void> {
    this.open = false;
    await addStats(this.store, this.held.splice(0));
  }
}
