import { cachedModelLoader } from '../adapters/model-cache.js';
import { poolOfferCodes } from '../adapters/offer-pool.js';
import { randomIds } from '../adapters/random-ids.js';
import { signedLinks } from '../adapters/unsubscribe-token.js';
import type { LifecycleConfig } from '../domain/config.js';
import { durationMs } from '../domain/duration.js';
import { enabledJourneys } from '../domain/journeys/catalogue.js';
import { startDueCampaigns } from '../domain/services/campaigns.js';
import type { CustomerChangeDependencies } from '../domain/services/customer-change.js';
import type { DispatchDependencies } from '../domain/services/dispatch/dependencies.js';
import { reassessCustomer } from '../domain/services/reassess-customer.js';
import type { Clock } from '../ports/clock.js';
import type { CustomerStore } from '../ports/customer-store.js';
import type { DueWorkQueue } from '../ports/due-work-queue.js';
import type { EventPublisher } from '../ports/event-publisher.js';
import type { Mailer } from '../ports/mailer.js';

/*
 * How the product's services are put together, written once. The Lambda entries (*.lambda.ts), the local
 * runtime, the simulator, the bench and the reliability rig build their functions from these; they differ
 * only in the parts they pass in: the engines' clients, the clock, the bus.
 */

export interface ChangeParts {
  readonly store: CustomerStore;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  readonly publisher: EventPublisher;
  /** @default the store's model through the five-minute cache of adapters/model-cache.ts */
  readonly loadModel?: CustomerChangeDependencies['loadModel'];
  /** @default random ids (the simulator numbers its own, to be deterministic) */
  readonly newId?: CustomerChangeDependencies['newId'];
}

/**
 * The changes' dependencies, with the whole store the parts hold: each service takes the roles of it that
 * it uses (ports/customer-store.ts).
 */
export type WiredChanges = CustomerChangeDependencies & { readonly store: CustomerStore };

/** What every service that changes a customer needs: the parts, with the journeys the config enables. */
export function customerChanges(parts: ChangeParts): WiredChanges {
  return {
    store: parts.store,
    clock: parts.clock,
    config: parts.config,
    publisher: parts.publisher,
    journeys: enabledJourneys(parts.config),
    newId: parts.newId ?? randomIds,
    loadModel: parts.loadModel ?? cachedModelLoader(parts.store),
  };
}

/**
 * What the dispatcher needs: the changes, the mailer, the links, the offers' codes (the store's pools
 * unless told otherwise), and reassessment when its timer is due.
 */
export function dispatcherDependencies(
  changes: WiredChanges,
  parts: {
    readonly mailer: Mailer;
    readonly links: DispatchDependencies['links'];
    /** @default the store's pools */
    readonly offerCodes?: DispatchDependencies['offerCodes'];
  },
): Omit<DispatchDependencies, 'owner'> {
  return {
    ...changes,
    offerCodes: poolOfferCodes(changes.store),
    campaignStore: changes.store,
    ...parts,
    reassess: (customerId, dueAt) => reassessCustomer(changes, customerId, dueAt),
  };
}

/**
 * The signed links of a customer's emails, to the public API at `apiUrl` (read at each use: the local
 * runtime learns its port after wiring). Confirmation links expire as the config says.
 */
export function emailLinks(
  apiUrl: string | (() => string),
  secret: string,
  changes: { readonly clock: Clock; readonly config: LifecycleConfig },
): DispatchDependencies['links'] {
  const expiry = {
    now: () => changes.clock.now(),
    validForMs: durationMs(changes.config.deliverability.confirmationValidFor),
  };
  if (typeof apiUrl === 'string') return signedLinks(apiUrl, secret, expiry);
  return (customerId) => signedLinks(apiUrl(), secret, expiry)(customerId);
}

/**
 * The planner's start of the campaigns whose time has come (domain/services/campaigns.ts), run before each
 * planning pass: their enrollment's pages go on the due work queue for the workers, and a page whose mark
 * (`dispatcher.lease`) ended before it was enrolled goes there again. Nothing without campaigns.
 */
export function campaignStarter(parts: {
  readonly store: CustomerStore;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  readonly queue: Pick<DueWorkQueue, 'enqueueEnrollment'>;
}): (() => Promise<unknown>) | undefined {
  if (parts.config.campaigns.length === 0) return undefined;
  const enrollment = { queue: parts.queue, markMs: durationMs(parts.config.dispatcher.lease) };
  // The planner enrolls nobody itself: the workers read the model when they enroll.
  const loadModel = () => Promise.reject(new Error('the planner does not enroll'));
  return () =>
    startDueCampaigns({ clock: parts.clock, config: parts.config, loadModel, campaignStore: parts.store, enrollment });
}
