import { describe, expect, it } from 'vitest';
import { drainInMemory } from '../../bench/fanout.js';

describe('the fan-out figure on the emulated table (npm run bench -- --only fanout --fanout-store memory)', () => {
  it('sends every recipient once through the planner and the workers, and counts the store calls by kind', async () => {
    const { drain, calls } = await drainInMemory(120);

    expect(drain.total.sent).toBe(120);
    expect(drain.messages).toBe(3);
    // One claim, one mark on the queue and one customer read per recipient: none twice, none skipped.
    expect(calls).toMatchObject({ claimRun: 120, markEnqueued: 120, load: 120 });
    expect(calls.dueRuns).toBeGreaterThan(0);
    // The drain's own commits, one outcome per email: the seeding's are not counted.
    expect(calls.commitEvent).toBe(120);
  });
});
