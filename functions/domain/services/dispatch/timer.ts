import type { DueRun } from '../../../ports/customer-store.js';
import { durationMs } from '../../duration.js';
import type { DispatchDependencies } from './dependencies.js';
import type { DispatchSummary } from './summary.js';

/** A due reassessment, or an outbox entry left unpublished by a writer that stopped. */
export async function dispatchTimer(
  dependencies: DispatchDependencies,
  run: Exclude<DueRun, { kind: 'journey' }>,
  summary: DispatchSummary,
): Promise<void> {
  const { store, clock, config } = dependencies;
  const claim = await store.claimTimer(run, {
    owner: dependencies.owner,
    now: clock.now(),
    leaseMs: durationMs(config.dispatcher.lease),
  });
  if (!claim) {
    summary.busy++;
    return;
  }
  summary.claimed++;
  if (run.kind === 'reassess') {
    await dependencies.reassess(run.customerId, run.dueAt);
    summary.reassessed++;
    return;
  }
  if (claim.event) await dependencies.publisher.publish([claim.event]);
  await store.deleteOutbox(run.customerId, [run.outboxId]);
  summary.published++;
}
